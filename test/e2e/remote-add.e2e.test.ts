/**
 * Registering remote MCP servers through the compiled binary: `add --url` (Claude Code's
 * headersHelper entry, written through the real `claude mcp add-json`; every other client's
 * `mcp-op proxy` entry), `list`, `doctor --connect`, and `migrate --apply` of plaintext remote
 * entries, against server-everything behind the 401 gate (test/fixtures/remote/gate.ts), with the
 * real claude and gemini CLIs. The token holds `"` and `\`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { spacedArguments } from "../../src/core/remote-entry.ts";
import { type Remote, startRemote } from "../fixtures/remote/gate.ts";
import { binary, OP_DIR, ROOT, run, type Sandbox, sandbox } from "./helpers.ts";

/** Real clients and servers on a loaded machine (see clients.e2e.test.ts). */
const SLOW = 180_000;

const TOKEN = 'r3moteT"ok\\en-0123456789';
const VAULT = { Private: { Remote: { token: TOKEN } } };
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

/** The clients' PATH: the stand-in op, the claude and gemini CLIs. */
const clientEnv = (s: Sandbox) => s.env({ PATH: `${OP_DIR}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin` });

function expectNoSecret(s: Sandbox, ...texts: string[]) {
  for (const text of [s.opLog(), ...texts]) expect(text).not.toContain("r3moteT");
}

/** Every file under dir (not following links), but those under `skip`. */
function filesUnder(dir: string, skip: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === skip) continue;
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) out.push(...filesUnder(path, skip));
    else if (st?.isFile()) out.push(path);
  }
  return out;
}

/** Gemini settings that need no trust dialog, with these servers. */
function geminiSettings(s: Sandbox, servers: object = {}): void {
  mkdirSync(join(s.home, ".gemini"), { recursive: true });
  const settings = { security: { folderTrust: { enabled: false } }, mcpServers: servers };
  writeFileSync(join(s.home, ".gemini", "settings.json"), JSON.stringify(settings));
}

async function claudeList(s: Sandbox) {
  const list = await run([join(BIN_DIR, "claude"), "mcp", "list"], { env: clientEnv(s), cwd: s.dir });
  return list.stdout + list.stderr;
}

async function geminiList(s: Sandbox) {
  const list = await run([join(BIN_DIR, "gemini"), "mcp", "list"], { env: clientEnv(s), cwd: s.dir });
  return list.stdout + list.stderr; // gemini prints its list on stderr
}

describe("add --url", () => {
  test(
    "claude-code (through claude mcp add-json): ✔ Connected; gemini (mcp-op proxy): Connected; no argument with a space",
    async () => {
      const s = sandbox(VAULT);
      const env = clientEnv(s);
      writeFileSync(join(s.home, ".claude.json"), "{}\n");
      geminiSettings(s);
      const add = await run(
        [bin, "add", "remote", "--url", remote.url, "--header", AUTH, "--client", "claude-code", "--client", "gemini"],
        { env, cwd: s.dir },
      );
      expect({ code: add.code, stderr: add.stderr }).toEqual({ code: 0, stderr: "" });
      expect(add.stdout).toStartWith(
        `added remote to claude-code (user) through the claude CLI\nadded remote to gemini (user): ${join(s.home, ".gemini", "settings.json")} (backup: `,
      );
      const headers = join(s.home, ".config", "mcp-op", "remote.headers");
      expect(statSync(headers).mode & 0o777).toBe(0o600);
      expect(readFileSync(headers, "utf8")).toEndWith(`\n${AUTH}\n`);
      const claude = JSON.parse(readFileSync(join(s.home, ".claude.json"), "utf8")).mcpServers.remote;
      expect(claude).toEqual({
        type: "http",
        url: remote.url,
        headersHelper: `${bin} headers --headers-file ${headers}`,
      });
      const gemini = JSON.parse(readFileSync(join(s.home, ".gemini", "settings.json"), "utf8")).mcpServers.remote;
      expect(gemini).toEqual({ command: bin, args: ["proxy", "--url", remote.url, "--headers-file", headers] });
      for (const entry of [claude, gemini]) expect(spacedArguments(entry)).toEqual([]);

      expect(await claudeList(s)).toContain(`remote: ${remote.url} (HTTP) - ✔ Connected`);
      expect(await geminiList(s)).toMatch(/✓ remote: .* - Connected/);
      expectNoSecret(s, add.stdout, add.stderr);
      // Both entries' op calls: no secret in any argv.
      expect(s.opCalls().flat().join(" ")).not.toContain("r3moteT");
    },
    SLOW,
  );
});

describe("migrate of plaintext remote entries", () => {
  test(
    "--apply: claude and gemini still connect, doctor --connect too; no token byte under HOME outside the private backups, in op's argv or at -v",
    async () => {
      const s = sandbox(VAULT);
      const env = clientEnv(s);
      const plain = { Authorization: `Bearer ${TOKEN}` };
      writeFileSync(
        join(s.home, ".claude.json"),
        JSON.stringify({ mcpServers: { remote: { type: "http", url: remote.url, headers: plain } } }),
      );
      geminiSettings(s, { remote: { url: remote.url, type: "http", headers: plain } });
      // Connected before, with the token in plain text.
      expect(await claudeList(s)).toContain(`remote: ${remote.url} (HTTP) - ✔ Connected`);

      const apply = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
      expect({ code: apply.code, stderr: apply.stderr }).toEqual({ code: 0, stderr: "" });
      expect(apply.stdout).toContain("claude-code (user) remote: migrated (");
      expect(apply.stdout).toContain("gemini (user) remote: migrated (");
      const config = join(s.home, ".config", "mcp-op");
      const claude = JSON.parse(readFileSync(join(s.home, ".claude.json"), "utf8")).mcpServers.remote;
      expect(claude.headersHelper).toBe(`${bin} headers --headers-file ${join(config, "remote.headers")}`);
      const gemini = JSON.parse(readFileSync(join(s.home, ".gemini", "settings.json"), "utf8")).mcpServers.remote;
      expect(gemini.args[0]).toBe("proxy");
      for (const entry of [claude, gemini]) expect(spacedArguments(entry)).toEqual([]);

      expect(await claudeList(s)).toContain(`remote: ${remote.url} (HTTP) - ✔ Connected`);
      expect(await geminiList(s)).toMatch(/✓ remote: .* - Connected/);

      const list = await run([bin, "list"], { env, cwd: s.dir });
      expect(list.stdout).not.toContain("plaintext");
      expect(list.stdout).toContain("claude-code (user) remote: remote through mcp-op headers (headersHelper)");
      expect(list.stdout).toContain("gemini (user) remote: remote through mcp-op proxy");
      const doctor = await run([bin, "doctor", "--connect", "--name", "remote"], { env, cwd: s.dir });
      expect(doctor.stdout).toContain("remote (claude-code, user): connected (");
      expect(doctor.stdout).toContain("remote (gemini, user): connected (");
      const helper = await run([bin, "headers", "-v", "--headers-file", join(config, "remote.headers")], {
        env,
        cwd: s.dir,
      });
      expect(helper.code).toBe(0);

      // Every file under HOME but migrate's private backups: no byte of the token.
      const backups = join(s.home, ".local", "state", "mcp-op", "backups");
      const leaks = filesUnder(s.home, backups).filter((f) => readFileSync(f).includes("r3moteT"));
      expect(leaks.map((f) => relative(s.home, f))).toEqual([]);
      expectNoSecret(s, apply.stdout, apply.stderr, list.stdout, doctor.stdout, doctor.stderr, helper.stderr);
      expect(s.opCalls().flat().join(" ")).not.toContain("r3moteT");
      expect(existsSync(backups)).toBe(true);
    },
    SLOW,
  );
});
