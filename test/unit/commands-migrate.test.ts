/**
 * `mcp-op migrate` in-process: parse, then run with a temporary home (no claude CLI: configs are
 * edited directly) and a FakeOp, through which every item is created. Dry run, apply (exact
 * bytes of the rewritten config and env file), undo (byte-identical), and failures: an item
 * op refuses, a config that cannot be rewritten (its env file removed again), a stop signal
 * between servers.
 */
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, run } from "../../src/commands/migrate.ts";
import { saveHooks } from "../../src/effects/config-file.ts";
import type { McpOpError } from "../../src/errors.ts";
import { logger } from "../../src/logger.ts";
import { selfCommand } from "../../src/runtime.ts";
import { commandHome, failure } from "./command-home.ts";
import { exitFailure, FakeOp } from "./fake-op.ts";

const TOKEN = `ghp_${"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}`;
const LINEAR = "lin_api_0123456789abcdefghijklmnopqrstuvwxyzABCD";
const CURSOR = ".cursor/mcp.json";
const CODEX = ".codex/config.toml";
const CURSOR_TEXT = `{\n  // mine\n  "mcpServers": {\n    "gitlab": { "command": "gitlab-mcp", "args": ["--token", "${TOKEN}", "--verbose"] }\n  }\n}\n`;
const CODEX_TEXT = `# codex\n[mcp_servers.linear]\ncommand = "npx"\nargs = ["linear-mcp"]\n\n[mcp_servers.linear.env]\nLINEAR_API_KEY = "${LINEAR}"\n`;
const GITLAB_REF = "op://Private/mcp-op gitlab GITHUB_TOKEN/credential";
const LINEAR_REF = "op://Private/mcp-op linear LINEAR_API_KEY/credential";

afterEach(() => {
  delete saveHooks.beforeLastCheck;
});

/** What logger.error said while `fn` ran. */
async function errorsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const spy = spyOn(logger, "error");
  try {
    await fn();
    return spy.mock.calls.map((c) => String(c[0]));
  } finally {
    spy.mockRestore();
  }
}

describe("migrate", () => {
  test("dry run: the plan, no op call, nothing written", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, CURSOR_TEXT);
    await run(parse([], null), h.ctx);
    expect(h.stdout.join("")).toBe(
      `cursor (user) gitlab: ${cursor}\n` +
        `  argument 2: ghp_… (40 chars) -> GITHUB_TOKEN = ${GITLAB_REF}\n` +
        `  writes ${join(h.home, ".config", "mcp-op", "gitlab.env")} (references only) and rewrites the entry to run through mcp-op\n` +
        "dry run: nothing changed. Run again with --apply to do it.\n",
    );
    expect(h.fake.calls).toEqual([]);
    expect(h.read(CURSOR)).toBe(CURSOR_TEXT);
    expect(existsSync(join(h.home, ".local", "state", "mcp-op"))).toBe(false);
  });

  test("--apply: the item created through ctx.op, the entry rewritten, then --undo gives the bytes back", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, CURSOR_TEXT);
    await run(parse(["--apply"], null), h.ctx);
    const envFile = join(h.home, ".config", "mcp-op", "gitlab.env");
    const [command, ...pre] = selfCommand();
    const args = [
      ...pre,
      "run",
      "--env-file",
      envFile,
      "--",
      "gitlab-mcp",
      "--token",
      "{{ GITHUB_TOKEN }}",
      "--verbose",
    ];
    expect(h.read(CURSOR)).toBe(
      `{\n  // mine\n  "mcpServers": {\n    "gitlab": {\n      "command": ${JSON.stringify(command)},\n      "args": [\n${args
        .map((a) => `        ${JSON.stringify(a)}`)
        .join(",\n")}\n      ]\n    }\n  }\n}\n`,
    );
    expect(readFileSync(envFile, "utf8")).toContain(`GITHUB_TOKEN=${GITLAB_REF}\n`);
    expect(readFileSync(envFile, "utf8")).not.toContain(TOKEN);
    expect(h.fake.calls.map((c) => [c.method, c.arg])).toEqual([
      ["vaultList", undefined],
      ["itemList", "Private"],
      ["itemCreate", "mcp-op gitlab GITHUB_TOKEN"],
    ]);
    expect(h.fake.vaults[0]?.items).toEqual([
      { id: "item1", title: "mcp-op gitlab GITHUB_TOKEN", fields: { credential: TOKEN } },
    ]);
    const runs = join(h.home, ".local", "state", "mcp-op", "backups");
    const [runDir] = readdirSync(runs).map((d) => join(runs, d));
    const out = h.stdout.join("");
    expect(out).toContain(`  created ${GITLAB_REF}\ncursor (user) gitlab: migrated (${envFile})\n`);
    expect(out).toEndWith(
      `backups of the old files (they hold the plaintext): ${runDir}; remove them with: mcp-op migrate --purge-backups\nundo with: mcp-op migrate --undo\n`,
    );
    h.stdout.length = 0;
    await run(parse(["--undo"], null), h.ctx);
    expect(h.read(CURSOR)).toBe(CURSOR_TEXT);
    expect(existsSync(envFile)).toBe(false);
    expect(h.stdout.join("")).toBe(
      `restored ${cursor}\n` +
        `1Password items kept (migrate --apply reuses them while they hold the same value; delete them in 1Password if not): created ${GITLAB_REF}\n` +
        `backups stay in ${runDir} until --purge-backups\n`,
    );
  });

  test("op refusing the item: 69, the config untouched, no env file, no run kept", async () => {
    const fake = new FakeOp().fail("itemCreate", exitFailure("op item create", "vault is read-only"));
    const h = commandHome(fake);
    h.write(CURSOR, CURSOR_TEXT);
    let error: McpOpError | undefined;
    const errors = await errorsOf(async () => {
      error = await failure(run(parse(["--apply"], null), h.ctx));
    });
    expect(error?.exitCode).toBe(69);
    expect(errors).toEqual([
      "cursor (user) gitlab: not migrated, config untouched (op: vault is read-only)",
      "not migrated: cursor (user) gitlab; 1Password items created for them that no migrated entry uses (keep or delete them): none",
    ]);
    expect(h.read(CURSOR)).toBe(CURSOR_TEXT);
    expect(existsSync(join(h.home, ".config", "mcp-op", "gitlab.env"))).toBe(false);
    expect(readdirSync(join(h.home, ".local", "state", "mcp-op", "backups"))).toEqual([]);
  });

  test("a config that cannot be rewritten: 78, its env file removed again, its item listed; the other migrated", async () => {
    const h = commandHome();
    h.write(CURSOR, CURSOR_TEXT);
    const codex = h.write(CODEX, CODEX_TEXT);
    chmodSync(codex, 0o444);
    let error: McpOpError | undefined;
    const errors = await errorsOf(async () => {
      error = await failure(run(parse(["--apply"], null), h.ctx));
    });
    expect(error?.exitCode).toBe(78);
    expect(errors[0]).toStartWith(`codex (user) linear: not migrated, config untouched (${codex}: is read-only`);
    expect(errors[1]).toBe(
      `not migrated: codex (user) linear; 1Password items created for them that no migrated entry uses (keep or delete them): ${LINEAR_REF}`,
    );
    expect(h.read(CODEX)).toBe(CODEX_TEXT);
    expect(readdirSync(join(h.home, ".config", "mcp-op"))).toEqual(["gitlab.env"]);
    expect(h.read(CURSOR)).not.toContain(TOKEN);
  });

  test("a stop signal while a server is rewritten: that one finishes, the next is not reached, 130", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, CURSOR_TEXT);
    h.write(CODEX, CODEX_TEXT);
    saveHooks.beforeLastCheck = (path) => {
      if (path === cursor) process.emit("SIGINT", "SIGINT");
    };
    let error: McpOpError | undefined;
    const errors = await errorsOf(async () => {
      error = await failure(run(parse(["--apply", "--client", "cursor", "--client", "codex"], null), h.ctx));
    });
    expect(error?.exitCode).toBe(130);
    expect(errors).toEqual(["interrupted (SIGINT): 1 server(s) not reached, left as they were"]);
    expect(h.stdout.join("")).toContain("cursor (user) gitlab: migrated (");
    expect(h.read(CURSOR)).not.toContain(TOKEN);
    expect(h.read(CODEX)).toBe(CODEX_TEXT);
    expect(h.fake.calls.filter((c) => c.method === "itemCreate").map((c) => c.arg)).toEqual([
      "mcp-op gitlab GITHUB_TOKEN",
    ]);
  });

  test("a vault op does not have: 65 naming the ones it has, before any backup or item", async () => {
    const h = commandHome();
    h.write(CURSOR, CURSOR_TEXT);
    const error = await failure(run(parse(["--apply", "--vault", "Nope"], null), h.ctx));
    expect([error.exitCode, error.message, error.hint]).toEqual([
      65,
      'vault "Nope" not found in 1Password',
      "pass --vault (one of: Private)",
    ]);
    expect(h.fake.calls.map((c) => c.method)).toEqual(["vaultList"]);
    expect(h.read(CURSOR)).toBe(CURSOR_TEXT);
    expect(existsSync(join(h.home, ".local", "state", "mcp-op", "backups"))).toBe(false);
  });
});
