/**
 * `mcp-op doctor` through the compiled binary and the stand-in `op`: it reports what `mcp-op run`
 * would fail on (env-block references, token files, a sign-in no MCP client can complete, an
 * entry command a GUI app cannot find), each with a fix, never raising a 1Password prompt and
 * never printing a secret value.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Finding } from "../../src/commands/doctor.ts";
import { binary, NODE, type Result, run, type Sandbox, SECRETS, SERVER_EVERYTHING, sandbox, TRUE } from "./helpers.ts";

/**
 * Real clients and servers, on a loaded machine: more than the 5 s Bun 1.4.4 falls back to when
 * several test files run in one process (the preload's setDefaultTimeout did not reach them all).
 */
const SLOW = 120_000;

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

/** Planted in every config: doctor may show its prefix and length, never the value. */
const PLAIN = "ghp_PLANTEDplantedPLANTED0123456789abcdef";
/** A service-account token the stand-in accepts (it takes any `ops_` token). */
const SA_TOKEN = "ops_doctorTestTokenNeverPrinted0123456789";
const CONFIG = (s: Sandbox) => join(s.home, ".cursor", "mcp.json");

/** A sandbox whose Cursor config holds the servers `build` makes, next to an entry with a plaintext token. */
function setup(build: (s: Sandbox) => Record<string, unknown> = () => ({})): Sandbox {
  const s = sandbox();
  mkdirSync(join(s.home, ".cursor"));
  const plain = { command: TRUE, args: [], env: { GITHUB_TOKEN: PLAIN } };
  writeFileSync(CONFIG(s), JSON.stringify({ mcpServers: { plain, ...build(s) } }, null, 2));
  return s;
}

/** An entry that passes every check: mcp-op by absolute path, a valid env file, a server on a GUI PATH. */
function healthy(s: Sandbox, extra: { args?: string[]; env?: Record<string, string> } = {}) {
  const file = s.envFile("github.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
  return { command: bin, args: ["run", "--env-file", file, ...(extra.args ?? []), "--", TRUE], env: extra.env ?? {} };
}

async function doctor(s: Sandbox, env: Record<string, string>): Promise<Result> {
  const r = await run([bin, "doctor"], { env, cwd: s.dir });
  for (const secret of [PLAIN, PLAIN.slice(4), SA_TOKEN, SA_TOKEN.slice(4)]) {
    expect(r.stdout + r.stderr).not.toContain(secret);
  }
  expect(r.stderr).toBe("");
  return r;
}

/** The `op` subcommands doctor ran: never one that can raise a prompt interactively. */
function opCommands(s: Sandbox): string[] {
  return [...new Set(s.opCalls().map((argv) => argv.find((a) => !a.startsWith("-")) ?? argv[0] ?? ""))].sort();
}

describe("doctor: references in an entry's env block", () => {
  test("a malformed reference is an error with a fix, as run exits 65 on it", async () => {
    const s = setup((s) => ({
      gh: healthy(s, { env: { B: "op://Bad/ref", GOOD: "op://Private/GitHub/token", KEY: PLAIN } }),
    }));
    const r = await doctor(s, s.env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^error +gh \(cursor, user\): env B in \S+\/\.cursor\/mcp\.json: "op:\/\/Bad\/ref" is not a secret reference: it needs vault, item and field \(mcp-op run exits 65 on it\)\n +fix: write B in the entry's env block as op:\/\/vault\/item\/\[section\/\]field$/m,
    );
    expect(r.stdout).not.toContain("env GOOD");
    expect(r.stdout.match(/^error/gm)).toHaveLength(1);
    // What doctor predicts is what run does with that env block.
    const started = await run([bin, "run", "--", TRUE], { env: s.env({ B: "op://Bad/ref" }) });
    expect(started.code).toBe(65);
  });
});

describe("doctor: token files, checked as run reads them", () => {
  test("$MCP_OP_TOKEN_FILE naming a missing file: an error with a fix, as run exits 66", async () => {
    const s = setup((s) => ({ gh: healthy(s) }));
    const env = s.env({ MCP_OP_TOKEN_FILE: join(s.dir, "nonexistent") });
    const r = await doctor(s, env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^error +auth: token file \S+\/nonexistent: no such file \(named by \$MCP_OP_TOKEN_FILE; mcp-op run exits 66 on it\)\n +fix: put the service-account token in \S+\/nonexistent \(chmod 600\), or point \$MCP_OP_TOKEN_FILE at the file that holds it$/m,
    );
    expect(r.stdout).not.toMatch(/^ok +auth/m);
    expect((await run([bin, "run", "--", TRUE], { env })).code).toBe(66);
  });

  test("a token file others can read: an error with chmod as the fix", async () => {
    const s = setup((s) => ({ gh: healthy(s) }));
    const file = s.envFile("sa.token", `${SA_TOKEN}\n`, 0o644);
    const r = await doctor(s, s.env({ MCP_OP_TOKEN_FILE: file }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^error +auth: token file \S+\/sa\.token: readable or writable by others \(mode 0644\); it must be 0600 \(named by \$MCP_OP_TOKEN_FILE; mcp-op run exits 77 on it\)\n +fix: chmod 600 \S+\/sa\.token$/m,
    );
  });

  test("a private token file: its service account is what doctor checks, the token never shown", async () => {
    const s = setup((s) => ({ gh: healthy(s) }));
    const file = s.envFile("sa.token", `${SA_TOKEN}\n`);
    // No account: only the token file can make this setup work.
    const r = await doctor(s, s.env({ MCP_OP_TOKEN_FILE: file, OP_STUB_AUTH: "none" }));
    expect(r.stdout).toMatch(/^ok +auth: token file \S+\/sa\.token \(from \$MCP_OP_TOKEN_FILE\) is private/m);
    expect(r.stdout).toMatch(/^ok +auth: service-account works$/m);
    expect(r.code).toBe(0);
    expect(s.opLog()).not.toContain(SA_TOKEN);
  });

  test("an entry's --token-file naming a missing file: an error with a fix", async () => {
    const s = setup((s) => ({ gh: healthy(s, { args: ["--token-file", join(s.dir, "gone.token")] }) }));
    const r = await doctor(s, s.env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^error +gh \(cursor, user\): token file \S+\/gone\.token: no such file \(named by --token-file; mcp-op run exits 66 on it\)\n +fix: put the service-account token in/m,
    );
  });
});

describe("doctor: a sign-in that no MCP client can complete is an error", () => {
  const cases: Array<[string, Record<string, string>, RegExp, RegExp]> = [
    [
      "no 1Password account configured",
      { OP_STUB_AUTH: "none" },
      /^error +auth: no 1Password account is set up for op \(op account list is empty\), so every server start through mcp-op fails \(exit 77\)$/m,
      /^ +fix: turn on the 1Password app integration \(Settings > Developer > Integrate with 1Password CLI\) with your account in the app, or use a service account \(--token-file\)/m,
    ],
    [
      "app integration turned off by OP_BIOMETRIC_UNLOCK_ENABLED=false",
      { OP_STUB_AUTH: "app", OP_BIOMETRIC_UNLOCK_ENABLED: "false" },
      /^error +auth: OP_BIOMETRIC_UNLOCK_ENABLED=false turns the 1Password app integration off, so every server start through mcp-op fails \(exit 77\): op signin asks for a password on a terminal, and MCP clients give none$/m,
      /^ +fix: unset OP_BIOMETRIC_UNLOCK_ENABLED and turn on the 1Password app integration .*, or use a service account \(--token-file\)$/m,
    ],
    [
      "manual sign-in: whoami works only through the session in this shell",
      { OP_STUB_AUTH: "manual", OP_SESSION_ABCDEFGHIJKLMNOPQRSTUVWXYZ: "manual-session-token" },
      /^error +auth: signed in only by a manual session \(OP_SESSION_ABCDEFGHIJKLMNOPQRSTUVWXYZ\), which GUI clients do not pass to servers .* every server start through mcp-op fails \(exit 77\)/m,
      /^ +fix: turn on the 1Password app integration .*, or use a service account \(--token-file\)$/m,
    ],
  ];
  for (const [name, extra, message, fix] of cases) {
    test(`${name}: exit 1, worded for the case, no prompt raised`, async () => {
      const s = setup((s) => ({ gh: healthy(s) }));
      // The stand-in's record of a manual session (test/fixtures/README.md: OP_STUB_STATE/session).
      writeFileSync(join(s.state, "session"), "manual-session-token\n");
      const r = await doctor(s, s.env(extra));
      expect(r.stdout).toMatch(message);
      expect(r.stdout).toMatch(fix);
      expect(r.stdout).not.toContain("the first server start asks the 1Password app");
      expect(r.code).toBe(1);
      for (const c of opCommands(s)) expect(["--version", "account", "whoami"]).toContain(c);
      expect(existsSync(join(s.state, "prompts"))).toBe(false);
    });
  }

  test("not signed in, integration state unknown: a warning naming both outcomes, no prompt raised", async () => {
    for (const auth of ["app", "manual"]) {
      const s = setup((s) => ({ gh: healthy(s) }));
      const r = await doctor(s, s.env({ OP_STUB_AUTH: auth }));
      expect(r.stdout).toMatch(
        /^warning auth: not signed in now \(account is not signed in\): a server start asks the 1Password app if its CLI integration is on, and fails \(exit 77\) if it is off/m,
      );
      expect(r.code).toBe(0);
      expect(opCommands(s)).toEqual(["--version", "account", "whoami"]);
      expect(existsSync(join(s.state, "prompts"))).toBe(false);
    }
  });

  test("no account, but every mcp-op entry brings its own token file: no sign-in needed, exit 0", async () => {
    const s = setup((s) => ({
      gh: healthy(s, { args: ["--token-file", s.envFile("sa.token", `${SA_TOKEN}\n`)] }),
    }));
    const r = await doctor(s, s.env({ OP_STUB_AUTH: "none" }));
    expect(r.stdout).toMatch(
      /^ok +auth: every mcp-op entry brings its own service-account or Connect credentials: no sign-in needed$/m,
    );
    expect(r.stdout).toMatch(/^ok +gh \(cursor, user\): token file \S+\/sa\.token \(from --token-file\) is private/m);
    expect(r.code).toBe(0);
  });
});

describe("doctor: the entry's own command", () => {
  test('"mcp-op" by name, on your PATH only: says so, and that add --force writes an absolute path', async () => {
    const s = setup((s) => ({ gh: { ...healthy(s), command: "mcp-op" } }));
    const links = join(s.dir, "links");
    mkdirSync(links);
    symlinkSync(bin, join(links, "mcp-op"));
    const env = s.env();
    const r = await doctor(s, { ...env, PATH: `${links}:${env.PATH}` });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `error   gh (cursor, user): the entry runs "mcp-op" by name: found on your PATH (${links}/mcp-op) but not on the PATH a GUI app gives it (/usr/bin:/bin:/usr/sbin:/sbin)\n` +
        `        fix: mcp-op add --force gh ... writes a stable absolute path (or set the entry's command to ${links}/mcp-op)\n`,
    );
    expect(r.stdout).not.toContain("does not exist");
    // Found nowhere: said as it is.
    const nowhere = await doctor(s, env);
    expect(nowhere.stdout).toMatch(
      /^error +gh \(cursor, user\): the entry runs mcp-op, which is on neither your PATH nor a GUI app's\n +fix: install mcp-op, then mcp-op add --force gh/m,
    );
  });
});

describe("doctor: fixes for env files and plaintext", () => {
  test("a missing env file gets a fix", async () => {
    const s = setup((s) => ({
      gh: { command: bin, args: ["run", "--env-file", join(s.dir, "missing.env"), "--", TRUE] },
    }));
    const r = await doctor(s, s.env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^error +gh \(cursor, user\): \S+\/missing\.env: no such file\n +fix: write \S+\/missing\.env \(KEY=op:\/\/vault\/item\/field lines, chmod 600\), or re-register: mcp-op add --force gh --env KEY=op:\/\/vault\/item\/field -- <command>$/m,
    );
  });

  test("plaintext tokens: the fix is mcp-op migrate", async () => {
    const s = setup();
    const r = await doctor(s, s.env());
    expect(r.stdout).toContain(
      "warning plain (cursor, user): plaintext env GITHUB_TOKEN: ghp_… (41 chars) (known prefix ghp_, name GITHUB_TOKEN)\n" +
        "        fix: mcp-op migrate shows the plan; mcp-op migrate --apply stores it in 1Password and rewrites the entry\n",
    );
    expect(r.stdout).not.toContain("add --force --env");
  });
});

describe("doctor: a config that does not parse", () => {
  test("is an error of its own; the other clients' entries are still checked", async () => {
    const s = setup((s) => ({ gh: healthy(s) }));
    mkdirSync(join(s.home, ".gemini"));
    const gemini = join(s.home, ".gemini", "settings.json");
    writeFileSync(gemini, "{ broken");
    const r = await doctor(s, s.env());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`error   clients: ${gemini}: `);
    expect(r.stdout).toMatch(/^ok +gh \(cursor, user\): /m);
    expect(r.stdout).not.toContain("no MCP servers registered");
  });
});

describe("doctor: references read through op when that raises no prompt", () => {
  test("signed in through the app: a reference with a typo is an error naming op's reason (it was 'ok ... is valid', exit 0)", async () => {
    const s = setup((s) => ({
      gh: {
        ...healthy(s),
        args: ["run", "--env-file", s.envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/tokn\n"), "--", TRUE],
      },
    }));
    const r = await doctor(s, s.env());
    expect(r.stdout).toMatch(
      /^error +gh \(cursor, user\): \S+\/gh\.env:1: GITHUB_TOKEN: op:\/\/Private\/GitHub\/tokn does not resolve: item 'Private\/GitHub' does not have a field 'tokn'\n +fix: correct the reference in \S+\/gh\.env \(op:\/\/vault\/item\/\[section\/\]field\); mcp-op check --resolve \S+\/gh\.env reads it again$/m,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/^ok +connect:/m);
  });

  test("not signed in: nothing is read (no prompt), and doctor says what reads them", async () => {
    const s = setup((s) => ({ gh: healthy(s) }));
    const r = await doctor(s, s.env({ OP_STUB_AUTH: "app" }));
    expect(r.stdout).toContain(
      "warning references: not read from 1Password: op whoami does not succeed now, and reading a reference would raise a prompt\n" +
        "        fix: mcp-op check --resolve FILE reads them (signing in first), or mcp-op doctor --connect starts each server\n",
    );
    expect(opCommands(s)).toEqual(["--version", "account", "whoami"]);
    expect(existsSync(join(s.state, "prompts"))).toBe(false);
  });

  test("every check passes: the references resolve, and doctor points to --connect", async () => {
    const s = setup((s) => ({ gh: healthy(s) }));
    const r = await doctor(s, s.env());
    expect(r.stdout).toMatch(/^ok +gh \(cursor, user\): 1 reference resolves \(values not shown\)$/m);
    expect(r.stdout).toEndWith(
      "ok      connect: the static checks pass; mcp-op doctor --connect starts each server as its client would and lists its tools\n",
    );
    expect(r.code).toBe(0);
  });
});

describe("doctor --connect: every server started as its client would", () => {
  /** Claude Code user-scope entries (a terminal client: the shell's environment and PATH). */
  function claudeSetup(build: (s: Sandbox) => Record<string, unknown>): Sandbox {
    const s = sandbox();
    writeFileSync(join(s.home, ".claude.json"), JSON.stringify({ mcpServers: build(s) }, null, 2));
    return s;
  }
  const viaMcpOp = (s: Sandbox, envText: string, server: string[] = [NODE, SERVER_EVERYTHING]) => ({
    type: "stdio",
    command: bin,
    args: ["run", "--env-file", s.envFile("gh.env", envText), "--", ...server],
    env: {},
  });
  const connect = (s: Sandbox, extra: string[] = [], env = s.env()) =>
    run([bin, "doctor", "--connect", ...extra], { env, cwd: s.dir });

  /** Processes whose command line names this sandbox: none may outlive doctor. */
  function leftRunning(s: Sandbox, marker = s.dir): string[] {
    const out: string[] = [];
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
        if (cmdline.includes(marker) && !cmdline.includes("doctor")) out.push(`${pid}: ${cmdline}`);
      } catch {
        // ended meanwhile
      }
    }
    return out;
  }

  test(
    "server-everything through mcp-op and the stand-in op: connected, with its tools",
    async () => {
      const s = claudeSetup((s) => ({ gh: viaMcpOp(s, "GITHUB_TOKEN=op://Private/GitHub/token\n") }));
      const r = await connect(s);
      expect(r.stderr).toBe("");
      const line = r.stdout.split("\n").find((l) => l.includes("connected"));
      expect(line).toMatch(/^ok +gh \(claude-code, user\): connected \(\d+ tools\)$/);
      expect(Number(/\((\d+) tools\)/.exec(line ?? "")?.[1])).toBeGreaterThan(0);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain("doctor --connect starts"); // the hint is for runs without it
      expect(r.stdout + r.stderr).not.toContain(SECRETS.github.slice(4));
      expect(leftRunning(s)).toEqual([]);
    },
    SLOW,
  );

  test(
    "the clients of docs/clients.md: an opencode entry (one command array) connects; a disabled goose extension is skipped",
    async () => {
      const s = sandbox();
      const entry = viaMcpOp(s, "GITHUB_TOKEN=op://Private/GitHub/token\n");
      mkdirSync(join(s.home, ".config", "opencode"), { recursive: true });
      writeFileSync(
        join(s.home, ".config", "opencode", "opencode.jsonc"),
        `// opencode\n${JSON.stringify({ mcp: { gh: { type: "local", command: [entry.command, ...entry.args] } } })}\n`,
      );
      mkdirSync(join(s.home, ".config", "goose"), { recursive: true });
      writeFileSync(
        join(s.home, ".config", "goose", "config.yaml"),
        `# goose\nextensions:\n  off:\n    enabled: false\n    type: stdio\n    name: off\n    cmd: ${join(s.dir, "never.sh")}\n    args: []\n`,
      );
      const r = await connect(s);
      expect(r.stdout).toMatch(/^ok +gh \(opencode, user\): connected \(\d+ tools\)$/m);
      expect(r.stdout).toContain('skipped off (goose, user): not started: disabled in goose ("enabled": false)\n');
      expect(leftRunning(s)).toEqual([]);
    },
    SLOW,
  );

  test(
    "an unresolvable reference: op's own message, from the server's stderr; exit 1",
    async () => {
      const s = claudeSetup((s) => ({ gh: viaMcpOp(s, "GITHUB_TOKEN=op://Private/GitHub/tokn\n") }));
      // Not signed in, so the static checks read nothing: only --connect finds it.
      const r = await connect(s, [], s.env({ OP_STUB_AUTH: "app" }));
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^error +gh \(claude-code, user\): failed to connect as claude-code starts it: /m);
      expect(r.stdout).toContain(
        "        | [ERROR] could not read secret 'op://Private/GitHub/tokn': item 'Private/GitHub' does not have a field 'tokn'\n",
      );
      expect(r.stdout).toMatch(
        /^ +fix: correct the reference \(op:\/\/vault\/item\/\[section\/\]field\); mcp-op check --resolve \S+\/gh\.env shows each one$/m,
      );
      expect(leftRunning(s)).toEqual([]);
    },
    SLOW,
  );

  test(
    "stderr is shown masked: a token the server prints never reaches doctor's output",
    async () => {
      const s = claudeSetup((s) => {
        const script = join(s.dir, "leaky.sh");
        writeFileSync(
          script,
          `#!/bin/sh\necho "starting with token ${PLAIN}" >&2\necho "Authorization: Bearer ${SA_TOKEN}" >&2\nexit 3\n`,
        );
        chmodSync(script, 0o755);
        return { leaky: { type: "stdio", command: script, args: [] } };
      });
      const r = await connect(s);
      expect(r.stdout).toContain("        | starting with token ghp_… (41 chars)\n");
      expect(r.stdout).toMatch(/^ +\| Authorization: Bearer … \(\d+ chars\)$/m);
      expect(r.stdout).toMatch(
        /^error +leaky \(claude-code, user\): failed to connect as claude-code starts it: exited \(code 3\) before answering; its stderr ends:$/m,
      );
      for (const secret of [PLAIN, PLAIN.slice(4), SA_TOKEN, SA_TOKEN.slice(4)])
        expect(r.stdout + r.stderr).not.toContain(secret);
      const json = await run([bin, "doctor", "--connect", "--json"], { env: s.env(), cwd: s.dir });
      const leaky = (JSON.parse(json.stdout) as Finding[]).find((f) => f.subject === "leaky (claude-code, user)");
      expect(leaky?.detail).toEqual([
        "starting with token ghp_… (41 chars)",
        expect.stringMatching(/^Authorization: Bearer … \(\d+ chars\)$/),
      ]);
      expect(json.code).toBe(1);
    },
    SLOW,
  );

  test(
    "a server that never answers and ignores SIGTERM, with a child: time limit, then the whole group is killed",
    async () => {
      const marker = `${987000 + (process.pid % 1000)}`;
      const s = claudeSetup((s) => {
        const script = join(s.dir, "stuck.sh");
        // SIGTERM ignored here and so in the sleeps it starts (an ignored signal stays ignored across exec).
        writeFileSync(script, `#!/bin/sh\ntrap '' TERM\nsleep ${marker} &\nsleep ${marker}\n`);
        chmodSync(script, 0o755);
        return { stuck: { type: "stdio", command: script, args: [] } };
      });
      const r = await connect(s, ["--timeout", "1"]);
      expect(r.stdout).toMatch(
        /^error +stuck \(claude-code, user\): failed to connect as claude-code starts it: no answer within 1 s$/m,
      );
      expect(r.code).toBe(1);
      expect(leftRunning(s, `sleep ${marker}`)).toEqual([]);
      expect(leftRunning(s)).toEqual([]);
    },
    SLOW,
  );

  test(
    "project servers their client has not approved are skipped, and never started",
    async () => {
      const s = sandbox();
      const touch = (name: string) => {
        const script = join(s.dir, `${name}.sh`);
        writeFileSync(script, `#!/bin/sh\ntouch "${join(s.dir, `${name}.ran`)}"\n`);
        chmodSync(script, 0o755);
        return { mcpServers: { [name]: { command: script, args: [] } } };
      };
      writeFileSync(join(s.dir, ".mcp.json"), JSON.stringify(touch("cloned")));
      mkdirSync(join(s.dir, ".cursor"));
      writeFileSync(join(s.dir, ".cursor", "mcp.json"), JSON.stringify(touch("cursorproj")));
      mkdirSync(join(s.dir, ".gemini"));
      writeFileSync(join(s.dir, ".gemini", "settings.json"), JSON.stringify(touch("geminiproj")));
      // The repository's own claude settings approve everything: not the user's word, not counted.
      mkdirSync(join(s.dir, ".claude"));
      writeFileSync(join(s.dir, ".claude", "settings.local.json"), '{"enableAllProjectMcpServers": true}');
      const r = await connect(s);
      expect(r.stdout).toContain(
        "skipped cloned (claude-code, project): not started: Claude Code has not approved this project server (.mcp.json) yet\n" +
          `        fix: start claude in ${s.dir} and approve the server, if you trust the project\n`,
      );
      expect(r.stdout).toMatch(
        /^skipped cursorproj \(cursor, project\): not started: a project config of cursor, which keeps its approval where mcp-op cannot read it$/m,
      );
      expect(r.stdout).toMatch(
        /^skipped geminiproj \(gemini, project\): not started: gemini does not trust \S+ \(its project settings are not read\)$/m,
      );
      for (const name of ["cloned", "cursorproj", "geminiproj"])
        expect(existsSync(join(s.dir, `${name}.ran`))).toBe(false);
      expect(r.code).toBe(0);
      // Approved in ~/.claude.json (trust dialog accepted, server enabled) and gemini's folder trusted: started.
      writeFileSync(
        join(s.home, ".claude.json"),
        JSON.stringify({ projects: { [s.dir]: { hasTrustDialogAccepted: true, enabledMcpjsonServers: ["cloned"] } } }),
      );
      mkdirSync(join(s.home, ".gemini"));
      writeFileSync(join(s.home, ".gemini", "trustedFolders.json"), JSON.stringify({ [s.dir]: "TRUST_FOLDER" }));
      const approved = await connect(s);
      expect(approved.stdout).toMatch(
        /^error +cloned \(claude-code, project\): failed to connect as claude-code starts it: exited \(code 0\) before answering$/m,
      );
      expect(approved.stdout).toMatch(/^error +geminiproj \(gemini, project\): failed to connect/m);
      expect(existsSync(join(s.dir, "cloned.ran"))).toBe(true);
      expect(existsSync(join(s.dir, "geminiproj.ran"))).toBe(true);
      expect(existsSync(join(s.dir, "cursorproj.ran"))).toBe(false);
    },
    SLOW,
  );

  test(
    "--name picks one server; an unknown name is a usage error",
    async () => {
      const s = claudeSetup((s) => ({
        gh: viaMcpOp(s, "GITHUB_TOKEN=op://Private/GitHub/token\n"),
        other: { type: "stdio", command: "/nonexistent/server", args: [] },
      }));
      const one = await connect(s, ["--name", "gh"]);
      expect(one.stdout).toMatch(/^ok +gh \(claude-code, user\): connected/m);
      expect(one.stdout).not.toContain("other");
      expect(one.code).toBe(0);
      const all = await connect(s);
      expect(all.stdout).toMatch(
        /^error +other \(claude-code, user\): claude-code cannot start it: \/nonexistent\/server is not found on the PATH claude-code gives it/m,
      );
      expect(all.code).toBe(1);
      const none = await connect(s, ["--name", "nope"]);
      expect(none).toMatchObject({ code: 64, stdout: "" });
      expect(none.stderr).toContain('no registered server named "nope"');
      for (const [args, message] of [
        [["doctor", "--timeout", "5"], "--timeout is for --connect"],
        [["doctor", "--connect", "--timeout", "0"], '--timeout takes seconds, more than 0 and at most 600, not "0"'],
      ] as const) {
        const bad = await run([bin, ...args], { env: s.env(), cwd: s.dir });
        expect(bad).toMatchObject({ code: 64, stdout: "" });
        expect(bad.stderr).toContain(message);
      }
    },
    SLOW,
  );
});

describe("doctor: each entry under its own client's environment", () => {
  test("a token codex drops: the fix is the entry's whole add line, its token-like arguments masked; Claude Code passes it", async () => {
    const s = sandbox();
    const file = s.envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    const entry = {
      command: bin,
      args: ["run", "--env-file", file, "--", TRUE, "--api-key", PLAIN],
    };
    mkdirSync(join(s.home, ".codex"));
    writeFileSync(
      join(s.home, ".codex", "config.toml"),
      `[mcp_servers.gh]\ncommand = ${JSON.stringify(entry.command)}\nargs = ${JSON.stringify(entry.args)}\nstartup_timeout_sec = 30\n`,
    );
    writeFileSync(join(s.home, ".claude.json"), JSON.stringify({ mcpServers: { gh: { type: "stdio", ...entry } } }));
    const r = await doctor(s, s.env({ OP_SERVICE_ACCOUNT_TOKEN: SA_TOKEN, OP_STUB_AUTH: "none" }));
    expect(r.stdout).toContain(
      "error   gh (codex, user): codex does not pass OP_SERVICE_ACCOUNT_TOKEN to MCP servers (it passes only a short list of variables and the entry's env_vars), so mcp-op there has no service-account credentials and signs in instead\n" +
        `        fix: put the service-account token in a FILE only you can read (chmod 600), then: mcp-op add gh --client codex --env-file ${file} --token-file FILE --force -- ${TRUE} --api-key 'ghp_… (41 chars)'\n`,
    );
    expect(r.stdout).toMatch(
      /^ok +gh \(claude-code, user\): under claude-code, mcp-op authenticates as service-account$/m,
    );
    expect(r.code).toBe(1);
  });
});
