import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockHolder, tryLockFile, unlockFile } from "../../src/effects/lockfile.ts";

const dir = () => mkdtempSync(join(tmpdir(), "mcp-op-lockfile-"));

describe("lock file (O_EXCL + pid)", () => {
  test("free: taken, holding our pid; held: refused; unlocked: free again", () => {
    const lock = join(dir(), "x.lock");
    expect(tryLockFile(lock)).toBe(true);
    expect(lockHolder(lock)).toBe(String(process.pid));
    expect(tryLockFile(lock)).toBe(false);
    unlockFile(lock);
    expect(existsSync(lock)).toBe(false);
    expect(tryLockFile(lock)).toBe(true);
  });

  test("a lock without a pid is stale after 2 s (a crash mid-create), not before", () => {
    const lock = join(dir(), "x.lock");
    writeFileSync(lock, "");
    expect(tryLockFile(lock)).toBe(false);
    expect(tryLockFile(lock)).toBe(false);
    const old = new Date(Date.now() - 3000);
    utimesSync(lock, old, old);
    tryLockFile(lock);
    expect(tryLockFile(lock)).toBe(true);
  });

  test("a directory that does not exist is an error, not a wait", () => {
    expect(() => tryLockFile(join(dir(), "missing", "x.lock"))).toThrow();
  });
});
