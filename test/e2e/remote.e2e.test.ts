/**
 * Remote MCP servers through the compiled binary: `mcp-op headers` (a header helper) and
 * `mcp-op proxy` (a stdio bridge), against the real server-everything in streamableHttp (or
 * sse) mode behind a gate that answers 401 without the right bearer token
 * (test/fixtures/remote/gate.ts), with the real MCP SDK client, claude and gemini.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { LATEST_PROTOCOL_VERSION, McpError } from "@modelcontextprotocol/sdk/types.js";
import { type Remote, startRemote } from "../fixtures/remote/gate.ts";
import { binary, OP_DIR, ROOT, run, type Sandbox, sandbox } from "./helpers.ts";

/** Real clients and servers on a loaded machine (see clients.e2e.test.ts). */
const SLOW = 120_000;

/** A token with a quote and a backslash: JSON and the shell must both leave it whole. */
const TOKEN = 'r3moteT"ok\\en-0123456789';
const TEAM = "team-s3cret-4242";
const VAULT = {
  Private: {
    Remote: { token: TOKEN, team: TEAM, wrong: "wrong-t0ken-5555" },
    Broken: { token: "line1\nX-Injected: yes" },
  },
};
const AUTH = "Authorization: Bearer {{ op://Private/Remote/token }}";
const BIN_DIR = join(ROOT, "node_modules", ".bin");

let bin: string;
let remote: Remote;
beforeAll(async () => {
  [bin, remote] = await Promise.all([binary(), startRemote({ token: TOKEN })]);
});
afterAll(async () => {
  await remote?.stop();
});

/** Nothing secret anywhere a user or another process could read it. */
function expectNoSecret(s: Sandbox, ...texts: string[]) {
  for (const text of [s.opLog(), ...texts]) {
    expect(text).not.toContain("r3moteT");
    expect(text).not.toContain(TEAM);
  }
}

/** A headers file as registration will write it: mode 0600, references only. */
function headersFile(s: Sandbox, text = `# the remote test server\n${AUTH}\n`): string {
  return s.envFile("remote.headers", text);
}

describe("mcp-op headers", () => {
  test("prints one JSON object, secrets resolved by op run; no secret in an argv or at -v", async () => {
    const s = sandbox(VAULT);
    const env = s.envFile("team.env", "TEAM=op://Private/Remote/team\n");
    const r = await run([bin, "headers", "-v", "--env-file", env, "--header", AUTH, "--header", "X-Team: {{ TEAM }}"], {
      env: s.env(),
    });
    expect({ code: r.code, stdout: r.stdout }).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ Authorization: `Bearer ${TOKEN}`, "X-Team": TEAM })}\n`,
    });
    expect(r.stdout).toContain('T\\"ok\\\\en');
    expect(r.stderr).toContain(
      "[debug] [mcp-op] resolves MCP_OP_REMOTE_1 = op://Private/Remote/token (--header 1 (Authorization))",
    );
    expectNoSecret(s, r.stderr);
    // op read the env file mcp-op checked, as /dev/fd/3.
    expect(s.opCalls()[1]?.slice(0, 4)).toEqual(["run", "--env-file", "/dev/fd/3", "--no-masking"]);
  });

  test("a headers file; stdin an open pipe that never closes, as Claude Code gives a helper", async () => {
    const s = sandbox(VAULT);
    const proc = Bun.spawn([bin, "headers", "--headers-file", headersFile(s)], {
      env: s.env(),
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ code, stdout, stderr }).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ Authorization: `Bearer ${TOKEN}` })}\n`,
      stderr: "",
    });
    // No op call got the client's stdin (op reads it when it can, and would wait forever).
    const calls = s
      .opLog()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { argv?: string[]; stdin?: string })
      .flatMap((l) => (l.argv ? [`${l.argv[0]} ${l.stdin}`] : []));
    expect(calls).toEqual(["whoami null", "run null"]);
    proc.stdin.end();
  });

  const failures: Array<[string, (s: Sandbox) => string[], number, string]> = [
    [
      "a reference op cannot resolve",
      () => ["--header", "Authorization: Bearer {{ op://Private/Nope/token }}"],
      69,
      "[error] [mcp-op] op run could not resolve the headers (exit 1): ",
    ],
    [
      "a secret holding a line break (header injection)",
      () => ["--header", "Authorization: Bearer {{ op://Private/Broken/token }}"],
      65,
      "[error] [mcp-op] header Authorization: its value from 1Password holds a line feed (LF), which would end the header line (header injection); refusing to send it; check the item's field in 1Password (a stray line break?)\n",
    ],
    [
      "a plain value",
      () => ["--header", "Authorization: Bearer r3moteT-pasted"],
      65,
      "[error] [mcp-op] --header 1: Authorization: not a secret reference or {{ }} template; refusing a plain value (it may be the token itself): store it in 1Password and use its reference, or pass --allow-plain\n",
    ],
    [
      "a header given twice, a bad name",
      () => ["--header", AUTH, "--header", "authorization: op://Private/Remote/team", "--header", "X Bad: op://a/b/c"],
      64,
      '[error] [mcp-op] --header 2: authorization is given twice (first at --header 1): give each header once\n[error] [mcp-op] --header 3: "X Bad" is not a header name: use letters, digits and !#$%&\'*+-.^_`|~ only (RFC 9110 token)\n',
    ],
    [
      "a headers file others can write",
      (s) => {
        const file = headersFile(s);
        chmodSync(file, 0o666);
        return ["--headers-file", file];
      },
      77,
      "refusing a headers file writable by group or others (mode 0666): anyone who can edit it chooses which secrets are sent, and where; fix: chmod go-w ",
    ],
    [
      "a headers file line without a colon",
      (s) => ["--headers-file", headersFile(s, `${AUTH}\nBearer oops\n`)],
      65,
      '/remote.headers:2: expected "Name: value", found no ":"\n',
    ],
    [
      "a server command after --",
      () => ["--header", AUTH, "--", "npx", "server"],
      64,
      '[error] [mcp-op] "mcp-op headers" starts no server: nothing goes after "--"; see: mcp-op headers --help\n',
    ],
    [
      "no header at all",
      () => [],
      64,
      "[error] [mcp-op] no headers to print: give --header 'Name: value' or --headers-file FILE; see: mcp-op headers --help\n",
    ],
    [
      "a sign-in limit clients would not wait for",
      () => ["--signin-timeout", "10", "--header", AUTH],
      64,
      '[error] [mcp-op] --signin-timeout takes a number of seconds, more than 0 and at most 9, not "10"\n',
    ],
  ];
  for (const [what, args, code, stderr] of failures) {
    test(`${what}: one error, exit ${code}, nothing on stdout`, async () => {
      const s = sandbox(VAULT);
      const r = await run([bin, "headers", ...args(s)], { env: s.env() });
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code, stdout: "" });
      expect(r.stderr).toContain(stderr);
      expect(
        r.stderr
          .split("\n")
          .filter(Boolean)
          .every((l) => l.startsWith("[error] [mcp-op] ")),
      ).toBe(true);
      expectNoSecret(s, r.stderr);
      expect(r.stderr).not.toContain("X-Injected");
    });
  }

  test("sign-in as run does: one app prompt, then the JSON; a prompt nobody answers ends at --signin-timeout", async () => {
    const s = sandbox(VAULT);
    const ok = await run([bin, "headers", "--header", AUTH], { env: s.env({ OP_STUB_AUTH: "app" }) });
    expect({ code: ok.code, stdout: ok.stdout }).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ Authorization: `Bearer ${TOKEN}` })}\n`,
    });
    expect(readFileSync(join(s.state, "prompts"), "utf8").split("\n").filter(Boolean)).toHaveLength(1);
    const t = sandbox(VAULT);
    const hung = await run([bin, "headers", "--signin-timeout", "1", "--header", AUTH], {
      env: t.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "hang" }),
    });
    expect({ code: hung.code, stdout: hung.stdout }).toEqual({ code: 75, stdout: "" });
    expect(hung.stderr).toMatch(/^\[error\] \[mcp-op\] sign-in timed out after 1s \(waiting for op vault list\)/);
    expect(t.opCalls().map((a) => a[0])).not.toContain("run");
  });

  test("an op run slower than the clients' 10 s is stopped at 9.5 s: exit 75, nothing on stdout, no op left", async () => {
    const s = sandbox(VAULT);
    // A network that hangs: `op run` takes a minute (the real one would be waiting on 1Password).
    const slow = join(s.dir, "slow");
    mkdirSync(slow);
    writeFileSync(
      join(slow, "op"),
      `#!/bin/sh\nif [ "$1" = run ]; then echo $$ > "${s.dir}/slow.pid"; exec sleep 60; fi\nexec "${OP_DIR}/op" "$@"\n`,
    );
    chmodSync(join(slow, "op"), 0o755);
    const started = Date.now();
    const r = await run([bin, "headers", "--op", join(slow, "op"), "--header", AUTH], { env: s.env() });
    const took = Date.now() - started;
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 75,
      stdout: "",
      stderr:
        "[error] [mcp-op] op run did not finish within 9.5s of the start (clients give a headers helper 10s); approve the 1Password prompt sooner, or check op's connection to 1Password\n",
    });
    expect(took).toBeLessThan(12_000); // 9.5 s and a loaded machine's start-up, well before 60 s
    const pid = Number(readFileSync(join(s.dir, "slow.pid"), "utf8"));
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  }, 30_000);

  test(
    "claude: a user-scope http entry with headersHelper connects; a failing helper shows claude's OAuth error",
    async () => {
      const s = sandbox(VAULT);
      const env = s.env({ PATH: `${OP_DIR}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin` });
      const file = headersFile(s);
      const broken = s.envFile("broken.headers", "Authorization: Bearer {{ op://Private/Nope/token }}\n");
      const helper = (f: string) => `${bin} headers --headers-file ${f}`;
      writeFileSync(
        join(s.home, ".claude.json"),
        JSON.stringify({
          mcpServers: {
            remote: { type: "http", url: remote.url, headersHelper: helper(file) },
            broken: { type: "http", url: remote.url, headersHelper: helper(broken) },
          },
        }),
      );
      const list = await run([join(BIN_DIR, "claude"), "mcp", "list"], { env, cwd: s.dir });
      expect(list.stdout).toContain(`remote: ${remote.url} (HTTP) - ✔ Connected`);
      // Claude Code only logs a helper's failure and connects without its headers: the server's
      // 401 then starts OAuth discovery (docs/remote-servers.md (a), "claude mcp list output per case").
      expect(list.stdout).toMatch(
        /broken: .* - ✘ Failed to connect — Dynamic Client Registration rejected \(HTTP 401\)/,
      );
      expectNoSecret(s, list.stdout, list.stderr, readFileSync(join(s.home, ".claude.json"), "utf8"));
    },
    SLOW,
  );
});

// ---------------------------------------------------------------------------------------------

async function connect(args: string[], env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: bin, args, env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: "mcp-op-remote-e2e", version: "0" });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

/** A proxy spawned by hand: JSON-RPC lines in, lines out, and its exit code. */
function spawnProxy(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([bin, "proxy", ...args], { env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    proc,
    send(message: object) {
      proc.stdin.write(`${JSON.stringify(message)}\n`);
      void proc.stdin.flush();
    },
    async line(): Promise<Record<string, unknown>> {
      for (;;) {
        const nl = buffer.indexOf("\n");
        if (nl !== -1) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          return JSON.parse(line);
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`stdout ended; stderr: ${await new Response(proc.stderr).text()}`);
        buffer += decoder.decode(value, { stream: true });
      }
    },
  };
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "by-hand", version: "0" } },
};

/** The gate's record of the session's DELETE (the SDK's close() sends none: terminateSession does). */
const deletes = (r: Remote, since: number) => r.requests.slice(since).filter((q) => q.method === "DELETE" && q.allowed);

/** The process op started for the bridge (op stays as its parent, as for a server). */
function childOf(pid: number): number | undefined {
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const kids = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    if (kids) return Number(kids.split(" ")[0]);
  }
  return undefined;
}

describe("mcp-op proxy", () => {
  test("the SDK client lists tools and calls echo; DELETE at the end; no secret in an argv or at -v", async () => {
    const s = sandbox(VAULT);
    const env = s.envFile("team.env", "TEAM=op://Private/Remote/team\n");
    const since = remote.requests.length;
    const { client, stderr } = await connect(
      ["proxy", "-v", "--url", remote.url, "--env-file", env, "--header", AUTH, "--header", "X-Team: {{ TEAM }}"],
      s.env(),
    );
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain("echo");
    const echo = await client.callTool({ name: "echo", arguments: { message: "through the bridge" } });
    expect(echo.content).toEqual([{ type: "text", text: "Echo: through the bridge" }]);
    await client.close();
    const seen = remote.requests.slice(since);
    expect(seen.every((q) => q.allowed)).toBe(true);
    // After initialize, every request names the protocol version agreed on (MCP 2025-06-18,
    // "Protocol Version Header"): the one the client asked for, which server-everything accepts.
    expect(seen[0]?.protocol).toBeNull();
    expect(new Set(seen.slice(1).map((q) => q.protocol))).toEqual(new Set([LATEST_PROTOCOL_VERSION]));
    expect(seen.filter((q) => q.rpc).map((q) => q.rpc)).toEqual([
      "initialize",
      "notifications/initialized",
      "tools/list",
      "tools/call",
    ]);
    // client.close() ends stdin and waits for the exit: the bridge ended the session before that.
    expect(deletes(remote, since).length).toBe(1);
    expect(stderr()).toContain("[debug] [mcp-op] client -> server: tools/call (id 2)");
    expectNoSecret(s, stderr());
  });

  test("requests written all at once, stdin closed at once: every one is answered, then DELETE and exit 0", async () => {
    const s = sandbox(VAULT);
    const since = remote.requests.length;
    const lines = [
      INITIALIZE,
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { jsonrpc: "2.0", id: "three", method: "ping" },
    ];
    const r = await run([bin, "proxy", "--url", remote.url, "--header", AUTH], {
      env: s.env(),
      input: lines.map((l) => `${JSON.stringify(l)}\n`).join(""),
    });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const answers = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(answers.map((a) => [a.id, "result" in a])).toEqual([
      [1, true],
      [2, true],
      ["three", true],
    ]);
    expect(deletes(remote, since).length).toBe(1);
  });

  test("a service-account token: the stage removes it before the bridge starts", async () => {
    const s = sandbox(VAULT);
    const tokenFile = s.envFile("sa.token", "ops_remoteTestServiceAccount0001\n");
    const { client, transport } = await connect(
      ["proxy", "--token-file", tokenFile, "--url", remote.url, "--header", AUTH],
      s.env(),
    );
    await client.listTools();
    const bridge = childOf(transport.pid as number) as number;
    const environ = readFileSync(`/proc/${bridge}/environ`, "utf8").split("\0");
    expect(readFileSync(`/proc/${bridge}/cmdline`, "utf8").split("\0")).toContain("__bridge");
    expect(environ.filter((e) => e.startsWith("OP_SERVICE_ACCOUNT_TOKEN="))).toEqual([]);
    await client.close();
  });

  test("a wrong token: the client's requests get the 401 with the server's message; exit 77", async () => {
    const s = sandbox(VAULT);
    const p = spawnProxy(
      ["--url", remote.url, "--header", "Authorization: Bearer {{ op://Private/Remote/wrong }}"],
      s.env(),
    );
    // Claude Code opens with server/discover, then initialize (docs/remote-servers.md).
    p.send({ jsonrpc: "2.0", id: 0, method: "server/discover", params: {} });
    const message = `mcp-op: ${remote.url} answered HTTP 401: {"error":"unauthorized"} (the server refused the headers: check their secrets in 1Password)`;
    const error = { code: -32010, message, data: { exitCode: 77, status: 401 } };
    expect(await p.line()).toEqual({ jsonrpc: "2.0", id: 0, error });
    p.send(INITIALIZE);
    expect(await p.line()).toEqual({ jsonrpc: "2.0", id: 1, error });
    p.proc.stdin.end();
    expect(await p.proc.exited).toBe(77);
    const stderr = await new Response(p.proc.stderr).text();
    expect(stderr).toBe(`[error] [mcp-op] ${message.slice("mcp-op: ".length)}\n`);
    expectNoSecret(s, stderr);
  });

  test("the SDK client sees the 401 as the error of initialize", async () => {
    const s = sandbox(VAULT);
    const failed = connect(
      ["proxy", "--url", remote.url, "--header", "Authorization: Bearer {{ op://Private/Remote/wrong }}"],
      s.env(),
    );
    const error = await failed.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32010);
    expect((error as McpError).message).toContain('answered HTTP 401: {"error":"unauthorized"}');
  });

  test("a server nobody answers for: exit 69, and the client is told why", async () => {
    const s = sandbox(VAULT);
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}/mcp`;
    closed.stop(true);
    const p = spawnProxy(["--url", url, "--header", AUTH], s.env());
    p.send(INITIALIZE);
    const answer = (await p.line()) as { error: { code: number; message: string; data: unknown } };
    expect(answer.error.code).toBe(-32010);
    expect(answer.error.message).toStartWith(`mcp-op: cannot reach ${url}: `);
    expect(answer.error.data).toEqual({ exitCode: 69 });
    p.proc.stdin.end();
    expect(await p.proc.exited).toBe(69);
  });

  test("mid-session, a failed request is answered with its error and the bridge stays up", async () => {
    const s = sandbox(VAULT);
    const { client, transport } = await connect(["proxy", "--url", remote.url, "--header", AUTH], s.env());
    try {
      await client.listTools();
      remote.setToken("revoked");
      const failed = await client.listTools().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((failed as McpError).code).toBe(-32011);
      expect((failed as McpError).message).toContain(`${remote.url} answered HTTP 401: {"error":"unauthorized"}`);
      remote.setToken(TOKEN);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      expect(existsSync(`/proc/${transport.pid}`)).toBe(true);
    } finally {
      remote.setToken(TOKEN);
      await client.close();
    }
  });

  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    test(`${signal} ends the remote session (Claude Code stops stdio servers with SIGINT), exit ${code}`, async () => {
      const s = sandbox(VAULT);
      const since = remote.requests.length;
      const p = spawnProxy(["--url", remote.url, "--header", AUTH], s.env());
      p.send(INITIALIZE);
      expect((await p.line()).result).toBeDefined();
      p.proc.kill(signal);
      expect(await p.proc.exited).toBe(code);
      expect(deletes(remote, since).length).toBe(1);
    });
  }

  test("an SSE-only server: streamable HTTP gets 404, the bridge talks SSE", async () => {
    const sse = await startRemote({ token: TOKEN, mode: "sse" });
    try {
      const s = sandbox(VAULT);
      const { client } = await connect(["proxy", "--url", sse.url, "--header", AUTH], s.env());
      const echo = await client.callTool({ name: "echo", arguments: { message: "over SSE" } });
      expect(echo.content).toEqual([{ type: "text", text: "Echo: over SSE" }]);
      await client.close();
      expect(sse.requests.slice(0, 2).map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual([
        "POST /sse 404",
        "GET /sse 200",
      ]);
    } finally {
      await sse.stop();
    }
  });

  test("a token in the URL's query, percent-encoded; messages show the URL without it", async () => {
    const s = sandbox(VAULT);
    const url = `${remote.url}?token={{ op://Private/Remote/token }}`;
    const { client, stderr } = await connect(["proxy", "-v", "--url", url], s.env());
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
    expectNoSecret(s, stderr());
    expect(s.opCalls().flat().join(" ")).not.toContain("r3moteT");
  });

  test("a bad flag or file before the bridge starts: the client's request gets the line, as with run", async () => {
    const s = sandbox(VAULT);
    const p = spawnProxy(["--url", remote.url, "--headers-file", join(s.dir, "missing.headers")], s.env());
    p.send(INITIALIZE);
    expect((await p.line()).error).toEqual({
      code: -32010,
      message: `mcp-op: ${join(s.dir, "missing.headers")}: no such file`,
      data: { exitCode: 66 },
    });
    p.proc.stdin.end();
    expect(await p.proc.exited).toBe(66);
  });

  test("--url is required", async () => {
    const s = sandbox(VAULT);
    const r = await run([bin, "proxy", "--header", AUTH], { env: s.env() });
    expect(r).toEqual({
      code: 64,
      stdout: "",
      stderr:
        "[error] [mcp-op] --url is missing: the remote server to forward to; e.g. mcp-op proxy --url https://mcp.example.com/mcp --headers-file ~/.config/mcp-op/example.headers\n",
    });
  });

  test(
    "gemini: `gemini mcp list` connects to a proxy entry",
    async () => {
      const s = sandbox(VAULT);
      const env = s.env({ PATH: `${OP_DIR}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin` });
      mkdirSync(join(s.home, ".gemini"));
      const settings = {
        security: { folderTrust: { enabled: false } },
        mcpServers: {
          remote: { command: bin, args: ["proxy", "--url", remote.url, "--headers-file", headersFile(s)] },
        },
      };
      writeFileSync(join(s.home, ".gemini", "settings.json"), JSON.stringify(settings));
      const list = await run([join(BIN_DIR, "gemini"), "mcp", "list"], { env, cwd: s.dir });
      // gemini prints its list on stderr.
      expect(list.stdout + list.stderr).toMatch(/✓ remote: .* - Connected/);
      expectNoSecret(s, list.stdout, list.stderr);
    },
    SLOW,
  );
});
