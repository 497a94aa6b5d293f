/**
 * Where the sign-in lock lives: one directory per user that every launch agrees on, whatever
 * environment its client passed, and a clear word when that directory is not ours.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signinLockDirs } from "../../src/core/signin.ts";
import { lockDir } from "../../src/effects/signin-prompt.ts";
import { EXIT, McpOpError } from "../../src/errors.ts";

const uid = process.getuid?.() ?? 0;
const base = () => realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-lock-")));

describe("signinLockDirs", () => {
  test("Unix: a fixed name in /tmp, then the home directory; no variable a client may drop decides", () => {
    expect(signinLockDirs("linux", 1000, "/home/me")).toEqual(["/tmp/mcp-op-1000", "/home/me/.cache/mcp-op"]);
    expect(signinLockDirs("darwin", 501, "/Users/me")).toEqual(["/tmp/mcp-op-501", "/Users/me/.cache/mcp-op"]);
  });
  test("Windows: the profile's local app data; without a uid: the home directory", () => {
    expect(signinLockDirs("win32", undefined, "C:\\Users\\me")).toEqual(["C:\\Users\\me\\AppData\\Local\\mcp-op"]);
    expect(signinLockDirs("freebsd", undefined, "/home/me")).toEqual(["/home/me/.cache/mcp-op"]);
  });
});

describe("lockDir", () => {
  test("creates the first candidate, private to this user", () => {
    const dir = join(base(), `mcp-op-${uid}`);
    expect(lockDir([dir, join(base(), "unused")], uid)).toBe(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  const refused = (dir: string, asUid: number) => {
    try {
      lockDir([dir], asUid);
    } catch (error) {
      expect(error).toBeInstanceOf(McpOpError);
      return [(error as McpOpError).exitCode, (error as McpOpError).message];
    }
    throw new Error("lockDir accepted it");
  };

  test("a directory of another user is named as such, not as a mode problem", () => {
    // Created by this process's user; asked for as the next uid, it is someone else's.
    const dir = join(base(), `mcp-op-${uid + 1}`);
    mkdirSync(dir, { mode: 0o700 });
    expect(refused(dir, uid + 1)).toEqual([
      EXIT.NOPERM,
      `no private directory for the sign-in lock: ${dir} belongs to uid ${uid}, not to this user (uid ${uid + 1}): another user created it first`,
    ]);
  });

  test("our own directory open to others, or a symbolic link: each said as it is", () => {
    const open = join(base(), "open");
    mkdirSync(open);
    chmodSync(open, 0o755);
    expect(refused(open, uid)[1]).toBe(
      `no private directory for the sign-in lock: ${open} is open to other users (mode 0755; fix: chmod 700 ${open})`,
    );
    const link = join(base(), "link");
    symlinkSync(base(), link);
    expect(refused(link, uid)[1]).toBe(
      `no private directory for the sign-in lock: ${link} is a symbolic link, not a directory`,
    );
  });
});
