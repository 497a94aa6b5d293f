/**
 * `mcp-op doctor` in-process: `parse` then `run(options, ctx)` with a temporary HOME, an
 * in-memory op (fake-op.ts) and stdout captured. Its env-file findings are the problems `check`
 * (the validation `run` does) reports for the same files, word for word. `--connect` starts
 * servers: test/e2e/doctor.e2e.test.ts covers it.
 *
 * doctor finds `op` as `run` does (PATH, then the well-known directories, ~/.local/bin among
 * them): each test puts a placeholder `op` file there, which nothing runs, since every op call
 * goes through `ctx.op`, the fake. Entries name a placeholder `mcp-op` the same way.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "../../src/commands/_shared.ts";
import { parse as parseCheck, run as runCheck } from "../../src/commands/check.ts";
import { type Finding, parse, run } from "../../src/commands/doctor.ts";
import type { OpClientOptions } from "../../src/effects/op.ts";
import { McpOpError } from "../../src/errors.ts";
import { loggedErrors } from "../../src/logger.ts";
import { NO_PROCESSES } from "./context.ts";
import { FakeOp } from "./fake-op.ts";

/** An executable every test can name as a command: the runtime running the tests (never started here). */
const EXE = process.execPath;

let dir: string;
let home: string;
let opPath: string;
let mcpOp: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mcp-op-doctor-"));
  home = join(dir, "home");
  mkdirSync(join(home, ".local", "bin"), { recursive: true });
  opPath = join(home, ".local", "bin", "op");
  writeFileSync(opPath, "#!/bin/sh\n# a placeholder: doctor's op calls go to ctx.op\nexit 99\n", { mode: 0o755 });
  // What entries run (by absolute path): doctor looks for it, never starts it.
  mcpOp = join(home, ".local", "bin", "mcp-op");
  writeFileSync(mcpOp, "#!/bin/sh\nexit 99\n", { mode: 0o755 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  /** Each op client doctor asked ctx.op for. */
  clients: OpClientOptions[];
}

function envOf(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_STATE_HOME: join(home, ".local", "state"),
    PATH: "",
    ...extra,
  };
}

async function doctor(fake: FakeOp, args: string[] = [], env = envOf()): Promise<Outcome> {
  let stdout = "";
  const clients: OpClientOptions[] = [];
  const ctx: Context = {
    env,
    cwd: dir,
    ...NO_PROCESSES,
    stdout: (text) => {
      stdout += text;
    },
    op: (options) => {
      clients.push(options);
      return fake;
    },
  };
  try {
    await run(parse(args, null), ctx);
    return { code: 0, stdout, clients };
  } catch (error) {
    if (!(error instanceof McpOpError)) throw error;
    return { code: error.exitCode, stdout, clients };
  }
}

/** A private env file in the temporary directory. */
function envFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** Cursor's user config holding these servers. */
function cursor(servers: Record<string, unknown>): string {
  mkdirSync(join(home, ".cursor"), { recursive: true });
  const file = join(home, ".cursor", "mcp.json");
  writeFileSync(file, JSON.stringify({ mcpServers: servers }, null, 2));
  return file;
}

/** An mcp-op entry: the command by absolute path, these env files, a server found anywhere. */
const viaMcpOp = (...files: string[]) => ({
  command: mcpOp,
  args: ["run", ...files.flatMap((f) => ["--env-file", f]), "--", EXE],
});

const withGitHub = () =>
  new FakeOp({
    vaults: [
      { id: "v1", name: "Private", items: [{ id: "i1", title: "GitHub", fields: { token: "ghp_never_printed" } }] },
    ],
  });

const CONNECT_HINT =
  "ok      connect: the static checks pass; mcp-op doctor --connect starts each server as its client would and lists its tools\n";

describe("doctor", () => {
  test("every check passes: op, sign-in through the app, the env file, the server, the reference read", async () => {
    const file = envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    cursor({ gh: viaMcpOp(file) });
    const fake = withGitHub();
    const r = await doctor(fake);
    expect(r.stdout).toBe(
      [
        `ok      op: ${opPath} 2.30.0 (minimum 2.18.0)\n`,
        "ok      auth: signed in through the 1Password app (op whoami works without a session)\n",
        `ok      gh (cursor, user): ${file} is valid\n`,
        `ok      gh (cursor, user): ${EXE} resolves under a GUI app's PATH\n`,
        "ok      gh (cursor, user): 1 reference resolves (values not shown)\n",
        CONNECT_HINT,
      ].join(""),
    );
    expect(r.code).toBe(0);
    // Every op client came from ctx.op, for the op doctor found, with its 20 s limit.
    expect(r.clients.length).toBeGreaterThan(0);
    for (const c of r.clients) expect(c).toMatchObject({ opPath, timeoutMs: 20_000 });
    expect(fake.calls.map((c) => c.method)).toEqual(["accountList", "version", "whoami", "read"]);
    expect(fake.calls.at(-1)?.arg).toBe("op://Private/GitHub/token");
    expect(r.stdout).not.toContain("ghp_never_printed");
  });

  test("env-file findings are check's problems, word for word: every one of every file, warnings too", async () => {
    const bad = envFile("bad.env", "A=op://Private/gh\nNODE_OPTIONS=--no-warnings\nB='x\n");
    const missing = join(dir, "missing.env");
    const open = envFile("open.env", "A=1\n");
    chmodSync(open, 0o666);
    cursor({ gh: viaMcpOp(bad, missing, open) });
    const r = await doctor(withGitHub());
    expect(r.code).toBe(1);
    const subject = "gh (cursor, user)";
    const lines = r.stdout.split("\n").filter((l) => l.includes(`${subject}: ${dir}`));
    expect(lines).toEqual([
      `error   ${subject}: ${bad}:1: "op://Private/gh" is not a secret reference: it needs vault, item and field`,
      `warning ${subject}: ${bad}:2: sets NODE_OPTIONS for the server: it changes what code runs, so keep this file as private as a key`,
      `error   ${subject}: ${bad}:3: unterminated single quote`,
      `error   ${subject}: ${missing}: no such file`,
      `error   ${subject}: ${open}: refusing an env file writable by group or others (mode 0666): anyone who can edit it controls the server`,
    ]);
    expect(r.stdout).toContain(
      `error   ${subject}: ${missing}: no such file\n` +
        `        fix: write ${missing} (KEY=op://vault/item/field lines, chmod 600), or re-register: mcp-op add --force gh --env KEY=op://vault/item/field -- <command>\n`,
    );
    expect(r.stdout).toContain(
      `${open}: refusing an env file writable by group or others (mode 0666): anyone who can edit it controls the server\n        fix: chmod go-w ${open}\n`,
    );
    expect(r.stdout).toContain(`${bad}:3: unterminated single quote\n        fix: fix the line (mcp-op check)\n`);
    expect(r.stdout).not.toContain("is valid");
    expect(r.stdout).not.toContain(CONNECT_HINT);

    // check, the validation run does, refuses the same files with the same lines (fix after "; ").
    const before = loggedErrors().length;
    let code: number | undefined;
    try {
      await runCheck(parseCheck([bad, missing, open], null), {
        env: envOf(),
        cwd: dir,
        ...NO_PROCESSES,
        stdout: () => {},
        op: () => withGitHub(),
      });
    } catch (error) {
      code = (error as McpOpError).exitCode;
    }
    expect(code).toBe(65);
    const errorLines = lines.filter((l) => l.startsWith("error")).map((l) => l.slice(`error   ${subject}: `.length));
    expect(errorLines).toHaveLength(4);
    expect(loggedErrors().slice(before)).toEqual([
      ...errorLines.slice(0, 3),
      `${errorLines[3]}; fix: chmod go-w ${open}`,
    ]);
  });

  test("not signed in: a warning, no reference read (that could prompt), only op calls that cannot prompt", async () => {
    const file = envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    cursor({ gh: viaMcpOp(file) });
    const fake = new FakeOp({ signedIn: false });
    const r = await doctor(fake);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "warning auth: not signed in now (You are not currently signed in. Please run `op signin --help` for instructions): a server start asks the 1Password app if its CLI integration is on, and fails (exit 77) if it is off (op signin asks for a password on a terminal, and MCP clients give none)\n",
    );
    expect(r.stdout).toContain(
      "warning references: not read from 1Password: op whoami does not succeed now, and reading a reference would raise a prompt\n",
    );
    expect(fake.calls.map((c) => c.method)).toEqual(["accountList", "version", "whoami"]);
  });

  test("no op on PATH nor in the well-known directories: an error naming where it looked; exit 1", async () => {
    rmSync(opPath);
    cursor({});
    const fake = new FakeOp();
    const r = await doctor(fake, [], envOf({ MCP_OP_SEARCH_DIRS: join(home, ".local", "bin") }));
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe(
      `error   op: 1Password CLI "op" not found in PATH, ${join(home, ".local", "bin")}`,
    );
    expect(r.stdout).toContain(
      "warning clients: no MCP servers registered in any client config found\n        fix: mcp-op add <name> -- <command>\n",
    );
    expect(fake.calls).toEqual([]);
  });

  test("a service-account token file: checked as run reads it, tried with op vault list (no prompt), never shown", async () => {
    const token = "ops_unitTestTokenNeverPrinted0123456789";
    const tokenFile = envFile("sa.token", `${token}\n`);
    const file = envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    cursor({ gh: { ...viaMcpOp(file), env: { B: "op://Bad/ref" } } });
    const fake = withGitHub();
    const r = await doctor(fake, [], envOf({ MCP_OP_TOKEN_FILE: tokenFile }));
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 3)).toEqual([
      `ok      op: ${opPath} 2.30.0 (minimum 2.18.0)`,
      `ok      auth: token file ${tokenFile} (from $MCP_OP_TOKEN_FILE) is private and holds one token`,
      "ok      auth: service-account works",
    ]);
    // The env block's malformed reference: the line run exits 65 on.
    expect(r.stdout).toContain(
      `error   gh (cursor, user): env B in ${join(home, ".cursor", "mcp.json")}: "op://Bad/ref" is not a secret reference: it needs vault, item and field (mcp-op run exits 65 on it)\n` +
        "        fix: write B in the entry's env block as op://vault/item/[section/]field\n",
    );
    expect(fake.calls.map((c) => c.method)).toEqual(["accountList", "version", "vaultList", "read"]);
    const vaultClient = r.clients.find((c) => c.env.OP_SERVICE_ACCOUNT_TOKEN === token);
    expect(vaultClient).toBeDefined();
    expect(r.stdout).not.toContain(token.slice(4));
  });

  test("an old op is an error with the way to update it", async () => {
    cursor({});
    const r = await doctor(new FakeOp({ version: "2.17.9" }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `error   op: ${opPath} is version 2.17.9, older than 2.18.0\n        fix: update the 1Password CLI (brew upgrade 1password-cli)\n`,
    );
  });

  test("--json: the findings as a JSON array; --name picks one server, an unknown name is a usage error", async () => {
    const file = envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    cursor({ gh: viaMcpOp(file), other: viaMcpOp(join(dir, "missing.env")) });
    const r = await doctor(withGitHub(), ["--json", "--name", "gh"]);
    expect(r.code).toBe(0);
    const findings = JSON.parse(r.stdout) as Finding[];
    expect(findings.map((f) => `${f.level} ${f.subject}`)).toEqual([
      "ok op",
      "ok auth",
      "ok gh (cursor, user)",
      "ok gh (cursor, user)",
      "ok gh (cursor, user)",
      "ok connect",
    ]);
    const unknown = await doctor(withGitHub(), ["--name", "nope"]);
    expect(unknown).toEqual({ code: 64, stdout: "", clients: [] });
  });
});

describe("doctor: the op version, 1Password Environments", () => {
  test("op's version as core/environments.ts reads it: a pre-release is below its release; one it cannot read is said", async () => {
    cursor({});
    const beta = await doctor(new FakeOp({ version: "2.18.0-beta.01" }));
    expect(beta.stdout).toContain(`error   op: ${opPath} is version 2.18.0-beta.01, older than 2.18.0\n`);
    const exact = await doctor(new FakeOp({ version: "2.18.0" }));
    expect(exact.stdout).toContain(`ok      op: ${opPath} 2.18.0 (minimum 2.18.0)\n`);
    const odd = await doctor(new FakeOp({ version: "two" }));
    expect(odd.stdout).toContain(
      `warning op: ${opPath} printed "two" as its version, which mcp-op cannot read\n        fix: reinstall the 1Password CLI\n`,
    );
  });

  const ID = "5hfpicsmni2xf56r2dv5gumz5e";
  const withEnvironment = (id: string) => ({ command: mcpOp, args: ["run", "--environment", id, "--", EXE] });

  test("an entry loading an Environment: ok with op 2.41.0, saying doctor cannot read its variables", async () => {
    cursor({ gh: withEnvironment(ID) });
    const r = await doctor(new FakeOp({ version: "2.41.0" }));
    expect(r.stdout).toContain(
      `ok      gh (cursor, user): loads the 1Password Environment ${ID}: op run reads its variables at start (doctor cannot read them; mcp-op doctor --connect starts the server)\n`,
    );
    expect(r.stdout).not.toContain("reference");
    expect(r.code).toBe(0);
  });

  test("an op too old for an Environment: an error naming the version needed; a bad ID: run's usage error", async () => {
    cursor({ gh: withEnvironment(ID), typo: withEnvironment("Production") });
    const r = await doctor(new FakeOp({ version: "2.40.1" }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `error   gh (cursor, user): loads the 1Password Environment ${ID}, which needs op 2.41.0 or later; ${opPath} is 2.40.1 (mcp-op run exits 69 on it)\n        fix: update the 1Password CLI (op update, or your package manager)\n`,
    );
    expect(r.stdout).toContain(
      `error   typo (cursor, user): --environment "Production": an Environment ID is 26 letters and digits, not 10 characters (mcp-op run exits 64 on it)\n`,
    );
  });
});

describe("doctor: a project entry as a teammate gets it", () => {
  /** Claude Code's project config in the directory doctor runs in (no git repository around it). */
  function project(servers: Record<string, unknown>): void {
    writeFileSync(join(dir, ".mcp.json"), JSON.stringify({ mcpServers: servers }, null, 2));
  }
  const shared = (...args: string[]) => ({ command: "mcp-op", args: ["run", ...args, "--", EXE] });
  const onPath = () => envOf({ PATH: join(home, ".local", "bin") });
  const SUBJECT = "gh (claude-code, project)";

  test("mcp-op on PATH, the env file in the project, references only: ok, found from the project's root", async () => {
    mkdirSync(join(dir, ".mcp-op"));
    envFile(".mcp-op/gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    project({ gh: shared("--env-file", ".mcp-op/gh.env") });
    const r = await doctor(withGitHub(), [], onPath());
    expect(r.stdout).toContain(`ok      ${SUBJECT}: .mcp-op/gh.env is valid\n`);
    expect(r.stdout).toContain(`ok      ${SUBJECT}: 1 reference resolves (values not shown)\n`);
    expect(r.stdout).not.toContain("error");
    expect(r.code).toBe(0);
  });

  test("mcp-op not on PATH, the env file not checked out: errors saying what a teammate does", async () => {
    project({ gh: shared("--env-file", ".mcp-op/gh.env") });
    const r = await doctor(withGitHub());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `error   ${SUBJECT}: the entry runs mcp-op, which is not on the PATH claude-code gives it ()\n        fix: install mcp-op and put mcp-op on that PATH (the project's entry runs it by name, for every teammate)\n`,
    );
    expect(r.stdout).toContain(
      `error   ${SUBJECT}: .mcp-op/gh.env: no such file in ${dir}, the directory the server was started in\n        fix: a project's entry finds its env file from the project's root: start the client there, with the file checked out (git pull), or write it with mcp-op add --scope project\n`,
    );
  });

  test("a plain value in the project's env file: an error; a file outside the project or a path of this machine: warnings", async () => {
    mkdirSync(join(dir, ".mcp-op"));
    envFile(".mcp-op/gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\nDEBUG=1\n");
    const outside = join(mkdtempSync(join(tmpdir(), "mcp-op-elsewhere-")), "gh.env");
    writeFileSync(outside, "GITHUB_TOKEN=op://Private/GitHub/token\n", { mode: 0o600 });
    project({
      gh: shared("--env-file", ".mcp-op/gh.env"),
      old: { command: mcpOp, args: ["run", "--env-file", outside, "--", EXE] },
    });
    const r = await doctor(withGitHub(), [], onPath());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `error   ${SUBJECT}: .mcp-op/gh.env:2: DEBUG is a plain value in the project's env file: committed, it is shared with everyone who clones the project\n        fix: store it in 1Password and write its reference (op://vault/item/field) in its place\n`,
    );
    const again = `        fix: in ${dir}: mcp-op add --force --scope project old ... writes an entry teammates can use\n`;
    expect(r.stdout).toContain(
      `warning old (claude-code, project): a project entry (committed, shared) runs mcp-op by this machine's path (${mcpOp}): a teammate's client will not find it there\n${again}`,
    );
    expect(r.stdout).toContain(
      `warning old (claude-code, project): a project entry names ${outside}, outside the project (${dir}): teammates who clone it do not have that file\n${again}`,
    );
  });
});
