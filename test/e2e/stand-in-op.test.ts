// Tests of the stand-in `op` (test/fixtures/bin/op) itself: the rest of the suite trusts it to
// behave like the facts in docs/op-cli.md, and to make the wrapper's job harder where they are unknown.
// Every test spawns the stand-in as a real process; synchronisation is event-driven (output
// markers, fs.watch), never sleeps.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  watch,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const OP = join(import.meta.dir, "..", "fixtures", "bin", "op");
const NODE = Bun.which("node") ?? "/usr/bin/node";
const ERROR_LINE = /^\[ERROR\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} (.*)$/;
const MASK = "<concealed by 1Password>";
const UUID = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

const STORE = {
  Dev: {
    GitHub: { token: "ghp_SECRET123", extra: { "api key": "sk-XYZ-456" } },
    DB: { password: "p@ss word", user: "admin-user" },
    "Multi Byte": { password: "pässwörd€" },
  },
  prod: { db: { password: "prod-secret-789", "password-long": "prod-secret-789-and-more" } },
};
const ALL_SECRETS = [
  "ghp_SECRET123",
  "sk-XYZ-456",
  "p@ss word",
  "admin-user",
  "pässwörd€",
  "prod-secret-789",
  "prod-secret-789-and-more",
];

const NOT_SIGNED_IN =
  "error initializing client: You are not currently signed in. Please run `op signin --help` for instructions";
const DISMISSED = "error initializing client: authorization prompt dismissed, please try again";

let dir: string;
let state: string;
let logFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "op-stand-in-"));
  state = join(dir, "state");
  logFile = join(dir, "log.jsonl");
  writeFileSync(join(dir, "vault.json"), JSON.stringify(STORE));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Env = Record<string, string>;

function env(extra: Env = {}): Env {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    OP_STUB_VAULT: join(dir, "vault.json"),
    OP_STUB_LOG: logFile,
    ...extra,
  };
}

type Stdin = "ignore" | "inherit" | Blob | Uint8Array;

function op(args: string[], opts: { env?: Env; stdin?: Stdin; cwd?: string } = {}) {
  const r = Bun.spawnSync([OP, ...args], {
    env: opts.env ?? env(),
    stdin: opts.stdin ?? "ignore",
    stdout: "pipe",
    stderr: "pipe",
    cwd: opts.cwd ?? dir,
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** The message of the single `[ERROR] <timestamp> <message>` line ending stderr. */
function errorMessage(stderr: string): string {
  const lines = stderr.replace(/\n$/, "").split("\n");
  const m = ERROR_LINE.exec(lines[lines.length - 1] ?? "");
  if (!m) throw new Error(`no [ERROR] line at the end of stderr: ${JSON.stringify(stderr)}`);
  return m[1] as string;
}

function expectError(r: { code: number | null; stdout: string; stderr: string }, message: string) {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(errorMessage(r.stderr)).toBe(message);
}

function logRecords(): Record<string, unknown>[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function prompts(): string[] {
  const f = join(state, "prompts");
  return existsSync(f) ? readFileSync(f, "utf8").trim().split("\n").filter(Boolean) : [];
}

/** Resolves once `pred()` holds, re-checking whenever something changes in `watchDir`. */
function waitFor(watchDir: string, pred: () => boolean): Promise<void> {
  // Woken by fs.watch, and also re-checked every 25 ms: inotify can merge or drop the events of
  // several processes appending to one file at once, and a missed wake-up must not hang the test.
  mkdirSync(watchDir, { recursive: true });
  return new Promise((resolve) => {
    const check = () => {
      if (!pred()) return;
      w.close();
      clearInterval(timer);
      resolve();
    };
    const w = watch(watchDir, check);
    const timer = setInterval(check, 25);
    check();
  });
}

/** Accumulates a stream's text and lets a test await a marker in it. */
function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  let closed = false;
  const wake: (() => void)[] = [];
  const done = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      text += dec.decode(chunk, { stream: true });
      for (const w of wake.splice(0)) w();
    }
    closed = true;
    for (const w of wake.splice(0)) w();
  })();
  return {
    get text() {
      return text;
    },
    done,
    async until(pred: (t: string) => boolean) {
      while (!pred(text)) {
        if (closed) throw new Error(`stream closed before the expected output; got ${JSON.stringify(text)}`);
        await new Promise<void>((r) => wake.push(r));
      }
    },
  };
}

/** `op run` a node script; the child prints JSON of the env vars named in `keys`. */
function runPrintEnv(args: string[], keys: string[], extra: Env = {}) {
  const script = `const o={};for(const k of ${JSON.stringify(keys)})o[k]=process.env[k];console.log(JSON.stringify(o))`;
  const r = op(["run", "--no-masking", ...args, "--", NODE, "-e", script], { env: env(extra) });
  return { ...r, vars: r.code === 0 ? (JSON.parse(r.stdout) as Record<string, string | undefined>) : undefined };
}

// ---------------------------------------------------------------------------------------------
describe("invocation log", () => {
  test("records argv, pid, ppid, stdin kind, cwd and OP_* names (never values)", () => {
    const r = op(["--version"], {
      env: env({ OP_SERVICE_ACCOUNT_TOKEN: "ops_value_must_not_leak", OP_ACCOUNT: "my", OTHER: "x" }),
    });
    expect(r.code).toBe(0);
    const [rec] = logRecords();
    expect(rec).toEqual({
      argv: ["--version"],
      pid: expect.any(Number),
      ppid: process.pid,
      stdin: "null",
      env: { OP_ACCOUNT: true, OP_SERVICE_ACCOUNT_TOKEN: true, OP_STUB_LOG: true, OP_STUB_VAULT: true },
      cwd: dir,
    });
    expect(readFileSync(logFile, "utf8")).not.toContain("ops_value_must_not_leak");
  });

  test.each([
    ["/dev/null", `exec "$OP" --version </dev/null`, "null"],
    ["a FIFO", `printf abc | "$OP" --version`, "pipe"],
    ["a regular file", `exec "$OP" --version <"$0"`, "file"],
    // Node reopens a closed fd 0 as /dev/null before the script runs (see README)
    ["a closed fd", `exec "$OP" --version <&-`, "null"],
  ])("stdin kind: %s", (_name, script, kind) => {
    const r = Bun.spawnSync(["sh", "-c", script, OP], { env: { ...env(), OP }, stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    expect(logRecords()[0]?.stdin).toBe(kind);
  });

  test("stdin kind: socket (Bun's stdin pipe) and tty (a PTY)", async () => {
    const p = Bun.spawn([OP, "--version"], { env: env(), stdin: "pipe", stdout: "pipe" });
    p.stdin.end();
    expect(await p.exited).toBe(0);
    const t = Bun.spawn([OP, "--version"], { env: env(), terminal: {} });
    expect(await t.exited).toBe(0);
    t.terminal?.close();
    expect(
      logRecords()
        .filter((r) => "stdin" in r)
        .map((r) => r.stdin),
    ).toEqual(["socket", "tty"]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("global behaviour", () => {
  test("--version prints the bare version, OP_STUB_VERSION overrides", () => {
    expect(op(["--version"]).stdout).toBe("2.32.0\n");
    expect(op(["--version"], { env: env({ OP_STUB_VERSION: "2.18.0-beta.01" }) }).stdout).toBe("2.18.0-beta.01\n");
  });

  test("errors are exit 1 with exactly one `[ERROR] YYYY/MM/DD HH:MM:SS msg` line", () => {
    const r = op(["frobnicate"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^\[ERROR\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} unknown command "frobnicate" for "op"\n$/,
    );
    // the timestamp is local time
    const now = new Date();
    const stamp = ERROR_LINE.exec(r.stderr.trim())?.[0].slice(8, 18);
    const p = (n: number) => String(n).padStart(2, "0");
    expect(stamp).toBe(`${now.getFullYear()}/${p(now.getMonth() + 1)}/${p(now.getDate())}`);
  });

  test.each([
    [["--bogus", "whoami"], "unknown flag: --bogus"],
    [["whoami", "--bogus"], "unknown flag: --bogus"],
    [["read", "-x", "op://Dev/GitHub/token"], "unknown shorthand flag: 'x' in -x"],
    [["read", "op://Dev/GitHub/token", "--account"], "flag needs an argument: --account"],
  ])("flag errors %j", (args, message) => {
    expectError(op(args), message);
  });

  test("global flags before and after the command, both spellings", () => {
    for (const args of [
      ["--account", "my", "whoami"],
      ["--account=my.1password.com", "whoami"],
      ["whoami", "--account", UUID],
      ["--config", dir, "--cache", "--debug", "whoami"],
    ]) {
      expect(op(args).code).toBe(0);
    }
  });

  test.each([
    ["--account flag", ["--account", "work", "whoami"], {}, "no account found for filter work"],
    ["OP_ACCOUNT", ["whoami"], { OP_ACCOUNT: "work" }, "no account found for filter work"],
    [
      "read with OP_ACCOUNT",
      ["read", "op://Dev/GitHub/token"],
      { OP_ACCOUNT: "work" },
      "no account found for filter work",
    ],
  ])("an account filter that matches nothing: %s", (_n, args, extra, message) => {
    expectError(op(args, { env: env(extra) }), message);
  });

  test("--format json / OP_FORMAT=json", () => {
    const a = JSON.parse(op(["whoami", "--format", "json"]).stdout);
    expect(a).toMatchObject({
      url: expect.any(String),
      email: expect.any(String),
      user_uuid: UUID,
      account_uuid: expect.any(String),
    });
    expect(JSON.parse(op(["whoami"], { env: env({ OP_FORMAT: "json" }) }).stdout)).toEqual(a);
  });

  test("misconfiguration is not an op error (exit 97)", () => {
    expect(op(["whoami"], { env: env({ OP_STUB_AUTH: "bogus" }) }).code).toBe(97);
    expect(op(["read", "op://Dev/GitHub/token"], { env: env({ OP_STUB_AUTH: "app" }) }).code).toBe(97); // no OP_STUB_STATE
  });
});

// ---------------------------------------------------------------------------------------------
describe("op read and secret references", () => {
  test.each([
    ["op://Dev/GitHub/token", "ghp_SECRET123"],
    ["op://dev/github/TOKEN", "ghp_SECRET123"], // case-insensitive
    ["op://Dev/GitHub/extra/api key", "sk-XYZ-456"], // section
    ["op://Dev/GitHub/api key", "sk-XYZ-456"], // field in a section, without naming it
    ["op://Dev/DB/password?attribute=value", "p@ss word"],
    ["op://Dev/Multi Byte/password", "pässwörd€"],
    ["op://prod/db/password", "prod-secret-789"],
  ])("read %s", (ref, value) => {
    const r = op(["read", ref]);
    expect(r).toEqual({ code: 0, stdout: `${value}\n`, stderr: "" });
  });

  test.each([["-n"], ["--no-newline"]])("%s suppresses the newline", (flag) => {
    expect(op(["read", flag, "op://Dev/GitHub/token"]).stdout).toBe("ghp_SECRET123");
    expect(op(["read", "op://Dev/GitHub/token", flag]).stdout).toBe("ghp_SECRET123");
  });

  test.each([
    [
      "op://Dev/nope/password",
      `could not read secret 'op://Dev/nope/password': could not get item Dev/nope: "nope" isn't an item in the "Dev" vault. Specify the item with its UUID, name, or domain.`,
    ],
    [
      "op://Dev/GitHub/nope",
      `could not read secret 'op://Dev/GitHub/nope': item 'Dev/GitHub' does not have a field 'nope'`,
    ],
    [
      "op://Local/GitHub/token",
      `could not read secret 'op://Local/GitHub/token': "Local" isn't a vault in this account. Specify the vault with its ID or name.`,
    ],
    [
      "op://",
      "invalid secret reference 'op://': too few '/': secret references should have at least vault, item and field specified",
    ],
    [
      "op://Dev/GitHub",
      "invalid secret reference 'op://Dev/GitHub': too few '/': secret references should have at least vault, item and field specified",
    ],
  ])("read %s fails verbatim", (ref, message) => {
    expectError(op(["read", ref]), message);
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth: signed-in (default) and none", () => {
  test("signed-in: whoami prints URL, Email, User ID", () => {
    const r = op(["whoami"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^URL: +https:\/\/\S+\nEmail: +\S+@\S+\nUser ID: +ABCDEFGHIJKLMNOPQRSTUVWXYZ\n/);
  });

  test("signed-in: account list --format json has one account; vault list", () => {
    const accounts = JSON.parse(op(["account", "list", "--format", "json"]).stdout);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ user_uuid: UUID });
    expect(JSON.parse(op(["vault", "list", "--format", "json"]).stdout).map((v: { name: string }) => v.name)).toEqual([
      "Dev",
      "prod",
    ]);
    expect(op(["vault", "list"]).stdout).toMatch(/^ID +NAME\n\S+ +Dev\n\S+ +prod\n$/);
  });

  const none = { OP_STUB_AUTH: "none" };
  test.each([
    ["read", ["read", "op://Dev/GitHub/token"]],
    ["vault list", ["vault", "list"]],
    ["run", ["run", "--", NODE, "-e", ""]],
    ["signin", ["signin"]],
  ])("none: %s prints the no-account help, then the [ERROR] line", (_n, args) => {
    const r = op(args, { env: env(none) });
    expect(r.code).toBe(1);
    expect(errorMessage(r.stderr)).toBe("no account found for filter ");
    const help = r.stderr.slice(0, r.stderr.lastIndexOf("[ERROR]"));
    for (const s of ["app integration", "op account add", "OP_SERVICE_ACCOUNT_TOKEN", "Connect"])
      expect(help).toContain(s);
  });

  test("none: whoami and account list", () => {
    expectError(op(["whoami"], { env: env(none) }), "no account found for filter ");
    const r = op(["account", "list", "--format", "json"], { env: env(none) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth: service account and Connect", () => {
  const none = { OP_STUB_AUTH: "none" };

  test("a service-account token works without sign-in, even with no account configured", () => {
    const e = env({ ...none, OP_SERVICE_ACCOUNT_TOKEN: "ops_abc" });
    expect(op(["read", "op://Dev/GitHub/token"], { env: e }).stdout).toBe("ghp_SECRET123\n");
    expect(op(["vault", "list"], { env: e }).code).toBe(0);
    expect(
      runPrintEnv([], ["T"], { ...none, OP_SERVICE_ACCOUNT_TOKEN: "ops_abc", T: "op://Dev/GitHub/token" }).vars,
    ).toEqual({
      T: "ghp_SECRET123",
    });
    expectError(op(["whoami"], { env: e }), "service account token set, but not authenticated yet");
    expect(op(["signin"], { env: e })).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test.each([
    ["not ops_-prefixed", { OP_SERVICE_ACCOUNT_TOKEN: "bogus" }, 1],
    ["different from OP_STUB_SA_TOKEN", { OP_SERVICE_ACCOUNT_TOKEN: "ops_a", OP_STUB_SA_TOKEN: "ops_b" }, 1],
    ["equal to OP_STUB_SA_TOKEN", { OP_SERVICE_ACCOUNT_TOKEN: "any", OP_STUB_SA_TOKEN: "any" }, 0],
  ])("service-account token %s", (_n, extra, code) => {
    const r = op(["read", "op://Dev/GitHub/token"], { env: env({ ...none, ...extra }) });
    expect(r.code).toBe(code);
    if (code) expect(errorMessage(r.stderr)).toStartWith("could not read secret 'op://Dev/GitHub/token': ");
  });

  test("Connect (host + token) authorizes run/read and wins over a bad service-account token", () => {
    const e = {
      ...none,
      OP_CONNECT_HOST: "http://localhost:8080",
      OP_CONNECT_TOKEN: "t",
      OP_SERVICE_ACCOUNT_TOKEN: "bogus",
    };
    expect(op(["read", "op://Dev/GitHub/token"], { env: env(e) }).stdout).toBe("ghp_SECRET123\n");
    expect(runPrintEnv([], ["T"], { ...e, T: "op://Dev/GitHub/token" }).vars).toEqual({ T: "ghp_SECRET123" });
    // only the host: not Connect, falls back to the (absent) account
    expect(op(["read", "op://Dev/GitHub/token"], { env: env({ ...none, OP_CONNECT_HOST: "h" }) }).code).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth: desktop-app integration", () => {
  const app = (extra: Env = {}) => env({ OP_STUB_AUTH: "app", OP_STUB_STATE: state, ...extra });

  test("signin prints nothing and does not authorize; whoami needs a prior prompt", () => {
    expectError(op(["whoami"], { env: app() }), "account is not signed in");
    expect(op(["signin"], { env: app() })).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(op(["signin", "--raw"], { env: app() })).toEqual({ code: 0, stdout: "", stderr: "" });
    expectError(op(["whoami"], { env: app() }), "account is not signed in");
    expect(prompts()).toEqual([]);
  });

  test("OP_STUB_APPROVE=yes: one prompt, then authorized for 10 minutes", () => {
    const before = Date.now();
    const r = op(["read", "op://Dev/GitHub/token"], { env: app() });
    expect(r.stdout).toBe("ghp_SECRET123\n");
    expect(prompts()).toHaveLength(1);
    const [pid, ms] = (prompts()[0] as string).split(" ").map(Number);
    expect(pid).toBe(logRecords()[0]?.pid as number);
    expect(ms).toBeGreaterThanOrEqual(before);
    const until = Number(readFileSync(join(state, "authorized-until"), "utf8"));
    expect(until - Date.now()).toBeGreaterThan(9 * 60 * 1000);
    expect(until - before).toBeLessThanOrEqual(10 * 60 * 1000 + 5000);
    // no more prompts while authorized
    expect(op(["vault", "list"], { env: app() }).code).toBe(0);
    expect(
      runPrintEnv([], ["T"], { OP_STUB_AUTH: "app", OP_STUB_STATE: state, T: "op://Dev/GitHub/token" }).vars,
    ).toEqual({
      T: "ghp_SECRET123",
    });
    expect(op(["whoami"], { env: app() }).code).toBe(0);
    expect(prompts()).toHaveLength(1);
  });

  test("an expired authorization prompts again", () => {
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, "authorized-until"), String(Date.now() - 1));
    expect(op(["read", "op://Dev/GitHub/token"], { env: app() }).code).toBe(0);
    expect(prompts()).toHaveLength(1);
  });

  test("OP_STUB_APPROVE=no: every attempt prompts and fails", () => {
    const e = app({ OP_STUB_APPROVE: "no" });
    expectError(op(["vault", "list"], { env: e }), DISMISSED);
    expectError(
      op(["read", "op://Dev/GitHub/token"], { env: e }),
      `could not read secret 'op://Dev/GitHub/token': ${DISMISSED}`,
    );
    const marker = join(dir, "child-ran");
    const r = op(["run", "--", NODE, "-e", `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`], { env: e });
    expectError(r, DISMISSED);
    expect(existsSync(marker)).toBe(false);
    expect(prompts()).toHaveLength(3);
    expectError(op(["whoami"], { env: e }), "account is not signed in");
  });

  test("OP_STUB_PROMPT_MS delays the approval", () => {
    const t0 = performance.now();
    expect(op(["read", "op://Dev/GitHub/token"], { env: app({ OP_STUB_PROMPT_MS: "300" }) }).code).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
  });

  test("a launch that finds the prompt still outstanding shows its own prompt", async () => {
    const slow = Bun.spawn([OP, "read", "op://Dev/GitHub/token"], {
      env: app({ OP_STUB_PROMPT_MS: "60000" }),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    await waitFor(state, () => prompts().length === 1);
    expect(op(["read", "op://Dev/GitHub/token"], { env: app() }).stdout).toBe("ghp_SECRET123\n");
    expect(prompts().map((l) => Number(l.split(" ")[0]))).toEqual([slow.pid, expect.any(Number)]);
    slow.kill("SIGTERM");
    await slow.exited;
  });

  test("OP_STUB_APPROVE=hang blocks until killed; racing launches each prompt", async () => {
    const procs = [0, 1, 2].map(() =>
      Bun.spawn([OP, "read", "op://Dev/GitHub/token"], {
        env: app({ OP_STUB_APPROVE: "hang" }),
        stdin: "ignore",
        stdout: "pipe",
      }),
    );
    await waitFor(state, () => prompts().length === 3);
    expect(new Set(prompts().map((l) => Number(l.split(" ")[0])))).toEqual(new Set(procs.map((p) => p.pid)));
    for (const p of procs) {
      expect(p.exitCode).toBeNull();
      p.kill("SIGTERM");
      await p.exited;
      expect(p.signalCode).toBe("SIGTERM");
      expect(await new Response(p.stdout).text()).toBe("");
    }
    expect(existsSync(join(state, "authorized-until"))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth: manual sign-in", () => {
  const manual = (extra: Env = {}) => env({ OP_STUB_AUTH: "manual", OP_STUB_STATE: state, ...extra });

  /** `op signin` on a PTY; types `password` once the prompt shows. */
  async function signinOnPty(password: string, args: string[] = [], extra: Env = {}) {
    let output = "";
    let typed = false;
    let ptyClosed: () => void = () => {};
    const closed = new Promise<void>((r) => {
      ptyClosed = r;
    });
    const dec = new TextDecoder();
    const proc = Bun.spawn([OP, "signin", ...args], {
      env: manual(extra),
      terminal: {
        data(term, data) {
          output += dec.decode(data, { stream: true });
          if (!typed && output.includes("Enter the password")) {
            typed = true;
            term.write(`${password}\n`);
          }
        },
        exit() {
          ptyClosed();
        },
      },
    });
    const code = await proc.exited;
    await closed;
    proc.terminal?.close();
    return { code, output: output.replace(/\r\n/g, "\n") };
  }

  test("not signed in: whoami, read, run, vault list fail with the documented wordings", () => {
    expectError(op(["whoami"], { env: manual() }), "account is not signed in");
    expectError(
      op(["read", "op://Dev/GitHub/token"], { env: manual() }),
      `could not read secret 'op://Dev/GitHub/token': ${NOT_SIGNED_IN}`,
    );
    expectError(
      op(["run", "--", NODE, "-e", ""], { env: manual({ T: "op://Dev/GitHub/token" }) }),
      `could not read secret 'op://Dev/GitHub/token': ${NOT_SIGNED_IN}`,
    );
    expectError(op(["vault", "list"], { env: manual() }), NOT_SIGNED_IN);
  });

  test("signin needs a terminal on stdin", () => {
    expectError(
      op(["signin"], { env: manual() }),
      "could not sign in: no terminal available to prompt for the password",
    );
  });

  test("signin on a terminal prints the eval-able lines; the token authorizes via OP_SESSION_<uuid>", async () => {
    const { code, output } = await signinOnPty("hunter2");
    expect(code).toBe(0);
    expect(output).not.toContain("hunter2"); // no echo
    const m =
      /\nexport OP_SESSION_ABCDEFGHIJKLMNOPQRSTUVWXYZ="([^"\n]+)"\n# This command is meant to be used with your shell's eval function\.\n# Run 'eval \$\(op signin\)' to sign in to your 1Password account\.\n$/.exec(
        output,
      );
    expect(m).not.toBeNull();
    const token = m?.[1] as string;
    const ok = manual({ [`OP_SESSION_${UUID}`]: token });
    expect(op(["read", "op://Dev/GitHub/token"], { env: ok }).stdout).toBe("ghp_SECRET123\n");
    expect(op(["whoami"], { env: ok }).code).toBe(0);
    expect(op(["whoami", "--session", token], { env: manual() }).code).toBe(0);
    // wrong token, or the CLI-1 style shorthand suffix: not signed in
    expectError(op(["whoami"], { env: manual({ [`OP_SESSION_${UUID}`]: "wrong" }) }), "account is not signed in");
    expectError(op(["whoami"], { env: manual({ OP_SESSION_my: token }) }), "account is not signed in");
  });

  test("signin --raw prints only the token; a new sign-in replaces the old session", async () => {
    const first = await signinOnPty("secret-pw", ["--raw"], {
      OP_STUB_USER_UUID: "USERUUID",
      OP_STUB_PASSWORD: "secret-pw",
    });
    expect(first.code).toBe(0);
    const token1 = first.output.trim().split("\n").pop() as string;
    expect(token1).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const e1 = { OP_STUB_USER_UUID: "USERUUID", OP_SESSION_USERUUID: token1 };
    expect(op(["whoami"], { env: manual(e1) }).code).toBe(0);
    const second = await signinOnPty("secret-pw", ["--raw"], {
      OP_STUB_USER_UUID: "USERUUID",
      OP_STUB_PASSWORD: "secret-pw",
    });
    expect(second.code).toBe(0);
    expect(op(["whoami"], { env: manual(e1) }).code).toBe(1);
  });

  test("a wrong password fails", async () => {
    const { code, output } = await signinOnPty("nope");
    expect(code).toBe(1);
    expect(output).toMatch(/\[ERROR\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} /);
    expect(output).not.toContain("OP_SESSION_");
  });
});

// ---------------------------------------------------------------------------------------------
describe("stdin: every command but run swallows an inherited pipe", () => {
  const payload = '{"jsonrpc":"2.0","id":1,"method":"initialize"}\n';
  test.each([
    [["--version"]],
    [["whoami"]],
    [["read", "op://Dev/GitHub/token"]],
    [["vault", "list"]],
    [["account", "list", "--format", "json"]],
    [["signin"]],
    [["no-such-command"]],
  ])("op %j reads a socket stdin to EOF", async (args) => {
    const p = Bun.spawn([OP, ...args], { env: env(), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    p.stdin.write(payload);
    p.stdin.end();
    await p.exited;
    const recs = logRecords();
    expect(recs[0]?.stdin).toBe("socket");
    expect(recs[1]).toEqual({ pid: p.pid, stdinBytesConsumed: Buffer.byteLength(payload) });
  });

  test("a FIFO stdin is read too", () => {
    const r = Bun.spawnSync(["sh", "-c", `printf 'hello' | "$OP" whoami`], { env: { ...env(), OP }, stdout: "pipe" });
    expect(r.exitCode).toBe(0);
    expect(logRecords()[1]).toMatchObject({ stdinBytesConsumed: 5 });
  });

  test("/dev/null and files are not read", () => {
    op(["whoami"]);
    op(["whoami"], { stdin: new Blob(["data"]) });
    expect(logRecords().filter((r) => "stdinBytesConsumed" in r)).toEqual([]);
  });

  test("op run leaves stdin to the child", async () => {
    const p = Bun.spawn([OP, "run", "--", NODE, "-e", "process.stdin.pipe(process.stdout)"], {
      env: env(),
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    p.stdin.write(payload);
    p.stdin.end();
    expect(await new Response(p.stdout).text()).toBe(payload);
    expect(await p.exited).toBe(0);
    expect(logRecords().filter((r) => "stdinBytesConsumed" in r)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("op run: env files", () => {
  type Case = [name: string, content: string, expected: Record<string, string>, extraEnv?: Env];
  const cases: Case[] = [
    ["KEY=VALUE", "A=1\nB=two\n", { A: "1", B: "two" }],
    ["blank lines and comments", "\n# comment\n   \n  # indented comment\nA=1\n\n", { A: "1" }],
    ["spaces around =", "DB_USER = admin\n", { DB_USER: "admin" }],
    ["EMPTY=", "EMPTY=\n", { EMPTY: "" }],
    ["unquoted values are trimmed", "A=   x y   \n", { A: "x y" }],
    ["double quotes keep whitespace", 'A="  x  "\n', { A: "  x  " }],
    ["single quotes keep whitespace", "A='  x  '\n", { A: "  x  " }],
    ["quoted values span lines", 'A="line1\n  line2\nline3"\nB=after\n', { A: "line1\n  line2\nline3", B: "after" }],
    ["single-quoted values span lines", "A='l1\nl2'\n", { A: "l1\nl2" }],
    ["inner quotes are kept (unquoted)", 'A=a"b"c\n', { A: 'a"b"c' }],
    ["inner quotes are kept (quoted)", `A="say "hi""\nB='it's'\n`, { A: 'say "hi"', B: "it's" }],
    ["$VAR from the environment", "A=$FROM_ENV\n", { A: "env-value" }, { FROM_ENV: "env-value" }],
    ["${VAR} from the environment", "A=x${FROM_ENV}y\n", { A: "xenv-valuey" }, { FROM_ENV: "env-value" }],
    ["earlier keys", "A=one\nB=${A}-two\nC=$B\n", { A: "one", B: "one-two", C: "one-two" }],
    ["earlier keys shadow the environment", "FROM_ENV=file\nB=$FROM_ENV\n", { B: "file" }, { FROM_ENV: "env" }],
    ["unset variables expand to empty", "A=[$NOT_SET_ANYWHERE]\n", { A: "[]" }],
    ["\\$ escapes", "A=\\$FROM_ENV\n", { A: "$FROM_ENV" }, { FROM_ENV: "env" }],
    ["double-quoted values are expanded", 'A="$FROM_ENV x"\n', { A: "env x" }, { FROM_ENV: "env" }],
    ["single-quoted values are not expanded", "A='$FROM_ENV'\n", { A: "$FROM_ENV" }, { FROM_ENV: "env" }],
    ["expansion inside a reference", "APP_ENV=Dev\nT=op://$APP_ENV/GitHub/token\n", { T: "ghp_SECRET123" }],
    [
      "reference from the environment via expansion",
      "T=${REF}\n",
      { T: "ghp_SECRET123" },
      { REF: "op://Dev/GitHub/token" },
    ],
    ["CRLF line endings", 'A=x\r\nB="y"\r\n', { A: "x", B: "y" }],
    ["UTF-8 BOM", "\uFEFFA=x\n", { A: "x" }],
    ["a later line wins", "A=1\nA=2\n", { A: "2" }],
    ["# inside an unquoted value is kept", "A=x # not a comment\n", { A: "x # not a comment" }],
    [
      "{{ op://... }} inside a value is resolved, after parsing [doc]",
      'A="Bearer {{ op://Dev/GitHub/token }}"\nB={{op://Dev/GitHub/token}}:{{ op://Dev/DB/password }}\n',
      { A: "Bearer ghp_SECRET123", B: "ghp_SECRET123:p@ss word" },
    ],
    [
      "{{ }} in the environment stays as it is ([unknown])",
      "",
      { E: "x {{ op://Dev/GitHub/token }}" },
      { E: "x {{ op://Dev/GitHub/token }}" },
    ],
    ["values may contain =", "A=k=v=w\n", { A: "k=v=w" }],
  ];

  test.each(cases)("%s", (_name, content, expected, extra = {}) => {
    const f = join(dir, "test.env");
    writeFileSync(f, content);
    const r = runPrintEnv(["--env-file", f], Object.keys(expected), extra);
    expect(r.stderr).toBe("");
    expect(r.vars).toEqual(expected);
  });

  test.each([
    ["a line without =", "A=1\nNOEQUALS\n", "line 2: expected KEY=VALUE"],
    ["an export prefix", "export A=1\n", "line 1: invalid variable name 'export A'"],
    ["a bad key", "1A=x\n", "line 1: invalid variable name '1A'"],
    ["an unterminated quote", 'A=1\nB="open\nC=2\n', "line 2: unterminated quoted value for 'B'"],
  ])("rejects %s", (_name, content, tail) => {
    const f = join(dir, "bad.env");
    writeFileSync(f, content);
    expectError(op(["run", "--env-file", f, "--", NODE, "-e", ""]), `could not parse env file '${f}': ${tail}`);
  });

  test.each([
    [["--env-file", "missing.env"], "missing.env"],
    [["--env-file=missing.env"], "missing.env"],
    [["--env-file", "sub/missing.env"], "sub/missing.env"],
  ])("a missing env file %j", (flags, shown) => {
    // (Node 20 itself would exit 9 on these argv without the `--` in the shebang)
    expectError(op(["run", ...flags, "--", NODE, "-e", ""]), `open ${shown}: no such file or directory`);
  });

  test("precedence: env files override the environment, later files override earlier ones", () => {
    writeFileSync(join(dir, "1.env"), "A=file1\nB=file1\n");
    writeFileSync(join(dir, "2.env"), "B=file2\n");
    const r = runPrintEnv(["--env-file", join(dir, "1.env"), `--env-file=${join(dir, "2.env")}`], ["A", "B", "C"], {
      A: "env",
      B: "env",
      C: "env",
    });
    expect(r.vars).toEqual({ A: "file1", B: "file2", C: "env" });
  });

  test("references in the process environment are resolved too; the whole environment is passed", () => {
    const r = runPrintEnv([], ["T", "S", "OP_SERVICE_ACCOUNT_TOKEN", "OP_SESSION_X"], {
      T: "op://Dev/DB/password",
      S: "op://prod/db/password",
      OP_SERVICE_ACCOUNT_TOKEN: "ops_keep",
      OP_SESSION_X: "keep",
    });
    expect(r.vars).toEqual({
      T: "p@ss word",
      S: "prod-secret-789",
      OP_SERVICE_ACCOUNT_TOKEN: "ops_keep",
      OP_SESSION_X: "keep",
    });
  });

  test("one unresolvable reference fails the launch before the command starts", () => {
    const marker = join(dir, "child-ran");
    writeFileSync(join(dir, "x.env"), "GOOD=op://Dev/GitHub/token\nBAD=op://Dev/GitHub/missing\n");
    const r = op([
      "run",
      "--env-file",
      join(dir, "x.env"),
      "--",
      NODE,
      "-e",
      `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`,
    ]);
    expectError(
      r,
      "could not read secret 'op://Dev/GitHub/missing': item 'Dev/GitHub' does not have a field 'missing'",
    );
    expect(existsSync(marker)).toBe(false);
    const r2 = op(["run", "--", NODE, "-e", ""], { env: env({ X: "op://Dev" }) });
    expectError(
      r2,
      "invalid secret reference 'op://Dev': too few '/': secret references should have at least vault, item and field specified",
    );
  });

  test("a command that is not on PATH", () => {
    expectError(
      op(["run", "--", "definitely-not-a-command-xyz"]),
      'exec: "definitely-not-a-command-xyz": executable file not found in $PATH',
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe("op run: masking", () => {
  const refs = {
    T: "op://Dev/GitHub/token",
    P: "op://Dev/DB/password",
    L: "op://prod/db/password-long",
    S: "op://prod/db/password",
  };
  const printer = `for (const k of ["T","P","L","S"]) { process.stdout.write(k+"="+process.env[k]+"\\n"); process.stderr.write("err "+process.env[k]+"\\n"); }`;

  test.each([
    ["default", [], {}, true],
    ["--no-masking", ["--no-masking"], {}, false],
    ["OP_RUN_NO_MASKING=1", [], { OP_RUN_NO_MASKING: "1" }, false],
    ["OP_RUN_NO_MASKING=true", [], { OP_RUN_NO_MASKING: "true" }, false],
    ["OP_RUN_NO_MASKING=false", [], { OP_RUN_NO_MASKING: "false" }, true],
    ["OP_RUN_NO_MASKING=0", [], { OP_RUN_NO_MASKING: "0" }, true],
  ])("%s", (_n, flags, extra, masked) => {
    const r = op(["run", ...flags, "--", NODE, "-e", printer], { env: env({ ...refs, ...extra }) });
    expect(r.code).toBe(0);
    const values = { T: "ghp_SECRET123", P: "p@ss word", L: "prod-secret-789-and-more", S: "prod-secret-789" };
    const show = (v: string) => (masked ? MASK : v);
    expect(r.stdout).toBe(
      Object.entries(values)
        .map(([k, v]) => `${k}=${show(v)}\n`)
        .join(""),
    );
    expect(r.stderr).toBe(
      Object.values(values)
        .map((v) => `err ${show(v)}\n`)
        .join(""),
    );
  });

  test.each([
    ["an ASCII secret", "op://Dev/GitHub/token", 5],
    ["a multi-byte secret split inside a UTF-8 sequence", "op://Dev/Multi Byte/password", 2],
  ])("%s split across two writes is still masked", async (_n, ref, cut) => {
    // The child writes "BEGIN " + the first `cut` bytes, waits until the test saw "BEGIN " come
    // out of op (so op has read the first write), then writes the rest: two separate chunks.
    const script = `
      const s = Buffer.from(process.env.SECRET);
      process.stdout.write(Buffer.concat([Buffer.from("BEGIN "), s.subarray(0, ${cut})]));
      process.stdin.once("data", () => { process.stdout.write(Buffer.concat([s.subarray(${cut}), Buffer.from(" END\\n")])); process.exit(0); });`;
    const p = Bun.spawn([OP, "run", "--", NODE, "-e", script], {
      env: env({ SECRET: ref }),
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const stdout = collect(p.stdout);
    await stdout.until((t) => t.startsWith("BEGIN "));
    expect(stdout.text).toBe("BEGIN "); // the partial secret is held back, not leaked
    p.stdin.write("go\n");
    p.stdin.end();
    expect(await p.exited).toBe(0);
    await stdout.done;
    expect(stdout.text).toBe(`BEGIN ${MASK} END\n`);
  });

  test("a held-back prefix that turns out not to be a secret is released", () => {
    const r = op(["run", "--", NODE, "-e", `process.stdout.write("x ghp_SEC")`], {
      env: env({ T: "op://Dev/GitHub/token" }),
    });
    expect(r.stdout).toBe("x ghp_SEC");
  });

  test("large output passes through intact", () => {
    const r = op(["run", "--", NODE, "-e", `process.stdout.write("abcdefghij".repeat(200000))`], {
      env: env({ T: "op://Dev/GitHub/token" }),
    });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(2000000);
    expect(r.stdout).toBe("abcdefghij".repeat(200000));
  });

  test("the child's stdout is a pipe when masking, not op's own stdout", () => {
    const probe = `const fs=require("fs");console.log(fs.fstatSync(1).isFIFO()||fs.fstatSync(1).isSocket())`;
    const file = join(dir, "out.txt");
    const r = Bun.spawnSync(
      ["sh", "-c", `"$OP" run -- "$NODE" -e '${probe}' >"$F"; "$OP" run --no-masking -- "$NODE" -e '${probe}' >>"$F"`],
      {
        env: { ...env(), OP, NODE, F: file },
      },
    );
    expect(r.exitCode).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("true\nfalse\n");
  });
});

// ---------------------------------------------------------------------------------------------
describe("op run: exit codes and signals", () => {
  test.each([0, 1, 3, 42, 255])("exit code %d passes through", (n) => {
    expect(op(["run", "--", NODE, "-e", `process.exit(${n})`]).code).toBe(n);
    expect(op(["run", "--no-masking", "--", NODE, "-e", `process.exit(${n})`]).code).toBe(n);
  });

  test.each([
    ["SIGKILL", 137],
    ["SIGTERM", 143],
  ])("a child killed by %s makes op exit %d", (sig, code) => {
    expect(op(["run", "--", NODE, "-e", `process.kill(process.pid, "${sig}")`]).code).toBe(code);
  });

  const signals = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;
  const cases = signals.flatMap((sig, i) => [
    [sig, 7 + i, "masking"],
    [sig, 7 + i, "no-masking"],
  ]) as [NodeJS.Signals, number, string][];

  test.each(cases)("%s is forwarded to the child (exit %d, %s)", async (sig, code, mode) => {
    const script = `process.on("${sig}", () => { console.log("GOT ${sig}"); process.exit(${code}); }); console.log("READY"); setInterval(() => {}, 1e9);`;
    const flags = mode === "no-masking" ? ["--no-masking"] : [];
    const p = Bun.spawn([OP, "run", ...flags, "--", NODE, "-e", script], {
      env: env({ T: "op://Dev/GitHub/token" }),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const stdout = collect(p.stdout);
    await stdout.until((t) => t.includes("READY\n"));
    p.kill(sig);
    expect(await p.exited).toBe(code);
    await stdout.done;
    expect(stdout.text).toBe(`READY\nGOT ${sig}\n`);
  });
});

// ---------------------------------------------------------------------------------------------
describe("the log never holds secret values", () => {
  test("after read, run with env files and env references, in every auth mode", async () => {
    writeFileSync(join(dir, "s.env"), "T=op://Dev/GitHub/token\nM=op://Dev/Multi Byte/password\n");
    const modes: Env[] = [
      {},
      { OP_STUB_AUTH: "app", OP_STUB_STATE: state },
      { OP_STUB_AUTH: "none", OP_SERVICE_ACCOUNT_TOKEN: "ops_tok" },
    ];
    for (const m of modes) {
      expect(op(["read", "op://Dev/DB/password"], { env: env(m) }).code).toBe(0);
      expect(op(["read", "op://prod/db/password-long"], { env: env(m) }).code).toBe(0);
      const r = op(["run", "--env-file", join(dir, "s.env"), "--", NODE, "-e", "console.log(process.env.T)"], {
        env: env({ ...m, E: "op://Dev/GitHub/api key", U: "op://Dev/DB/user" }),
      });
      expect(r.stdout).toBe(`${MASK}\n`);
    }
    const text = readFileSync(logFile, "utf8");
    for (const s of ALL_SECRETS) expect(text).not.toContain(s);
    expect(text).not.toContain("ops_tok");
    const recs = logRecords();
    for (const r of recs.filter((x) => "env" in x)) {
      for (const v of Object.values(r.env as Record<string, unknown>)) expect(v).toBe(true);
    }
    const resolved = recs.filter((x) => "resolved" in x).map((x) => [...(x.resolved as string[])].sort());
    expect(resolved).toEqual([
      ["E", "M", "T", "U"],
      ["E", "M", "T", "U"],
      ["E", "M", "T", "U"],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("other commands", () => {
  const TEMPLATE = JSON.stringify({
    title: "Slack",
    category: "API_CREDENTIAL",
    fields: [{ id: "credential", label: "credential", value: "xoxb-piped" }],
  });
  const create = ["item", "create", "--vault", "Dev", "--format", "json", "--template"];

  test("item create --template /dev/stdin with a socket stdin (Bun's pipe) fails with ENXIO, as Go's open does", async () => {
    const p = Bun.spawn([OP, ...create, "/dev/stdin"], { env: env(), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    p.stdin.write(TEMPLATE);
    p.stdin.end();
    expect(await p.exited).toBe(1);
    expect(errorMessage(await new Response(p.stderr).text())).toBe("open /dev/stdin: no such device or address");
    expect(op(["read", "op://Dev/Slack/credential"]).code).toBe(1);
  });

  test("item create --template /dev/stdin with a FIFO stdin: the stand-in swallowed it first, the template is empty", () => {
    const r = Bun.spawnSync(["sh", "-c", `printf '%s' "$T" | "$OP" ${create.join(" ")} /dev/stdin`], {
      env: { ...env(), OP, T: TEMPLATE },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(r.exitCode).toBe(1);
    expect(errorMessage(r.stderr.toString())).toBe("could not parse the item template: invalid JSON");
  });

  test("item create --template /dev/stdin with a file stdin (bytes: a memfd) reopens it by path and works", () => {
    const r = op([...create, "/dev/stdin"], { stdin: new TextEncoder().encode(TEMPLATE) });
    expect(r.code).toBe(0);
    expect(op(["read", "op://Dev/Slack/credential"]).stdout).toBe("xoxb-piped\n");
  });

  test("item create --template /dev/fd/3 reads an inherited descriptor; without one, open fails", () => {
    const file = join(dir, "t.json");
    writeFileSync(file, TEMPLATE);
    const fd = openSync(file, "r");
    try {
      const r = Bun.spawnSync([OP, ...create, "/dev/fd/3"], { env: env(), stdio: ["ignore", "pipe", "pipe", fd] });
      expect(r.exitCode).toBe(0);
      // The item JSON op prints holds the value (as recorded from the real op): never echo it.
      expect(JSON.parse(r.stdout.toString()).fields[0].value).toBe("xoxb-piped");
    } finally {
      closeSync(fd);
    }
    // Not inherited: fd 3 is then whatever the runtime opened itself (Node's epoll, Go's too), or nothing.
    const r = op([...create, "/dev/fd/3"]);
    expect(r.code).toBe(1);
    expect(errorMessage(r.stderr)).toStartWith("open /dev/fd/3: ");
  });

  test("no path is special: `-` is a file named -, a directory is read as one", () => {
    expectError(op([...create, "-"]), "open -: no such file or directory");
    expectError(op([...create, dir]), `read ${dir}: is a directory`);
    expect(readFileSync(logFile, "utf8")).not.toContain("xoxb-piped");
  });

  test("op run --env-file /dev/fd/N: read by path, so only an inherited descriptor works", () => {
    const file = join(dir, "fd.env");
    writeFileSync(file, "T=op://Dev/GitHub/token\n");
    const fd = openSync(file, "r");
    const script = "console.log(process.env.T)";
    try {
      const r = Bun.spawnSync([OP, "run", "--no-masking", "--env-file", "/dev/fd/3", "--", NODE, "-e", script], {
        env: env(),
        stdio: ["ignore", "pipe", "pipe", fd],
      });
      expect(r.stdout.toString()).toBe("ghp_SECRET123\n");
    } finally {
      closeSync(fd);
    }
    const r = op(["run", "--env-file", "/dev/fd/3", "--", NODE, "-e", script]);
    expect(r.code).toBe(1);
    expect(errorMessage(r.stderr)).toStartWith("open /dev/fd/3: ");
  });

  test("item create with an assignment argument: the value is visible in argv (and so in the log)", () => {
    expect(op(["item", "create", "--vault", "Dev", "--title", "Argv", "credential=xoxb-argv"]).code).toBe(0);
    expect(op(["read", "op://Dev/Argv/credential"]).stdout).toBe("xoxb-argv\n");
    expect(logRecords()[0]?.argv).toContain("credential=xoxb-argv");
  });

  test("item template get, item get --fields, inject", () => {
    expect(JSON.parse(op(["item", "template", "get", "API Credential"]).stdout).category).toBe("API_CREDENTIAL");
    expect(op(["item", "get", "DB", "--vault", "Dev", "--fields", "user", "--reveal"]).stdout).toBe("admin-user\n");
    const r = op(["inject"], { stdin: new Blob(["x={{ op://Dev/GitHub/token }}\n"]) });
    expect(r.stdout).toBe("");
    expect(errorMessage(r.stderr)).toContain("expected data on stdin"); // a file stdin is not read
    const p = Bun.spawnSync(["sh", "-c", `printf 'x={{ op://Dev/GitHub/token }}\\n' | "$OP" inject`], {
      env: { ...env(), OP },
      stdout: "pipe",
    });
    expect(p.stdout.toString()).toBe("x=ghp_SECRET123\n");
  });
});

describe("op run --environment (1Password Environments)", () => {
  const ID = "abcdefghijklmnopqrstuvwxyz";
  const withEnvironments = (version: string) => {
    writeFileSync(
      join(dir, "environments.json"),
      JSON.stringify({ [ID]: { ENV_TOKEN: "env-secret-1", SHARED: "env" } }),
    );
    return env({ OP_STUB_VERSION: version, OP_STUB_ENVIRONMENTS: join(dir, "environments.json") });
  };
  const printEnv = ["--", NODE, "-e", "process.stdout.write(`${process.env.ENV_TOKEN} ${process.env.SHARED}`)"];

  test("2.41.0: the Environment's variables reach the command, env files after it win, values masked", () => {
    writeFileSync(join(dir, "a.env"), "SHARED=file\n");
    const e = withEnvironments("2.41.0");
    expect(
      op(["run", "--environment", ID, "--env-file", join(dir, "a.env"), "--no-masking", ...printEnv], { env: e })
        .stdout,
    ).toBe("env-secret-1 file");
    expect(op(["run", "--environment", ID, ...printEnv], { env: e }).stdout).toBe(`${MASK} ${MASK}`); // every value of an Environment is a secret
  });

  test("older than 2.41.0: the flag is unknown, nothing runs", () => {
    const r = op(["run", "--environment", ID, ...printEnv], { env: withEnvironments("2.40.1") });
    expectError(r, "unknown flag: --environment");
    expect(r.stdout).toBe("");
  });

  test("a 2.41.0 pre-release is older than 2.41.0: the flag is unknown", () => {
    const r = op(["run", "--environment", ID, ...printEnv], { env: withEnvironments("2.41.0-beta.01") });
    expectError(r, "unknown flag: --environment");
    expect(r.stdout).toBe("");
  });

  test("an ID the account does not have is an error", () => {
    const r = op(["run", "--environment", "zzzzzzzzzzzzzzzzzzzzzzzzzz", ...printEnv], {
      env: withEnvironments("2.41.0"),
    });
    expectError(r, `"zzzzzzzzzzzzzzzzzzzzzzzzzz" isn't an environment in this account`);
  });
});
