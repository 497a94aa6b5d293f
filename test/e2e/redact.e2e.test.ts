/**
 * Beyond `op run`: secrets in server arguments (`{{ op://... }}`, `{{ NAME }}`) and `--redact`,
 * through the compiled binary with the real MCP SDK client and server-everything.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { binary, NODE, run, SECRETS, SERVER_EVERYTHING, sandbox } from "./helpers.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

const ENV = "GITHUB_TOKEN=op://Private/GitHub/token\nSLACK_TOKEN=op://Private/Slack/bot/token\nPLAIN=visible\n";
// A script file, not `node -e` (which would take the server's `--flags` as its own).
const PRINT_ARGV_SCRIPT =
  "process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), leaked: Object.keys(process.env).filter((k) => k.startsWith('MCP_OP_ARG_')) }))";
const printArgv = (s: ReturnType<typeof sandbox>) => s.envFile("print-argv.js", PRINT_ARGV_SCRIPT);

/** Every encoding the redactor promises to see through. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    bytes.toString("base64").replace(/=+$/, ""),
    bytes.toString("base64url"),
    encodeURIComponent(secret),
    bytes.toString("hex"),
  ];
}

describe("secrets in server arguments", () => {
  test("{{ op://... }} and {{ NAME }} are filled in by the internal stage; no secret in any earlier argv", async () => {
    const s = sandbox();
    const file = s.envFile("gh.env", ENV);
    const r = await run(
      [
        bin,
        "run",
        "-v",
        "--env-file",
        file,
        "--",
        NODE,
        printArgv(s),
        "--token",
        "{{ op://Private/GitHub/token }}",
        "--slack={{ SLACK_TOKEN }}",
        "\\{{ literal }}",
        "{{ PLAIN }}",
      ],
      { env: s.env() },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      argv: ["--token", SECRETS.github, `--slack=${SECRETS.slack}`, "{{ literal }}", "visible"],
      leaked: [],
    });
    for (const secret of [SECRETS.github, SECRETS.slack]) {
      expect(r.stderr).not.toContain(secret);
      expect(s.opLog()).not.toContain(secret);
    }
    // op was handed placeholders only; the reference travels in a generated variable.
    const opRun = s.opCalls().find((a) => a[0] === "run") ?? [];
    expect(opRun).toContain("{{ MCP_OP_ARG_1 }}");
    expect(opRun).toContain("--template");
  });

  test("args without {{ take the plain path unchanged (no stage)", async () => {
    const s = sandbox();
    const script = printArgv(s);
    const r = await run([bin, "run", "--", NODE, script, "--flag", "x"], { env: s.env() });
    expect(JSON.parse(r.stdout).argv).toEqual(["--flag", "x"]);
    expect(s.opCalls().find((a) => a[0] === "run")).toEqual(["run", "--no-masking", "--", NODE, script, "--flag", "x"]);
  });

  test("an undefined name fails before anything starts: exit 65", async () => {
    const s = sandbox();
    const r = await run([bin, "run", "--", NODE, "-e", "", "--token", "{{ NOPE }}"], { env: s.env() });
    expect(r).toEqual({
      code: 65,
      stdout: "",
      stderr:
        "[error] [mcp-op] server argument 4: {{ NOPE }} names a variable that neither the env files nor the environment define\n",
    });
    expect(s.opCalls()).toEqual([]);
  });

  test("the stage leaves no process behind", async () => {
    const s = sandbox();
    const transport = new StdioClientTransport({
      command: bin,
      // server-everything reads its first argument as the transport; the second is ignored.
      args: ["run", "--", NODE, SERVER_EVERYTHING, "stdio", "{{ op://Private/GitHub/token }}"],
      env: s.env(),
      stderr: "pipe",
    });
    const client = new Client({ name: "args-e2e", version: "0" });
    await client.connect(transport);
    const pid = transport.pid as number;
    const child = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0];
    expect(readlinkSync(`/proc/${child}/exe`)).toBe(NODE);
    expect(readFileSync(`/proc/${child}/cmdline`, "utf8")).toContain(SERVER_EVERYTHING);
    await client.close();
  });
});

describe("--redact", () => {
  async function connect(extraArgs: string[] = []) {
    const s = sandbox();
    const file = s.envFile("gh.env", ENV);
    const transport = new StdioClientTransport({
      command: bin,
      args: ["run", "--redact", "--env-file", file, ...extraArgs, "--", NODE, SERVER_EVERYTHING],
      env: s.env(),
      stderr: "pipe",
    });
    const client = new Client({ name: "redact-e2e", version: "0" });
    await client.connect(transport);
    return { s, client, transport };
  }

  test("get-env leaks every variable: names arrive, no secret in any encoding does", async () => {
    const { client } = await connect();
    try {
      const result = await client.callTool({ name: "get-env", arguments: {} });
      const raw = JSON.stringify(result);
      const text = (result.content as Array<{ text: string }>)[0]?.text ?? "";
      const env = JSON.parse(text) as Record<string, string>;
      expect(env.GITHUB_TOKEN).toBe("[redacted:GITHUB_TOKEN]");
      expect(env.SLACK_TOKEN).toBe("[redacted:SLACK_TOKEN]");
      expect(env.PLAIN).toBe("visible");
      for (const secret of [SECRETS.github, SECRETS.slack]) {
        for (const form of encodings(secret)) expect(raw).not.toContain(form);
      }
    } finally {
      await client.close();
    }
  });

  test("encoded forms the server echoes back are redacted too", async () => {
    const { client } = await connect();
    try {
      for (const form of encodings(SECRETS.slack).slice(2)) {
        const result = await client.callTool({ name: "echo", arguments: { message: `data:${form}:end` } });
        const raw = JSON.stringify(result);
        expect(raw).not.toContain(form);
        expect(raw).toContain("[redacted:SLACK_TOKEN]");
      }
    } finally {
      await client.close();
    }
  });

  test("the encodings of issue 14 the server echoes back: mixed-case hex, partial percent-encoding, wrapped base64, zero-width, nested JSON", async () => {
    const { client } = await connect();
    const secret = SECRETS.slack;
    const bytes = Buffer.from(secret);
    const forms = [
      [...bytes.toString("hex")].map((c, i) => (i % 3 ? c : c.toUpperCase())).join(""),
      encodeURI(secret).replace("%C3%BC", "%c3%Bc"),
      `${bytes.toString("base64").replace(/(.{12})/g, "$1\r\n  ")}`,
      [...secret].join("\u200b"),
      JSON.stringify(JSON.stringify(JSON.stringify({ secret }))),
    ];
    try {
      for (const form of forms) {
        const result = await client.callTool({ name: "echo", arguments: { message: `data:${form}:end` } });
        const text = (result.content as Array<{ text: string }>)[0]?.text ?? "";
        expect(text).toContain("[redacted:SLACK_TOKEN]");
        for (const leak of encodings(secret)) expect(JSON.stringify(result)).not.toContain(leak);
        // Nothing of the secret's base64 is left next to the marker: not even its padding.
        expect(text).not.toMatch(/\[redacted:SLACK_TOKEN\][A-Za-z0-9+/]*=/);
      }
    } finally {
      await client.close();
    }
  });

  test("exit codes, stderr masking and stdin EOF pass through the filter", async () => {
    const s = sandbox();
    const file = s.envFile("gh.env", ENV);
    const script =
      "process.stderr.write('token is ' + process.env.SLACK_TOKEN + '\\n'); let n = 0; process.stdin.on('data', (d) => { n += d.length; }); process.stdin.on('end', () => { process.stdout.write(JSON.stringify({ n, t: process.env.GITHUB_TOKEN }) + '\\n'); process.exit(9); });";
    const r = await run([bin, "run", "--redact", "--env-file", file, "--", NODE, "-e", script], {
      env: s.env(),
      input: "12345\n",
    });
    expect(r).toEqual({
      code: 9,
      stdout: '{"n":6,"t":"[redacted:GITHUB_TOKEN]"}\n',
      stderr: "token is [redacted:SLACK_TOKEN]\n",
    });
  });

  test("a value with {{ op://... }} inside (op run resolves it): the whole value and the secret alone are redacted", async () => {
    const s = sandbox();
    const file = s.envFile("auth.env", 'AUTH="Bearer {{ op://Private/GitHub/token }}"\n');
    // The server prints the header, the token alone, and whatever generated variable reached it.
    const script =
      "process.stdout.write(JSON.stringify({ header: process.env.AUTH, token: process.env.AUTH.slice(7), leaked: Object.keys(process.env).filter((k) => k.startsWith('MCP_OP_ARG_')) }) + '\\n')";
    const r = await run([bin, "run", "--redact", "--env-file", file, "--", NODE, "-e", script], { env: s.env() });
    expect(r).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ header: "[redacted:AUTH]", token: "[redacted:MCP_OP_ARG_1]", leaked: [] })}\n`,
      stderr: "",
    });
  });

  test("SIGTERM reaches the server through the filter", async () => {
    const s = sandbox();
    const file = s.envFile("gh.env", ENV);
    const script =
      "process.on('SIGTERM', () => process.exit(42)); process.stdout.write('READY\\n'); setInterval(() => {}, 1000);";
    const proc = Bun.spawn([bin, "run", "--redact", "--env-file", file, "--", NODE, "-e", script], {
      env: s.env(),
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("READY\n");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(42);
  });

  test("a line over 10 MiB is withheld, never passed through unredacted", async () => {
    const s = sandbox();
    const file = s.envFile("gh.env", ENV);
    const script = `const pad = "x".repeat(11 * 1024 * 1024); process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: 7, result: { t: process.env.GITHUB_TOKEN, pad } }) + "\\n");`;
    const r = await run([bin, "run", "--redact", "--env-file", file, "--", NODE, "-e", script], { env: s.env() });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(SECRETS.github);
    const line = JSON.parse(r.stdout) as { id: number; error?: { message: string; data: { length: number } } };
    expect(line.id).toBe(7);
    // The whole line's length in bytes, not the 4 KiB head the filter kept to find the id.
    const length = Buffer.byteLength(
      `${JSON.stringify({ jsonrpc: "2.0", id: 7, result: { t: SECRETS.github, pad: "x".repeat(11 * 1024 * 1024) } })}`,
    );
    expect(line.error?.data.length).toBe(length);
    expect(line.error?.message).toBe(
      `mcp-op withheld this response: the line is ${length} long, more than the 10485760 --redact scans for secrets`,
    );
  });

  test("--mask with --redact is a usage error", async () => {
    const r = await run([bin, "run", "--mask", "--redact", "--", NODE, "-e", ""], { env: sandbox().env() });
    expect(r.code).toBe(64);
  });
});

describe("--redact: no server left running when the filter or op is killed outright", () => {
  /** The children of a process (of all its threads). */
  const children = (pid: number) =>
    readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
    );
  /** Whether a process runs: it exists and is not a zombie (one nobody has reaped yet has ended). */
  const running = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
    } catch {
      return false;
    }
  };
  /** Whether `condition` comes true within `ms` (checked every 20 ms): a bounded wait, not a sleep. */
  async function until(condition: () => boolean, ms = 10_000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) return false;
      await Bun.sleep(20);
    }
    return true;
  }
  /** Processes a test started that must not outlive it, whatever it asserted. */
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) if (running(pid)) process.kill(pid, "SIGKILL");
  });
  /** op (the stand-in, which mcp-op became), the filter it started, and the server, which printed its pid. */
  async function start(flags: string[], script: string) {
    const s = sandbox();
    const file = s.envFile("gh.env", ENV);
    const proc = Bun.spawn([bin, "run", ...flags, "--env-file", file, "--", NODE, "-e", script], {
      env: s.env(),
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const first = await proc.stdout.getReader().read();
    const server = (JSON.parse(new TextDecoder().decode(first.value)) as { pid: number }).pid;
    started.push(proc.pid, ...children(proc.pid), server);
    return { proc, op: proc.pid, server };
  }
  const SERVER = "process.stdout.write(JSON.stringify({ pid: process.pid }) + '\\n'); setInterval(() => {}, 1000);";

  test("SIGKILL of the filter: the server gets SIGTERM from the kernel (Linux PR_SET_PDEATHSIG) and ends", async () => {
    const { proc, op, server } = await start(["--redact"], SERVER);
    const [filter] = children(op);
    // The pre-exec step became the server: it is the filter's child, nothing in between.
    expect(children(filter as number)).toEqual([server]);
    expect(readFileSync(`/proc/${server}/cmdline`, "utf8")).toStartWith(`${NODE}\0-e\0`);
    process.kill(filter as number, "SIGKILL");
    expect(await until(() => !running(server))).toBe(true);
    expect(await proc.exited).toBe(128 + 9); // op passes on how its child, the filter, ended
  });

  test("SIGKILL of op: the filter sees its parent gone, stops the server and exits", async () => {
    const { proc, op, server } = await start(["--redact"], SERVER);
    const [filter] = children(op);
    process.kill(op, "SIGKILL");
    await proc.exited;
    expect(await until(() => !running(server) && !running(filter as number))).toBe(true);
  });

  test("without --redact nothing of mcp-op is left to act: a server op leaves behind ends when its stdin closes", async () => {
    const script =
      "process.stdout.write(JSON.stringify({ pid: process.pid }) + '\\n'); process.stdin.on('end', () => process.exit(0)); process.stdin.resume();";
    const { proc, op, server } = await start([], script);
    expect(children(op)).toEqual([server]);
    process.kill(op, "SIGKILL");
    await proc.exited;
    expect(running(server)).toBe(true); // orphaned: op was its parent, and SIGKILL left op no say
    proc.stdin.end(); // what a client does when its child ends
    expect(await until(() => !running(server))).toBe(true);
  });

  test("the pre-exec step whose filter is already gone never starts the server", async () => {
    const r = await run([bin, "__stage", "--pdeathsig", "999999", "--", "/bin/echo", "started"], {
      env: sandbox().env(),
    });
    expect(r).toEqual({ code: 143, stdout: "", stderr: "" });
  });
});
