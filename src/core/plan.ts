/**
 * The `run` plan: from parsed options, environment facts and the located `op`, the exact argv
 * and environment `op` is exec'd with. Pure, so `-v` can print exactly what will happen and
 * tests can check it without starting anything.
 */
import type { EnvEntry } from "./env-file.ts";
import { enclosedReferences, looksLikeReference } from "./reference.ts";
import { extendedPath } from "./search-path.ts";
import { isCredentialVar } from "./signin.ts";
import { isRedactName, stageArgv } from "./stage.ts";
import { type ArgTemplates, GENERATED_PREFIX } from "./template.ts";

export interface RunOptions {
  envFiles: string[];
  /** A 1Password Environment ID (checked): `op run --environment`. */
  environment: string | undefined;
  account: string | undefined;
  noSignin: boolean;
  mask: boolean;
  op: string | undefined;
  verbose: boolean;
  /** Seconds the sign-in step (lock wait included) may take. */
  signinTimeout: number;
  /** File holding a service-account token (mode 0600), handed to `op` only. */
  tokenFile: string | undefined;
  /** Keep a JSON-RPC-aware filter between server and client that redacts resolved secrets. */
  redact: boolean;
  command: string;
  args: string[];
}

/**
 * How `op` will authenticate. Connect takes precedence over a service account (docs/op-cli.md).
 * `interactive` means the desktop app or a manual session; `op run` asks for authorization
 * itself under app integration.
 */
export type AuthMode = "connect" | "service-account" | "no-signin" | "interactive";

export type Env = Readonly<Record<string, string | undefined>>;

export function authMode(options: Pick<RunOptions, "noSignin">, env: Env): AuthMode {
  if (env.OP_CONNECT_HOST && env.OP_CONNECT_TOKEN) return "connect";
  if (env.OP_SERVICE_ACCOUNT_TOKEN) return "service-account";
  if (options.noSignin) return "no-signin";
  return "interactive";
}

export interface ReferenceSource {
  name: string;
  /** The reference; for a value with `{{ op://... }}` inside, those references, space-separated. */
  reference: string;
  /** `file:line`, `environment`, `server arguments`, or `inside NAME` (a --redact helper). */
  from: string;
  /** The `{{ op://... }}` references inside a longer value (`Bearer {{ op://... }}`). */
  inside?: string[];
}

export interface ExecPlan {
  file: string;
  argv: string[];
  env: Record<string, string>;
  auth: AuthMode;
  /** Which variables `op` will resolve, and where they come from (references, never values). */
  references: ReferenceSource[];
  /** Credential variables the stage removes before the server starts (names only). */
  scrubbed: string[];
  /**
   * What stands between op and the server: nothing, `env -u NAME...` (the stage only removes
   * variables), or this program again (`__stage`: `{{ }}` arguments, --redact, Windows).
   */
  stage: "none" | "env" | "internal";
  /** Open env files `op` gets as /dev/fd/N: they must survive the exec (see buildRunPlan). */
  inherited: Array<{ fd: number; path: string }>;
}

export interface PlanInput {
  options: RunOptions;
  opPath: string;
  /**
   * Absolute env-file paths in the order given, with their parsed entries, and the descriptor
   * each was read from when it is to be handed over open (POSIX, libc at hand).
   */
  envFiles: ReadonlyArray<{ path: string; display: string; entries: readonly EnvEntry[]; fd?: number }>;
  env: Env;
  /** Variables the sign-in step produced (`OP_SESSION_*`) or the token file provides. */
  credentials?: Readonly<Record<string, string>>;
  /** The server command resolved to a path (defaults to the command as given). */
  commandPath?: string;
  /**
   * How to start this program again, for the internal stage (e.g. [execPath]): asked only when
   * that stage is needed (runtime.ts selfCommand reads process.execPath, ~0.06 ms of `run`'s start).
   */
  self?: () => readonly string[];
  /**
   * An `env` that takes `-u NAME` (an absolute path: /usr/bin/env where it exists), for a stage
   * that only removes variables; without it, the internal stage does that too.
   */
  envProgram?: string;
  /** `{{ }}` placeholders in the server arguments, already validated (core/template.ts). */
  templates?: ArgTemplates;
  platform?: NodeJS.Platform;
}

/**
 * `op [--account A] run --env-file F... [--no-masking] -- <command> [args...]`, with the
 * internal stage in front of the command when credentials would otherwise reach the server.
 */
export function buildRunPlan(input: PlanInput): ExecPlan {
  const { options, opPath, envFiles } = input;
  const platform = input.platform ?? "linux";
  // Loops, not array methods, where the common case runs: `run`'s fast path (src/cli.ts, asksHelp).
  const env: Record<string, string> = {};
  for (const key in input.env) {
    const value = input.env[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, input.credentials ?? {});
  // --mask must win over an inherited OP_RUN_NO_MASKING, or the flag would silently do nothing.
  if (options.mask) delete env.OP_RUN_NO_MASKING;
  // Both op and the server need the well-known dirs a GUI client's PATH lacks (`spawn npx ENOENT`).
  // Windows spells it `Path`; replace whichever spelling is there rather than adding a second.
  let pathKey = "PATH";
  for (const key in env) {
    if (key.toUpperCase() !== "PATH") continue;
    pathKey = key;
    break;
  }
  env[pathKey] = extendedPath(input.env, platform);

  // op run hands its whole environment to the server: session and service-account tokens unlock
  // the whole account, so a stage removes them. Without any, the server follows op directly.
  // In order, by insertion: a handful at most, and Array#sort (like flatMap below) is written in
  // JavaScript in JavaScriptCore and compiled on its first call (session path: ~0.3 ms of both).
  const scrubbed: string[] = [];
  for (const key in env) {
    if (!isCredentialVar(key)) continue;
    let at = scrubbed.length;
    while (at > 0 && (scrubbed[at - 1] as string) > key) at--;
    scrubbed.splice(at, 0, key);
  }
  // `{{ op://... }}` placeholders become variables op resolves; the stage puts them in the args.
  const templates = input.templates;
  const generated: Record<string, string> = { ...templates?.generated };
  // Listed only when needed (--redact, or when read: -v, tests): `run`'s fast path reads none.
  let listed: ReferenceSource[] | undefined;
  const references = (): ReferenceSource[] => {
    if (listed) return listed;
    listed = collectReferences(input);
    for (const name in templates?.generated)
      listed.push({ name, reference: templates?.generated[name] as string, from: "server arguments" });
    return listed;
  };
  // `A="Bearer {{ op://... }}"`: op resolves the reference inside the value. --redact redacts A
  // by name, whole; the secret alone (a server may print just the token) gets a variable of its
  // own, resolved by op from the environment and removed by the stage like the ones above.
  if (options.redact) {
    const byReference = new Map(Object.entries(generated).map(([name, ref]) => [ref, name]));
    const list = references();
    for (const source of list.filter((r) => r.inside)) {
      for (const reference of source.inside ?? []) {
        if (byReference.has(reference)) continue;
        const name = `${GENERATED_PREFIX}${byReference.size + 1}`;
        byReference.set(reference, name);
        generated[name] = reference;
        list.push({ name, reference, from: `inside ${source.name}` });
      }
    }
  }
  Object.assign(env, generated);
  const needStage = scrubbed.length > 0 || templates !== undefined || options.redact;
  const command = input.commandPath ?? options.command;
  const args = templates ? templates.args : options.args;
  // A stage that only removes variables is `env -u NAME... -- server`: env execs the server,
  // so nothing stays resident and no second runtime starts (GNU coreutils, BusyBox and macOS's
  // BSD env all take -u; README.md, "Credential scrubbing"). Every env reads a first operand
  // with `=` as an assignment, even after `--`: such a command path keeps the internal stage.
  const envStage =
    needStage &&
    templates === undefined &&
    !options.redact &&
    platform !== "win32" &&
    input.envProgram !== undefined &&
    !command.includes("=");
  // The stage is this program again (`self`); without it (tests) the server follows op directly.
  const self = needStage && !envStage ? input.self?.() : undefined;
  const server = envStage
    ? envStageArgv(input.envProgram as string, scrubbed, command, args)
    : self !== undefined
      ? [
          ...self,
          ...stageArgv({
            unset: [...scrubbed, ...Object.keys(generated)],
            template: templates !== undefined,
            // Only values that came from op:// references are secrets to redact (names, not values).
            // A name no stage argument can carry (`--`) is left out rather than failing every start.
            redact: options.redact
              ? references()
                  .map((r) => r.name)
                  .filter(isRedactName)
              : [],
            command,
            args,
          }),
        ]
      : [command, ...args];

  const argv = [opPath];
  if (options.account) argv.push("--account", options.account);
  argv.push("run");
  if (options.environment !== undefined) argv.push("--environment", options.environment);
  // An env file opened and checked by mcp-op goes to op as /dev/fd/N, the descriptor kept open
  // across the exec: op (a Go program: os.ReadFile, an open by path) reads that very file, even
  // if the names around it changed during a sign-in that took seconds. On Linux /dev/fd/N
  // reopens the same file (proc(5)); on macOS opening it is fcntl(N, F_DUPFD) (xnu fd(4)): the
  // offset is shared, and mcp-op never moved it (files.ts reads at positions); a second read of
  // the same file by op would find it at its end (op's internals: [unknown]; Go's os.ReadFile
  // opens once and reads to EOF). The file can be written only by you or root (files.ts), so
  // its bytes are the ones checked unless you edit it in that moment. op's children inherit the
  // descriptor too: the compiled stage does not pass it on (its exec marks every descriptor
  // above 2 close-on-exec, effects/native.ts); a server op starts directly, or through `env -u`
  // (which passes descriptors on as they are), may hold it (Go's exec closes only close-on-exec descriptors),
  // read-only, on a file of references it could read anyway.
  // Windows has no /dev/fd: paths, as before.
  const inherited: Array<{ fd: number; path: string }> = [];
  for (const file of envFiles) {
    if (file.fd === undefined) argv.push("--env-file", file.path);
    else {
      argv.push("--env-file", `/dev/fd/${file.fd}`);
      inherited.push({ fd: file.fd, path: file.path });
    }
  }
  if (!options.mask) argv.push("--no-masking");
  argv.push("--", ...server);

  return {
    file: opPath,
    argv,
    env,
    auth: authMode(options, env),
    get references() {
      return references();
    },
    scrubbed: envStage || self !== undefined ? scrubbed : [],
    stage: envStage ? "env" : self !== undefined ? "internal" : "none",
    inherited,
  };
}

/** `env -u NAME... -- command args...`, with a loop (see the sort above). */
function envStageArgv(
  envProgram: string,
  unset: readonly string[],
  command: string,
  args: readonly string[],
): string[] {
  const argv = [envProgram];
  for (const name of unset) argv.push("-u", name);
  argv.push("--", command, ...args);
  return argv;
}

function collectReferences(input: PlanInput): ReferenceSource[] {
  // op's precedence: env files over the environment, later files over earlier ones.
  const byName = new Map<string, ReferenceSource>();
  for (const name in input.env) {
    const value = input.env[name];
    if (value !== undefined && looksLikeReference(value)) {
      byName.set(name, { name, reference: value, from: "environment" });
    }
  }
  for (const file of input.envFiles) {
    for (const entry of file.entries) {
      const from = `${file.display}:${entry.line}`;
      // The `{{` test first keeps the scan off the usual values.
      const inside =
        !looksLikeReference(entry.value) && entry.value.includes("{{") ? enclosedReferences(entry.value) : [];
      if (looksLikeReference(entry.value)) {
        byName.set(entry.key, { name: entry.key, reference: entry.value, from });
      } else if (inside.length > 0) {
        byName.set(entry.key, { name: entry.key, reference: inside.join(" "), from, inside });
      } else {
        byName.delete(entry.key);
      }
    }
  }
  const sources: ReferenceSource[] = [];
  for (const source of byName.values()) sources.push(source);
  return sources;
}

/**
 * Human-readable plan for `-v`: argv and reference sources, never a value. `mask` is
 * detect.ts's `maskArgs`, passed in so that `run` loads the detector only at `-v`.
 */
export function describePlan(plan: ExecPlan, mask: (args: readonly string[]) => string[]): string[] {
  // The user's own plaintext in server args (`--token X`) is not repeated in logs.
  const lines = [`auth: ${plan.auth}`, `exec: ${mask(plan.argv).map(quoteArg).join(" ")}`];
  for (const { fd, path } of plan.inherited) {
    lines.push(`/dev/fd/${fd} is ${path}, opened and checked by mcp-op and kept open for op`);
  }
  if (plan.scrubbed.length > 0) {
    const stage = plan.stage === "env" ? "env" : "the internal stage";
    lines.push(`${stage} removes ${plan.scrubbed.join(", ")} before the server starts`);
  }
  for (const r of plan.references) {
    // Only the references of a templated value: its other text may be anything.
    const shown = r.inside ? `… ${r.inside.map((ref) => `{{ ${ref} }}`).join(" … ")} …` : r.reference;
    lines.push(`resolves ${r.name} = ${shown} (${r.from})`);
  }
  return lines;
}

/** An argument as a POSIX shell would need it quoted, for display only. */
export function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
