/** Reading and writing client configs on disk: atomic, backed up, locked, and never over a read-only file. */
import { describe, expect, spyOn, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { ConfigLocation } from "../../src/core/clients.ts";
import { listServers, removeServer, setServer } from "../../src/core/config-edit.ts";
import * as scanner from "../../src/core/jsonc-scan.ts";
import { edit, load, restoreFile, revert, save, saveHooks, textDigest } from "../../src/effects/config-file.ts";
import { withLock } from "../../src/effects/config-lock.ts";
import { McpOpError } from "../../src/errors.ts";
import { add, jsonLoc, sandboxes, tomlLoc } from "./config-fixtures.ts";

const sandbox = sandboxes("mcp-op-config-file-");

const ORIGINAL = '{\n  "theme": "dark",\n  "mcpServers": {}\n}\n';

async function rejects(promise: Promise<unknown>): Promise<McpOpError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(McpOpError);
  return caught as McpOpError;
}

const mode = (path: string) => statSync(path).mode & 0o7777;
const backupsIn = (dir: string) => readdirSync(dir).filter((f) => f.includes(".mcp-op-backup-"));

/** Wait for the start of a wall-clock second, so a few quick edits share one backup timestamp. */
async function startOfSecond(): Promise<void> {
  while (Date.now() % 1000 > 100) await Bun.sleep(10);
}

describe("load", () => {
  test("a missing file (or directory) reads as empty", () => {
    const dir = sandbox();
    for (const path of [join(dir, "mcp.json"), join(dir, "no", "such", "mcp.json")]) {
      const loaded = load(jsonLoc(path));
      expect({ text: loaded.text, exists: loaded.exists, mode: loaded.mode }).toEqual({
        text: "",
        exists: false,
        mode: 0o600,
      });
    }
  });

  test("an existing file: its text (BOM kept) and mode", () => {
    const path = join(sandbox(), "mcp.json");
    writeFileSync(path, `\uFEFF${ORIGINAL}`, { mode: 0o640 });
    chmodSync(path, 0o640);
    const loaded = load(jsonLoc(path));
    expect(loaded).toEqual({
      loc: jsonLoc(path),
      text: `\uFEFF${ORIGINAL}`,
      exists: true,
      mode: 0o640,
      version: expect.any(String),
    });
  });

  test("a directory where the file should be: 78, untouched", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    mkdirSync(path);
    writeFileSync(join(path, "keep"), "x");
    const error = (() => {
      try {
        load(jsonLoc(path));
      } catch (e) {
        return e as McpOpError;
      }
    })();
    expect(error?.exitCode).toBe(78);
    expect(error?.message).toBe(`${path}: is a directory, not a config file`);
    const editError = await rejects(edit(jsonLoc(path), add(jsonLoc(path), "a"), { dryRun: false }));
    expect(editError.exitCode).toBe(78);
    expect(readdirSync(path)).toEqual(["keep"]);
    expect(readdirSync(dir)).toEqual(["mcp.json"]);
  });

  test("invalid UTF-8: 78", () => {
    const path = join(sandbox(), "mcp.json");
    writeFileSync(path, Buffer.from([0x7b, 0xff, 0x7d]));
    expect(() => load(jsonLoc(path))).toThrow("not valid UTF-8");
  });
});

describe("save", () => {
  test("atomic replace keeps the mode, leaves no temp file", () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL);
    chmodSync(path, 0o640);
    const inode = statSync(path).ino;
    const saved = save(load(jsonLoc(path)), "{}\n", {});
    expect(readFileSync(path, "utf8")).toBe("{}\n");
    expect(mode(path)).toBe(0o640);
    expect(statSync(path).ino).not.toBe(inode); // a new file renamed into place
    expect(readdirSync(dir).sort()).toEqual(["mcp.json", (saved.backup ?? "").slice(dir.length + 1)].sort());
  });

  test("a new file gets mode 0600 and no backup", () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    const saved = save(load(jsonLoc(path)), "{}\n", {});
    expect(saved).toEqual({});
    expect(mode(path)).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["mcp.json"]);
  });

  test("the backup holds the old bytes, mode 0600, next to the file or in backupDir", () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL, { mode: 0o644 });
    const saved = save(load(jsonLoc(path)), "{}\n", {});
    expect(saved.backup).toMatch(/\/mcp\.json\.mcp-op-backup-\d{8}T\d{6}Z$/);
    expect(saved.backup?.startsWith(`${dir}/`)).toBe(true);
    expect(readFileSync(saved.backup ?? "", "utf8")).toBe(ORIGINAL);
    expect(mode(saved.backup ?? "")).toBe(0o600);

    const elsewhere = join(dir, "backups", "here");
    const again = save(load(jsonLoc(path)), "[]\n", { backupDir: elsewhere });
    expect(again.backup?.startsWith(`${elsewhere}/mcp.json.mcp-op-backup-`)).toBe(true);
    expect(readFileSync(again.backup ?? "", "utf8")).toBe("{}\n");
  });

  test("a file changed since it was loaded: 78, nothing written", () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL);
    const loaded = load(jsonLoc(path));
    writeFileSync(path, '{"changed": true}\n');
    expect(() => save(loaded, "{}\n", {})).toThrow("changed by another program while mcp-op was editing it");
    expect(readFileSync(path, "utf8")).toBe('{"changed": true}\n');
    expect(readdirSync(dir)).toEqual(["mcp.json"]);
    const missing = load(jsonLoc(join(dir, "new.json")));
    writeFileSync(join(dir, "new.json"), "{}");
    expect(() => save(missing, "[]", {})).toThrow("changed by another program");
  });

  test("a symlinked config stays a symlink; its target is replaced", () => {
    const dir = sandbox();
    mkdirSync(join(dir, "dotfiles"));
    const target = join(dir, "dotfiles", "mcp.json");
    const link = join(dir, "mcp.json");
    writeFileSync(target, ORIGINAL);
    symlinkSync(target, link);
    const saved = save(load(jsonLoc(link)), "{}\n", {});
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe("{}\n");
    // The backup (plaintext tokens, maybe) stays out of the dotfiles repository.
    expect(saved.backup?.startsWith(`${dir}/mcp.json.mcp-op-backup-`)).toBe(true);
    expect(readdirSync(join(dir, "dotfiles"))).toEqual(["mcp.json"]);
  });
});

describe("another program writing while mcp-op writes", () => {
  const THEIRS = '{\n  "theme": "light",\n  "mcpServers": {}\n}\n';

  test("a write after the backup, just before the rename, is seen by the last check: 78, theirs kept", () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL);
    const loc = jsonLoc(path);
    const loaded = load(loc);
    const next = add(loc, "a")(loaded.text);
    saveHooks.beforeLastCheck = (target) => writeFileSync(target, THEIRS);
    try {
      const error = (() => {
        try {
          save(loaded, next.text, {});
        } catch (e) {
          return e as McpOpError;
        }
      })();
      expect(error).toBeInstanceOf(McpOpError);
      expect(error?.exitCode).toBe(78);
      expect(error?.message).toBe(
        `${path}: changed by another program while mcp-op was editing it; nothing was written`,
      );
    } finally {
      saveHooks.beforeLastCheck = undefined;
    }
    expect(readFileSync(path, "utf8")).toBe(THEIRS);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("edit then reads their write and makes its change on top of it", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL);
    const loc = jsonLoc(path);
    let writes = 0;
    saveHooks.beforeLastCheck = (target) => {
      if (writes++ === 0) writeFileSync(target, THEIRS);
    };
    try {
      expect((await edit(loc, add(loc, "a"), { dryRun: false })).changed).toBe(true);
    } finally {
      saveHooks.beforeLastCheck = undefined;
    }
    const now = readFileSync(path, "utf8");
    expect(now).toContain('"theme": "light"');
    expect(Object.keys(listServers(loc, now))).toEqual(["a"]);
  });
});

describe("read-only files and directories are refused untouched", () => {
  // Tests run as root, which access(2) lets write anything: mcp-op goes by the mode bits then.
  test("a file without write permission (0444)", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL);
    chmodSync(path, 0o444);
    const loc = jsonLoc(path);
    const error = await rejects(edit(loc, add(loc, "a"), { dryRun: false }));
    expect(error.exitCode).toBe(78);
    expect(error.message).toBe(`${path}: is read-only (mode 0444); mcp-op leaves read-only configs alone`);
    expect(error.hint).toBe(`make it writable (chmod u+w ${path}) or edit it by hand`);
    expect(() => save(load(loc), "{}", {})).toThrow("is read-only");
    expect(readFileSync(path, "utf8")).toBe(ORIGINAL);
    expect(mode(path)).toBe(0o444);
    expect(readdirSync(dir)).toEqual(["mcp.json"]); // no backup, lock or temp file
  });

  test("a file in a read-only directory (0555)", async () => {
    const dir = join(sandbox(), "ro");
    mkdirSync(dir);
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL);
    chmodSync(dir, 0o555);
    try {
      const loc = jsonLoc(path);
      const error = await rejects(edit(loc, add(loc, "a"), { dryRun: false }));
      expect(error.exitCode).toBe(78);
      expect(error.message).toContain(`its directory ${dir} is read-only (mode 0555)`);
      expect(readFileSync(path, "utf8")).toBe(ORIGINAL);
      expect(readdirSync(dir)).toEqual(["mcp.json"]);
      // Nor is a missing directory created under a read-only one.
      const deeper = jsonLoc(join(dir, "sub", "mcp.json"));
      expect((await rejects(edit(deeper, add(deeper, "a"), { dryRun: false }))).exitCode).toBe(78);
      expect(readdirSync(dir)).toEqual(["mcp.json"]);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

describe("edit", () => {
  test("adds, reports the diff, writes the backup once before the first change", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL);
    chmodSync(path, 0o644);
    const loc = jsonLoc(path);
    await startOfSecond();
    const preview = await edit(loc, add(loc, "a"), { dryRun: true });
    expect(preview.diff).toContain(`--- ${path}\n+++ ${path}\n`);
    expect(preview.diff).toContain('+    "a": {');
    const first = await edit(loc, add(loc, "a"), { dryRun: false });
    expect(first.changed).toBe(true);
    expect(first.diff).toBe(""); // a diff only for --dry-run: for a 67 MB file it costs seconds
    expect(first.backup).toBeString();
    expect(readFileSync(first.backup ?? "", "utf8")).toBe(ORIGINAL);
    const second = await edit(loc, add(loc, "b"), { dryRun: false });
    expect(second.backup).toBe(first.backup ?? "");
    expect(backupsIn(dir)).toHaveLength(1);
    expect(readFileSync(first.backup ?? "", "utf8")).toBe(ORIGINAL); // still the state before the first change
    expect(Object.keys(listServers(loc, readFileSync(path, "utf8")))).toEqual(["a", "b"]);
    expect(mode(path)).toBe(0o644);
  });

  test("no change: nothing written, no backup", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL);
    const loc = jsonLoc(path);
    const before = statSync(path).mtimeMs;
    const result = await edit(loc, (text) => ({ text, changed: false }), { dryRun: false });
    expect(result).toEqual({ changed: false, diff: "" });
    expect(readdirSync(dir)).toEqual(["mcp.json"]);
    expect(statSync(path).mtimeMs).toBe(before);
  });

  test("dry run: the diff, and nothing created, locked or written", async () => {
    const dir = sandbox();
    const path = join(dir, "new", "dir", "config.toml");
    const loc = tomlLoc(path);
    const result = await edit(loc, add(loc, "a"), { dryRun: true });
    expect(result.changed).toBe(true);
    expect(result.diff).toBe(
      `--- ${path}\n+++ ${path}\n@@ -0,0 +1,3 @@\n+[mcp_servers.a]\n+command = "/bin/mcp-op"\n+args = ["run", "--", "a"]\n`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a missing parent directory is created, and said so", async () => {
    const dir = sandbox();
    const path = join(dir, ".cursor", "deeper", "mcp.json");
    const loc = jsonLoc(path);
    const result = await edit(loc, add(loc, "a"), { dryRun: false });
    expect(result.createdDirs).toEqual([join(dir, ".cursor"), join(dir, ".cursor", "deeper")]);
    expect(result.backup).toBeUndefined();
    expect(mode(path)).toBe(0o600);
    expect(Object.keys(listServers(loc, readFileSync(path, "utf8")))).toEqual(["a"]);
    expect(readdirSync(join(dir, ".cursor", "deeper"))).toEqual(["mcp.json"]); // lock removed
    const again = await edit(loc, add(loc, "b"), { dryRun: false });
    expect(again.createdDirs).toBeUndefined();
  });

  test("an edit that fails or changes nothing leaves no directory it made", async () => {
    const dir = sandbox();
    const path = join(dir, ".cursor", "deeper", "mcp.json");
    const loc = jsonLoc(path);
    // The write fails after the directories were made (the last check before the rename throws).
    saveHooks.beforeLastCheck = () => {
      throw new McpOpError(78, "injected");
    };
    try {
      expect((await rejects(edit(loc, add(loc, "a"), { dryRun: false }))).message).toBe("injected");
    } finally {
      saveHooks.beforeLastCheck = undefined;
    }
    expect(readdirSync(dir)).toEqual([]);
    // The file appears meanwhile with the entry in it: no change, and the directory, no longer
    // empty, stays.
    let calls = 0;
    const appearing = (text: string) => {
      if (++calls === 1) {
        mkdirSync(join(dir, ".cursor", "deeper"), { recursive: true });
        writeFileSync(path, '{"mcpServers": {"a": {"command": "/bin/mcp-op", "args": ["run", "--", "a"]}}}');
      }
      return add(loc, "a")(text);
    };
    expect(await edit(loc, appearing, { dryRun: false })).toEqual({ changed: false, diff: "" });
    expect(readdirSync(join(dir, ".cursor", "deeper"))).toEqual(["mcp.json"]);
  });

  test("an error from the change leaves the file and removes the lock", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, '{"mcpServers": {"a": {"command": "x", "args": []}}}');
    const loc = jsonLoc(path);
    const error = await rejects(edit(loc, add(loc, "a"), { dryRun: false }));
    expect(error.message).toContain('a server named "a" already exists');
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{,}");
    expect((await rejects(edit(jsonLoc(broken), add(jsonLoc(broken), "a"), { dryRun: false }))).exitCode).toBe(78);
    expect(readdirSync(dir).sort()).toEqual(["broken.json", "mcp.json"]);
  });
});

describe("revert", () => {
  const remove = (loc: ConfigLocation, name: string) => (text: string) => removeServer(loc, text, name);

  test("a file still as the edit left it gets its bytes back (no servers map left behind)", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    // Removing the entry alone would leave the "mcpServers" object the edit created.
    const original = '{\n  // mine\n  "theme": "dark"\n}\n';
    writeFileSync(path, original);
    chmodSync(path, 0o640);
    const loc = jsonLoc(path);
    const edited = await edit(loc, add(loc, "a"), { dryRun: false });
    expect(readFileSync(path, "utf8")).not.toBe(original);
    await revert(loc, edited, remove(loc, "a"), {});
    expect(readFileSync(path, "utf8")).toBe(original);
    expect(mode(path)).toBe(0o640);
  });

  test("a file another program wrote since: only the change is taken back, the other write stays", async () => {
    const dir = sandbox();
    const path = join(dir, "config.toml");
    writeFileSync(path, '# mine\n[mcp_servers.x]\ncommand = "x"\n');
    const loc = tomlLoc(path);
    const edited = await edit(loc, add(loc, "a"), { dryRun: false });
    writeFileSync(path, `${readFileSync(path, "utf8")}\n[other]\nkey = 1\n`);
    await revert(loc, edited, remove(loc, "a"), {});
    const text = readFileSync(path, "utf8");
    expect(Object.keys(listServers(loc, text))).toEqual(["x"]);
    expect(text).toStartWith("# mine\n");
    expect(text).toContain("[other]\nkey = 1\n");
  });

  test("a file the edit created is removed, with the directories made for it", async () => {
    const dir = sandbox();
    const path = join(dir, ".cursor", "deeper", "mcp.json");
    const loc = jsonLoc(path);
    const edited = await edit(loc, add(loc, "a"), { dryRun: false });
    await revert(loc, edited, remove(loc, "a"), {});
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a created directory that holds something else by then stays", async () => {
    const dir = sandbox();
    const path = join(dir, ".cursor", "mcp.json");
    const loc = jsonLoc(path);
    const edited = await edit(loc, add(loc, "a"), { dryRun: false });
    writeFileSync(join(dir, ".cursor", "other"), "");
    await revert(loc, edited, remove(loc, "a"), {});
    expect(readdirSync(join(dir, ".cursor"))).toEqual(["other"]);
  });

  test("an edit that changed nothing, or a dry run, is nothing to take back", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, '{"mcpServers": {"a": {"command": "/bin/mcp-op", "args": ["run", "--", "a"]}}}');
    const loc = jsonLoc(path);
    const before = readFileSync(path, "utf8");
    const same = await edit(
      loc,
      (text) => setServer(loc, text, "a", { command: "/bin/mcp-op", args: ["run", "--", "a"] }, { force: true }),
      { dryRun: false },
    );
    expect(same.changed).toBe(false);
    const dry = await edit(loc, add(loc, "b"), { dryRun: true });
    for (const edited of [same, dry]) {
      await revert(
        loc,
        edited,
        () => {
          throw new Error("not called");
        },
        {},
      );
    }
    expect(readdirSync(dir)).toEqual(["mcp.json"]);
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  test("another program writing during the take-back: tried again on the new text", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL);
    const loc = jsonLoc(path);
    const edited = await edit(loc, add(loc, "a"), { dryRun: false });
    writeFileSync(path, readFileSync(path, "utf8").replace('"dark"', '"light"')); // so not the bytes path
    let calls = 0;
    await revert(
      loc,
      edited,
      (text) => {
        // The first time, another program writes between mcp-op's read and its save.
        if (++calls === 1) writeFileSync(path, text.replace('"light"', '"blue"'));
        return remove(loc, "a")(text);
      },
      {},
    );
    expect(calls).toBe(2);
    const text = readFileSync(path, "utf8");
    expect(text).toContain('"theme": "blue"');
    expect(Object.keys(listServers(loc, text))).toEqual([]);
  });

  test("a config deleted meanwhile is not recreated: 78", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    writeFileSync(path, ORIGINAL);
    const loc = jsonLoc(path);
    const edited = await edit(loc, add(loc, "a"), { dryRun: false });
    rmSync(path);
    const error = await rejects(revert(loc, edited, remove(loc, "a"), {}));
    expect(error.message).toBe(`${path}: was deleted meanwhile; not recreated`);
    expect(existsSync(path)).toBe(false);
  });
});

describe("withLock", () => {
  test("the lock file holds our pid while held, and is removed even when fn throws", async () => {
    const dir = sandbox();
    const loc = jsonLoc(join(dir, "mcp.json"));
    const lock = `${loc.path}.mcp-op.lock`;
    const seen = await withLock(loc, () => readFileSync(lock, "utf8"));
    expect(seen).toBe(`${process.pid}\n`);
    expect(existsSync(lock)).toBe(false);
    await expect(
      withLock(loc, () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(existsSync(lock)).toBe(false);
  });

  test("callers in one process take turns", async () => {
    const loc = jsonLoc(join(sandbox(), "mcp.json"));
    const log: string[] = [];
    const slow = (tag: string) => async () => {
      log.push(`${tag} in`);
      await Bun.sleep(30);
      log.push(`${tag} out`);
    };
    await Promise.all([withLock(loc, slow("a")), withLock(loc, slow("b")), withLock(loc, slow("c"))]);
    expect(log).toEqual(["a in", "a out", "b in", "b out", "c in", "c out"]);
  });
});

describe("restoreFile (migrate --undo)", () => {
  const setA = (loc: ConfigLocation) => (text: string) =>
    setServer(loc, text, "a", { command: "old", args: [] }, { force: true });

  test("a file still exactly as written gets its old text back through save: symlink, mode kept", async () => {
    const dir = sandbox();
    mkdirSync(join(dir, "dotfiles"));
    const target = join(dir, "dotfiles", "mcp.json");
    const link = join(dir, "mcp.json");
    writeFileSync(target, "{}\n", { mode: 0o640 });
    chmodSync(target, 0o640);
    symlinkSync(target, link);
    const loc = jsonLoc(link);
    const written = '{"mcpServers": {"a": {"command": "new", "args": []}}}\n';
    writeFileSync(link, written);
    const how = await restoreFile(loc, textDigest(written), "{}\n", setA(loc), { backupDir: join(dir, "b") });
    expect(how).toBe("whole");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe("{}\n");
    expect(mode(target)).toBe(0o640);
  });

  test("a file written to since: only `change` applies, the rest stays", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    const loc = jsonLoc(path);
    writeFileSync(path, '{"theme": "x", "mcpServers": {"a": {"command": "new", "args": []}}}\n');
    const how = await restoreFile(loc, textDigest("something else"), "{}\n", setA(loc), {});
    expect(how).toBe("changed");
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      theme: "x",
      mcpServers: { a: { command: "old", args: [] } },
    });
    // No digest (another program wrote during the run): never the whole file back.
    const again = await restoreFile(loc, undefined, "{}\n", (text) => ({ text, changed: false }), {});
    expect(again).toBe("unchanged");
  });
});

describe("a big ~/.claude.json is read and scanned once per command", () => {
  test("add's and remove's reads (check, edit, what was there, what was written): one scan of the whole file each", async () => {
    const dir = sandbox();
    const path = join(dir, ".claude.json");
    const projects: Record<string, unknown> = {};
    for (let p = 0; p < 2000; p++) {
      projects[`/w/p${p}`] = {
        history: Array.from({ length: 8 }, (_, i) => ({ display: `prompt number ${i}` })),
        mcpServers: {},
      };
    }
    writeFileSync(path, `${JSON.stringify({ mcpServers: {}, projects }, null, 2)}\n`);
    const loc: ConfigLocation = { client: "claude-code", scope: "user", path, format: "json", keyPath: ["mcpServers"] };
    const size = readFileSync(path, "utf8").length;
    expect(size).toBeGreaterThan(1 << 20);
    const scans = spyOn(scanner, "scanJsonc");
    const wholeFileScans = () => scans.mock.calls.filter(([text]) => text.length >= size - 1000).length;
    try {
      // As add does it: check the name is free, edit, then the entry before and after.
      expect(Object.hasOwn(listServers(loc, load(loc).text), "a")).toBe(false);
      const added = await edit(loc, add(loc, "a"), { dryRun: false });
      expect(listServers(loc, added.before?.text ?? "").a).toBeUndefined();
      expect(listServers(loc, added.after ?? "").a).toBeDefined();
      expect(wholeFileScans()).toBe(1);
      // As remove does it, in a new command (the file changed: read and scanned again, once).
      scans.mockClear();
      expect(Object.hasOwn(listServers(loc, load(loc).text), "a")).toBe(true);
      const removed = await edit(loc, (text) => removeServer(loc, text, "a"), { dryRun: false });
      expect(listServers(loc, removed.before?.text ?? "").a).toBeDefined();
      expect(wholeFileScans()).toBe(1);
    } finally {
      scans.mockRestore();
    }
  });
});
