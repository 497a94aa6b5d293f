/**
 * A cross-process lock that needs nothing but the file system: `<path>` created with O_EXCL,
 * holding the owner's pid. A lock whose pid is dead (or that never got a pid, 2 s after a crash
 * mid-create) is stale and is taken over. Used for client config edits everywhere, and for the
 * sign-in lock where there is no flock (Windows).
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { errorCode, writeAll } from "./files.ts";

/**
 * Take the lock if it is free (or stale). Returns false while another live process holds it;
 * throws when the lock file cannot be created at all (permissions, missing directory).
 */
export function tryLockFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
    if (staleLock(path)) stealStaleLock(path);
    return false; // taken over or not: the caller's next attempt decides
  }
  try {
    writeAll(fd, new TextEncoder().encode(`${process.pid}\n`));
  } finally {
    closeSync(fd);
  }
  return true;
}

export function unlockFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** The pid in the lock file, for messages; "" when unknown. */
export function lockHolder(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== "ESRCH";
  }
}

/** A lock is stale when its pid is dead, or when it has held no pid for over 2 s (a crash mid-create). */
function staleLock(lockPath: string): boolean {
  let text: string;
  let age: number;
  try {
    text = readFileSync(lockPath, "utf8");
    age = Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return false; // gone already: the next attempt will take it
  }
  const pid = Number(text.trim());
  if (Number.isSafeInteger(pid) && pid > 0) return !pidAlive(pid);
  return age > 2000;
}

/** Remove a stale lock; one stealer at a time, so no one removes a lock that was just taken. */
function stealStaleLock(lockPath: string): void {
  const guard = `${lockPath}.steal`;
  let fd: number;
  try {
    fd = openSync(guard, "wx", 0o600);
  } catch {
    try {
      if (Date.now() - statSync(guard).mtimeMs > 5000) unlinkSync(guard); // its owner died
    } catch {
      // gone
    }
    return;
  }
  try {
    if (staleLock(lockPath)) unlinkSync(lockPath);
  } catch {
    // someone else removed it
  } finally {
    closeSync(fd);
    unlockFile(guard);
  }
}
