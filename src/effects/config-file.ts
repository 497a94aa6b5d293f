/**
 * Reading and writing client config files safely: a cross-process lock so concurrent mcp-op
 * runs lose nothing, a check that nobody else changed the file since it was read, a timestamped
 * backup before the first change, and an atomic replace (temp file, fsync, rename) that keeps
 * the file's mode, owner and symlink. Read-only files and directories are refused untouched.
 */
import { createHash } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
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
import { type EditResult, unifiedDiff } from "../core/config-edit.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { describeFsError, errorCode, writeAll } from "./files.ts";
import { lockHolder, tryLockFile, unlockFile } from "./lockfile.ts";

export interface Loaded {
  loc: ConfigLocation;
  text: string;
  exists: boolean;
  /** Permission bits of the file (0o600 for a file still to be created). */
  mode: number;
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

function configError(path: string, message: string, hint?: string): McpOpError {
  return new McpOpError(EXIT.CONFIG, `${path}: ${message}`, hint);
}

/** The file's text; a missing file (or missing directory) reads as "" with exists=false. */
export function load(loc: ConfigLocation): Loaded {
  const path = loc.path;
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return { loc, text: "", exists: false, mode: NEW_FILE_MODE };
    throw configError(path, describeFsError(error));
  }
  if (stat.isDirectory()) throw configError(path, "is a directory, not a config file", "move it aside");
  if (!stat.isFile()) throw configError(path, "is not a regular file");
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
  return { loc, text, exists: true, mode: stat.mode & 0o7777 };
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

/**
 * Replace the file with `newText` atomically. Refuses (78, nothing written) a read-only file or
 * directory and a file that changed since it was loaded; backs up the old contents first.
 */
export function save(loaded: Loaded, newText: string, opts: { backupDir?: string }): Saved {
  const path = loaded.loc.path;
  const target = targetOf(path);
  const dir = dirname(target);

  // Compare-and-swap: another program (a client rewriting its settings) may have written since.
  let current: Buffer | undefined;
  try {
    current = readFileSync(target);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw configError(path, `cannot read it: ${describeFsError(error)}`);
  }
  const now = current === undefined ? undefined : new TextDecoder("utf-8", { ignoreBOM: true }).decode(current);
  if ((current !== undefined) !== loaded.exists || (now !== undefined && now !== loaded.text)) {
    throw new ChangedMeanwhile(
      EXIT.CONFIG,
      `${path}: changed by another program while mcp-op was editing it; nothing was written`,
      "run the command again",
    );
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

  const temp = join(dir, `.${basename(target)}.mcp-op-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    const fd = openSync(temp, "wx", mode);
    try {
      fchmodSync(fd, mode); // the umask may have narrowed it
      if (stat && process.platform !== "win32" && process.getuid?.() === 0 && stat.uid !== 0) {
        fchownSync(fd, stat.uid, stat.gid); // root editing a user's file must not take it over
      }
      writeAll(fd, new TextEncoder().encode(newText));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameWithRetry(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
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
 * directory if needed (the lock lives next to the file).
 */
export async function withLock<T>(loc: ConfigLocation, fn: () => Promise<T> | T): Promise<T> {
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
    await acquire(loc.path, lockPath);
    try {
      return await fn();
    } finally {
      unlockFile(lockPath);
    }
  } finally {
    release();
    if (heldHere.get(lockPath) === chained) heldHere.delete(lockPath);
  }
}

async function acquire(path: string, lockPath: string): Promise<void> {
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

export interface Edited {
  /** True when the file changed (with dryRun: would change). */
  changed: boolean;
  /** Unified diff of the change ("" when none). */
  diff: string;
  backup?: string;
  createdDirs?: string[];
  /** The file as the edit found it and the text it wrote (not with dryRun): what `revert` needs. */
  before?: Loaded;
  after?: string;
}

/**
 * Apply `change` to the file: under the lock, re-read, change, save (unless dryRun or no
 * change). `change` must be pure: it may run more than once (it is retried when another program
 * writes the file in between). With dryRun nothing is created, locked or written.
 */
export async function edit(
  loc: ConfigLocation,
  change: (text: string) => EditResult,
  opts: { dryRun: boolean; backupDir?: string },
): Promise<Edited> {
  const first = load(loc);
  const preview = change(first.text);
  if (!preview.changed) return { changed: false, diff: "" };
  if (opts.dryRun) return { changed: true, diff: unifiedDiff(loc.path, first.text, preview.text) };
  preflight(loc);
  const createdDirs = ensureDir(loc.path, dirname(targetOf(loc.path)));
  const result = await withLock(loc, (): Edited => {
    for (let attempt = 1; ; attempt++) {
      const loaded = load(loc);
      const next = change(loaded.text);
      if (!next.changed) return { changed: false, diff: "" } satisfies Edited;
      try {
        const saved = save(loaded, next.text, opts);
        const out: Edited = {
          changed: true,
          diff: unifiedDiff(loc.path, loaded.text, next.text),
          before: loaded,
          after: next.text,
        };
        if (saved.backup !== undefined) out.backup = saved.backup;
        return out;
      } catch (error) {
        if (!(error instanceof ChangedMeanwhile) || attempt >= 3) throw error;
      }
    }
  }).catch((error: unknown) => {
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
  return takeBack(loc, ours, { loc, text: before, exists: true, mode: NEW_FILE_MODE }, change, opts);
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
      const now = load(loc);
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
        save(now, next.text, opts);
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
