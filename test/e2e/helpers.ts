/** Shared test helpers: the compiled binary, sandboxes with a stand-in `op`, process runners. */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../scripts/build.ts";

export const ROOT = join(import.meta.dir, "..");
export const OP_DIR = join(ROOT, "test", "fixtures", "bin");
export const OP = join(OP_DIR, "op");
/** The exec'd-side probe (test/fixtures/probe/probe.c), compiled once per test process. */
export const PROBE = compileProbe(
  join(ROOT, "test", "fixtures", "probe", "probe.c"),
  join(ROOT, "dist", "test", "probe"),
);
export const NONBLOCKING_LAUNCH = join(ROOT, "test", "fixtures", "probe", "nonblocking-launch");
export const SERVER_EVERYTHING = join(
  ROOT,
  "node_modules",
  "@modelcontextprotocol",
  "server-everything",
  "dist",
  "index.js",
);
/** The archives a release publishes, exactly (besides checksums.txt and install.sh). Every Linux one names its libc. */
export const RELEASE_ARCHIVES: readonly string[] = [
  "mcp-op-darwin-arm64.tar.gz",
  "mcp-op-darwin-x64.tar.gz",
  "mcp-op-linux-x64-gnu.tar.gz",
  "mcp-op-linux-arm64-gnu.tar.gz",
  "mcp-op-linux-x64-musl.tar.gz",
  "mcp-op-linux-arm64-musl.tar.gz",
  "mcp-op-windows-x64.zip",
  "mcp-op-windows-arm64.zip",
];
export const CLAUDE = join(ROOT, "node_modules", ".bin", "claude");
export const NODE = realpathSync(Bun.which("node") ?? "/usr/bin/node");
/** `true` as mcp-op resolves it on the sandbox PATH. */
export const TRUE = Bun.which("true", { PATH: "/usr/local/bin:/usr/bin:/bin" }) ?? "/usr/bin/true";

/** Distinctive values, so a leak anywhere is found by a plain substring search. */
export const SECRETS = {
  github: "ghp_S3cretValueF0rTests0000000000000000",
  slack: 'xoxb-quote"back\\slash-ünï-$HOME-secret',
  client: "client-env-block-secret-9f8e7d",
} as const;

export const VAULT = {
  Private: {
    GitHub: { token: SECRETS.github },
    Slack: { bot: { token: SECRETS.slack } },
    FromClient: { credential: SECRETS.client },
  },
};

let built: Promise<string> | undefined;

/** The compiled binary, built once per test run (into its own directory under dist/). */
function compileProbe(source: string, out: string): string {
  mkdirSync(join(out, ".."), { recursive: true });
  const temp = `${out}.${process.pid}`; // test files run in parallel processes: rename into place
  const cc = spawnSync("cc", ["-O2", "-Wall", "-Werror", "-o", temp, source], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(`cannot compile ${source} (a C compiler is needed): ${cc.stderr}`);
  renameSync(temp, out);
  return out;
}

export function binary(): Promise<string> {
  built ??= build(join(ROOT, "dist", "test", "mcp-op")).then((r) => r.outfile);
  return built;
}

export interface Sandbox {
  dir: string;
  home: string;
  log: string;
  state: string;
  /** Write an env file (mode 0600 unless given) and return its absolute path. */
  envFile(name: string, text: string, mode?: number): string;
  /** Environment for mcp-op: a client-like minimal set plus the stand-in's controls. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** The argv of every `op` call the stand-in logged. */
  opCalls(): string[][];
  /** Raw text of the stand-in's log (for leak checks). */
  opLog(): string;
}

export function sandbox(vault: object = VAULT): Sandbox {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-e2e-")));
  const home = join(dir, "home");
  const state = join(dir, "state");
  mkdirSync(home, { recursive: true });
  mkdirSync(state, { recursive: true });
  const vaultFile = join(dir, "vault.json");
  writeFileSync(vaultFile, JSON.stringify(vault));
  const log = join(dir, "op-log.jsonl");
  return {
    dir,
    home,
    log,
    state,
    envFile(name, text, mode = 0o600) {
      const path = join(dir, name);
      writeFileSync(path, text);
      chmodSync(path, mode);
      return path;
    },
    env(extra = {}) {
      return {
        HOME: home,
        USER: "tester",
        LOGNAME: "tester",
        SHELL: "/bin/sh",
        TERM: "dumb",
        PATH: `${OP_DIR}:/usr/local/bin:/usr/bin:/bin`,
        MCP_OP_SEARCH_DIRS: "",
        NO_COLOR: "1",
        OP_STUB_VAULT: vaultFile,
        OP_STUB_LOG: log,
        OP_STUB_STATE: state,
        OP_STUB_AUTH: "signed-in",
        ...extra,
      };
    },
    opCalls() {
      return opLogLines(log)
        .filter((l) => Array.isArray(l.argv))
        .map((l) => l.argv as string[]);
    },
    opLog() {
      return existsSync(log) ? readFileSync(log, "utf8") : "";
    },
  };
}

function opLogLines(log: string): Array<Record<string, unknown>> {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command to completion with stdin closed (or fed `input`). */
export async function run(
  argv: string[],
  options: { env: Record<string, string>; cwd?: string; input?: string },
): Promise<Result> {
  const proc = Bun.spawn(argv, {
    env: options.env,
    cwd: options.cwd,
    stdin: options.input === undefined ? "ignore" : new Blob([options.input]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Parse the probe's key: value report. */
export function readProbe(path: string): {
  fields: Record<string, string>;
  args: string[];
  envNames: string[];
  /** `N /target` for each inherited descriptor above 2. */
  openFds: string[];
} {
  const fields: Record<string, string> = {};
  const args: string[] = [];
  const envNames: string[] = [];
  const openFds: string[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const at = line.indexOf(":");
    if (at === -1) continue;
    const key = line.slice(0, at);
    const value = line.slice(at + 1).trim();
    if (key === "arg") args.push(line.slice(at + 2));
    else if (key === "envname") envNames.push(value);
    else if (key === "openfd") openFds.push(value);
    else fields[key] = value;
  }
  return { fields, args, envNames, openFds };
}
