/**
 * Shared helpers of the end-to-end (and release) tests: the compiled binary, sandboxes with a
 * stand-in `op`, process runners. Importing this compiles nothing; the C probe is in ./probe.ts.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../../scripts/build.ts";
import { ROOT, SECRETS } from "../unit/support.ts";

export { RELEASE_ARCHIVES, ROOT, SECRETS } from "../unit/support.ts";
export const OP_DIR = join(ROOT, "test", "fixtures", "bin");
export const OP = join(OP_DIR, "op");
export const SERVER_EVERYTHING = join(
  ROOT,
  "node_modules",
  "@modelcontextprotocol",
  "server-everything",
  "dist",
  "index.js",
);
export const CLAUDE = join(ROOT, "node_modules", ".bin", "claude");
export const NODE = realpathSync(Bun.which("node") ?? "/usr/bin/node");
/** `true` as mcp-op resolves it on the sandbox PATH. */
export const TRUE = Bun.which("true", { PATH: "/usr/local/bin:/usr/bin:/bin" }) ?? "/usr/bin/true";

export const VAULT = {
  Private: {
    GitHub: { token: SECRETS.github },
    Slack: { bot: { token: SECRETS.slack } },
    FromClient: { credential: SECRETS.client },
  },
};

let built: Promise<string> | undefined;

/** The compiled binary, built once per test run (into its own directory under dist/). */
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
