/**
 * Continue's project scope in-process: one block file per server, `.continue/mcpServers/NAME.yaml`
 * (docs/clients.md, continue). add writes the file, list reads each file, remove deletes the file
 * holding only that server (else takes the entry out), and the edit loop's undo puts a deleted
 * file back byte for byte and deletes a created one.
 */
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseAdd, run as runAdd } from "../../src/commands/add.ts";
import { parse as parseDoctor, run as runDoctor } from "../../src/commands/doctor.ts";
import { parse as parseList, run as runList } from "../../src/commands/list.ts";
import { parse as parseMigrate, run as runMigrate } from "../../src/commands/migrate.ts";
import { parse as parseRemove, run as runRemove } from "../../src/commands/remove.ts";
import { configLocation } from "../../src/core/clients.ts";
import { saveHooks } from "../../src/effects/config-file.ts";
import { runSteps } from "../../src/effects/edit-loop.ts";
import { editBackupDir, facts } from "../../src/effects/registry.ts";
import { logger } from "../../src/logger.ts";
import { commandHome, failure } from "./command-home.ts";

const GH = ["--env", "GITHUB_TOKEN=op://Private/GitHub/token"];
const SERVER = ["npx", "-y", "gh"];
const BLOCK = ".continue/mcpServers/github.yaml";
/** What add writes: the header Continue requires of a block file, then the one server. */
const WRITTEN = `name: github
version: 0.0.1
schema: v1
mcpServers:
  - name: github
    command: mcp-op
    args:
      - run
      - --env-file
      - .mcp-op/github.env
      - --
      - npx
      - -y
      - gh
`;
/** A block file of the user's own, CRLF and a comment: what undo has to give back exactly. */
const THEIRS =
  '# ours\r\nname: Memory\r\nversion: 1.0.0\r\nschema: v1\r\nmcpServers:\r\n  - name: memory\r\n    command: npx\r\n    args: ["-y", "mem"]\r\n';

afterEach(() => {
  saveHooks.beforeLastCheck = undefined;
});

async function quietly<T>(p: () => Promise<T>): Promise<{ value: T; warnings: unknown[][] }> {
  const warn = spyOn(logger, "warn");
  try {
    return { value: await p(), warnings: warn.mock.calls };
  } finally {
    warn.mockRestore();
  }
}

describe("continue --scope project", () => {
  test("add writes .continue/mcpServers/NAME.yaml: the block header, one shared entry", async () => {
    const h = commandHome();
    await quietly(() =>
      runAdd(parseAdd(["github", "--client", "continue", "--scope", "project", ...GH], SERVER), h.ctx),
    );
    expect(h.read(BLOCK)).toBe(WRITTEN);
    expect(h.read(".mcp-op/github.env")).toContain("GITHUB_TOKEN=op://Private/GitHub/token\n");
    expect(h.stdout.at(-1)).toBe(
      `to share it, commit .mcp-op/github.env, ${BLOCK}; each teammate needs mcp-op on PATH, op signed in, and access to the vault\n`,
    );
  });

  test("add without --client finds the project's .continue/mcpServers and writes its own file there", async () => {
    const h = commandHome();
    h.write(".continue/mcpServers/memory.yaml", THEIRS);
    await quietly(() => runAdd(parseAdd(["github", "--scope", "project", ...GH], SERVER), h.ctx));
    expect(h.read(BLOCK)).toBe(WRITTEN);
    expect(h.read(".continue/mcpServers/memory.yaml")).toBe(THEIRS);
  });

  test("a file of that name holding another server: 78, the file untouched", async () => {
    const h = commandHome();
    h.write(BLOCK, THEIRS);
    const error = await failure(
      runAdd(parseAdd(["github", "--client", "continue", "--scope", "project", ...GH], SERVER), h.ctx),
    );
    expect(error.exitCode).toBe(78);
    expect(error.message).toContain("a Continue block file holds exactly one server, and this one has another");
    expect(h.read(BLOCK)).toBe(THEIRS);
  });

  test("list shows every block file's server (*.yaml only)", async () => {
    const h = commandHome();
    h.write(".continue/mcpServers/memory.yaml", THEIRS);
    h.write(BLOCK, WRITTEN);
    h.write(".continue/mcpServers/notes.txt", "not a block\n");
    await runList(parseList(["--client", "continue"], null), h.ctx);
    expect(h.stdout.join("")).toBe(
      "continue (project) github: mcp-op (.mcp-op/github.env): npx -y gh\ncontinue (project) memory: directly: npx -y mem\n",
    );
  });

  test("remove deletes the file mcp-op wrote; the others stay", async () => {
    const h = commandHome();
    h.write(".continue/mcpServers/memory.yaml", THEIRS);
    h.write(BLOCK, WRITTEN);
    await runRemove(parseRemove(["github", "--client", "continue", "--scope", "project"], null), h.ctx);
    expect(existsSync(join(h.home, BLOCK))).toBe(false);
    expect(readdirSync(join(h.home, ".continue", "mcpServers"))).toEqual(["memory.yaml"]);
    expect(h.stdout).toEqual([`removed github from continue (project): ${join(h.home, BLOCK)}\n`]);
  });

  test("remove --dry-run says the file goes, and leaves it", async () => {
    const h = commandHome();
    h.write(BLOCK, WRITTEN);
    await runRemove(parseRemove(["github", "--dry-run"], null), h.ctx);
    expect(h.stdout).toEqual([`--- ${join(h.home, BLOCK)} (deleted: it holds only "github")\n`]);
    expect(h.read(BLOCK)).toBe(WRITTEN);
  });

  test("remove takes the entry out of a block file that holds more than the server", async () => {
    const h = commandHome();
    h.write(BLOCK, `${WRITTEN}rules:\n  - be brief\n`);
    await runRemove(parseRemove(["github", "--client", "continue", "--scope", "project"], null), h.ctx);
    expect(h.read(BLOCK)).toBe("name: github\nversion: 0.0.1\nschema: v1\nmcpServers: []\nrules:\n  - be brief\n");
  });

  test("undo: a deleted block file comes back byte for byte (mode too); a created one is deleted", async () => {
    const h = commandHome();
    const f = facts(h.env, h.home);
    const memory = h.write(".continue/mcpServers/memory.yaml", THEIRS);
    chmodSync(memory, 0o640);
    const cursor = h.write(".cursor/mcp.json", "{}\n");
    const removeMemory = {
      kind: "remove" as const,
      loc: configLocation("continue", "project", f, "memory"),
      name: "memory",
    };
    const addGithub = {
      kind: "set" as const,
      loc: configLocation("continue", "project", f, "github"),
      name: "github",
      entry: { command: "mcp-op", args: ["run"] },
      force: false,
    };
    const addCursor = {
      kind: "set" as const,
      loc: configLocation("cursor", "project", f),
      name: "github",
      entry: { command: "x", args: [] },
      force: false,
    };
    // Another program breaks Cursor's config while mcp-op saves it: the third step fails.
    saveHooks.beforeLastCheck = (path) => {
      if (path === cursor) h.write(".cursor/mcp.json", "{,");
    };
    const { value: error, warnings } = await quietly(() =>
      failure(
        runSteps([removeMemory, addGithub, addCursor], {
          env: h.env,
          cwd: h.home,
          home: h.home,
          backupDir: (loc) => editBackupDir(h.env, h.home, loc),
          report: () => {},
        }),
      ),
    );
    expect(error.exitCode).toBe(78);
    expect(warnings).toEqual([
      ['took "github" back out of continue (project)'],
      ['put "memory" back into continue (project)'],
    ]);
    expect(h.read(".continue/mcpServers/memory.yaml")).toBe(THEIRS);
    expect(statSync(memory).mode & 0o777).toBe(0o640);
    expect(existsSync(join(h.home, BLOCK))).toBe(false);
  });
});

describe("continue --scope project: migrate", () => {
  test("a plaintext token in a block file: rewritten to run through mcp-op, --undo gives the bytes back", async () => {
    const h = commandHome();
    const token = `ghp_${"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}`;
    const text = `name: GitHub\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: github\n    command: npx\n    args: ["-y", "gh"]\n    env:\n      GITHUB_TOKEN: ${token}\n`;
    h.write(BLOCK, text);
    await runMigrate(parseMigrate(["--apply"], null), h.ctx);
    const after = h.read(BLOCK);
    expect(after).not.toContain(token);
    expect(after).toStartWith("name: GitHub\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: github\n");
    expect(after).toContain("      - run\n      - --env-file\n");
    await runMigrate(parseMigrate(["--undo"], null), h.ctx);
    expect(h.read(BLOCK)).toBe(text);
  });
});

describe("continue --scope project: doctor", () => {
  test("finds the block file's env file from the project's root, not from .continue/", async () => {
    const h = commandHome();
    await quietly(() =>
      runAdd(parseAdd(["github", "--client", "continue", "--scope", "project", ...GH], SERVER), h.ctx),
    );
    h.stdout.length = 0;
    await failure(runDoctor(parseDoctor([], null), h.ctx)); // mcp-op and op are not on this test's PATH
    expect(h.stdout.join("")).toContain("ok      github (continue, project): .mcp-op/github.env is valid\n");
  });
});
