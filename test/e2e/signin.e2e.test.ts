/**
 * run, part 2, end to end through the compiled binary: sign-in with one prompt for many
 * launches, manual mode without a terminal, time limits, credential scrubbing, token files,
 * and the reduced environment GUI clients give their servers.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { binary, NODE, OP, run, type Sandbox, SECRETS, SERVER_EVERYTHING, sandbox } from "./helpers.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

const GH_ENV = "GITHUB_TOKEN=op://Private/GitHub/token\n";

/**
 * The one line a sign-in writes once it has taken a second. Whether a quick sign-in takes that
 * long depends on the machine's load, so tests of other things take it out (its own tests are
 * below: "a prompt nobody answers yet").
 */
const NOTICE =
  /^\[warn\] \[mcp-op\] still signing in after 1s, waiting for (op (whoami|signin|vault list): approve the 1Password prompt if one is open|another launch's sign-in|the sign-in lock) \(gives up after \d+s\)\n/m;
const quiet = (stderr: string) => stderr.replace(NOTICE, "");
const CREDENTIALS = ["OP_SERVICE_ACCOUNT_TOKEN", "OP_CONNECT_TOKEN", "OP_CONNECT_HOST", "MCP_OP_TOKEN_FILE"];

/** Connect a real MCP client, call get-env, and return the server's environment. */
async function serverEnv(args: string[], env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: bin, args, env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const client = new Client({ name: "signin-e2e", version: "0" });
  await client.connect(transport);
  try {
    const result = await client.callTool({ name: "get-env", arguments: {} });
    const pid = transport.pid as number;
    return {
      env: JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? "{}") as Record<string, string>,
      chain: processChain(pid),
      stderr: () => stderr,
    };
  } finally {
    await client.close();
  }
}

/** The executables from the client's child down to the server (first child at each level). */
function processChain(pid: number): string[] {
  const chain: string[] = [];
  let current: string | undefined = String(pid);
  while (current) {
    const args = readFileSync(`/proc/${current}/cmdline`, "utf8")
      .split("\0")
      .slice(1)
      .filter((a) => a !== "--");
    chain.push(`${readlinkSync(`/proc/${current}/exe`)} ${args[0] ?? ""}`);
    const children: string[] = readdirSync(`/proc/${current}/task`).flatMap((t) =>
      readFileSync(`/proc/${current}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean),
    );
    current = children[0];
  }
  return chain;
}

const prompts = (s: Sandbox) => {
  try {
    return readFileSync(join(s.state, "prompts"), "utf8").split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
};

describe("sign-in", () => {
  test("8 concurrent launches under app integration raise exactly 1 prompt, and all start", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    // The simulated human takes 300 ms to approve: every launch races into an unauthorized op.
    const env = s.env({ OP_STUB_AUTH: "app", OP_STUB_PROMPT_MS: "300" });
    const script = "process.stdout.write(process.env.GITHUB_TOKEN === process.argv[1] ? 'ok' : 'wrong')";
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        run([bin, "run", "--env-file", file, "--", NODE, "-e", script, SECRETS.github], { env }),
      ),
    );
    expect(results.map((r) => [r.code, r.stdout, quiet(r.stderr)])).toEqual(
      Array.from({ length: 8 }, () => [0, "ok", ""]),
    );
    expect(prompts(s)).toBe(1);
  });

  test("every op call before the exec gets stdin = /dev/null; the server gets every byte", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    const { env } = await serverEnv(
      ["run", "--env-file", file, "--", NODE, SERVER_EVERYTHING],
      s.env({ OP_STUB_AUTH: "app" }),
    );
    expect(env.GITHUB_TOKEN).toBe(SECRETS.github);
    const log = s
      .opLog()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { argv?: string[]; stdin?: string; stdinBytesConsumed?: number });
    const calls = log.filter((l) => l.argv);
    expect(calls.map((c) => [c.argv?.[0], c.stdin])).toEqual([
      ["whoami", "null"],
      ["whoami", "null"],
      ["signin", "null"],
      ["vault", "null"],
      ["run", "socket"],
    ]);
    expect(log.filter((l) => l.stdinBytesConsumed !== undefined)).toEqual([]);
    expect(prompts(s)).toBe(1);
  });

  test("already signed in: whoami succeeds and nothing else runs before op run", async () => {
    const s = sandbox();
    const r = await run([bin, "run", "--", NODE, "-e", ""], { env: s.env({ OP_STUB_AUTH: "signed-in" }) });
    expect(r.code).toBe(0);
    expect(s.opCalls().map((a) => a[0])).toEqual(["whoami", "run"]);
  });

  test("--no-signin, a service account or Connect skip every sign-in call", async () => {
    const cases: Array<[string[], Record<string, string>]> = [
      [["--no-signin"], {}],
      [[], { OP_SERVICE_ACCOUNT_TOKEN: "ops_test" }],
      [[], { OP_CONNECT_HOST: "http://127.0.0.1:1", OP_CONNECT_TOKEN: "connect-token" }],
    ];
    for (const [flags, extra] of cases) {
      const s = sandbox();
      const r = await run([bin, "run", ...flags, "--", NODE, "-e", ""], {
        env: s.env({ OP_STUB_AUTH: "signed-in", ...extra }),
      });
      expect(r.code).toBe(0);
      expect(s.opCalls().map((a) => a[0])).toEqual(["run"]);
    }
  });

  test("manual mode with no terminal fails fast: exit 77, what to do instead, no op run", async () => {
    const s = sandbox();
    const r = await run([bin, "run", "--", NODE, "-e", ""], { env: s.env({ OP_STUB_AUTH: "manual" }), input: "" });
    expect(r.code).toBe(77);
    expect(r.stdout).toBe("");
    expect(quiet(r.stderr)).toBe(
      "[error] [mcp-op] op signin needs a terminal to ask for the password, and MCP clients give none (op: could not sign in: no terminal available to prompt for the password); turn on 1Password app integration (Settings > Developer > Integrate with 1Password CLI) or use a service account (--token-file)\n",
    );
    expect(s.opCalls().map((a) => a[0])).toEqual(["whoami", "whoami", "signin"]);
  });

  test("no account set up, or none matching --account: said so, not that a terminal is missing", async () => {
    const s = sandbox();
    const none = await run([bin, "run", "--", NODE, "-e", ""], { env: s.env({ OP_STUB_AUTH: "none" }), input: "" });
    expect(none.code).toBe(77);
    expect(quiet(none.stderr)).toBe(
      "[error] [mcp-op] op has no 1Password account set up on this machine (op: no account found for filter); turn on 1Password app integration (Settings > Developer > Integrate with 1Password CLI) or use a service account (--token-file), or add one with `op account add`\n",
    );
    const other = await run([bin, "run", "--account", "nobody@example.com", "--", NODE, "-e", ""], {
      env: s.env({ OP_STUB_AUTH: "app" }),
      input: "",
    });
    expect(other.code).toBe(77);
    expect(quiet(other.stderr)).toBe(
      "[error] [mcp-op] op has no 1Password account matching --account nobody@example.com (op: no account found for filter nobody@example.com); see `op account list` and pass one of those to --account\n",
    );
    expect(s.opCalls().map((a) => a.filter((x) => !x.startsWith("-") && !x.includes("@"))[0])).not.toContain("run");
  });

  test("manual mode on a terminal: one password prompt, the session works, and is scrubbed", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    const script = `process.stdout.write(JSON.stringify({ ok: process.env.GITHUB_TOKEN === ${JSON.stringify(SECRETS.github)}, session: Object.keys(process.env).filter((k) => k.startsWith("OP_SESSION")) }) + "\\n")`;
    let output = "";
    let typed = false;
    const decoder = new TextDecoder();
    const proc = Bun.spawn([bin, "run", "--env-file", file, "--", NODE, "-e", script], {
      env: s.env({ OP_STUB_AUTH: "manual" }),
      terminal: {
        data(term, data) {
          output += decoder.decode(data, { stream: true });
          if (!typed && output.includes("Enter the password")) {
            typed = true;
            term.write("hunter2\n");
          }
        },
      },
    });
    expect(await proc.exited).toBe(0);
    proc.terminal?.close();
    expect(output).toContain('{"ok":true,"session":[]}');
    expect(output).not.toContain("hunter2");
    expect(s.opCalls().map((a) => a[0])).toEqual(["whoami", "whoami", "signin", "vault", "run"]);
    // The session removed by env -u, the server's own view above: none left.
    const call = s.opCalls().at(-1) ?? [];
    expect(call.slice(call.indexOf("--") + 1, -3)).toEqual([
      "/usr/bin/env",
      "-u",
      expect.stringMatching(/^OP_SESSION_\w+$/),
      "--",
    ]);
  });

  test("a dismissed prompt: exit 77 with op's reason", async () => {
    const s = sandbox();
    const r = await run([bin, "run", "--", NODE, "-e", ""], {
      env: s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "no" }),
    });
    expect(r.code).toBe(77);
    expect(quiet(r.stderr)).toBe(
      "[error] [mcp-op] sign-in refused: error initializing client: authorization prompt dismissed, please try again; turn on 1Password app integration (Settings > Developer > Integrate with 1Password CLI) or use a service account (--token-file)\n",
    );
    expect(s.opCalls().map((a) => a[0])).not.toContain("run");
  });

  test("an unanswered prompt times out: exit 75, and waiters time out too", async () => {
    const s = sandbox();
    const env = s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "hang" });
    const results = await Promise.all(
      [0, 1, 2].map(() => run([bin, "run", "--signin-timeout", "1", "--", NODE, "-e", ""], { env })),
    );
    // Which step the second runs out in depends on the machine's speed (each stand-in op call
    // is a node start): every step of the sign-in is a right answer, and each is named.
    for (const r of results) {
      expect(r.code).toBe(75);
      expect(r.stderr).toMatch(
        /^\[error\] \[mcp-op\] sign-in timed out after 1s \(waiting for (op vault list|op signin|op whoami|another launch's sign-in)\); approve the 1Password prompt/,
      );
    }
    expect(prompts(s)).toBe(1);
    expect(s.opCalls().map((a) => a[0])).not.toContain("run");
  });
});

describe("a prompt nobody answers yet: one stderr line once a second has passed", () => {
  test("the launch holding the prompt says what it waits for, once, then times out", async () => {
    const s = sandbox();
    const r = await run([bin, "run", "--signin-timeout", "3", "--", NODE, "-e", ""], {
      env: s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "hang" }),
    });
    expect(r.code).toBe(75);
    const lines = r.stderr.split("\n");
    // Under load op signin may still be starting when the second is up; the prompt is op vault list's.
    expect(lines[0]).toMatch(
      /^\[warn\] \[mcp-op\] still signing in after 1s, waiting for op (signin|vault list): approve the 1Password prompt if one is open \(gives up after 3s\)$/,
    );
    expect(lines.slice(1)).toEqual([
      "[error] [mcp-op] sign-in timed out after 3s (waiting for op vault list); approve the 1Password prompt, or raise --signin-timeout (and the client's startup timeout)",
      "",
    ]);
  });

  test("a launch waiting for another's sign-in says so", async () => {
    const s = sandbox();
    const env = s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "hang" });
    const holder = launch(["run", "--", NODE, "-e", ""], env);
    await promptShown(s);
    const r = await run([bin, "run", "--signin-timeout", "2", "--", NODE, "-e", ""], { env });
    holder.proc.kill("SIGTERM");
    expect([r.code, r.stdout]).toEqual([75, ""]);
    const lines = r.stderr.split("\n");
    // (Under heavy load its own first op whoami can take the whole second: then it is still
    // about to take the lock.)
    expect(lines[0]).toMatch(
      /^\[warn\] \[mcp-op\] still signing in after 1s, waiting for (another launch's sign-in|the sign-in lock) \(gives up after 2s\)$/,
    );
    expect(lines.slice(1)).toEqual([
      "[error] [mcp-op] sign-in timed out after 2s (waiting for another launch's sign-in); approve the 1Password prompt, or raise --signin-timeout",
      "",
    ]);
    await holder.result();
    expect(leftBehind(s)).toEqual([]);
  });

  test("a time limit of a second or less: only its own message", async () => {
    const s = sandbox();
    const r = await run([bin, "run", "--signin-timeout", "1", "--", NODE, "-e", ""], {
      env: s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "hang" }),
    });
    expect(r.code).toBe(75);
    expect(r.stderr.split("\n")).toHaveLength(2);
  });
});

/** Wait until the stand-in has shown `n` prompts; the pid of the op holding the first one. */
async function promptShown(s: Sandbox, n = 1): Promise<number> {
  for (let waited = 0; prompts(s) < n; waited += 20) {
    if (waited > 15_000) throw new Error(`no prompt after 15 s (${prompts(s)} of ${n})`);
    await Bun.sleep(20);
  }
  return Number(readFileSync(join(s.state, "prompts"), "utf8").split(" ")[0]);
}

/**
 * Every live process started for this sandbox (its environment names the sandbox's state
 * directory), with its parent: whatever is left once mcp-op has exited, an orphan if ppid is 1.
 * They are killed, so that a failing test leaves nothing running either.
 */
function leftBehind(s: Sandbox): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    let environ: string;
    let stat: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "utf8");
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (!environ.split("\0").includes(`OP_STUB_STATE=${s.state}`)) continue;
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state === "Z") continue; // exited, only not reaped yet: nothing left running
    found.push(`pid ${pid} ppid ${ppid}: ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim()}`);
    process.kill(Number(pid), "SIGKILL");
  }
  return found;
}

/** mcp-op with stderr piped and stdin /dev/null, as a client would start it (not awaited). */
function launch(argv: string[], env: Record<string, string>) {
  const proc = Bun.spawn([bin, ...argv], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const stdout = new Response(proc.stdout).text();
  const stderr = new Response(proc.stderr).text();
  return {
    proc,
    result: async () => ({ code: await proc.exited, stdout: await stdout, stderr: await stderr }),
  };
}

describe("an env file swapped while sign-in waits", () => {
  // The issue's attack: the file is checked, then op opened it again by name after a prompt that
  // took seconds; meanwhile whoever could write a directory above it (here: we, swapping it by
  // rename, as its owner could) put in a file that runs code in the server, with the secrets.
  test("op reads the file that was checked, not what the name points to afterwards", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    const marker = join(s.dir, "evil-ran");
    const evil = join(s.dir, "evil.js");
    writeFileSync(evil, `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
    // The human answers the prompt after 3 s: time enough to swap, however loaded the machine.
    const env = s.env({ OP_STUB_AUTH: "app", OP_STUB_PROMPT_MS: "3000" });
    const script =
      "process.stdout.write(JSON.stringify([process.env.GITHUB_TOKEN ?? null, process.env.SWAPPED ?? null]))";
    const { result } = launch(["run", "--env-file", file, "--", NODE, "-e", script], env);
    await promptShown(s);
    renameSync(file, `${file}.checked`);
    writeFileSync(file, `GITHUB_TOKEN=op://Private/Slack/bot/token\nSWAPPED=1\nNODE_OPTIONS=--require=${evil}\n`, {
      mode: 0o600,
    });
    const r = await result();
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: JSON.stringify([SECRETS.github, null]) });
    // The only line: the notice that sign-in is still waiting for the (3 s) prompt.
    expect(r.stderr).toMatch(/^\[warn\] \[mcp-op\] still signing in after 1s[^\n]*\n$/);
    expect(existsSync(marker)).toBe(false);
    expect(s.opCalls().map((a) => a[0])).toEqual(["whoami", "whoami", "signin", "vault", "run"]);
  });
});

describe("stopped during sign-in", () => {
  const signals = [
    ["SIGTERM", 143],
    ["SIGINT", 130],
    ["SIGHUP", 129],
  ] as const;
  for (const [signal, code] of signals) {
    test(`${signal} while the prompt is open: the op holding it is stopped too, exit ${code}, nothing left running`, async () => {
      const s = sandbox();
      const { proc, result } = launch(
        ["run", "--", NODE, "-e", ""],
        s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "hang" }),
      );
      const op = await promptShown(s);
      proc.kill(signal);
      const r = await result();
      const orphans = leftBehind(s);
      expect({ ...r, stderr: quiet(r.stderr) }).toEqual({
        code,
        stdout: "",
        stderr: `[error] [mcp-op] stopped by ${signal} during sign-in (waiting for op vault list)\n`,
      });
      expect(orphans).toEqual([]);
      expect(() => process.kill(op, 0)).toThrow();
      expect(s.opCalls().map((a) => a[0])).toEqual(["whoami", "whoami", "signin", "vault"]);
    });
  }

  test("SIGTERM to launches waiting for the lock and to the one holding it: all stop, nothing left", async () => {
    const s = sandbox();
    const env = s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "hang" });
    const holder = launch(["run", "--", NODE, "-e", ""], env);
    await promptShown(s);
    const waiter = launch(["run", "--", NODE, "-e", ""], env);
    // The waiter's first whoami failed: it is now polling the lock the holder has.
    while (s.opCalls().filter((a) => a[0] === "whoami").length < 3) await Bun.sleep(20);
    await Bun.sleep(100);
    waiter.proc.kill("SIGTERM");
    const stopped = await waiter.result();
    expect({ ...stopped, stderr: quiet(stopped.stderr) }).toEqual({
      code: 143,
      stdout: "",
      stderr: "[error] [mcp-op] stopped by SIGTERM during sign-in (waiting for another launch's sign-in)\n",
    });
    holder.proc.kill("SIGTERM");
    expect((await holder.result()).code).toBe(143);
    expect(leftBehind(s)).toEqual([]);
    expect(prompts(s)).toBe(1);
  });
});

describe("the sign-in lock", () => {
  test("launches whose XDG_RUNTIME_DIR and TMPDIR differ share one lock: still 1 prompt", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    const dir = (name: string) => {
      const path = join(s.dir, name);
      mkdirSync(path, { mode: 0o700 });
      return path;
    };
    // As clients differ: the MCP SDK passes neither variable, Codex passes TMPDIR, a terminal both.
    const variants: Array<Record<string, string>> = [
      {},
      { TMPDIR: dir("tmp-a") },
      { XDG_RUNTIME_DIR: dir("run-b"), TMPDIR: dir("tmp-b") },
    ];
    const results = await Promise.all(
      variants.map((extra) =>
        run([bin, "run", "--env-file", file, "--", NODE, "-e", ""], {
          env: s.env({ OP_STUB_AUTH: "app", OP_STUB_PROMPT_MS: "300", ...extra }),
        }),
      ),
    );
    expect(results.map((r) => [r.code, quiet(r.stderr)])).toEqual(variants.map(() => [0, ""]));
    expect(prompts(s)).toBe(1);
    // Nothing of the lock went where those variables point.
    for (const name of ["tmp-a", "run-b", "tmp-b"]) expect(readdirSync(join(s.dir, name))).toEqual([]);
  });
});

describe("check --resolve signs in first, as run does", () => {
  const SIX = Array.from({ length: 6 }, (_, i) => `T${i}=op://Private/GitHub/token\n`).join("");

  test("a dismissed prompt: one prompt for six references, exit 77, nothing read", async () => {
    const s = sandbox();
    const file = s.envFile("six.env", SIX);
    const r = await run([bin, "check", "--resolve", file], {
      env: s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "no" }),
    });
    expect({ ...r, stderr: quiet(r.stderr) }).toEqual({
      code: 77,
      stdout: "",
      stderr:
        "[error] [mcp-op] sign-in refused: error initializing client: authorization prompt dismissed, please try again; turn on 1Password app integration (Settings > Developer > Integrate with 1Password CLI) or use a service account (--token-file)\n",
    });
    expect(prompts(s)).toBe(1);
    expect(s.opCalls().map((a) => a[0])).not.toContain("read");
  });

  test("an unanswered prompt: exit 75 after --signin-timeout, not a hang", async () => {
    const s = sandbox();
    const file = s.envFile("six.env", SIX);
    const started = Date.now();
    const r = await run([bin, "check", "--resolve", "--signin-timeout", "1", file], {
      env: s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "hang" }),
    });
    expect(r.code).toBe(75);
    expect(r.stderr).toStartWith("[error] [mcp-op] sign-in timed out after 1s (waiting for op vault list)");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(prompts(s)).toBe(1);
    expect(leftBehind(s)).toEqual([]);
  });

  test("an approved prompt: one prompt, then every reference is read", async () => {
    const s = sandbox();
    const file = s.envFile("six.env", SIX);
    const r = await run([bin, "check", "--resolve", file], { env: s.env({ OP_STUB_AUTH: "app" }) });
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe(`${file}: ok (6 variables, 6 secret references)`);
    expect(r.stdout).not.toContain(SECRETS.github);
    expect(prompts(s)).toBe(1);
    expect(s.opCalls().map((a) => a[0])).toEqual([
      "whoami",
      "whoami",
      "signin",
      "vault",
      ...SIX.split("\n")
        .filter(Boolean)
        .map(() => "read"),
    ]);
  });

  test("no reference to read: no sign-in at all; a bad --signin-timeout is a usage error", async () => {
    const s = sandbox();
    const file = s.envFile("plain.env", "A=1\n");
    const env = s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "no" });
    expect((await run([bin, "check", "--resolve", file], { env })).code).toBe(0);
    expect(s.opCalls()).toEqual([]);
    expect(await run([bin, "check", "--resolve", "--signin-timeout", "0", file], { env })).toEqual({
      code: 64,
      stdout: "",
      stderr: '[error] [mcp-op] --signin-timeout takes a number of seconds, more than 0 and at most 3600, not "0"\n',
    });
  });

  test("SIGTERM during its sign-in: exit 143, nothing left running", async () => {
    const s = sandbox();
    const file = s.envFile("six.env", SIX);
    const { proc, result } = launch(
      ["check", "--resolve", file],
      s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "hang" }),
    );
    await promptShown(s);
    proc.kill("SIGTERM");
    expect((await result()).code).toBe(143);
    expect(leftBehind(s)).toEqual([]);
  });
});

describe("credential scrubbing", () => {
  test("a service account token never reaches the server; the secrets do; no stage stays resident", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    const { env, chain } = await serverEnv(
      ["run", "--env-file", file, "--", NODE, SERVER_EVERYTHING],
      s.env({
        OP_SERVICE_ACCOUNT_TOKEN: "ops_test_service_account_token",
        FROM_CLIENT: "op://Private/FromClient/credential",
      }),
    );
    expect(env.GITHUB_TOKEN).toBe(SECRETS.github);
    expect(env.FROM_CLIENT).toBe(SECRETS.client);
    for (const name of CREDENTIALS) expect(env[name]).toBeUndefined();
    expect(JSON.stringify(env)).not.toContain("ops_test_service_account_token");
    // client -> op (node) -> server (node): env, the stage that only removes variables, exec'd
    // into the server (no second start of mcp-op).
    expect(chain).toEqual([`${NODE} ${OP}`, `${NODE} ${SERVER_EVERYTHING}`]);
    expect(s.opCalls()).toEqual([
      [
        "run",
        "--env-file",
        expect.stringMatching(/^\/dev\/fd\/\d+$/),
        "--no-masking",
        "--",
        "/usr/bin/env",
        "-u",
        "OP_SERVICE_ACCOUNT_TOKEN",
        "--",
        NODE,
        SERVER_EVERYTHING,
      ],
    ]);
  });

  test("Connect credentials are scrubbed too", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    const { env } = await serverEnv(
      ["run", "--env-file", file, "--", NODE, SERVER_EVERYTHING],
      s.env({ OP_CONNECT_HOST: "http://127.0.0.1:1", OP_CONNECT_TOKEN: "connect-secret-token" }),
    );
    expect(env.GITHUB_TOKEN).toBe(SECRETS.github);
    for (const name of CREDENTIALS) expect(env[name]).toBeUndefined();
  });

  test("under app integration there is no stage: op execs the server directly", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    await serverEnv(["run", "--env-file", file, "--", NODE, SERVER_EVERYTHING], s.env({ OP_STUB_AUTH: "app" }));
    expect(s.opCalls().at(-1)).toEqual([
      "run",
      "--env-file",
      expect.stringMatching(/^\/dev\/fd\/\d+$/),
      "--no-masking",
      "--",
      NODE,
      SERVER_EVERYTHING,
    ]);
  });

  test("the internal stage refuses anything the outer stage would not produce", async () => {
    const r = await run([bin, "__stage", "--unset", "PATH", "--", "/bin/true"], { env: sandbox().env() });
    expect(r).toEqual({
      code: 64,
      stdout: "",
      stderr:
        '[error] [mcp-op] internal stage: --unset takes only 1Password credential variables, not "PATH" (it is started by mcp-op run, not by hand)\n',
    });
    const help = await run([bin, "--help"], { env: sandbox().env() });
    expect(help.stdout).not.toContain("__stage");
  });
});

describe("token file", () => {
  test("a 0600 token file authenticates op; the token and its path never reach the server", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", GH_ENV);
    const token = s.envFile("sa.token", "ops_from_a_token_file\n", 0o600);
    const { env, stderr } = await serverEnv(
      ["run", "-v", "--token-file", token, "--env-file", file, "--", NODE, SERVER_EVERYTHING],
      s.env({ OP_STUB_SA_TOKEN: "ops_from_a_token_file" }),
    );
    expect(env.GITHUB_TOKEN).toBe(SECRETS.github);
    for (const name of CREDENTIALS) expect(env[name]).toBeUndefined();
    // The stand-in's own control variable is the only other place the test token is written.
    const { OP_STUB_SA_TOKEN: _, ...rest } = env;
    expect(JSON.stringify(rest)).not.toContain("ops_from_a_token_file");
    expect(stderr()).not.toContain("ops_from_a_token_file");
    expect(s.opLog()).not.toContain("ops_from_a_token_file");
    expect(s.opCalls().map((a) => a[0])).toEqual(["run"]);
  });

  test("MCP_OP_TOKEN_FILE names the file when no flag is given", async () => {
    const s = sandbox();
    const token = s.envFile("sa.token", "ops_env_named\n", 0o600);
    const r = await run(
      [bin, "run", "--", NODE, "-e", "process.stdout.write(String(process.env.OP_SERVICE_ACCOUNT_TOKEN))"],
      {
        env: s.env({ MCP_OP_TOKEN_FILE: token, OP_STUB_SA_TOKEN: "ops_env_named" }),
      },
    );
    expect(r).toEqual({ code: 0, stdout: "undefined", stderr: "" });
  });

  const bad: Array<[string, string, number, number, (p: string) => string]> = [
    [
      "readable by others",
      "ops_x\n",
      0o644,
      77,
      (p) => `token file ${p}: readable or writable by others (mode 0644); it must be 0600; fix: chmod 600 ${p}`,
    ],
    ["empty", "\n", 0o600, 65, (p) => `token file ${p}: empty`],
  ];
  for (const [name, text, mode, code, message] of bad) {
    test(`token file ${name}: exit ${code}, op never runs, the token is not printed`, async () => {
      const s = sandbox();
      const token = s.envFile("sa.token", text, mode);
      const r = await run([bin, "run", "--token-file", token, "--", NODE, "-e", ""], { env: s.env() });
      expect(r.code).toBe(code);
      expect(r.stderr).toBe(`[error] [mcp-op] ${message(token)}\n`);
      expect(s.opCalls()).toEqual([]);
    });
  }
});

describe("a GUI client's reduced environment", () => {
  /** op and the server installed only in ~/.local/bin, a place a GUI client's PATH lacks. */
  function guiSandbox() {
    const s = sandbox();
    const bin = join(s.home, ".local", "bin");
    mkdirSync(bin, { recursive: true });
    // The stand-in needs its controls; a wrapper carries them, so the client env stays minimal.
    const controls = s.env();
    writeFileSync(
      join(bin, "op"),
      `#!/bin/sh\nOP_STUB_VAULT='${controls.OP_STUB_VAULT}' OP_STUB_LOG='${controls.OP_STUB_LOG}' OP_STUB_STATE='${controls.OP_STUB_STATE}' exec '${OP}' "$@"\n`,
    );
    chmodSync(join(bin, "op"), 0o755);
    symlinkSync(SERVER_EVERYTHING, join(bin, "mcp-server-everything"));
    chmodSync(SERVER_EVERYTHING, 0o755);
    const env = {
      HOME: s.home,
      USER: "tester",
      LOGNAME: "tester",
      SHELL: "/bin/sh",
      TERM: "dumb",
      PATH: "/usr/bin:/bin",
    };
    return { s, env };
  }

  test("op is found in ~/.local/bin and the server command resolves through the extended PATH", async () => {
    const { s, env } = guiSandbox();
    const file = s.envFile("github.env", GH_ENV);
    const { env: server } = await serverEnv(["run", "--env-file", file, "--", "mcp-server-everything"], env);
    expect(server.GITHUB_TOKEN).toBe(SECRETS.github);
    expect(server.PATH).toBe(`/usr/bin:/bin:/opt/homebrew/bin:/usr/local/bin:${s.home}/.local/bin`);
  });

  test("a server command that cannot be found: exit 69 before anything runs", async () => {
    const { s, env } = guiSandbox();
    const r = await run([bin, "run", "--", "no-such-server"], { env });
    expect(r.code).toBe(69);
    expect(r.stderr).toBe(
      `[error] [mcp-op] server command "no-such-server" not found in PATH (/usr/bin:/bin:/opt/homebrew/bin:/usr/local/bin:${s.home}/.local/bin); install it, or give its absolute path after --\n`,
    );
    expect(s.opCalls()).toEqual([]);
  });
});
