/**
 * The locks held while a client config is read and written: mcp-op's own `<file>.mcp-op.lock`
 * (other mcp-op runs) and, for ~/.claude.json, Claude Code's `<file>.lock`, so that no two
 * writers lose each other's changes.
 */
import { mkdirSync, rmdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { ConfigLocation } from "../core/clients.ts";
import { configError, ensureDir } from "./config-access.ts";
import { describeFsError, errorCode } from "./files.ts";
import { lockHolder, tryLockFile, unlockFile } from "./lockfile.ts";
import { currentHold } from "./signals.ts";

const LOCK_POLL_MS = 20;
const LOCK_WAIT_MS = 10_000;
/** How long a read waits for Claude Code's lock before reading the file as it is. */
const READ_LOCK_WAIT_MS = 2_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const heldHere = new Map<string, Promise<void>>();

/**
 * Run `fn` holding `<file>.mcp-op.lock` (O_EXCL, holding our pid). Waits up to 10 s for another
 * mcp-op, steals the lock of a dead one, always removes it afterwards. Creates the file's
 * directory if needed (the lock lives next to the file). With `interruptible`, a stop signal
 * held by the command (signals.ts) ends the wait at once: 128 + n, nothing changed. Undoing a
 * change waits regardless: stopping there would leave the change half taken back.
 */
export async function withLock<T>(
  loc: ConfigLocation,
  fn: () => Promise<T> | T,
  opts: { interruptible?: boolean } = {},
): Promise<T> {
  const lockPath = `${loc.path}.mcp-op.lock`;
  // Callers in this process queue here instead of polling the file.
  const before = heldHere.get(lockPath) ?? Promise.resolve();
  let release = () => {};
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const chained = before.then(() => mine);
  heldHere.set(lockPath, chained);
  await before;
  try {
    await acquire(loc.path, lockPath, opts.interruptible === true);
    try {
      return await withClientLock(loc, fn, opts.interruptible === true);
    } finally {
      unlockFile(lockPath);
    }
  } finally {
    release();
    if (heldHere.get(lockPath) === chained) heldHere.delete(lockPath);
  }
}

/** Throws 128 + n when a held stop signal came while waiting for `what`. */
function checkInterrupted(interruptible: boolean, path: string, what: string): void {
  if (!interruptible) return;
  currentHold()?.check((name) => `${path}: interrupted (${name}) while waiting for ${what}; nothing was changed`);
}

async function acquire(path: string, lockPath: string, interruptible: boolean): Promise<void> {
  ensureDir(path, dirname(lockPath));
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      if (tryLockFile(lockPath)) return;
    } catch (error) {
      // The directory went away while waiting (a take-back removed the one it had made).
      if (errorCode(error) === "ENOENT") ensureDir(path, dirname(lockPath));
      else throw configError(path, `cannot create the lock file ${lockPath}: ${describeFsError(error)}`);
    }
    checkInterrupted(interruptible, path, "another mcp-op editing it");
    if (Date.now() >= deadline) {
      const holder = lockHolder(lockPath);
      throw configError(
        path,
        `another mcp-op${holder ? ` (pid ${holder})` : ""} has been editing it for over ${LOCK_WAIT_MS / 1000} s`,
        `if no mcp-op is running, delete ${lockPath}`,
      );
    }
    await Bun.sleep(LOCK_POLL_MS);
  }
}

/**
 * Claude Code saves ~/.claude.json holding `<file>.lock`, a directory (proper-lockfile: taken by
 * mkdir, stale when its mtime is older than 10 s; claude 2.1.328 `ji()` with `lockfilePath:
 * \`${file}.lock\``, retrying for up to ~10 s). Measured: `claude mcp add-json` waits while the
 * directory exists and saves after it is gone. So mcp-op takes it too while it reads, changes
 * and writes that file: a Claude Code session saving at the same moment waits and then reads
 * our write, instead of one of the two writes being lost. Other clients have no such lock.
 */
function clientLockDir(loc: ConfigLocation): string | undefined {
  return loc.client === "claude-code" && loc.scope !== "project" ? `${loc.path}.lock` : undefined;
}

/** proper-lockfile's default is 10 s; a lock this old is surely abandoned (a crashed Claude Code). */
const CLIENT_LOCK_STALE_MS = 15_000;

/** Client lock directories this process holds now (an edit reads its file while holding one). */
const heldClientLocks = new Set<string>();

/** One try at a client's lock: taken, held by another (fresh), or removed as stale (try again). */
function tryClientLock(dir: string): "taken" | "held" | "stale" {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return "taken";
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
  }
  let age: number;
  try {
    age = Date.now() - statSync(dir).mtimeMs;
  } catch {
    return "stale"; // gone meanwhile: try again at once
  }
  if (age <= CLIENT_LOCK_STALE_MS) return "held";
  try {
    rmdirSync(dir); // as proper-lockfile itself removes a stale lock
  } catch {
    // taken over by someone else, or not ours to remove: the next try tells
  }
  return "stale";
}

function releaseClientLock(dir: string): void {
  heldClientLocks.delete(dir);
  try {
    rmdirSync(dir);
  } catch {
    // already gone (judged stale by someone else): nothing to release
  }
}

/**
 * Read Claude Code's file holding its lock, when that can be had within 2 s (its saves take
 * milliseconds): it may rewrite the file in place (measured: a first `claude mcp add-json` kept
 * the inode), and a read in the middle sees it empty or cut short (a `remove` would find nothing
 * to remove). A lock held longer, or a directory where none can be made, and the file is read as
 * it is; an edit reads it again under the lock.
 */
export function readingLocked<T>(loc: ConfigLocation, fn: () => T): T {
  const dir = clientLockDir(loc);
  if (dir === undefined || heldClientLocks.has(dir)) return fn();
  const deadline = Date.now() + READ_LOCK_WAIT_MS;
  for (;;) {
    let state: "taken" | "held" | "stale";
    try {
      state = tryClientLock(dir);
    } catch {
      return fn(); // no lock can be made here (a read-only directory): nobody else can write either
    }
    if (state === "taken") break;
    if (state === "held") {
      if (Date.now() >= deadline) return fn();
      sleepSync(LOCK_POLL_MS);
    }
  }
  heldClientLocks.add(dir);
  try {
    return fn();
  } finally {
    releaseClientLock(dir);
  }
}

async function withClientLock<T>(loc: ConfigLocation, fn: () => Promise<T> | T, interruptible: boolean): Promise<T> {
  const dir = clientLockDir(loc);
  if (dir === undefined || heldClientLocks.has(dir)) return await fn();
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    let state: "taken" | "held" | "stale";
    try {
      state = tryClientLock(dir);
    } catch (error) {
      throw configError(loc.path, `cannot create Claude Code's lock ${dir}: ${describeFsError(error)}`);
    }
    if (state === "taken") break;
    if (state === "stale") continue;
    checkInterrupted(interruptible, loc.path, "Claude Code to finish saving it");
    if (Date.now() >= deadline) {
      throw configError(
        loc.path,
        `Claude Code has been saving it for over ${LOCK_WAIT_MS / 1000} s (its lock ${dir} is held)`,
        `try again; if no Claude Code is running, delete ${dir}`,
      );
    }
    await Bun.sleep(LOCK_POLL_MS);
  }
  heldClientLocks.add(dir);
  try {
    return await fn();
  } finally {
    releaseClientLock(dir);
  }
}
