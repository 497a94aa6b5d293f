/**
 * End to end through the compiled binary: a real MCP client, mcp-op, the stand-in `op`, and the
 * real server-everything. What a user would see: bytes on stdout, exit codes, stderr lines,
 * which process is left running.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { binary, NODE, OP, run, SECRETS, SERVER_EVERYTHING, sandbox, TRUE } from "./helpers.ts";
import { NONBLOCKING_LAUNCH, PROBE, readProbe } from "./probe.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

/** How op gets an env file mcp-op opened and checked: the descriptor, not the name. */
const FD = /^\/dev\/fd\/\d+$/;

const GH_ENV =
  '# GitHub\nGITHUB_TOKEN=op://Private/GitHub/token\nSLACK_TOKEN = "op://Private/Slack/bot/token"\nPLAIN=visible\n';

async function connect(args: string[], env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: bin, args, env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const errors: Error[] = [];
  const client = new Client({ name: "mcp-op-e2e", version: "0" });
  client.onerror = (e) => errors.push(e);
  await client.connect(transport);
  return { client, transport, errors, stderr: () => stderr };
}

describe("run: a real MCP client through mcp-op to server-everything", () => {
  test("initialize, listTools, get-env shows the resolved secrets; nothing leaks", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    const env = s.env({ FROM_CLIENT: "op://Private/FromClient/credential" });
    const { client, transport, errors, stderr } = await connect(
      ["run", "-v", "--env-file", file, "--", NODE, SERVER_EVERYTHING],
      env,
    );
    try {
      expect(client.getServerVersion()?.name).toContain("everything");
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain("get-env");
      const result = await client.callTool({ name: "get-env", arguments: {} });
      const text = (result.content as Array<{ text: string }>)[0]?.text ?? "";
      const serverEnv = JSON.parse(text) as Record<string, string>;
      expect(serverEnv.GITHUB_TOKEN).toBe(SECRETS.github);
      expect(serverEnv.SLACK_TOKEN).toBe(SECRETS.slack);
      expect(serverEnv.FROM_CLIENT).toBe(SECRETS.client);
      expect(serverEnv.PLAIN).toBe("visible");
      expect(errors).toEqual([]);

      // After exec, the client's child is `op` (the stand-in runs on node), not mcp-op.
      const pid = transport.pid as number;
      expect(readlinkSync(`/proc/${pid}/exe`)).toBe(NODE);
      expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain(OP);
    } finally {
      await client.close();
    }
    // -v printed the plan, with references and no values, and which file op reads as /dev/fd/N.
    expect(stderr()).toContain("[debug] [mcp-op] resolves GITHUB_TOKEN = op://Private/GitHub/token");
    expect(stderr()).toMatch(
      new RegExp(
        `\\[debug\\] \\[mcp-op\\] /dev/fd/\\d+ is ${file}, opened and checked by mcp-op and kept open for op\n`,
      ),
    );
    for (const secret of Object.values(SECRETS)) {
      expect(stderr()).not.toContain(secret);
      expect(s.opLog()).not.toContain(secret);
    }
    expect(s.opCalls()).toEqual([
      ["whoami"],
      ["run", "--env-file", expect.stringMatching(FD), "--no-masking", "--", NODE, SERVER_EVERYTHING],
    ]);
  });

  test("every byte on stdout is the server's, even at -v", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    const requests = [
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
      },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "ping" },
    ];
    const proc = Bun.spawn([bin, "run", "-v", "--env-file", file, "--", NODE, SERVER_EVERYTHING], {
      env: s.env({ MCP_OP_LOG_LEVEL: "trace" }),
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    for (const r of requests) proc.stdin.write(`${JSON.stringify(r)}\n`);
    await proc.stdin.flush();
    // Read until the ping answer arrives, then close stdin: the server must exit on EOF.
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes('"id":2')) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    proc.stdin.end();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    const code = await proc.exited;
    const lines = out.split("\n").filter((l) => l !== "");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect((JSON.parse(line) as { jsonrpc: string }).jsonrpc).toBe("2.0");
    expect(lines.some((l) => l.includes('"id":1') && l.includes("serverInfo"))).toBe(true);
    expect(code).toBe(0);
  });
});

describe("run: process behaviour after exec", () => {
  test("the server's exit code comes back", async () => {
    const s = sandbox();
    const r = await run([bin, "run", "--", NODE, "-e", "process.exit(7)"], { env: s.env() });
    expect(r).toEqual({ code: 7, stdout: "", stderr: "" });
  });

  test("SIGTERM reaches the server", async () => {
    const s = sandbox();
    const script =
      "process.on('SIGTERM', () => { process.stderr.write('server got SIGTERM\\n'); process.exit(42); }); process.stdout.write('READY\\n'); setInterval(() => {}, 1000);";
    const proc = Bun.spawn([bin, "run", "--", NODE, "-e", script], {
      env: s.env(),
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe("READY\n");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(42);
    expect(await new Response(proc.stderr).text()).toBe("server got SIGTERM\n");
  });

  test("stdin EOF reaches the server", async () => {
    const s = sandbox();
    const script =
      "let n = 0; process.stdin.on('data', (d) => { n += d.length; }); process.stdin.on('end', () => { process.stdout.write('EOF after ' + n + '\\n'); process.exit(3); });";
    const r = await run([bin, "run", "--", NODE, "-e", script], { env: s.env(), input: "hello\n" });
    expect(r).toEqual({ code: 3, stdout: "EOF after 6\n", stderr: "" });
  });

  test("the exec'd program gets default signals, no blocked signals and blocking stdio", async () => {
    const s = sandbox();
    const out = join(s.dir, "probe.txt");
    // A careless client hands over non-blocking fds; Bun itself ignores SIGPIPE and SIGXFSZ.
    const r = await run(
      [NONBLOCKING_LAUNCH, bin, "run", "-v", "--no-signin", "--op", PROBE, "--", "true", "-h", "--version"],
      {
        env: s.env({ PROBE_OUT: out }),
        input: "",
      },
    );
    expect(r.code).toBe(0);
    const probe = readProbe(out);
    expectCleanProcess(probe.fields);
    // `-h` and `--version` after `--` belong to the server: mcp-op printed no help and passed them on.
    expect(probe.args).toEqual(["run", "--no-masking", "--", TRUE, "-h", "--version"]);
    expect(r.stdout).toBe("");
  });

  test("the probe sees what a careless client hands over: blocked signals, non-blocking stdio", async () => {
    // Without mcp-op in between: what the test above would see if mcp-op passed it on.
    const s = sandbox();
    const out = join(s.dir, "probe.txt");
    const r = await run([NONBLOCKING_LAUNCH, PROBE, "run"], { env: s.env({ PROBE_OUT: out }), input: "" });
    expect(r.code).toBe(0);
    const { fields } = readProbe(out);
    expect(fields.SigBlk).toBe("fffffffe7ffbfeff"); // all but SIGKILL, SIGSTOP and glibc's own two
    expect(Number.parseInt(fields.fd0 ?? "", 8) & 0o4000).toBe(0o4000);
  });

  test("without a careless client (no libc needed), the exec'd program still gets default signals", async () => {
    const s = sandbox();
    const out = join(s.dir, "probe.txt");
    const r = await run([bin, "run", "--no-signin", "--op", PROBE, "--", "true"], {
      env: s.env({ PROBE_OUT: out }),
      input: "",
    });
    expect(r.code).toBe(0);
    expectCleanProcess(readProbe(out).fields);
  });

  test("repeated --env-file: every file reaches op, in order", async () => {
    const s = sandbox();
    const a = s.envFile("a.env", "A=op://Private/GitHub/token\n");
    const b = s.envFile("b.env", "B=1\n");
    const out = join(s.dir, "probe.txt");
    const r = await run(
      [bin, "run", "--no-signin", "--env-file", a, "--env-file", b, "--account", "acme", "--op", PROBE, "--", "true"],
      {
        env: s.env({ PROBE_OUT: out }),
      },
    );
    expect(r.code).toBe(0);
    const probe = readProbe(out);
    expect(probe.args).toEqual([
      "--account",
      "acme",
      "run",
      "--env-file",
      expect.stringMatching(FD),
      "--env-file",
      expect.stringMatching(FD),
      "--no-masking",
      "--",
      TRUE,
    ]);
    // Each /dev/fd/N is open in op, on the file given, in order.
    const fds = [probe.args[4], probe.args[6]].map((a) => (a ?? "").slice("/dev/fd/".length));
    expect(fds.map((fd) => probe.openFds.find((o) => o.startsWith(`${fd} `)))).toEqual([
      `${fds[0]} ${a}`,
      `${fds[1]} ${b}`,
    ]);
  });

  test("the env file's descriptor is op's: the internal stage does not pass it on to the server", async () => {
    // As op would start it (a Go program passes on what is not close-on-exec): the stage with
    // the env file open as descriptor 3, execing the probe as the server.
    const s = sandbox();
    const file = s.envFile("gh.env", "A=op://Private/GitHub/token\n");
    const fd = openSync(file, "r");
    const probeFds = async (argv: string[]) => {
      const out = join(s.dir, `probe-${argv.length}.txt`);
      const proc = Bun.spawn(argv, { env: s.env({ PROBE_OUT: out }), stdio: ["ignore", "pipe", "pipe", fd] });
      expect(await proc.exited).toBe(0);
      return readProbe(out).openFds;
    };
    try {
      expect(await probeFds([PROBE])).toContain(`3 ${file}`); // the probe sees what it inherits
      expect(await probeFds([bin, "__stage", "--unset", "OP_SERVICE_ACCOUNT_TOKEN", "--", PROBE])).toEqual([]);
    } finally {
      closeSync(fd);
    }
  });

  test("a .env and a bunfig.toml preload in the working directory change nothing", async () => {
    const s = sandbox();
    const marker = join(s.dir, "preload-ran");
    writeFileSync(join(s.dir, ".env"), "INJECTED_BY_DOTENV=1\nMCP_OP_SEARCH_DIRS=/nowhere\n");
    writeFileSync(join(s.dir, "bunfig.toml"), 'preload = ["./evil.ts"]\n');
    writeFileSync(join(s.dir, "evil.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
    const out = join(s.dir, "probe.txt");
    const r = await run([bin, "run", "--no-signin", "--op", PROBE, "--", "true"], {
      env: s.env({ PROBE_OUT: out }),
      cwd: s.dir,
    });
    expect(r.code).toBe(0);
    expect(readProbe(out).envNames).not.toContain("INJECTED_BY_DOTENV");
    expect(await Bun.file(marker).exists()).toBe(false);
    const v = await run([bin, "--version"], { env: s.env(), cwd: s.dir });
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(await Bun.file(marker).exists()).toBe(false);
  });
});

describe("run: an exec that fails", () => {
  test("op that is not a program: exit 70, one line (no runtime warning after it); the same in the stage", async () => {
    const s = sandbox();
    const bad = join(s.dir, "badop");
    writeFileSync(bad, "\x7fELFgarbage", { mode: 0o755 });
    const r = await run([bin, "run", "--no-signin", "--op", bad, "--", "true"], { env: s.env(), input: "" });
    expect(r).toEqual({
      code: 70,
      stdout: "",
      stderr: `[error] [mcp-op] could not exec ${bad}: ENOEXEC, Exec format error '${bad}'\n`,
    });
    // With an env file, op is exec'd through libc (the descriptor kept): the same line.
    const file = s.envFile("gh.env", "A=1\n");
    const viaLibc = await run([bin, "run", "--no-signin", "--env-file", file, "--op", bad, "--", "true"], {
      env: s.env(),
      input: "",
    });
    expect(viaLibc).toEqual(r);
    // A service account puts the stage between op and the server: its failed exec is one line too.
    const server = join(s.dir, "badsrv");
    writeFileSync(server, "\x7fELFgarbage", { mode: 0o755 });
    const staged = await run([bin, "run", "--", server], {
      env: s.env({ OP_SERVICE_ACCOUNT_TOKEN: "ops_x" }),
      input: "",
    });
    expect(staged.code).not.toBe(0);
    expect(staged.stderr.trim().split("\n")).toHaveLength(1);
    expect(staged.stderr).not.toContain("ExperimentalWarning");
  });
});

describe("run: every bad input fails before anything starts", () => {
  type Bad = {
    name: string;
    setup: (s: ReturnType<typeof sandbox>) => { args: string[]; env?: Record<string, string> };
    code: number;
    message: (dir: string) => string;
  };
  const bads: Bad[] = [
    {
      name: "malformed line",
      setup: (s) => ({ args: ["--env-file", s.envFile("bad.env", "A=1\nNOT A LINE\n"), "--", "srv"] }),
      code: 65,
      message: (d) => `[error] [mcp-op] ${d}/bad.env:2: expected KEY=VALUE, found no "="`,
    },
    {
      name: "malformed reference",
      setup: (s) => ({ args: ["--env-file", s.envFile("github.env", "# x\n\nGH=op://Private/gh\n"), "--", "srv"] }),
      code: 65,
      message: (d) =>
        `[error] [mcp-op] ${d}/github.env:3: "op://Private/gh" is not a secret reference: it needs vault, item and field`,
    },
    {
      name: "malformed reference in the environment",
      setup: () => ({ args: ["--", "srv"], env: { GH: "op://Private/gh" } }),
      code: 65,
      message: () =>
        `[error] [mcp-op] environment variable GH: "op://Private/gh" is not a secret reference: it needs vault, item and field`,
    },
    {
      name: "world-writable file",
      setup: (s) => ({
        args: ["--env-file", s.envFile("open.env", "A=op://Private/GitHub/token\n", 0o666), "--", "srv"],
      }),
      code: 77,
      message: (d) =>
        `[error] [mcp-op] ${d}/open.env: refusing an env file writable by group or others (mode 0666): anyone who can edit it controls the server; fix: chmod go-w ${d}/open.env`,
    },
    {
      name: "an env file below a group-writable directory (anyone in the group could swap it)",
      setup: (s) => {
        mkdirSync(`${s.dir}/team/mine`, { recursive: true });
        chmodSync(`${s.dir}/team`, 0o775);
        writeFileSync(`${s.dir}/team/mine/gh.env`, "A=op://Private/GitHub/token\n", { mode: 0o600 });
        return { args: ["--env-file", `${s.dir}/team/mine/gh.env`, "--", "srv"] };
      },
      code: 77,
      message: (d) =>
        `[error] [mcp-op] ${d}/team/mine/gh.env: refusing an env file in a directory its group can write to (${d}/team, mode 0775): its group's members could replace it; fix: chmod go-w ${d}/team, or move the file`,
    },
    {
      name: "a token file in a directory anyone can write to",
      setup: (s) => {
        mkdirSync(`${s.dir}/open`, { mode: 0o777 });
        chmodSync(`${s.dir}/open`, 0o777);
        writeFileSync(`${s.dir}/open/sa.token`, "ops_token\n", { mode: 0o600 });
        return { args: ["--token-file", `${s.dir}/open/sa.token`, "--", "srv"] };
      },
      code: 77,
      message: (d) =>
        `[error] [mcp-op] token file ${d}/open/sa.token: refusing a token file in a directory anyone can write to (${d}/open, mode 0777): anyone could replace it; fix: chmod go-w ${d}/open, or move the file`,
    },
    ...[
      ["OP_SERVICE_ACCOUNT_TOKEN", { OP_SERVICE_ACCOUNT_TOKEN: "ops_in_argv" }],
      ["OP_CONNECT_TOKEN", { OP_CONNECT_HOST: "http://127.0.0.1:1", OP_CONNECT_TOKEN: "connect_in_argv" }],
      ["OP_SESSION_ABCDEFGHIJKLMNOPQRSTUVWXYZ", {}],
    ].map(
      ([name, env]): Bad => ({
        name: `{{ ${name} }} in the server arguments (a key to the whole account, in an argv anyone can read)`,
        setup: () => ({ args: ["--", "srv", "--token", `{{ ${name} }}`], env: env as Record<string, string> }),
        code: 65,
        message: () =>
          `[error] [mcp-op] server argument 2: {{ ${name} }} names a 1Password credential, a key to the whole account: mcp-op never hands one to a server, least of all in its arguments, which any local user can read`,
      }),
    ),
    {
      name: "{{ OP_SERVICE_ACCOUNT_TOKEN }} with --token-file: the same refusal",
      setup: (s) => ({
        args: ["--token-file", s.envFile("sa.token", "ops_x\n"), "--", "srv", "{{ OP_SERVICE_ACCOUNT_TOKEN }}"],
      }),
      code: 65,
      message: () =>
        "[error] [mcp-op] server argument 1: {{ OP_SERVICE_ACCOUNT_TOKEN }} names a 1Password credential, a key to the whole account: mcp-op never hands one to a server, least of all in its arguments, which any local user can read",
    },
    {
      name: "a NUL byte in an env-file value (op would fail later)",
      setup: (s) => ({ args: ["--env-file", s.envFile("nul.env", "A=x\0y\n"), "--", "srv"] }),
      code: 65,
      message: (d) =>
        `[error] [mcp-op] ${d}/nul.env:1: the value of A holds a NUL byte, which no environment variable can carry: remove it`,
    },
    {
      name: "a FIFO instead of a file (it would block, or read the client's stream)",
      setup: (s) => {
        const fifo = `${s.dir}/fifo.env`;
        Bun.spawnSync(["mkfifo", "-m", "600", fifo]);
        return { args: ["--env-file", fifo, "--", "srv"] };
      },
      code: 66,
      message: (d) => `[error] [mcp-op] ${d}/fifo.env: not a regular file`,
    },
    {
      name: "missing file",
      setup: (s) => ({ args: ["--env-file", `${s.dir}/nope.env`, "--", "srv"] }),
      code: 66,
      message: (d) => `[error] [mcp-op] ${d}/nope.env: no such file`,
    },
    {
      name: "no op",
      setup: () => ({ args: ["--", "srv"], env: { PATH: "/usr/bin:/bin" } }),
      code: 69,
      message: () =>
        '[error] [mcp-op] 1Password CLI "op" not found in PATH; install the 1Password CLI from 1Password\'s apt, dnf or apk repository (https://developer.1password.com/docs/cli/get-started/) or pass --op /path/to/op',
    },
    {
      name: "no --",
      setup: () => ({ args: ["srv"] }),
      code: 64,
      message: () =>
        '[error] [mcp-op] unexpected argument "srv"; the server command goes after "--": mcp-op run -- srv',
    },
    {
      name: "no command after --",
      setup: () => ({ args: ["--"] }),
      code: 64,
      message: () =>
        '[error] [mcp-op] no server command after "--"; e.g. mcp-op run --env-file github.env -- npx -y @modelcontextprotocol/server-github',
    },
    {
      name: "empty --env-file (as a path it would be the working directory)",
      setup: () => ({ args: ["--env-file", "", "--", "srv"] }),
      code: 64,
      message: () => "[error] [mcp-op] flag --env-file needs FILE, not an empty string; see: mcp-op run --help",
    },
    {
      name: "negative --signin-timeout",
      setup: () => ({ args: ["--signin-timeout", "-5", "--", "srv"] }),
      code: 64,
      message: () =>
        '[error] [mcp-op] --signin-timeout takes a number of seconds, more than 0 and at most 3600, not "-5"',
    },
    {
      name: "unknown flag",
      setup: () => ({ args: ["--env-fil", "x", "--", "srv"] }),
      code: 64,
      message: () =>
        '[error] [mcp-op] unknown flag --env-fil for "mcp-op run"; did you mean --env-file? see: mcp-op run --help',
    },
  ];
  for (const bad of bads) {
    test(`${bad.name}: exit ${bad.code}, one line, op never runs`, async () => {
      const s = sandbox();
      const { args, env } = bad.setup(s);
      const r = await run([bin, "run", ...args], { env: s.env(env) });
      expect(r.code).toBe(bad.code);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`${bad.message(s.dir)}\n`);
      expect(s.opCalls()).toEqual([]);
    });
  }

  test("every bad file is reported; the exit code does not depend on their order", async () => {
    const s = sandbox();
    const open = s.envFile("open.env", "A=1\n", 0o666);
    const missing = `${s.dir}/missing.env`;
    const results = await Promise.all(
      [
        [open, missing],
        [missing, open],
      ].map(([a, b]) =>
        run([bin, "run", "--env-file", a as string, "--env-file", b as string, "--", "srv"], { env: s.env() }),
      ),
    );
    for (const r of results) {
      expect(r.code).toBe(66);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`[error] [mcp-op] ${missing}: no such file\n`);
      expect(r.stderr).toContain(`[error] [mcp-op] ${open}: refusing an env file writable by group or others`);
      expect(r.stderr.split("\n")).toHaveLength(3);
    }
    expect(s.opCalls()).toEqual([]);
  });

  test("-v does not repeat a plaintext token the user put in the server arguments", async () => {
    const s = sandbox();
    const token = "ghp_PLAINTEXTplaintextPLAINTEXT1234567890";
    const r = await run([bin, "run", "-v", "--no-signin", "--", "true", "--token", token], { env: s.env() });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain(token.slice(4));
    expect(r.stderr).toContain("--token 'ghp_… (41 chars)'");
  });

  test("a risky variable in the env file is a warning, not a failure", async () => {
    const s = sandbox();
    const file = s.envFile("risky.env", "NODE_OPTIONS=--no-warnings\n");
    const r = await run([bin, "run", "--env-file", file, "--", NODE, "-e", "process.exit(0)"], { env: s.env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `[warn] [mcp-op] ${file}:1: sets NODE_OPTIONS for the server: it changes what code runs, so keep this file as private as a key\n`,
    );
  });

  test("a mistyped reference is a warning naming file:line and key, not the value; the server still starts", async () => {
    const s = sandbox();
    const file = s.envFile("typo.env", "GITHUB_TOKEN=OP://Private/GitHub/token\n");
    const r = await run([bin, "run", "--env-file", file, "--", NODE, "-e", "process.exit(0)"], {
      env: s.env({ SLACK_TOKEN: " op://Private/Slack/bot/token" }),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const tail = "so op run passes it to the server as plain text";
    expect(r.stderr).toBe(
      [
        `[warn] [mcp-op] ${file}:1: GITHUB_TOKEN looks like a mistyped secret reference: it starts with "OP://", not "op://", ${tail}`,
        `[warn] [mcp-op] environment variable SLACK_TOKEN: looks like a mistyped secret reference: it starts with whitespace before "op://", ${tail}`,
        "",
      ].join("\n"),
    );
  });
});

/** Default SIGPIPE and SIGXFSZ, no blocked signal, blocking fds 0-2: as if the client had exec'd it. */
function expectCleanProcess(fields: Record<string, string | undefined>): void {
  expect(BigInt(`0x${fields.SigIgn}`) & ((1n << 12n) | (1n << 24n))).toBe(0n);
  expect(fields.SigBlk).toBe("0000000000000000");
  for (const fd of ["fd0", "fd1", "fd2"]) expect(Number.parseInt(fields[fd] ?? "", 8) & 0o4000).toBe(0);
}

describe("run --environment: a 1Password Environment through the stand-in op", () => {
  const ID = "abcdefghijklmnopqrstuvwxy0";
  const environments = (s: ReturnType<typeof sandbox>) =>
    s.envFile("environments.json", JSON.stringify({ [ID]: { FROM_ENVIRONMENT: SECRETS.client } }));

  test("op 2.41.0: the server gets the Environment's variables and the env file's", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    const env = s.env({ OP_STUB_VERSION: "2.41.0", OP_STUB_ENVIRONMENTS: environments(s) });
    const { client, transport, errors } = await connect(
      ["run", "--environment", ID, "--env-file", file, "--", NODE, SERVER_EVERYTHING],
      env,
    );
    try {
      const result = await client.callTool({ name: "get-env", arguments: {} });
      const serverEnv = JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? "{}");
      expect(serverEnv.FROM_ENVIRONMENT).toBe(SECRETS.client);
      expect(serverEnv.GITHUB_TOKEN).toBe(SECRETS.github);
      expect(errors).toEqual([]);
    } finally {
      await transport.close();
    }
    const runs = s.opCalls().filter((argv) => argv.includes("run"));
    expect(runs[0]?.slice(0, 3)).toEqual(["run", "--environment", ID]);
  });

  test("op 2.32.0: exit 69, one line naming the version needed, the client told; op --version once across launches", async () => {
    const s = sandbox();
    const env = s.env({ OP_STUB_VERSION: "2.32.0", OP_STUB_ENVIRONMENTS: environments(s) });
    const argv = [bin, "run", "--environment", ID, "--", TRUE];
    const request = `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} })}\n`;
    const first = await run(argv, { env, input: request });
    const second = await run(argv, { env });
    for (const r of [first, second]) {
      expect(r.code).toBe(69);
      expect(r.stderr).toBe(
        `[error] [mcp-op] 1Password Environments (--environment) need op 2.41.0 or later; ${OP} is 2.32.0; update the 1Password CLI (op update, or your package manager)\n`,
      );
    }
    expect(JSON.parse(first.stdout).error.message).toContain(
      "1Password Environments (--environment) need op 2.41.0 or later",
    );
    expect(s.opCalls()).toEqual([["--version"]]); // cached for the second launch; no sign-in, no op run
  });
});
