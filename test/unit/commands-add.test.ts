/**
 * `mcp-op add` in-process: parse, then run with a temporary home (no claude CLI: every config is
 * edited directly) and a FakeOp. What it writes (exact bytes), prints, refuses, and that a
 * failure or a held signal midway leaves every file as it was.
 */
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse, run } from "../../src/commands/add.ts";
import { saveHooks } from "../../src/effects/config-file.ts";
import { logger } from "../../src/logger.ts";
import { selfCommand } from "../../src/runtime.ts";
import { commandHome, failure } from "./command-home.ts";
import { FakeOp } from "./fake-op.ts";

const GH = ["--env", "GITHUB_TOKEN=op://Private/GitHub/token"];
const SERVER = ["npx", "-y", "gh"];
const CURSOR = ".cursor/mcp.json";
const GEMINI = ".gemini/settings.json";
const MINE = '{\n  // mine\n  "mcpServers": {}\n}\n';
const ENV_TEXT =
  "# Written by mcp-op add: 1Password secret references, resolved by `op run` at start.\nGITHUB_TOKEN=op://Private/GitHub/token\n";

afterEach(() => {
  delete saveHooks.beforeLastCheck;
});

/** The entry's `"command"` and `"args"` lines as the JSON editor indents them (6 spaces in). */
function entryLines(envFile: string, indent: string): string {
  const [command, ...pre] = selfCommand();
  const args = [...pre, "run", "--env-file", envFile, "--", ...SERVER];
  return (
    `${indent}"command": ${JSON.stringify(command)},\n` +
    `${indent}"args": [\n${args.map((a) => `${indent}  ${JSON.stringify(a)}`).join(",\n")}\n${indent}]\n`
  );
}

describe("add", () => {
  test("writes the env file (0600) and the entry, keeping the config's comment; says where, with the backup", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, MINE);
    await run(parse(["github", "--client", "cursor", ...GH], SERVER), h.ctx);
    const envFile = join(h.home, ".config", "mcp-op", "github.env");
    expect(h.read(CURSOR)).toBe(
      `{\n  // mine\n  "mcpServers": {\n    "github": {\n${entryLines(envFile, "      ")}    }\n  }\n}\n`,
    );
    expect(readFileSync(envFile, "utf8")).toBe(ENV_TEXT);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const backupDir = join(h.home, ".local", "state", "mcp-op", "backups", "edits", "cursor-user");
    expect(h.stdout).toHaveLength(1);
    expect(h.stdout[0]).toStartWith(
      `added github to cursor (user): ${cursor} (backup: ${backupDir}/mcp.json.mcp-op-backup-`,
    );
    const backup = /\(backup: (\S+)\)\n$/.exec(h.stdout[0] as string)?.[1] as string;
    expect(readFileSync(backup, "utf8")).toBe(MINE);
    // The account check went through ctx.op.
    expect(h.fake.calls.map((c) => c.method)).toEqual(["accountList"]);
  });

  test("--dry-run prints the env file and the diff, and changes nothing", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, MINE);
    await run(parse(["github", "--client", "cursor", "--dry-run", ...GH], SERVER), h.ctx);
    const envFile = join(h.home, ".config", "mcp-op", "github.env");
    const lines = entryLines(envFile, "      ").split("\n").filter(Boolean);
    const added = lines.map((l) => `+${l}\n`).join("");
    expect(h.stdout.join("")).toBe(
      `--- ${envFile} (new, mode 0600)\n${ENV_TEXT}` +
        `--- ${cursor}\n+++ ${cursor}\n@@ -1,4 +1,${7 + lines.length} @@\n {\n   // mine\n-  "mcpServers": {}\n` +
        `+  "mcpServers": {\n+    "github": {\n${added}+    }\n+  }\n }\n`,
    );
    expect(h.read(CURSOR)).toBe(MINE);
    expect(existsSync(envFile)).toBe(false);
  });

  test("a name already there: 78 naming the file, nothing written (--force replaces it)", async () => {
    const h = commandHome();
    const text = '{"mcpServers": {"github": {"command": "x"}}}\n';
    const cursor = h.write(CURSOR, text);
    const error = await failure(run(parse(["github", "--client", "cursor", ...GH], SERVER), h.ctx));
    expect([error.exitCode, error.message]).toEqual([
      78,
      `${cursor}: a server named "github" already exists (use --force to replace it)`,
    ]);
    expect(h.read(CURSOR)).toBe(text);
    expect(existsSync(join(h.home, ".config", "mcp-op", "github.env"))).toBe(false);
    await run(parse(["github", "--client", "cursor", "--force", ...GH], SERVER), h.ctx);
    expect(JSON.parse(h.read(CURSOR)).mcpServers.github.command).toBe(selfCommand()[0]);
  });

  test("a read-only config among the targets: 78 before anything changes", async () => {
    const h = commandHome();
    h.write(CURSOR, "{}\n");
    const gemini = h.write(GEMINI, "{}\n");
    chmodSync(gemini, 0o444);
    const error = await failure(
      run(parse(["github", "--client", "cursor", "--client", "gemini", ...GH], SERVER), h.ctx),
    );
    expect(error.exitCode).toBe(78);
    expect(error.message).toStartWith(`${gemini}: is read-only`);
    expect([h.read(CURSOR), h.read(GEMINI)]).toEqual(["{}\n", "{}\n"]);
    expect(existsSync(join(h.home, ".config", "mcp-op", "github.env"))).toBe(false);
    expect(h.stdout).toEqual([]);
  });

  test("a later config failing: the earlier one is taken back byte for byte, the env file removed", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, MINE);
    const gemini = h.write(GEMINI, "{}\n");
    // Another program breaks Gemini's config while mcp-op saves Cursor's.
    saveHooks.beforeLastCheck = (path) => {
      if (path === cursor) h.write(GEMINI, "{,");
    };
    const warn = spyOn(logger, "warn");
    try {
      const error = await failure(
        run(parse(["github", "--client", "cursor", "--client", "gemini", ...GH], SERVER), h.ctx),
      );
      expect(error.exitCode).toBe(78);
      expect(error.message).toStartWith(`${gemini}: not valid JSON`);
      expect(warn.mock.calls).toEqual([['took "github" back out of cursor (user)']]);
    } finally {
      warn.mockRestore();
    }
    expect(h.read(CURSOR)).toBe(MINE);
    expect(h.read(GEMINI)).toBe("{,");
    expect(existsSync(join(h.home, ".config", "mcp-op", "github.env"))).toBe(false);
  });

  test("a stop signal during the last step: everything undone, 130", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, MINE);
    saveHooks.beforeLastCheck = (path) => {
      if (path === cursor) process.emit("SIGINT", "SIGINT");
    };
    const warn = spyOn(logger, "warn");
    try {
      const error = await failure(run(parse(["github", "--client", "cursor", ...GH], SERVER), h.ctx));
      expect([error.exitCode, error.message]).toEqual([130, "interrupted (SIGINT)"]);
      expect(warn.mock.calls).toEqual([['took "github" back out of cursor (user)']]);
    } finally {
      warn.mockRestore();
    }
    expect(h.read(CURSOR)).toBe(MINE);
    expect(existsSync(join(h.home, ".config", "mcp-op", "github.env"))).toBe(false);
  });

  test("several 1Password accounts (asked of ctx.op) and no --account: 64 naming them, nothing written", async () => {
    const fake = new FakeOp({ accounts: [{ shorthand: "work" }, { shorthand: "home" }] });
    const h = commandHome(fake);
    h.write(CURSOR, "{}\n");
    const error = await failure(run(parse(["github", "--client", "cursor", ...GH], SERVER), h.ctx));
    expect([error.exitCode, error.message, error.hint]).toEqual([
      64,
      "you have 2 1Password accounts and clients do not pass OP_ACCOUNT: choose one with --account",
      "one of: work, home",
    ]);
    expect(h.read(CURSOR)).toBe("{}\n");
    expect(existsSync(join(h.home, ".config", "mcp-op", "github.env"))).toBe(false);
  });

  test("no client config and no --client: 78", async () => {
    const h = commandHome();
    const error = await failure(run(parse(["github", ...GH], SERVER), h.ctx));
    expect([error.exitCode, error.message]).toEqual([78, "no MCP client config found for this scope"]);
  });
});
