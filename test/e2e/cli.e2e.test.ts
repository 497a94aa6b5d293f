/** The binary's other surfaces: help, version, check, unknown commands (their in-process rules: test/unit/cli.test.ts). */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT_TABLE } from "../../src/errors.ts";
import { binary, ROOT, run, SECRETS, sandbox } from "./helpers.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

describe("help and version", () => {
  test("--version prints the injected version", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(await run([bin, "--version"], { env: sandbox().env() })).toEqual({
      code: 0,
      stdout: `${pkg.version}\n`,
      stderr: "",
    });
  });
  test("-v and -V are --version at the top level, as node -v and bun -v", async () => {
    const env = sandbox().env();
    const version = await run([bin, "--version"], { env });
    expect(version.code).toBe(0);
    expect(await run([bin, "-v"], { env })).toEqual(version);
    expect(await run([bin, "-V"], { env })).toEqual(version);
  });
  test("--help lists the commands and every exit code", async () => {
    const r = await run([bin, "--help"], { env: sandbox().env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    for (const name of ["run", "check", "add", "remove", "list", "doctor", "migrate", "headers", "proxy"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name} +[A-Z]`, "m"));
    }
    for (const [code] of EXIT_TABLE) expect(r.stdout).toMatch(new RegExp(`^ +${code}  `, "m"));
  });
  test("run --help goes to stdout like every command's help: a person asked for it", async () => {
    const r = await run([bin, "run", "--help", "--", "srv"], { env: sandbox().env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toStartWith(
      "Run an MCP server with secrets from 1Password (becomes `op run`)\n\nUsage: mcp-op run [options] -- <command> [args...]\n",
    );
    expect(r.stdout).toContain("\n  --no-signin ");
  });
  test("`help` and `help <command>` are --help", async () => {
    const env = sandbox().env();
    expect(await run([bin, "help"], { env })).toEqual(await run([bin, "--help"], { env }));
    expect(await run([bin, "help", "add"], { env })).toEqual(await run([bin, "add", "--help"], { env }));
    expect((await run([bin, "help", "add"], { env })).stdout).toContain("--allow-plain");
  });
  test("unknown command: exit 64, one line; a close one is suggested", async () => {
    const env = sandbox().env();
    expect(await run([bin, "nope"], { env })).toEqual({
      code: 64,
      stdout: "",
      stderr:
        '[error] [mcp-op] unknown command "nope"; commands: run, check, add, remove, list, doctor, migrate, headers, proxy\n',
    });
    expect(await run([bin, "rn", "--", "srv"], { env })).toEqual({
      code: 64,
      stdout: "",
      stderr:
        '[error] [mcp-op] unknown command "rn"; did you mean "run"? commands: run, check, add, remove, list, doctor, migrate, headers, proxy\n',
    });
  });
  test("a flag before any command: a flag, not an unknown command; a close one is suggested", async () => {
    const env = sandbox().env();
    const said = async (...args: string[]) => {
      const r = await run([bin, ...args], { env });
      expect([r.code, r.stdout]).toEqual([64, ""]);
      return r.stderr;
    };
    expect(await said("--verison")).toBe(
      '[error] [mcp-op] unknown flag --verison for "mcp-op"; did you mean --version?\n',
    );
    // `run` left out: its flag is named with the command it belongs to.
    expect(await said("--envfile", "gh.env", "--", "srv")).toBe(
      '[error] [mcp-op] unknown flag --envfile for "mcp-op"; did you mean "mcp-op run --env-file"?\n',
    );
    expect(await said("--env-file=gh.env", "--", "srv")).toBe(
      '[error] [mcp-op] unknown flag --env-file for "mcp-op"; did you mean "mcp-op run --env-file"?\n',
    );
    expect(await said("--version=2")).toBe("[error] [mcp-op] flag --version takes no value; see: mcp-op --help\n");
    expect(await said("-x")).toBe(
      '[error] [mcp-op] unknown flag -x for "mcp-op"; commands: run, check, add, remove, list, doctor, migrate, headers, proxy; see: mcp-op --help\n',
    );
  });
  test("an unknown flag of a command: did you mean", async () => {
    const s = sandbox();
    const r = await run([bin, "check", "--reslove", s.envFile("a.env", "A=1\n")], { env: s.env() });
    expect(r).toEqual({
      code: 64,
      stdout: "",
      stderr:
        '[error] [mcp-op] unknown flag --reslove for "mcp-op check"; did you mean --resolve? see: mcp-op check --help\n',
    });
  });
  test("the server command without -- before it: said, with the line as it should be, tokens masked", async () => {
    const s = sandbox();
    const file = s.envFile("gh.env", "A=1\n");
    const r = await run([bin, "run", "--env-file", file, "npx", "-y", "@modelcontextprotocol/server-github"], {
      env: s.env(),
    });
    expect(r).toEqual({
      code: 64,
      stdout: "",
      stderr: `[error] [mcp-op] unknown flag -y for "mcp-op run"; the server command goes after "--": mcp-op run --env-file ${file} -- npx -y @modelcontextprotocol/server-github\n`,
    });
    const token = "ghp_PLAINTEXTplaintextPLAINTEXT1234567890";
    const add = await run(
      [bin, "add", "gh", "--allow-plain", "--env", `GITHUB_TOKEN=${token}`, "npx", "srv", "--token", token],
      { env: s.env() },
    );
    expect(add).toEqual({
      code: 64,
      stdout: "",
      stderr: `[error] [mcp-op] unknown flag --token for "mcp-op add"; the server command goes after "--": mcp-op add gh --allow-plain --env 'GITHUB_TOKEN=ghp_… (41 chars)' -- npx srv --token 'ghp_… (41 chars)'\n`,
    });
    expect(add.stderr).not.toContain(token.slice(4));
  });
});

describe("check", () => {
  test("valid files pass, each bad one is reported with file and line", async () => {
    const s = sandbox();
    const good = s.envFile("good.env", "A=op://Private/GitHub/token\nB=plain\n");
    const bad = s.envFile("bad.env", "A=op://Private/gh\nB='x\n");
    const r = await run([bin, "check", good, bad], { env: s.env() });
    expect(r.code).toBe(65);
    expect(r.stdout).toBe(`${good}: ok (2 variables, 1 secret reference)\n`);
    expect(r.stderr).toBe(
      [
        `[error] [mcp-op] ${bad}:1: "op://Private/gh" is not a secret reference: it needs vault, item and field`,
        `[error] [mcp-op] ${bad}:2: unterminated single quote`,
        "",
      ].join("\n"),
    );
    expect(s.opCalls()).toEqual([]);
  });
  test("every error is one line, quoting no value that could be a secret; a typo is a warning", async () => {
    const s = sandbox();
    const secret = "ghp_pastedOnTheNextLine0123456789";
    const file = s.envFile("f.env", `A="op://V/i/f\n${secret}"\nB=op://V/i/f # note\nC=Op:/V/i/${secret}\n`);
    const r = await run([bin, "check", file], { env: s.env() });
    expect(r.code).toBe(65);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")).toEqual([
      `[error] [mcp-op] ${file}:1: "op://V/i/f…" is not a secret reference: it spans lines (a quoted value keeps its line breaks)`,
      `[error] [mcp-op] ${file}:3: "op://V/i/f" is followed by a comment on its line ("#" and 5 more characters), which op may read as part of the reference: put the comment on a line of its own`,
      `[warn] [mcp-op] ${file}:4: C looks like a mistyped secret reference: it starts with "Op:/", not "op://", so op run passes it to the server as plain text`,
      "",
    ]);
    expect(r.stderr).not.toContain(secret);
  });
  test("counts are singular for one", async () => {
    const s = sandbox();
    const one = s.envFile("one.env", "A=op://Private/GitHub/token\n");
    const none = s.envFile("none.env", "# nothing\n");
    const r = await run([bin, "check", one, none], { env: s.env() });
    expect(r).toEqual({
      code: 0,
      stdout: `${one}: ok (1 variable, 1 secret reference)\n${none}: ok (0 variables, 0 secret references)\n`,
      stderr: "",
    });
  });
  test("the exit code does not depend on the order of the files: the first of theirs in the table", async () => {
    const s = sandbox();
    const open = s.envFile("open.env", "A=1\n", 0o666);
    const bad = s.envFile("bad.env", "NOT A LINE\n");
    const missing = `${s.dir}/missing.env`;
    const codes: number[] = [];
    for (const files of [
      [open, bad, missing],
      [missing, bad, open],
      [bad, open, missing],
    ]) {
      const r = await run([bin, "check", ...files], { env: s.env() });
      expect(r.stderr.split("\n")).toHaveLength(4);
      codes.push(r.code);
    }
    expect(codes).toEqual([65, 65, 65]);
    const r = await run([bin, "check", open, missing], { env: s.env() });
    const reversed = await run([bin, "check", missing, open], { env: s.env() });
    expect([r.code, reversed.code]).toEqual([66, 66]);
  });
  test("--resolve: the summary follows the reads and says failed, not ok, when one does not resolve", async () => {
    const s = sandbox();
    const good = s.envFile("good.env", "GITHUB_TOKEN=op://Private/GitHub/token\nPLAIN=x\n");
    const bad = s.envFile("bad.env", "GITHUB_TOKEN=op://Private/GitHub/token\nNOPE=op://Private/Nope/token\n");
    const r = await run([bin, "check", "--resolve", good, bad], { env: s.env() });
    expect(r.code).toBe(65);
    expect(r.stdout).toBe(
      [
        `${good}: ok (2 variables, 1 secret reference)`,
        "  GITHUB_TOKEN: op://Private/GitHub/token resolves",
        `${bad}: failed (2 variables, 2 secret references; 1 does not resolve)`,
        "  GITHUB_TOKEN: op://Private/GitHub/token resolves",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toBe(
      `[error] [mcp-op] ${bad}:2: NOPE: op://Private/Nope/token does not resolve: could not read secret 'op://Private/Nope/token': could not get item Private/Nope: "Nope" isn't an item in the "Private" vault. Specify the item with its UUID, name, or domain.\n`,
    );
    expect(r.stdout + r.stderr).not.toContain(SECRETS.github);
  });
  test("--resolve: an op failing without a message is named by its exit code; an op that cannot start is 69", async () => {
    const s = sandbox();
    const file = s.envFile("a.env", "A=op://Private/GitHub/token\n");
    const silent = join(s.dir, "silent-op");
    writeFileSync(silent, "#!/bin/sh\nexit 3\n", { mode: 0o755 });
    // A service-account token: no sign-in, straight to `op read`.
    const env = s.env({ OP_SERVICE_ACCOUNT_TOKEN: "ops_test" });
    const failed = await run([bin, "check", "--resolve", "--op", silent, file], { env });
    expect(failed.code).toBe(65);
    expect(failed.stderr).toBe(
      `[error] [mcp-op] ${file}:1: A: op://Private/GitHub/token does not resolve: op exited 3\n`,
    );
    const broken = join(s.dir, "broken-op");
    writeFileSync(broken, "#!/nonexistent/interpreter\n", { mode: 0o755 });
    const unstartable = await run([bin, "check", "--resolve", "--op", broken, file], { env });
    expect(unstartable.code).toBe(69);
    expect(unstartable.stderr).toStartWith(`[error] [mcp-op] could not run ${broken}: `);
  });
  test("missing and insecure files", async () => {
    const s = sandbox();
    const open = s.envFile("open.env", "A=1\n", 0o620);
    const r = await run([bin, "check", `${s.dir}/missing.env`, open], { env: s.env() });
    expect(r.code).toBe(66);
    expect(r.stderr.split("\n")).toEqual([
      `[error] [mcp-op] ${s.dir}/missing.env: no such file`,
      `[error] [mcp-op] ${open}: refusing an env file writable by group or others (mode 0620): anyone who can edit it controls the server; fix: chmod go-w ${open}`,
      "",
    ]);
  });
  test("an env file in a directory anyone can write to is refused (77); a sticky one like /tmp is not", async () => {
    const s = sandbox();
    const dir = join(s.dir, "open");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const file = join(dir, "gh.env");
    writeFileSync(file, "A=1\n", { mode: 0o600 });
    const r = await run([bin, "check", file], { env: s.env() });
    expect(r).toMatchObject({
      code: 77,
      stderr: `[error] [mcp-op] ${file}: refusing an env file in a directory anyone can write to (${dir}, mode 0777): anyone could replace it; fix: chmod go-w ${dir}, or move the file\n`,
    });
    // Through a symlink in a private directory: the directory holding the file itself counts.
    const link = join(s.dir, "link.env");
    symlinkSync(file, link);
    expect((await run([bin, "check", link], { env: s.env() })).code).toBe(77);
    chmodSync(dir, 0o1777);
    expect((await run([bin, "check", file], { env: s.env() })).code).toBe(0);
    expect((await run([bin, "check", link], { env: s.env() })).code).toBe(0);
  });
  test("every directory on the way counts: a group-writable one, a world-writable grandparent, a linked one", async () => {
    const s = sandbox();
    const shared = join(s.dir, "shared");
    mkdirSync(join(shared, "mine"), { recursive: true });
    chmodSync(shared, 0o775);
    const deep = join(shared, "mine", "gh.env");
    writeFileSync(deep, "A=1\n", { mode: 0o600 });
    // Through a link in a private directory to a directory below the shared one.
    symlinkSync(join(shared, "mine"), join(s.dir, "linked"));
    const linked = join(s.dir, "linked", "gh.env");
    const r = await run([bin, "check", deep, linked], { env: s.env() });
    const line = (given: string) =>
      `[error] [mcp-op] ${given}: refusing an env file in a directory its group can write to (${shared}, mode 0775): its group's members could replace it; fix: chmod go-w ${shared}, or move the file`;
    expect(r).toEqual({ code: 77, stdout: "", stderr: `${line(deep)}\n${line(linked)}\n` });
  });
  test("a NUL byte in a value: exit 65 naming the line and key, the value never shown", async () => {
    const s = sandbox();
    const file = s.envFile("nul.env", "A=1\nB=before\0after-the-nul\n");
    const r = await run([bin, "check", file], { env: s.env() });
    expect(r).toEqual({
      code: 65,
      stdout: "",
      stderr: `[error] [mcp-op] ${file}:2: the value of B holds a NUL byte, which no environment variable can carry: remove it\n`,
    });
  });
  test("a token after a reference on its line is not repeated in the error", async () => {
    const s = sandbox();
    const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    const file = s.envFile("gh.env", `A=op://V/I/token # ${token}\n`);
    const r = await run([bin, "check", file], { env: s.env() });
    expect(r).toEqual({
      code: 65,
      stdout: "",
      stderr: `[error] [mcp-op] ${file}:1: "op://V/I/token" is followed by a comment on its line ("#" and 41 more characters), which op may read as part of the reference: put the comment on a line of its own\n`,
    });
  });
  test("an empty FILE argument is a usage error naming it, not the working directory", async () => {
    const s = sandbox();
    const good = s.envFile("good.env", "A=1\n");
    const r = await run([bin, "check", good, ""], { env: s.env() });
    expect(r).toEqual({
      code: 64,
      stdout: "",
      stderr:
        "[error] [mcp-op] FILE argument 2 is an empty string, not an env file path; usage: mcp-op check FILE... [--environment ID] [--resolve]\n",
    });
  });
  test("an empty flag value is a usage error naming the flag", async () => {
    const s = sandbox();
    const r = await run([bin, "check", "--op=", s.envFile("good.env", "A=1\n")], { env: s.env() });
    expect(r).toEqual({
      code: 64,
      stdout: "",
      stderr: "[error] [mcp-op] flag --op needs PATH, not an empty string; see: mcp-op check --help\n",
    });
  });
  test("no file: usage error", async () => {
    const r = await run([bin, "check"], { env: sandbox().env() });
    expect(r).toEqual({
      code: 64,
      stdout: "",
      stderr: "[error] [mcp-op] no env file given; usage: mcp-op check FILE... [--environment ID] [--resolve]\n",
    });
  });
});
