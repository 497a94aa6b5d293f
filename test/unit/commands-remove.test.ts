/**
 * `mcp-op remove` in-process: parse, then run with a temporary home (no claude CLI: configs are
 * edited directly). What it leaves on disk (exact bytes), prints, and that a failure or a held
 * signal midway puts back what it removed.
 */
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { chmodSync } from "node:fs";
import { parse, run } from "../../src/commands/remove.ts";
import { saveHooks } from "../../src/effects/config-file.ts";
import { logger } from "../../src/logger.ts";
import { commandHome, failure } from "./command-home.ts";

const CURSOR = ".cursor/mcp.json";
const CODEX = ".codex/config.toml";
const TOKEN = `ghp_${"T".repeat(36)}`;
const CURSOR_TEXT = `{\n  // mine\n  "mcpServers": {\n    "github": {"command": "npx", "args": ["gh"]},\n    "other": {"command": "x", "env": {"T": "${TOKEN}"}}\n  }\n}\n`;
const CODEX_TEXT = '# codex\nmodel = "o4"\n\n[mcp_servers.github]\ncommand = "npx"\n';

afterEach(() => {
  delete saveHooks.beforeLastCheck;
});

describe("remove", () => {
  test("takes the entry out of every config holding it, the rest of each file as it was", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, CURSOR_TEXT);
    const codex = h.write(CODEX, CODEX_TEXT);
    await run(parse(["github"], null), h.ctx);
    expect(h.read(CURSOR)).toBe(
      `{\n  // mine\n  "mcpServers": {\n    "other": {"command": "x", "env": {"T": "${TOKEN}"}}\n  }\n}\n`,
    );
    expect(h.read(CODEX)).toBe('# codex\nmodel = "o4"\n');
    expect(h.stdout).toEqual([
      `removed github from cursor (user): ${cursor}\n`,
      `removed github from codex (user): ${codex}\n`,
    ]);
  });

  test("--dry-run prints each diff, a neighbour's plaintext masked, and changes nothing", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, CURSOR_TEXT);
    await run(parse(["github", "--dry-run"], null), h.ctx);
    const out = h.stdout.join("");
    expect(out).toStartWith(
      `--- ${cursor}\n+++ ${cursor}\n@@ -1,7 +1,6 @@\n {\n   // mine\n   "mcpServers": {\n-    "github": {"command": "npx", "args": ["gh"]},\n`,
    );
    expect(out).not.toContain(TOKEN.slice(4));
    expect(h.read(CURSOR)).toBe(CURSOR_TEXT);
  });

  test("no config has the name: a warning, nothing changed", async () => {
    const h = commandHome();
    h.write(CURSOR, "{}\n");
    const warn = spyOn(logger, "warn");
    try {
      await run(parse(["github"], null), h.ctx);
      expect(warn.mock.calls).toEqual([['no client config has a server named "github"']]);
    } finally {
      warn.mockRestore();
    }
    expect(h.stdout).toEqual([]);
    expect(h.read(CURSOR)).toBe("{}\n");
  });

  test("a read-only config among them: 78 before anything changes", async () => {
    const h = commandHome();
    h.write(CURSOR, CURSOR_TEXT);
    const codex = h.write(CODEX, CODEX_TEXT);
    chmodSync(codex, 0o444);
    const error = await failure(run(parse(["github"], null), h.ctx));
    expect(error.exitCode).toBe(78);
    expect(error.message).toStartWith(`${codex}: is read-only`);
    expect([h.read(CURSOR), h.read(CODEX)]).toEqual([CURSOR_TEXT, CODEX_TEXT]);
  });

  test("a later config failing: the entry goes back into the earlier one, byte for byte", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, CURSOR_TEXT);
    const codex = h.write(CODEX, CODEX_TEXT);
    saveHooks.beforeLastCheck = (path) => {
      if (path === cursor) h.write(CODEX, "[mcp_servers");
    };
    const warn = spyOn(logger, "warn");
    try {
      const error = await failure(run(parse(["github"], null), h.ctx));
      expect(error.exitCode).toBe(78);
      expect(error.message).toStartWith(`${codex}: not valid TOML`);
      expect(warn.mock.calls).toEqual([['put "github" back into cursor (user)']]);
    } finally {
      warn.mockRestore();
    }
    expect(h.read(CURSOR)).toBe(CURSOR_TEXT);
    expect(h.stdout).toEqual([`removed github from cursor (user): ${cursor}\n`]);
  });

  test("SIGTERM during the last step: put back, 143", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, CURSOR_TEXT);
    saveHooks.beforeLastCheck = (path) => {
      if (path === cursor) process.emit("SIGTERM", "SIGTERM");
    };
    const error = await failure(run(parse(["github", "--client", "cursor"], null), h.ctx));
    expect([error.exitCode, error.message]).toEqual([143, "interrupted (SIGTERM)"]);
    expect(h.read(CURSOR)).toBe(CURSOR_TEXT);
  });
});
