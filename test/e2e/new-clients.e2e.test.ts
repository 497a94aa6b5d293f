/**
 * `mcp-op add` for the clients of docs/clients.md whose CLI installs from npm here (issue 17),
 * each checked with its real CLI (a devDependency) in a sandbox HOME: opencode and qwen connect
 * through mcp-op and the stand-in op, and the server gets the secret; copilot and auggie list
 * the entry without connecting; the cline CLI has no list, so its own SDK reads and connects.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary, NODE, OP_DIR, ROOT, run, type Sandbox, SECRETS, SERVER_EVERYTHING, sandbox } from "./helpers.ts";

/**
 * Each test starts a Node or native CLI of several seconds (up to ~15 s measured on a loaded
 * 2-core machine); given explicitly because Bun 1.4.4 falls back to 5 s in later test files.
 */
const SLOW = 60_000;

const BIN_DIR = join(ROOT, "node_modules", ".bin");

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

/** What a user does first: an env file of references (the stand-in op resolves them). */
function setUp(): { s: Sandbox; env: Record<string, string>; envFile: string } {
  const s = sandbox();
  const env = s.env({ PATH: `${OP_DIR}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin` });
  const envFile = s.envFile("github.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
  return { s, env, envFile };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * server-everything behind `node --require <observer>`: the observer writes the SHA-256 of the
 * GITHUB_TOKEN the server process got (never the value) to <sandbox>/seen.
 */
function observedServer(s: Sandbox): { server: string[]; seen: string } {
  const seen = join(s.dir, "seen");
  const observer = join(s.dir, "observer.cjs");
  writeFileSync(
    observer,
    `require("node:fs").writeFileSync(${JSON.stringify(seen)}, require("node:crypto").createHash("sha256").update(process.env.GITHUB_TOKEN ?? "").digest("hex"));\n`,
  );
  return { server: [NODE, "--require", observer, SERVER_EVERYTHING], seen };
}

async function add(client: string, envFile: string, server: string[], env: Record<string, string>, cwd: string) {
  return run([bin, "add", "github", "--client", client, "--env-file", envFile, "--", ...server], { env, cwd });
}

describe("mcp-op add, then the client's own CLI", () => {
  test(
    "opencode: `opencode mcp list` shows the entry connected, and the server got the secret",
    async () => {
      const { s, env, envFile } = setUp();
      const { server, seen } = observedServer(s);
      const config = join(s.home, ".config", "opencode", "opencode.jsonc");
      expect(await add("opencode", envFile, server, env, s.dir)).toEqual({
        code: 0,
        stdout: `added github to opencode (user): ${config}\n`,
        stderr: "",
      });
      // Its models list and self-update reach the network and play no part in `mcp list`.
      const list = await run([join(BIN_DIR, "opencode"), "mcp", "list"], {
        env: { ...env, OPENCODE_DISABLE_MODELS_FETCH: "1", OPENCODE_DISABLE_AUTOUPDATE: "1" },
        cwd: s.dir,
      });
      const lines = Bun.stripANSI(list.stdout).split("\n");
      expect(lines).toContain("●  ✓ github connected");
      const at = lines.indexOf("●  ✓ github connected");
      expect(lines[at + 1]).toBe(`│      ${[bin, "run", "--env-file", envFile, "--", ...server].join(" ")}`);
      expect(lines.at(-3)).toBe("└  1 server(s)");
      expect(list.code).toBe(0);
      expect(readFileSync(seen, "utf8")).toBe(sha256(SECRETS.github));
      expect(list.stdout + list.stderr).not.toContain(SECRETS.github);
    },
    SLOW,
  );

  test(
    "qwen: `qwen mcp list` shows the entry connected, and the server got the secret",
    async () => {
      const { s, env, envFile } = setUp();
      const { server, seen } = observedServer(s);
      const config = join(s.home, ".qwen", "settings.json");
      expect(await add("qwen", envFile, server, env, s.dir)).toEqual({
        code: 0,
        stdout: `added github to qwen (user): ${config}\n`,
        stderr: "",
      });
      const list = await run([join(BIN_DIR, "qwen"), "mcp", "list"], { env, cwd: s.dir });
      expect(Bun.stripANSI(list.stdout)).toBe(
        `Configured MCP servers:\n✓ github: ${[bin, "run", "--env-file", envFile, "--", ...server].join(" ")} (stdio) - Connected\n`,
      );
      expect(list.code).toBe(0);
      expect(readFileSync(seen, "utf8")).toBe(sha256(SECRETS.github));
      expect(list.stdout + list.stderr).not.toContain(SECRETS.github);
      // qwen only stamps its settings version on the file (docs/clients.md, qwen): the entry stays.
      const settings = JSON.parse(readFileSync(config, "utf8"));
      expect(settings.mcpServers.github).toEqual({
        command: bin,
        args: ["run", "--env-file", envFile, "--", ...server],
      });
    },
    SLOW,
  );

  test(
    "copilot: `copilot mcp list` and `mcp get` show the entry with mcp-op's command (copilot does not connect there)",
    async () => {
      const { s, env, envFile } = setUp();
      const server = [NODE, SERVER_EVERYTHING];
      const config = join(s.home, ".copilot", "mcp-config.json");
      expect(await add("copilot", envFile, server, env, s.dir)).toEqual({
        code: 0,
        stdout: `added github to copilot (user): ${config}\n`,
        stderr: "",
      });
      const copilot = join(BIN_DIR, "copilot");
      const list = await run([copilot, "mcp", "list"], { env, cwd: s.dir });
      expect(list).toEqual({ code: 0, stdout: "User servers:\n  github (local)\n\n", stderr: "" });
      const get = await run([copilot, "mcp", "get", "github"], { env, cwd: s.dir });
      expect(get).toEqual({
        code: 0,
        stderr: "",
        stdout:
          "github\n  Status: Enabled\n  Type: local\n" +
          `  Command: ${[bin, "run", "--env-file", envFile, "--", ...server].join(" ")}\n` +
          "  Tools: * (all)\n  Source: User\n",
      });
    },
    SLOW,
  );

  test(
    "auggie: `auggie mcp list --json` shows the entry with mcp-op's command (auggie does not connect there)",
    async () => {
      // auggie gives a server only the SDK's whitelist (HOME LOGNAME PATH SHELL TERM USER; docs/
      // clients.md, auggie): mcp-op finds op on PATH, but a service-account token would need
      // --token-file. `mcp list` starts no server, so that is not exercised here.
      const { s, env, envFile } = setUp();
      const server = [NODE, SERVER_EVERYTHING];
      const config = join(s.home, ".augment", "settings.json");
      expect(await add("auggie", envFile, server, env, s.dir)).toEqual({
        code: 0,
        stdout: `added github to auggie (user): ${config}\n`,
        stderr: "",
      });
      const list = await run([join(BIN_DIR, "auggie"), "mcp", "list", "--json"], { env, cwd: s.dir });
      expect(list.code).toBe(0);
      // Without an Augment login it warns on stderr that it cannot fetch account servers.
      expect(JSON.parse(list.stdout)).toEqual({
        servers: [
          {
            name: "github",
            transport: "stdio",
            command: [bin, "run", "--env-file", envFile, "--", ...server].join(" "),
            enabled: true,
            source: "user",
          },
        ],
      });
    },
    SLOW,
  );

  test(
    "cline: the cline CLI's SDK reads the entry and connects through mcp-op; `cline mcp remove` finds it",
    async () => {
      // The cline CLI has no `mcp list` (docs/clients.md, cline), and starts no server outside a
      // task, which needs a model login. So the entry is read and connected by @cline/core, the
      // SDK the cline package pins (its own MCP settings loader and stdio client), and the CLI
      // itself shows that it sees the entry in the file it reads: it removes it by name.
      const { s, env, envFile } = setUp();
      const server = [NODE, SERVER_EVERYTHING];
      const config = join(s.home, ".cline", "data", "settings", "cline_mcp_settings.json");
      expect(await add("cline-cli", envFile, server, env, s.dir)).toEqual({
        code: 0,
        stdout: `added github to cline-cli (user): ${config}\n`,
        stderr: "",
      });
      const probe = join(s.dir, "probe.mjs");
      writeFileSync(
        probe,
        `import { createHash } from "node:crypto";
import * as core from ${JSON.stringify(join(ROOT, "node_modules", "@cline", "core", "dist", "index.js"))};
const registrations = core.resolveMcpServerRegistrations();
const entry = registrations.find((r) => r.name === "github");
const client = await core.createDefaultMcpServerClientFactory()(entry);
await client.connect();
const got = JSON.parse((await client.callTool({ name: "get-env" })).content[0].text);
await client.disconnect();
console.log(JSON.stringify({ path: core.resolveDefaultMcpSettingsPath(), registrations, token: createHash("sha256").update(got.GITHUB_TOKEN ?? "").digest("hex") }));
`,
      );
      const read = await run([NODE, probe], { env, cwd: s.dir });
      expect(read.stderr).toBe("");
      expect(read.code).toBe(0);
      expect(JSON.parse(read.stdout)).toEqual({
        path: config,
        registrations: [
          {
            name: "github",
            transport: { type: "stdio", command: bin, args: ["run", "--env-file", envFile, "--", ...server] },
            timeoutSeconds: 60,
          },
        ],
        token: sha256(SECRETS.github),
      });
      const cline = join(BIN_DIR, "cline");
      const remove = await run([cline, "mcp", "remove", "github"], { env, cwd: s.dir });
      expect(remove).toMatchObject({ code: 0, stdout: "Uninstalled MCP server github.\n" });
      expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ mcpServers: {} });
    },
    SLOW,
  );
});
