/**
 * Reading and writing client config files safely: a cross-process lock so concurrent mcp-op
 * runs lose nothing, a check that nobody else changed the file since it was read, a timestamped
 * backup before the first change, and an atomic replace (temp file, fsync, rename) that keeps
 * the file's mode, owner and symlink. Read-only files and directories are refused untouched.
 */
import { createHash } from "node:crypto";
import {
  accessSync,
  type BigIntStats,
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  type Stats,
  statSync,
  unlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ConfigLocation } from "../core/clients.ts";
import type { Edit, EditResult } from "../core/config-edit.ts";
import { unifiedDiff } from "../core/diff.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { describeFsError, errorCode, writeAll } from "./files.ts";
import { lockHolder, tryLockFile, unlockFile } from "./lockfile.ts";
import { currentHold } from "./signals.ts";

export interface Loaded {
  loc: ConfigLocation;
  text: string;
  exists: boolean;
  /** Permission bits of the file (0o600 for a file still to be created). */
  mode: number;
  /** The file's version on disk when read (see versionOf): unchanged means no need to read it again. */
  version: string;
}

export interface Saved {
  /** The backup of the previous contents, when the file existed. */
  backup?: string;
  /** Directories created for the file, outermost first (e.g. ~/.cursor for a first Cursor server). */
  createdDirs?: string[];
}

const NEW_FILE_MODE = 0o600;
const LOCK_POLL_MS = 20;
const LOCK_WAIT_MS = 10_000;
/** How long a read waits for Claude Code's lock before reading the file as it is. */
const READ_LOCK_WAIT_MS = 2_000;

function configError(path: string, message: string, hint?: string): McpOpError {
  return new McpOpError(EXIT.CONFIG, `${path}: ${message}`, hint);
}

/**
 * The last big file read, kept while it is the same version on disk: a command reads a config
 * more than once (`add` checks it, then edits it), and each read of a 67 MB ~/.claude.json is a
 * new 135 MB string (JavaScript strings of non-ASCII text are 16-bit).
 */
let lastBig: Loaded | undefined;
const BIG_FILE = 1 << 20;

/**
 * The file's text; a missing file (or missing directory) reads as "" with exists=false. A big
 * file unchanged on disk (same inode, size and times) since the last read is not read again,
 * unless `fresh` (a retry after `save` found other bytes than it expected).
 */
export function load(loc: ConfigLocation, opts: { fresh?: boolean } = {}): Loaded {
  const path = loc.path;
  const stat = statOf(path);
  if (stat === undefined) return missing(loc);
  if (!opts.fresh && lastBig?.loc.path === path && lastBig.version === versionOf(stat)) return { ...lastBig, loc };
  return readingLocked(loc, () => read(loc));
}

function missing(loc: ConfigLocation): Loaded {
  return { loc, text: "", exists: false, mode: NEW_FILE_MODE, version: versionOf(undefined) };
}

/** The file's stat; undefined when it (or its directory) is missing; 78 when it is no regular file. */
function statOf(path: string): BigIntStats | undefined {
  let stat: BigIntStats;
  try {
    stat = statSync(path, { bigint: true });
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw configError(path, describeFsError(error));
  }
  if (stat.isDirectory()) throw configError(path, "is a directory, not a config file", "move it aside");
  if (!stat.isFile()) throw configError(path, "is not a regular file");
  return stat;
}

function read(loc: ConfigLocation): Loaded {
  const path = loc.path;
  const stat = statOf(path);
  if (stat === undefined) return missing(loc);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw configError(path, `cannot read it: ${describeFsError(error)}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw configError(path, "not valid UTF-8", "fix the file by hand; mcp-op does not rewrite a file it cannot read");
  }
  // The version is the one before reading: a write in between makes it older, never newer, so
  // at worst the file is read once more.
  const loaded = {
    loc,
    text,
    exists: true,
    mode: Number(stat.mode) & 0o7777,
    version: versionOf(stat),
  };
  lastBig = bytes.length >= BIG_FILE ? loaded : undefined;
  return loaded;
}

/**
 * Whether `bytes` are `text` encoded, compared through one small buffer: no second 67 MB copy
 * (as bytes or a decoded string) and no hash of every load (a file read only to list it).
 * Exact, since `load` accepts only valid UTF-8, which decodes and encodes back byte for byte.
 */
function holds(bytes: Uint8Array, text: string): boolean {
  const buffer = new Uint8Array(3 << 20);
  const encoder = new TextEncoder();
  const chunk = Math.floor(buffer.length / 3);
  let at = 0;
  for (let i = 0; i < text.length; ) {
    let end = Math.min(i + chunk, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    const { written } = encoder.encodeInto(text.slice(i, end), buffer);
    if (
      at + written > bytes.length ||
      Buffer.compare(buffer.subarray(0, written), bytes.subarray(at, at + written)) !== 0
    ) {
      return false;
    }
    at += written;
    i = end;
  }
  return at === bytes.length;
}

/** Where the bytes really go: the target of a symlinked config (dotfile managers) so the link survives. */
function targetOf(path: string): string {
  try {
    if (lstatSync(path).isSymbolicLink()) return realpathSync(path);
  } catch {
    // missing or dangling: write the path itself
  }
  return path;
}

function hasWriteBit(mode: number): boolean {
  return (mode & 0o222) !== 0;
}

/** Refuse a read-only file or directory. Root passes access(2) checks, so its mode bits decide. */
function assertWritable(displayPath: string, path: string, isDir: boolean): void {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    return; // missing: nothing to refuse
  }
  let writable = hasWriteBit(stat.mode);
  if (writable && process.platform !== "win32" && process.getuid?.() !== 0) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      writable = false;
    }
  }
  if (!writable) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
    const what = isDir ? `its directory ${path} is read-only` : "is read-only";
    throw configError(
      displayPath,
      `${what} (mode ${mode}); mcp-op leaves read-only configs alone`,
      `make it writable (chmod u+w ${path}) or edit it by hand`,
    );
  }
}

/** Check before any change that `save` would not refuse the file or its directory. */
export function preflight(loc: ConfigLocation): void {
  const target = targetOf(loc.path);
  assertWritable(loc.path, target, false);
  const dir = nearestExisting(dirname(target));
  if (dir !== undefined) assertWritable(loc.path, dir, true);
}

function nearestExisting(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (statSync(d).isDirectory()) return d;
      return undefined;
    } catch {
      if (dirname(d) === d) return undefined;
    }
  }
}

/**
 * Make `dir` a private directory of this user: every directory from `top` down to `dir` is
 * created with mode 0700 when missing, and must be a real directory (never a symbolic link: a
 * link to another user's directory would put backups, plaintext tokens and all, where that
 * user reads them), owned by this user, left at 0700. What is above `top` (the state directory,
 * which dotfile managers may link) is only created when missing.
 * 73 when a file stands in the way (e.g. $XDG_STATE_HOME is a file), 77 for a link or a
 * directory of another user; each names the path.
 */
export function privateDir(dir: string, top: string): void {
  const parent = dirname(top);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (error) {
    throw cannotCreate(dir, parent, error);
  }
  const chain: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    chain.unshift(d);
    if (d === top || dirname(d) === d) break;
  }
  for (const d of chain) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw cannotCreate(dir, d, error);
    }
    let stat: Stats;
    try {
      stat = lstatSync(d);
    } catch (error) {
      throw cannotCreate(dir, d, error);
    }
    if (stat.isSymbolicLink()) {
      let target = "";
      try {
        target = ` (to ${realpathSync(d)})`;
      } catch {
        // dangling
      }
      throw new McpOpError(
        EXIT.NOPERM,
        `${d} is a symbolic link${target}: backups hold plaintext tokens and are kept only in a private directory of yours, never through a link`,
        `remove the link; mcp-op creates ${d} itself (mode 0700)`,
      );
    }
    if (!stat.isDirectory()) throw cannotCreate(dir, d, undefined);
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) {
      throw new McpOpError(
        EXIT.NOPERM,
        `${d} belongs to another user (uid ${stat.uid}): backups hold plaintext tokens and are kept only in a private directory of yours`,
        `remove it, or point XDG_STATE_HOME to a directory of yours`,
      );
    }
    if (process.platform !== "win32" && (stat.mode & 0o777) !== 0o700) {
      try {
        chmodSync(d, 0o700);
      } catch (error) {
        throw cannotCreate(dir, d, error);
      }
    }
  }
}

/** 73 naming the directory: "is not a directory" when a file stands where one should be. */
function cannotCreate(dir: string, at: string, error: unknown): McpOpError {
  const code = error === undefined ? "ENOTDIR" : errorCode(error);
  const why =
    code === "ENOTDIR" || code === "EEXIST"
      ? `${at} (or a directory above it) is not a directory`
      : `${at}: ${describeFsError(error)}`;
  return new McpOpError(EXIT.CANTCREAT, `cannot create the private directory ${dir}: ${why}`);
}

/** mkdir -p; returns the directories it created, outermost first. */
function ensureDir(path: string, dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (!statSync(d).isDirectory()) throw configError(path, `${d} is not a directory`);
      break;
    } catch (error) {
      if (error instanceof McpOpError) throw error;
      if (errorCode(error) !== "ENOENT") throw configError(path, `cannot use ${d}: ${describeFsError(error)}`);
      missing.unshift(d);
      if (dirname(d) === d) break;
    }
  }
  if (missing.length > 0) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw configError(path, `cannot create ${dir}: ${describeFsError(error)}`);
    }
  }
  return missing;
}

/** `YYYYMMDDTHHMMSSZ` (UTC). */
function stamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;
}

/**
 * A backup of `bytes` (mode 0600: configs hold tokens) next to `path` (the link, for a symlinked
 * config: not inside a dotfiles repository); an existing one from the same second is kept.
 */
function writeBackup(path: string, bytes: Uint8Array, backupDir: string | undefined): string {
  const dir = backupDir ?? dirname(path);
  const backup = join(dir, `${basename(path)}.mcp-op-backup-${stamp(new Date())}`);
  ensureDir(path, dir);
  let fd: number;
  try {
    fd = openSync(backup, "wx", 0o600);
  } catch (error) {
    if (errorCode(error) === "EEXIST") return backup; // this second's backup already holds the older state
    throw configError(path, `cannot write the backup ${backup}: ${describeFsError(error)}; nothing was changed`);
  }
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(backup);
    throw configError(path, `cannot write the backup ${backup}: ${describeFsError(error)}; nothing was changed`);
  }
  closeSync(fd);
  return backup;
}

/** Raised when the file changed between `load` and `save`; `edit` reloads and tries again. */
class ChangedMeanwhile extends McpOpError {}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Test seam: runs just before the last check that nobody wrote the file (a writer "racing" us there). */
export const saveHooks: { beforeLastCheck?: (path: string) => void } = {};

/** What identifies one version of a file on disk: inode, size, change and modification times (ns). */
function versionOf(stat: BigIntStats | undefined): string {
  return stat === undefined ? "missing" : `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

function statVersion(path: string): string {
  try {
    return versionOf(statSync(path, { bigint: true }));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return versionOf(undefined);
    throw error;
  }
}

const changedMeanwhile = (path: string) =>
  new ChangedMeanwhile(
    EXIT.CONFIG,
    `${path}: changed by another program while mcp-op was editing it; nothing was written`,
    "run the command again",
  );

/**
 * Write `text` through one reused buffer, ~1M characters at a time (never splitting a surrogate
 * pair): a 67 MB text encoded at once would be one more 67 MB copy, and in fresh chunks as much
 * garbage.
 */
function writeText(fd: number, text: string, buffer: Uint8Array): void {
  const encoder = new TextEncoder();
  const chunk = Math.floor(buffer.length / 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
  for (let i = 0; i < text.length; ) {
    let end = Math.min(i + chunk, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    const { written } = encoder.encodeInto(text.slice(i, end), buffer);
    writeAll(fd, buffer.subarray(0, written));
    i = end;
  }
}

/**
 * Replace the file with `newText` atomically. Refuses (78, nothing written) a read-only file or
 * directory and a file that changed since it was loaded; backs up the old contents first. With
 * `edits` (the change as edits of `loaded.text`), the new file is written from the unchanged
 * parts of the old text and the edits, never holding the whole new text.
 *
 * Another program may write the file meanwhile (a client saving its settings). Its content is
 * compared with what was loaded when the backup is made, and right before the rename
 * its inode, size and times are checked against the version compared: what another program
 * wrote before that last check is never lost (`edit` reads it and tries again). What it writes
 * in the microseconds between the last check and the rename is replaced: only a lock both
 * programs take closes that (`withLock`: other mcp-op runs; Claude Code's own lock for
 * ~/.claude.json).
 */
export function save(loaded: Loaded, newText: string, opts: { backupDir?: string; edits?: readonly Edit[] }): Saved {
  const path = loaded.loc.path;
  const target = targetOf(path);
  const dir = dirname(target);

  // Compare-and-swap: another program (a client rewriting its settings) may have written since.
  let current: Buffer | undefined;
  let version = versionOf(undefined);
  try {
    const fd = openSync(target, "r");
    try {
      version = versionOf(fstatSync(fd, { bigint: true }));
      current = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw configError(path, `cannot read it: ${describeFsError(error)}`);
  }
  if ((current !== undefined) !== loaded.exists || (current !== undefined && !holds(current, loaded.text))) {
    throw changedMeanwhile(path);
  }

  assertWritable(path, target, false);
  const ancestor = nearestExisting(dir);
  if (ancestor !== undefined) assertWritable(path, ancestor, true);
  const createdDirs = ensureDir(path, dir);
  let stat: Stats | undefined;
  try {
    stat = statSync(target);
  } catch {
    stat = undefined;
  }
  const mode = stat ? stat.mode & 0o7777 : NEW_FILE_MODE;

  const backup = current !== undefined ? writeBackup(path, current, opts.backupDir) : undefined;
  current = undefined; // 67 MB that need not stay while the new file is written

  const temp = join(dir, `.${basename(target)}.mcp-op-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    const fd = openSync(temp, "wx", mode);
    try {
      fchmodSync(fd, mode); // the umask may have narrowed it
      if (stat && process.platform !== "win32" && process.getuid?.() === 0 && stat.uid !== 0) {
        fchownSync(fd, stat.uid, stat.gid); // root editing a user's file must not take it over
      }
      const buffer = new Uint8Array(3 << 20);
      if (opts.edits !== undefined) {
        let at = 0;
        for (const e of [...opts.edits].sort((x, y) => x.offset - y.offset)) {
          writeText(fd, loaded.text.slice(at, e.offset), buffer);
          writeText(fd, e.content, buffer);
          at = e.offset + e.length;
        }
        writeText(fd, loaded.text.slice(at), buffer);
      } else writeText(fd, newText, buffer);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // The last check, as close to the rename as it gets: the file is still the version compared.
    saveHooks.beforeLastCheck?.(target);
    if (statVersion(target) !== version) throw changedMeanwhile(path);
    renameWithRetry(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    if (error instanceof McpOpError) throw error;
    const code = errorCode(error);
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      throw configError(path, `cannot write it (${describeFsError(error)}); nothing was changed`);
    }
    throw configError(path, `cannot write it: ${describeFsError(error)}; nothing was changed`);
  }
  if (process.platform !== "win32") {
    try {
      const dfd = openSync(dir, "r");
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // best effort: the rename itself is atomic
    }
  }
  const saved: Saved = {};
  if (backup !== undefined) saved.backup = backup;
  if (createdDirs.length > 0) saved.createdDirs = createdDirs;
  return saved;
}

/** Windows refuses to replace a file another process holds open (an editor, a virus scanner) for a moment. */
function renameWithRetry(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(from, to);
      return;
    } catch (error) {
      const code = errorCode(error);
      if (
        process.platform !== "win32" ||
        attempt >= 10 ||
        (code !== "EPERM" && code !== "EBUSY" && code !== "EACCES")
      ) {
        throw error;
      }
      sleepSync(50);
    }
  }
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
function readingLocked(loc: ConfigLocation, fn: () => Loaded): Loaded {
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

export interface Edited {
  /** True when the file changed (with dryRun: would change). */
  changed: boolean;
  /** With dryRun: the unified diff of the change ("" when none). */
  diff: string;
  backup?: string;
  createdDirs?: string[];
  /** The file as the edit found it and the text it wrote (not with dryRun): what `revert` needs. */
  before?: Loaded;
  after?: string;
}

/**
 * Apply `change` to the file: under the lock, read, change, save (unless dryRun or no change).
 * `change` must be pure: it may run more than once (it is retried when another program writes
 * the file in between). With dryRun nothing is created, locked or written. The wait for the
 * lock ends on a held stop signal (128 + n).
 */
export async function edit(
  loc: ConfigLocation,
  change: (text: string) => EditResult,
  opts: { dryRun: boolean; backupDir?: string },
): Promise<Edited> {
  if (opts.dryRun) {
    const loaded = load(loc);
    const next = change(loaded.text);
    return next.changed
      ? { changed: true, diff: unifiedDiff(loc.path, loaded.text, next.text, next.edits) }
      : { changed: false, diff: "" };
  }
  preflight(loc);
  const createdDirs = ensureDir(loc.path, dirname(targetOf(loc.path)));
  // Read, decided and written under the lock: outside it, a file another program rewrites in
  // place can read empty, and "nothing to change" would be a lost edit. A 67 MB file read just
  // before (and unchanged on disk) is not read again.
  const result = await withLock(
    loc,
    (): Edited => {
      for (let attempt = 1; ; attempt++) {
        const loaded = load(loc, { fresh: attempt > 1 });
        const next = change(loaded.text);
        if (!next.changed) return { changed: false, diff: "" } satisfies Edited;
        try {
          const saved = save(loaded, next.text, {
            ...(opts.backupDir !== undefined ? { backupDir: opts.backupDir } : {}),
            ...(next.edits !== undefined ? { edits: next.edits } : {}),
          });
          const out: Edited = { changed: true, diff: "", before: loaded, after: next.text };
          if (saved.backup !== undefined) out.backup = saved.backup;
          return out;
        } catch (error) {
          if (!(error instanceof ChangedMeanwhile) || attempt >= 3) throw error;
        }
      }
    },
    { interruptible: true },
  ).catch((error: unknown) => {
    removeEmptyDirs(createdDirs);
    throw error;
  });
  if (!result.changed) removeEmptyDirs(createdDirs);
  return result.changed && createdDirs.length > 0 ? { ...result, createdDirs } : result;
}

/**
 * Take an edit back. When the file is still exactly what the edit wrote, its bytes from before
 * return (a file the edit created is removed, with the directories made for it); when another
 * program wrote since, `change` (e.g. `restoreServer`, which refuses an entry changed meanwhile)
 * applies to what is there now. A config deleted meanwhile is not recreated.
 */
export async function revert(
  loc: ConfigLocation,
  edited: Edited,
  change: (text: string) => EditResult,
  opts: { backupDir?: string },
): Promise<void> {
  const { before, after } = edited;
  if (!edited.changed || before === undefined || after === undefined) return;
  await takeBack(loc, (text) => text === after, before, change, opts);
  removeEmptyDirs(edited.createdDirs);
}

/** sha256 of a config's text: how `restoreFile` recognizes the text it wrote, without keeping it. */
export function textDigest(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * `revert` for an edit made by an earlier run (`migrate --undo`), which kept only the digest of
 * what it wrote (`written`; undefined when another program also wrote meanwhile): the file gets
 * `before` back whole while it is still exactly that text, else `change` applies to what is
 * there now. Both go through `save`: mode, owner and symlink stay.
 */
export function restoreFile(
  loc: ConfigLocation,
  written: string | undefined,
  before: string,
  change: (text: string) => EditResult,
  opts: { backupDir?: string },
): Promise<"whole" | "changed" | "unchanged"> {
  const ours = (text: string) => written !== undefined && textDigest(text) === written;
  const restored: Loaded = { loc, text: before, exists: true, mode: NEW_FILE_MODE, version: "" };
  return takeBack(loc, ours, restored, change, opts);
}

/** Under the lock: `before` back while `ours(now)`, else `change(now)`; retried when the file changes meanwhile. */
async function takeBack(
  loc: ConfigLocation,
  ours: (text: string) => boolean,
  before: Loaded,
  change: (text: string) => EditResult,
  opts: { backupDir?: string },
): Promise<"whole" | "changed" | "unchanged"> {
  return withLock(loc, () => {
    for (let attempt = 1; ; attempt++) {
      const now = load(loc, { fresh: attempt > 1 });
      try {
        if (now.exists && ours(now.text)) {
          if (before.exists) save(now, before.text, opts);
          else unlinkSync(targetOf(loc.path));
          return "whole";
        }
        if (!now.exists) {
          if (before.exists) throw configError(loc.path, "was deleted meanwhile; not recreated");
          return "unchanged"; // created by the edit, and gone already
        }
        const next = change(now.text);
        if (!next.changed) return "unchanged";
        save(now, next.text, { ...opts, ...(next.edits !== undefined ? { edits: next.edits } : {}) });
        return "changed";
      } catch (error) {
        if (!(error instanceof ChangedMeanwhile) || attempt >= 3) throw error;
      }
    }
  });
}

/** Directories made for a file, innermost first, while empty: anything put there since stays. */
function removeEmptyDirs(dirs: readonly string[] | undefined): void {
  for (const dir of [...(dirs ?? [])].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      break;
    }
  }
}
