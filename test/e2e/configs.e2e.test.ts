/**
 * Client configs under attack, through the compiled binary: keys a client never reads (duplicate
 * keys, `__proto__`), absurd nesting, another program writing the file meanwhile (one that takes
 * Claude Code's lock, and Claude Code itself), a stop signal while waiting for a lock, and
 * backup directories that are links or files.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { binary, NODE, OP_DIR, ROOT, run, type Sandbox, sandbox } from "./helpers.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

const CLAUDE = join(ROOT, "node_modules", ".bin", "claude");
const GH = ["--env", "GITHUB_TOKEN=op://Private/GitHub/token"];
const SERVER = ["--", "/bin/true"];
const HIDDEN = `ghp_${"H".repeat(36)}`;
const TOKEN = `ghp_${"T".repeat(36)}`;

function claudeJson(s: Sandbox, text: string): string {
  const path = join(s.home, ".claude.json");
  writeFileSync(path, text);
  return path;
}

describe("entries a client never reads are seen", () => {
  const duplicated = `{
  "mcpServers": {
    "github": {"command": "npx", "args": ["-y", "gh"], "env": {"GITHUB_TOKEN": "${HIDDEN}"}}
  },
  "mcpServers": {
    "github": {"command": "npx", "args": ["-y", "gh"]}
  }
}
`;

  test("list: the hidden copy and its plaintext are shown, the duplicate named (78)", async () => {
    const s = sandbox();
    const path = claudeJson(s, duplicated);
    const r = await run([bin, "list"], { env: s.env(), cwd: s.dir });
    expect(r.stdout).toBe(
      "claude-code (user) github (hidden duplicate at line 3): directly: npx -y gh\n" +
        "  plaintext env GITHUB_TOKEN: ghp_… (40 chars) (known prefix ghp_, name GITHUB_TOKEN)\n" +
        "claude-code (user) github: directly: npx -y gh\n",
    );
    expect(r.stderr).toBe(
      `[error] [mcp-op] ${path}: "mcpServers" is defined twice (lines 2 and 5); the client reads only the last, the other copies stay in the file unseen; remove one of the two (line 2 or line 5); mcp-op edits this file only then\n`,
    );
    expect(r.code).toBe(78);
    expect(r.stdout + r.stderr).not.toContain(HIDDEN);
  });

  test("doctor: an error with the fix, and the hidden copy's plaintext", async () => {
    const s = sandbox();
    const path = claudeJson(s, duplicated);
    const r = await run([bin, "doctor"], { env: s.env(), cwd: s.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `error   clients: ${path}: "mcpServers" is defined twice (lines 2 and 5); the client reads only the last, the other copies stay in the file unseen\n        fix: remove one of the two (line 2 or line 5); mcp-op edits this file only then\n`,
    );
    expect(r.stdout).toContain(
      "warning github (claude-code, user, hidden duplicate at line 3): plaintext env GITHUB_TOKEN: ghp_… (40 chars)",
    );
    expect(r.stdout).not.toContain(HIDDEN);
  });

  test("add, remove and migrate refuse the file (78, naming file, key path and lines) and change nothing", async () => {
    const s = sandbox();
    const path = claudeJson(s, duplicated);
    const env = s.env();
    const message = `[error] [mcp-op] ${path}: "mcpServers" is defined twice (lines 2 and 5); the client reads only the last, the other copies stay in the file unseen; remove one of the two (line 2 or line 5); mcp-op edits this file only then\n`;
    for (const argv of [
      ["add", "other", "--client", "claude-code", ...GH, ...SERVER],
      ["remove", "github", "--client", "claude-code"],
      ["migrate", "--apply", "--client", "claude-code"],
    ]) {
      const r = await run([bin, ...argv], { env, cwd: s.dir });
      expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: 78, stderr: message });
    }
    expect(readFileSync(path, "utf8")).toBe(duplicated);
    expect(existsSync(join(s.home, ".config", "mcp-op", "other.env"))).toBe(false);
    expect(s.opCalls().filter((a) => a.includes("item"))).toEqual([]);
  });

  test("a server named __proto__ is an ordinary entry: listed, migrated, removed", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    const path = join(s.home, ".cursor", "mcp.json");
    writeFileSync(
      path,
      `{"mcpServers": {"__proto__": {"command": "npx", "args": ["-y", "gh"], "env": {"GITHUB_TOKEN": "${TOKEN}"}}}}\n`,
    );
    const env = s.env();
    const list = await run([bin, "list"], { env, cwd: s.dir });
    expect(list.stdout).toBe(
      "cursor (user) __proto__: directly: npx -y gh\n" +
        "  plaintext env GITHUB_TOKEN: ghp_… (40 chars) (known prefix ghp_, name GITHUB_TOKEN)\n",
    );
    const dry = await run([bin, "migrate", "--client", "cursor"], { env, cwd: s.dir });
    expect(dry.stdout).toContain("GITHUB_TOKEN: ghp_… (40 chars)");
    expect(dry.stdout).not.toContain("no plaintext");
    const apply = await run([bin, "migrate", "--apply", "--client", "cursor"], { env, cwd: s.dir });
    expect(apply.code).toBe(0);
    const migrated = JSON.parse(readFileSync(path, "utf8"), (k, v) => (k === "__proto__" ? { ...v, own: true } : v));
    expect(Object.hasOwn(migrated.mcpServers, "__proto__")).toBe(true);
    expect(readFileSync(path, "utf8")).not.toContain(TOKEN);
    const remove = await run([bin, "remove", "__proto__", "--client", "cursor"], { env, cwd: s.dir });
    expect(remove.code).toBe(0);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ mcpServers: {} });
  });
});

describe("passwords behind -p", () => {
  test("list masks `-p <password>` and numeric `--password` values, leaves ports and packages alone", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(
      join(s.home, ".cursor", "mcp.json"),
      JSON.stringify({
        mcpServers: {
          db: { command: "mcp-mysql", args: ["-u", "root", "-p", "hunter2x", "--port", "3306"] },
          pg: { command: "mcp-pg", args: ["--password", "20240101"] },
          npx: { command: "npx", args: ["-y", "-p", "@modelcontextprotocol/server-github", "x"] },
        },
      }),
    );
    const r = await run([bin, "list"], { env: s.env(), cwd: s.dir });
    expect(r.stdout).toBe(
      "cursor (user) db: directly: mcp-mysql -u root -p '… (8 chars)' --port 3306\n" +
        "  plaintext argument 4: … (8 chars) (-p flag)\n" +
        "cursor (user) pg: directly: mcp-pg --password '… (8 chars)'\n" +
        "  plaintext argument 2: … (8 chars) (--password flag)\n" +
        "cursor (user) npx: directly: npx -y -p @modelcontextprotocol/server-github x\n",
    );
  });
});

describe("absurd nesting", () => {
  test("a config nested 100,000 deep is 78 naming the file and the line, for list, doctor and add", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    const path = join(s.home, ".cursor", "mcp.json");
    writeFileSync(
      path,
      `{"mcpServers": {"a": {"command": "x",\n"args": ${"[".repeat(100_000)}${"]".repeat(100_000)}}}}`,
    );
    const env = s.env();
    const error = `${path}: not valid JSON: nested more than 1000 levels deep (line 2)`;
    const list = await run([bin, "list"], { env, cwd: s.dir });
    expect({ code: list.code, stderr: list.stderr }).toEqual({
      code: 78,
      stderr: `[error] [mcp-op] ${error}; fix the file by hand; mcp-op does not rewrite a file it cannot read\n`,
    });
    const doctor = await run([bin, "doctor"], { env, cwd: s.dir });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(`error   clients: ${error}\n`);
    const add = await run([bin, "add", "b", "--client", "cursor", ...GH, ...SERVER], { env, cwd: s.dir });
    expect({ code: add.code, stderr: add.stderr }).toEqual({
      code: 78,
      stderr: `[error] [mcp-op] ${error}; fix the file by hand; mcp-op does not rewrite a file it cannot read\n`,
    });
  });

  test("TOML nested 100,000 deep (Codex) is 78 too", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".codex"));
    const path = join(s.home, ".codex", "config.toml");
    writeFileSync(path, `x = ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`);
    const r = await run([bin, "list"], { env: s.env(), cwd: s.dir });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 78,
      stderr: `[error] [mcp-op] ${path}: not valid TOML: nested too deeply to read; fix the file by hand; mcp-op does not rewrite a file it cannot read\n`,
    });
  });
});

describe("backup directories", () => {
  test("XDG_STATE_HOME naming a file: 73 naming it, nothing changed", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    const state = join(s.dir, "state-file");
    writeFileSync(state, "not a directory");
    const r = await run([bin, "add", "b", "--client", "cursor", ...GH, ...SERVER], {
      env: s.env({ XDG_STATE_HOME: state }),
      cwd: s.dir,
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 73,
      stderr: `[error] [mcp-op] cannot create the private directory ${state}/mcp-op/backups/edits/cursor-user: ${state} (or a directory above it) is not a directory\n`,
    });
    expect(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).toBe("{}\n");
    expect(existsSync(join(s.home, ".config", "mcp-op", "b.env"))).toBe(false);
  });

  test("a backup directory that is a link to another user's directory: 77 naming it, nothing written there", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(
      join(s.home, ".cursor", "mcp.json"),
      `{"mcpServers": {"a": {"command": "x", "env": {"T": "${TOKEN}"}}}}\n`,
    );
    const state = join(s.home, ".local", "state");
    mkdirSync(join(state, "mcp-op"), { recursive: true });
    const theirs = join(s.dir, "theirs");
    mkdirSync(theirs, { mode: 0o777 });
    chmodSync(theirs, 0o777);
    if (process.getuid?.() === 0) chownSync(theirs, 65534, 65534); // another user's, when the tests can make one
    const link = join(state, "mcp-op", "backups");
    symlinkSync(theirs, link);
    for (const argv of [
      ["add", "b", "--client", "cursor", ...GH, ...SERVER],
      ["migrate", "--apply", "--client", "cursor"],
    ]) {
      const r = await run([bin, ...argv], { env: s.env(), cwd: s.dir });
      expect({ argv, code: r.code, stderr: r.stderr.split("\n")[0] }).toEqual({
        argv,
        code: 77,
        stderr: `[error] [mcp-op] ${link} is a symbolic link (to ${theirs}): backups hold plaintext tokens and are kept only in a private directory of yours, never through a link; remove the link; mcp-op creates ${link} itself (mode 0700)`,
      });
    }
    expect(readdirSync(theirs)).toEqual([]);
  });
});

test("a backup directory owned by another user: 77 naming it, nothing written there", async () => {
  if (process.getuid?.() !== 0) return; // only root can give a directory to another user
  const s = sandbox();
  mkdirSync(join(s.home, ".cursor"));
  writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
  const theirs = join(s.home, ".local", "state", "mcp-op", "backups");
  mkdirSync(theirs, { recursive: true, mode: 0o777 });
  chmodSync(theirs, 0o777);
  chownSync(theirs, 65534, 65534);
  const r = await run([bin, "add", "b", "--client", "cursor", ...GH, ...SERVER], { env: s.env(), cwd: s.dir });
  expect({ code: r.code, stderr: r.stderr }).toEqual({
    code: 77,
    stderr: `[error] [mcp-op] ${theirs} belongs to another user (uid 65534): backups hold plaintext tokens and are kept only in a private directory of yours; remove it, or point XDG_STATE_HOME to a directory of yours\n`,
  });
  expect(readdirSync(theirs)).toEqual([]);
  expect(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).toBe("{}\n");
});

describe("waiting for a config lock", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    test(`${signal} while another mcp-op holds the lock: exit ${code} at once, nothing changed`, async () => {
      const s = sandbox();
      mkdirSync(join(s.home, ".cursor"));
      const config = join(s.home, ".cursor", "mcp.json");
      writeFileSync(config, "{}\n");
      // A live process holds the lock: this test process.
      writeFileSync(`${config}.mcp-op.lock`, `${process.pid}\n`);
      const envFile = join(s.home, ".config", "mcp-op", "b.env");
      const child = spawn(bin, ["add", "b", "--client", "cursor", ...GH, ...SERVER], {
        env: s.env(),
        cwd: s.dir,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      // The env file is written before the clients are: once it exists, add is at the lock.
      while (!existsSync(envFile)) await Bun.sleep(10);
      const sent = Date.now();
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(Date.now() - sent).toBeLessThan(5000); // not the 10 s lock timeout
      expect(stderr).toBe(
        `[error] [mcp-op] ${config}: interrupted (${signal}) while waiting for another mcp-op editing it; nothing was changed\n`,
      );
      expect(readFileSync(config, "utf8")).toBe("{}\n");
      expect(existsSync(envFile)).toBe(false);
      expect(readFileSync(`${config}.mcp-op.lock`, "utf8")).toBe(`${process.pid}\n`); // not ours to remove
    });
  }
});

describe("waiting for Claude Code's lock", () => {
  test("SIGINT while Claude Code holds ~/.claude.json.lock: exit 130 at once, its lock and the file untouched", async () => {
    const s = sandbox();
    const path = claudeJson(s, '{"mcpServers": {}}\n');
    mkdirSync(`${path}.lock`); // Claude Code saving (fresh: not stale for 15 s)
    const envFile = join(s.home, ".config", "mcp-op", "b.env");
    const child = spawn(bin, ["add", "b", "--client", "claude-code", ...GH, ...SERVER], {
      env: s.env(),
      cwd: s.dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    while (!existsSync(envFile)) await Bun.sleep(10);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toBe(
      `[error] [mcp-op] ${path}: interrupted (SIGINT) while waiting for Claude Code to finish saving it; nothing was changed\n`,
    );
    expect(readFileSync(path, "utf8")).toBe('{"mcpServers": {}}\n');
    expect(existsSync(`${path}.lock`)).toBe(true);
    expect(existsSync(envFile)).toBe(false);
  });
});

/**
 * A stand-in for Claude Code saving ~/.claude.json the way claude 2.1.328 does: take
 * `<file>.lock` (mkdir), read the file, change its own key, write it, release. Every 5 ms.
 * It counts its saves in "n" and logs each value it wrote and each it read back.
 */
const WRITER = `
const fs = require("node:fs");
const [file, log, stop] = process.argv.slice(2);
const lock = file + ".lock";
let last = 0;
const out = [];
function save() {
  try { fs.mkdirSync(lock); } catch { return setTimeout(save, 1); }
  const config = JSON.parse(fs.readFileSync(file, "utf8"));
  out.push("read " + (config.n ?? 0));
  config.n = last + 1;
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\\n");
  last = config.n;
  out.push("wrote " + last);
  fs.rmdirSync(lock);
  if (fs.existsSync(stop)) { fs.writeFileSync(log, out.join("\\n") + "\\n"); return; }
  setTimeout(save, 5);
}
save();
`;

describe("another program writing the config meanwhile", () => {
  test("one that takes Claude Code's lock: every write of both survives (20 adds and removes while it saves every 5 ms)", async () => {
    const s = sandbox();
    const path = claudeJson(s, `${JSON.stringify({ n: 0, projects: { "/p": { history: [] } } }, null, 2)}\n`);
    const script = join(s.dir, "writer.cjs");
    writeFileSync(script, WRITER);
    const log = join(s.dir, "writer.log");
    const stop = join(s.dir, "stop");
    const writer = spawn(NODE, [script, path, log, stop], { stdio: "inherit" });
    const done = new Promise((resolve) => writer.on("exit", resolve));
    const env = s.env();
    const results: number[] = [];
    for (let i = 0; i < 10; i++) {
      results.push(
        (await run([bin, "add", `s${i}`, "--client", "claude-code", ...GH, ...SERVER], { env, cwd: s.dir })).code,
      );
    }
    for (let i = 0; i < 10; i += 2) {
      results.push((await run([bin, "remove", `s${i}`, "--client", "claude-code"], { env, cwd: s.dir })).code);
    }
    writeFileSync(stop, "");
    await done;
    expect(results).toEqual(Array(15).fill(0));
    const config = JSON.parse(readFileSync(path, "utf8"));
    // Every entry mcp-op left is there, and none it removed.
    expect(Object.keys(config.mcpServers).sort()).toEqual(["s1", "s3", "s5", "s7", "s9"]);
    // The writer never read back less than it had written: none of its saves was lost.
    const lines = readFileSync(log, "utf8").trim().split("\n");
    let wrote = 0;
    for (const line of lines) {
      const [what, n] = line.split(" ");
      if (what === "read") expect(Number(n)).toBe(wrote);
      else wrote = Number(n);
    }
    expect(config.n).toBe(wrote);
    expect(wrote).toBeGreaterThan(10);
  }, 120_000);

  test("the real claude CLI saving at the same time: the entries of both are all there", async () => {
    const s = sandbox();
    const path = claudeJson(s, "{}\n");
    const env = s.env(); // no claude on mcp-op's PATH: it edits the file itself
    const claudeEnv = { ...s.env(), PATH: `${join(ROOT, "node_modules", ".bin")}:${OP_DIR}:/usr/bin:/bin` };
    const claudeAdds = (async () => {
      for (let i = 0; i < 3; i++) {
        const r = await run([CLAUDE, "mcp", "add-json", "-s", "user", `c${i}`, '{"command":"/bin/true"}'], {
          env: claudeEnv,
          cwd: s.dir,
        });
        expect(r.code).toBe(0);
      }
    })();
    for (let i = 0; i < 6; i++) {
      expect(
        (await run([bin, "add", `m${i}`, "--client", "claude-code", ...GH, ...SERVER], { env, cwd: s.dir })).code,
      ).toBe(0);
    }
    await claudeAdds;
    expect(Object.keys(JSON.parse(readFileSync(path, "utf8")).mcpServers).sort()).toEqual([
      "c0",
      "c1",
      "c2",
      "m0",
      "m1",
      "m2",
      "m3",
      "m4",
      "m5",
    ]);
    rmSync(join(s.home, ".claude"), { recursive: true, force: true });
  }, 180_000);
});
