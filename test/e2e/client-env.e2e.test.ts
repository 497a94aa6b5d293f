/**
 * core/client-env.ts against the real clients: each one starts a server that writes down the
 * environment, arguments and working directory it got, and the model must predict it variable
 * by variable (claude mcp list, gemini mcp list, codex exec, all offline with HOME in a temp dir).
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expandedCommand, serverEnvironment } from "../../src/core/client-env.ts";
import { NODE, ROOT, run, sandbox } from "./helpers.ts";

/**
 * Real clients and servers, on a loaded machine: more than the 5 s Bun 1.4.4 falls back to when
 * several test files run in one process (the preload's setDefaultTimeout did not reach them all).
 */
const SLOW = 120_000;

const BIN_DIR = join(ROOT, "node_modules", ".bin");

/** The shell the client is started from: credentials, look-alikes and plain variables. */
function shell(home: string): Record<string, string> {
  return {
    HOME: home,
    USER: "tester",
    LOGNAME: "tester",
    SHELL: "/bin/sh",
    TERM: "dumb",
    LANG: "C.UTF-8",
    PATH: `${BIN_DIR}:/usr/local/bin:/usr/bin:/bin`,
    NO_COLOR: "1",
    OP_SERVICE_ACCOUNT_TOKEN: "ops_modelTestToken0123456789",
    OP_CONNECT_HOST: "http://localhost:8080",
    MCP_OP_TOKEN_FILE: "/nonexistent/sa.token",
    OP_ACCOUNT: "my",
    SSH_AUTH_SOCK: "/tmp/agent.sock",
    MY_API_KEY: "k",
    DATABASE_URL: "postgres://db",
    PLAIN_VAR: "plain",
    LOOKS_LIKE: "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
    SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt",
    EXPAND_ME: "expanded",
  };
}

/** A server that records what it was started with, then exits (the client reports a failure). */
function dumpServer(dir: string): { script: string; out: string } {
  const script = join(dir, "dump.cjs");
  const out = join(dir, "dumps");
  mkdirSync(out, { recursive: true });
  writeFileSync(
    script,
    `require("fs").writeFileSync(${JSON.stringify(out)} + "/" + process.pid + ".json", JSON.stringify({ env: process.env, argv: process.argv.slice(2), cwd: process.cwd() }));\n`,
  );
  return { script, out };
}

function dumps(out: string): Array<{ env: Record<string, string>; argv: string[]; cwd: string }> {
  return readdirSync(out).map((f) => JSON.parse(readFileSync(join(out, f), "utf8")));
}

/**
 * The model's environment against the measured one: every variable of the shell is there iff the
 * model says so, with the model's value; what else is there, the client itself adds (named).
 */
function expectSameEnv(measured: Record<string, string>, model: Record<string, string>, addedByClient: RegExp) {
  for (const name of new Set([...Object.keys(model), ...Object.keys(measured)])) {
    if (name === "PATH") continue; // compared by the caller: some clients put their own dir first
    if (!(name in model)) {
      expect({ name, extra: addedByClient.test(name) }).toEqual({ name, extra: true });
      continue;
    }
    expect({ name, value: measured[name] }).toEqual({ name, value: model[name] });
  }
}

const ENTRY_ENV = {
  DUMP: "1",
  FROM_SHELL: "${EXPAND_ME}",
  DEFAULTED: "${UNSET_VAR:-dflt}",
  TOKEN_COPY: "$OP_SERVICE_ACCOUNT_TOKEN",
};
const ENTRY_ARGS = ["--flag", "${EXPAND_ME}", "$PLAIN_VAR"];

describe("client environments as the model predicts them", () => {
  test(
    "gemini 0.61.0: sanitized environment, entry values expanded twice",
    async () => {
      const s = sandbox();
      const env = shell(s.home);
      const { script, out } = dumpServer(s.dir);
      mkdirSync(join(s.home, ".gemini"));
      const entry = { command: NODE, args: [script, ...ENTRY_ARGS], env: ENTRY_ENV };
      writeFileSync(
        join(s.home, ".gemini", "settings.json"),
        JSON.stringify({ security: { folderTrust: { enabled: false } }, mcpServers: { dump: entry } }),
      );
      const r = await run([join(BIN_DIR, "gemini"), "mcp", "list"], { env, cwd: s.dir });
      expect(r.stdout + r.stderr).toContain("dump");
      const [measured, ...more] = dumps(out);
      expect(more).toEqual([]);
      const model = serverEnvironment("gemini", env, entry, { platform: process.platform });
      // The credentials and token-like names and values are gone, OP_ACCOUNT is not.
      for (const gone of [
        "OP_SERVICE_ACCOUNT_TOKEN",
        "MCP_OP_TOKEN_FILE",
        "SSH_AUTH_SOCK",
        "MY_API_KEY",
        "LOOKS_LIKE",
      ]) {
        expect(model[gone]).toBeUndefined();
      }
      expect(model.OP_ACCOUNT).toBe("my");
      // Settings are expanded from the whole environment when gemini reads them.
      expect(model.TOKEN_COPY).toBe(env.OP_SERVICE_ACCOUNT_TOKEN);
      expect(model.FROM_SHELL).toBe("expanded");
      expect(model.DEFAULTED).toBe("dflt");
      expectSameEnv(measured?.env ?? {}, model, /^GEMINI_CLI_NO_RELAUNCH$/);
      expect(measured?.env.PATH).toBe(model.PATH);
      expect(measured?.argv).toEqual(expandedCommand("gemini", entry, env, process.platform).args.slice(1));
    },
    SLOW,
  );

  test(
    "claude 2.1.328: the whole environment, ${VAR} expanded in env and args",
    async () => {
      const s = sandbox();
      const env = shell(s.home);
      const { script, out } = dumpServer(s.dir);
      const entry = { command: NODE, args: [script, ...ENTRY_ARGS], env: ENTRY_ENV };
      writeFileSync(
        join(s.home, ".claude.json"),
        JSON.stringify({ mcpServers: { dump: { type: "stdio", ...entry } } }),
      );
      const r = await run([join(BIN_DIR, "claude"), "mcp", "list"], { env, cwd: s.dir });
      expect(r.stdout).toContain("dump");
      const [measured] = dumps(out);
      const model = serverEnvironment("claude-code", env, entry, { platform: process.platform });
      expect(model.OP_SERVICE_ACCOUNT_TOKEN).toBe(env.OP_SERVICE_ACCOUNT_TOKEN);
      expect(model.TOKEN_COPY).toBe("$OP_SERVICE_ACCOUNT_TOKEN"); // only ${VAR} is expanded
      expectSameEnv(
        measured?.env ?? {},
        model,
        /^(CLAUDECODE|CLAUDE_CODE_\w+|CLAUDE_PROJECT_DIR|AI_AGENT|NoDefaultCurrentDirectoryInExePath|COREPACK_ENABLE_AUTO_PIN)$/,
      );
      expect(measured?.env.PATH).toBe(model.PATH);
      expect(measured?.argv).toEqual(expandedCommand("claude-code", entry, env, process.platform).args.slice(1));
    },
    SLOW,
  );

  test(
    "codex 0.169.0: a short list plus env_vars, entry values literal",
    async () => {
      const s = sandbox();
      const env = { ...shell(s.home), PASS_ME: "passed" };
      const { script, out } = dumpServer(s.dir);
      mkdirSync(join(s.home, ".codex"));
      writeFileSync(
        join(s.home, ".codex", "config.toml"),
        `[mcp_servers.dump]\ncommand = ${JSON.stringify(NODE)}\nargs = ${JSON.stringify([script, ...ENTRY_ARGS])}\n` +
          `env_vars = ["PASS_ME"]\n[mcp_servers.dump.env]\n${Object.entries(ENTRY_ENV)
            .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
            .join("\n")}\n`,
      );
      // codex exec starts the MCP servers before it reaches the model, which is unreachable here:
      // it is stopped as soon as the server has written its record.
      const watcher = watch(out);
      const written = new Promise<void>((resolve) => watcher.on("change", () => resolve()));
      // In a process group of its own: bin/codex is a node wrapper around the native codex, which
      // a SIGKILL of the wrapper alone left running (retrying the model) after the test.
      const codex = Bun.spawn([join(BIN_DIR, "codex"), "exec", "--skip-git-repo-check", "hi"], {
        env: { ...env, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" },
        cwd: s.dir,
        stdin: "ignore",
        stdout: "ignore",
        stderr: "ignore",
        detached: true,
      });
      await Promise.race([written, codex.exited]);
      watcher.close();
      try {
        process.kill(-codex.pid, "SIGKILL");
      } catch {
        // the group is gone already
      }
      await codex.exited;
      const [measured] = dumps(out);
      expect(measured).toBeDefined();
      const model = serverEnvironment(
        "codex",
        env,
        { env: ENTRY_ENV, envVars: ["PASS_ME"] },
        { platform: process.platform },
      );
      expect(model.PASS_ME).toBe("passed");
      expect(model.FROM_SHELL).toBe("${EXPAND_ME}");
      expectSameEnv(measured?.env ?? {}, model, /^$/);
      // Codex puts a directory of its own first on PATH.
      expect(measured?.env.PATH).toEndWith(`:${model.PATH}`);
      expect(measured?.argv).toEqual(ENTRY_ARGS);
    },
    SLOW,
  );
});
