/**
 * Every `op` call mcp-op makes but `op run` itself (core/plan.ts builds that one): one method per
 * operation, typed results, one timeout rule and one reading of op's errors. Commands and other
 * effects run op only through an `Op`, which tests can replace with an in-memory one.
 *
 * stdin is /dev/null for every call: under `run` it is the client's JSON-RPC pipe and must not
 * lose a byte. Only a call made with `prompt` (sign-in, when stdin is a terminal) gets the
 * terminal, stdin and stderr, so that a person can answer op's prompt.
 *
 * On `run`'s fast path (the default Context, commands/_shared.ts): its top level only defines
 * functions, and its imports are on that path already (src/cli.ts, import budget).
 */
import { parseSigninOutput } from "../core/signin.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { spawnCapture, spawnStatus } from "./native.ts";

/** How one call runs, beyond the client's settings. */
export interface OpCall {
  /** Epoch ms by which op must have ended: the call's time limit shrinks to fit (sign-in's deadline). */
  deadline?: number;
  /** Aborting it ends op (SIGTERM, then SIGKILL a second later): a stop signal during sign-in. */
  stop?: AbortSignal;
  /** A person can answer op's prompt: op gets this terminal's stdin and stderr (sign-in only). */
  prompt?: boolean;
}

/**
 * A call that op answered with a failure, or that ran out of time. `what` names the call as
 * messages do ("op read", "op item list --vault Private"); `message` is one line: op's last
 * error without its timestamp, or "<what> timed out". An op that cannot start is no failure of
 * the call: that throws (69).
 */
export type OpFailure =
  | { ok: false; kind: "exit"; what: string; code: number; message: string }
  | { ok: false; kind: "timeout"; what: string; message: string };

export type OpResult<T extends object = object> = ({ ok: true } & T) | OpFailure;

/** An account of `op account list`: op prints the shorthand only for accounts that have one. */
export interface OpAccount {
  url?: string;
  email?: string;
  shorthand?: string;
}

export interface OpVault {
  id: string;
  name: string;
}

export interface OpItem {
  id: string;
  title: string;
}

export interface Op {
  /** `op whoami`: ok when signed in (or authorized by a token). */
  whoami(call?: OpCall): Promise<OpResult>;
  /**
   * `op whoami` for its exit status only, output not read: the cheapest call (a synchronous
   * spawn without pipes), for `run`'s fast path. Takes no stop signal: it never prompts.
   * Without a promise where the runtime spawns synchronously (Bun): no `await` on that path.
   */
  signedIn(call?: Pick<OpCall, "deadline">): OpResult | Promise<OpResult>;
  /** `op signin`: the session variables it printed (none under the app integration). */
  signin(call?: OpCall): Promise<OpResult<{ session: Record<string, string> }>>;
  /** `op account list`; `accounts` undefined when op printed no JSON list. */
  accountList(call?: OpCall): Promise<OpResult<{ accounts: OpAccount[] | undefined }>>;
  /** `op vault list`; `vaults` undefined when op printed no JSON list. */
  vaultList(call?: OpCall): Promise<OpResult<{ vaults: OpVault[] | undefined }>>;
  /** `op item list --vault`: the items with a title. */
  itemList(vault: string, call?: OpCall): Promise<OpResult<{ items: OpItem[] }>>;
  /**
   * `op item create`: an API Credential item whose concealed `credential` field holds
   * `credential`. The value never goes to argv: op reads it from a nameless file in `dir` (a
   * private directory; effects/migration.ts withItemTemplate). `id` is absent when op printed none.
   */
  itemCreate(
    item: { vault: string; title: string; credential: string; dir: string },
    call?: OpCall,
  ): Promise<OpResult<{ id?: string }>>;
  /** `op read --no-newline`: the value, to be dropped as soon as it is used. */
  read(reference: string, call?: OpCall): Promise<OpResult<{ value: string }>>;
  /** `op --version`, trimmed. */
  version(call?: OpCall): Promise<OpResult<{ version: string }>>;
}

export interface OpClientOptions {
  opPath: string;
  /** `--account`, given to every call (but `--version`). */
  account?: string | undefined;
  /** op's whole environment. */
  env: Record<string, string>;
  /** Each call's time limit (less when its deadline is nearer). */
  timeoutMs?: number;
}

/** How commands and effects get their `Op`: opClient, or a fake in unit tests (the command's Context.op). */
export type OpFactory = (options: OpClientOptions) => Op;

/** A call's time limit when the client names none: long enough for a slow network, and finite. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** The one timeout rule: the client's limit, cut to what is left before the deadline (<= 0: none left). */
export function callTimeout(timeoutMs: number, deadline: number | undefined, now: number): number {
  const left = deadline === undefined ? timeoutMs : deadline - now;
  // biome-ignore lint/complexity/useMathMinMax: `run` calls this before it execs, where the first touch of `Math` costs ~0.17 ms
  return left < timeoutMs ? left : timeoutMs;
}

/** op's arguments: the global `--account` first. */
export function opArgv(account: string | undefined, args: readonly string[]): string[] {
  return account ? ["--account", account, ...args] : [...args];
}

/** The last `[ERROR] ...` message op printed, without its timestamp, for one-line reports. */
export function opErrorMessage(stderr: string): string {
  const lines = stderr.split(/\r?\n/).filter((l) => l.trim() !== "");
  const error = [...lines].reverse().find((l) => l.startsWith("[ERROR]")) ?? lines.at(-1) ?? "";
  return error.replace(/^\[ERROR\]\s+\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\s+/, "").trim();
}

/**
 * The one reading of a finished op call: undefined when it succeeded, else a failure whose
 * message is op's last error ("op exited N" when op printed none, or its stderr was shown).
 */
export function readFailure(
  what: string,
  captured: { code: number; stderr: string } | undefined,
): OpFailure | undefined {
  if (captured === undefined) return { ok: false, kind: "timeout", what, message: `${what} timed out` };
  if (captured.code === 0) return undefined;
  const message = opErrorMessage(captured.stderr) || `op exited ${captured.code}`;
  return { ok: false, kind: "exit", what, code: captured.code, message };
}

/** op could not start (not executable, gone since it was found): 69, for every call alike. */
export function cannotStart(opPath: string, error: unknown): McpOpError {
  return new McpOpError(
    EXIT.UNAVAILABLE,
    `could not run ${opPath}: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/** op says no one is signed in (or no account matches): the failure a sign-in fixes. */
export function needsSignin(failure: OpFailure): boolean {
  return failure.kind === "exit" && /not (currently )?signed in|no account found/i.test(failure.message);
}

/**
 * A failure as an error, for a caller that cannot go on without the call: 75 when it timed out,
 * 77 when a sign-in would fix it (the hint says how, then `retry`), else 69.
 */
export function opError(failure: OpFailure, retry = "try again"): McpOpError {
  if (failure.kind === "timeout") return new McpOpError(EXIT.TEMPFAIL, failure.message);
  const message = `${failure.what} failed: ${failure.message}`;
  if (needsSignin(failure)) {
    return new McpOpError(
      EXIT.NOPERM,
      message,
      `sign in first (turn on 1Password app integration, or run: eval $(op signin)), then ${retry}`,
    );
  }
  return new McpOpError(EXIT.UNAVAILABLE, message);
}

/** JSON op printed, or undefined when it printed none. */
function parseJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** An `Op` that spawns `opPath`. Creating one spawns nothing: make one per environment. */
export function opClient(options: OpClientOptions): Op {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  /** Run op once: its output, or the failure; 69 thrown when it cannot start. */
  async function call(
    what: string,
    args: readonly string[],
    at: OpCall = {},
    files: readonly number[] = [],
  ): Promise<{ ok: true; stdout: string } | OpFailure> {
    const limit = callTimeout(timeoutMs, at.deadline, Date.now());
    if (limit <= 0) return { ok: false, kind: "timeout", what, message: `${what} timed out` };
    let captured: Awaited<ReturnType<typeof spawnCapture>>;
    try {
      captured = await spawnCapture(options.opPath, args, {
        env: options.env,
        stdin: at.prompt ? "inherit" : "ignore",
        stderr: at.prompt ? "inherit" : "pipe",
        timeoutMs: limit,
        files,
        ...(at.stop ? { stop: at.stop } : {}),
      });
    } catch (error) {
      throw cannotStart(options.opPath, error);
    }
    return readFailure(what, captured) ?? { ok: true, stdout: (captured as { stdout: string }).stdout };
  }

  const withAccount = (...args: string[]) => opArgv(options.account, args);

  return {
    async whoami(at) {
      const r = await call("op whoami", withAccount("whoami"), at);
      return r.ok ? { ok: true } : r;
    },

    signedIn(at = {}) {
      const what = "op whoami";
      const limit = callTimeout(timeoutMs, at.deadline, Date.now());
      if (limit <= 0) return { ok: false, kind: "timeout", what, message: `${what} timed out` };
      // No stderr to read (and no RegExp run on `run`'s fast path, test/fast-path.test.ts).
      const result = (code: number | undefined): OpResult => {
        if (code === undefined) return { ok: false, kind: "timeout", what, message: `${what} timed out` };
        return code === 0 ? { ok: true } : { ok: false, kind: "exit", what, code, message: `op exited ${code}` };
      };
      const failed = (error: unknown): never => {
        throw cannotStart(options.opPath, error);
      };
      let code: ReturnType<typeof spawnStatus>;
      try {
        code = spawnStatus(options.opPath, withAccount("whoami"), { env: options.env, timeoutMs: limit });
      } catch (error) {
        return failed(error);
      }
      return code instanceof Promise ? code.then(result, failed) : result(code);
    },

    async signin(at) {
      const r = await call("op signin", withAccount("signin"), at);
      return r.ok ? { ok: true, session: parseSigninOutput(r.stdout) } : r;
    },

    async accountList(at) {
      const r = await call("op account list", withAccount("account", "list", "--format", "json"), at);
      if (!r.ok) return r;
      const list = parseJson(r.stdout);
      const accounts = Array.isArray(list)
        ? list.map((a: Record<string, unknown>) => {
            const account: OpAccount = {};
            for (const key of ["url", "email", "shorthand"] as const) {
              const v = str(a?.[key]);
              if (v !== undefined) account[key] = v;
            }
            return account;
          })
        : undefined;
      return { ok: true, accounts };
    },

    async vaultList(at) {
      const r = await call("op vault list", withAccount("vault", "list", "--format", "json"), at);
      if (!r.ok) return r;
      const list = parseJson(r.stdout);
      const vaults = Array.isArray(list)
        ? list.map((v: Record<string, unknown>) => ({ id: str(v?.id) ?? "", name: str(v?.name) ?? "" }))
        : undefined;
      return { ok: true, vaults };
    },

    async itemList(vault, at) {
      const r = await call(
        `op item list --vault ${vault}`,
        withAccount("item", "list", "--vault", vault, "--format", "json"),
        at,
      );
      if (!r.ok) return r;
      const list = parseJson(r.stdout);
      const items = (Array.isArray(list) ? (list as Array<Record<string, unknown>>) : []).flatMap((i) => {
        const title = str(i?.title);
        return title === undefined ? [] : [{ id: str(i.id) ?? "", title }];
      });
      return { ok: true, items };
    },

    async itemCreate(item, at) {
      const template = JSON.stringify({
        title: item.title,
        category: "API_CREDENTIAL",
        fields: [{ id: "credential", label: "credential", type: "CONCEALED", purpose: "", value: item.credential }],
      });
      // Loaded here: the file and crypto code stays off `run`'s fast path.
      const { withItemTemplate } = await import("./migration.ts");
      const r = await withItemTemplate(item.dir, template, (path, files) =>
        call(
          "op item create",
          withAccount(
            "item",
            "create",
            "--category",
            "API Credential",
            "--vault",
            item.vault,
            "--title",
            item.title,
          ).concat(["--template", path, "--format", "json"]),
          at,
          files,
        ),
      );
      if (!r.ok) return r;
      // The item JSON op prints holds the value too: only its ID is kept.
      const id = str((parseJson(r.stdout) as { id?: unknown } | undefined)?.id);
      return id === undefined ? { ok: true } : { ok: true, id };
    },

    async read(reference, at) {
      const r = await call("op read", withAccount("read", "--no-newline", reference), at);
      return r.ok ? { ok: true, value: r.stdout } : r;
    },

    async version(at) {
      const r = await call("op --version", ["--version"], at);
      return r.ok ? { ok: true, version: r.stdout.trim() } : r;
    },
  };
}
