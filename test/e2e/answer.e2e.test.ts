/**
 * When run (or the internal stage) fails before it execs, the client's requests get the failure
 * as a JSON-RPC error, through the compiled binary: raw pipes, a terminal, the real MCP SDK client.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { binary, NODE, type Sandbox, SERVER_EVERYTHING, sandbox } from "./helpers.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

// What claude 2.1.328 sends first (measured): a 2026-07-28 discovery probe, then initialize
// after an error answer to it.
const DISCOVER = '{"jsonrpc":"2.0","id":"server-discover-probe-1","method":"server/discover","params":{}}\n';
const INITIALIZE =
  '{"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}},"jsonrpc":"2.0","id":0}\n';
const INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}\n';

/** mcp-op with stdin a pipe: `input` written, then stdin closed (or left open: `keepOpen`). */
async function launch(args: string[], env: Record<string, string>, input: string[], keepOpen = false) {
  const proc = Bun.spawn([bin, ...args], { env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  for (const chunk of input) proc.stdin.write(chunk);
  await proc.stdin.flush();
  if (!keepOpen) await proc.stdin.end();
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (keepOpen) await proc.stdin.end();
  return { code, stdout, stderr };
}

/** The answer a request with this id gets for the stderr line `line` and exit code `code`. */
function answer(id: string | number, line: string, code: number): string {
  const message = `mcp-op: ${line.replace(/^\[error\] \[mcp-op\] /, "").trimEnd()}`;
  return `${JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32010, message, data: { exitCode: code } } })}\n`;
}

const badReference = (s: Sandbox) => s.envFile("github.env", "GITHUB_TOKEN=op://Private/gh\n");
const referenceLine = (file: string) =>
  `[error] [mcp-op] ${file}:1: "op://Private/gh" is not a secret reference: it needs vault, item and field\n`;

describe("run fails before exec: the client's requests are answered with the failure", () => {
  test("each request gets the stderr line with its own id; notifications and noise get nothing", async () => {
    const s = sandbox();
    const file = badReference(s);
    const r = await launch(["run", "--env-file", file, "--", "srv"], s.env(), [
      DISCOVER,
      "not json\n",
      INITIALIZE,
      INITIALIZED,
    ]);
    expect(r.code).toBe(65);
    expect(r.stderr).toBe(referenceLine(file));
    expect(r.stdout).toBe(
      answer("server-discover-probe-1", referenceLine(file), 65) + answer(0, referenceLine(file), 65),
    );
    expect(s.opCalls()).toEqual([]);
  });

  test("several bad inputs: every line, joined, and the exit code first in the table", async () => {
    const s = sandbox();
    const file = badReference(s);
    const open = s.envFile("open.env", "A=1\n", 0o666);
    const r = await launch(["run", "--env-file", file, "--env-file", open, "--", "srv"], s.env(), [INITIALIZE]);
    expect(r.code).toBe(65);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    const got = JSON.parse(r.stdout) as { error: { message: string; data: { exitCode: number } } };
    expect(got.error.message).toBe(`mcp-op: ${lines.map((l) => l.replace("[error] [mcp-op] ", "")).join(" | ")}`);
    expect(got.error.data.exitCode).toBe(65);
  });

  test("stdin at EOF with no message, or only part of one: nothing on stdout", async () => {
    const s = sandbox();
    const file = badReference(s);
    for (const input of [[], [INITIALIZE.trimEnd()]]) {
      expect(await launch(["run", "--env-file", file, "--", "srv"], s.env(), input)).toEqual({
        code: 65,
        stdout: "",
        stderr: referenceLine(file),
      });
    }
  });

  test("stdin left open with no message: exits by itself (the idle limit), nothing on stdout", async () => {
    const s = sandbox();
    const file = badReference(s);
    expect(await launch(["run", "--env-file", file, "--", "srv"], s.env(), [], true)).toEqual({
      code: 65,
      stdout: "",
      stderr: referenceLine(file),
    });
  });

  test("at most 8 answers, then it exits with stdin still open", async () => {
    const s = sandbox();
    const file = badReference(s);
    const requests = Array.from({ length: 12 }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"ping"}\n`);
    const r = await launch(["run", "--env-file", file, "--", "srv"], s.env(), requests, true);
    expect(r.code).toBe(65);
    expect(r.stdout).toBe(Array.from({ length: 8 }, (_, i) => answer(i, referenceLine(file), 65)).join(""));
  });

  test("a usage error in a client's entry reaches it too (the missing --, said with the line)", async () => {
    const s = sandbox();
    const r = await launch(["run", "npx", "-y", "pkg"], s.env(), [INITIALIZE]);
    const line =
      '[error] [mcp-op] unknown flag -y for "mcp-op run"; the server command goes after "--": mcp-op run -- npx -y pkg\n';
    expect(r).toEqual({ code: 64, stdout: answer(0, line, 64), stderr: line });
  });

  test("an exec that fails: answered, and still one stderr line (no runtime warning while it waits)", async () => {
    const s = sandbox();
    const bad = join(s.dir, "badop");
    writeFileSync(bad, "\x7fELFgarbage", { mode: 0o755 });
    const r = await launch(["run", "--no-signin", "--op", bad, "--", "true"], s.env(), [INITIALIZE], true);
    const line = `[error] [mcp-op] could not exec ${bad}: ENOEXEC, Exec format error '${bad}'\n`;
    expect(r).toEqual({ code: 70, stdout: answer(0, line, 70), stderr: line });
  });

  test("stdin a terminal: a person reads stderr, and nothing is read from or answered on the terminal", async () => {
    const s = sandbox();
    const file = badReference(s);
    let output = "";
    const decoder = new TextDecoder();
    const proc = Bun.spawn([bin, "run", "--env-file", file, "--", "srv"], {
      env: s.env(),
      terminal: {
        data(_term, data) {
          output += decoder.decode(data, { stream: true });
        },
      },
    });
    proc.terminal?.write(INITIALIZE);
    expect(await proc.exited).toBe(65);
    proc.terminal?.close();
    expect(output).toContain(`"op://Private/gh" is not a secret reference`);
    expect(output).not.toContain("-32010");
  });
});

describe("the internal stage fails before exec", () => {
  test("its failure is answered like run's", async () => {
    const s = sandbox();
    const r = await launch(["__stage", "--bogus", "--", "srv"], s.env(), [INITIALIZE]);
    const line =
      '[error] [mcp-op] internal stage: unexpected argument "--bogus" (it is started by mcp-op run, not by hand)\n';
    expect(r).toEqual({ code: 64, stdout: answer(0, line, 64), stderr: line });
  });

  test("with --redact the filter gave stdin away: only the step that starts the server answers, through the filter", async () => {
    const s = sandbox();
    const server = join(s.dir, "no-such-server");
    const r = await launch(["__stage", "--redact", "A", "--", server], s.env(), [INITIALIZE]);
    expect(r.code).toBe(69);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    if (process.platform === "linux") {
      // On Linux the server starts through `__stage --pdeathsig`, which owns nothing but a failed
      // exec: its answer reaches the client through the filter (redacted like any line). The
      // filter itself never reads stdin.
      expect(r.stdout).toBe(answer(0, `${lines[0]}\n`, 69));
    } else {
      expect(r.stdout).toBe("");
    }
  });
});

describe("the real MCP SDK client", () => {
  test("connect fails with mcp-op's message and code, not 'Connection closed'", async () => {
    const s = sandbox();
    const open = s.envFile("open.env", "GITHUB_TOKEN=op://Private/GitHub/token\n", 0o666);
    const transport = new StdioClientTransport({
      command: bin,
      args: ["run", "--env-file", open, "--", NODE, SERVER_EVERYTHING],
      env: s.env(),
      stderr: "pipe",
    });
    const client = new Client({ name: "answer-e2e", version: "0" });
    const error = await client.connect(transport).then(
      () => undefined,
      (e: unknown) => e,
    );
    await client.close();
    expect(error).toBeInstanceOf(McpError);
    const line = `${open}: refusing an env file writable by group or others (mode 0666): anyone who can edit it controls the server; fix: chmod go-w ${open}`;
    expect((error as McpError).code).toBe(-32010);
    expect((error as McpError).message).toBe(`MCP error -32010: mcp-op: ${line}`);
    expect((error as McpError).data).toEqual({ exitCode: 77 });
    expect(s.opCalls()).toEqual([]);
  });
});
