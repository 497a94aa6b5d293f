/**
 * Reading and writing client config files safely: a check that nobody else changed the file
 * since it was read, a timestamped backup before the first change, and an edit that is read,
 * decided and written under the locks of config-lock.ts, replaced atomically by atomic-write.ts
 * (mode, owner and symlink kept). Read-only files and directories are refused untouched
 * (config-access.ts).
 */
import { createHash } from "node:crypto";
import {
  type BigIntStats,
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ConfigLocation } from "../core/clients.ts";
import type { Edit, EditResult } from "../core/config-edit.ts";
import { unifiedDiff } from "../core/diff.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { linkTarget, NEW_FILE_MODE, writeFileAtomic } from "./atomic-write.ts";
import { assertWritable, configError, ensureDir, nearestExisting, removeEmptyDirs } from "./config-access.ts";
import { readingLocked, withLock } from "./config-lock.ts";
import { describeFsError, errorCode, writeAll } from "./files.ts";

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

/** Check before any change that `save` would not refuse the file or its directory. */
export function preflight(loc: ConfigLocation): void {
  const target = linkTarget(loc.path);
  assertWritable(loc.path, target, false);
  const dir = nearestExisting(dirname(target));
  if (dir !== undefined) assertWritable(loc.path, dir, true);
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
  const target = linkTarget(path);
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
  const backup = current !== undefined ? writeBackup(path, current, opts.backupDir) : undefined;
  current = undefined; // 67 MB that need not stay while the new file is written

  // With edits, the new text goes out in pieces: the unchanged parts of the old text and the edits.
  function* pieces(edits: readonly Edit[]): Generator<string> {
    let at = 0;
    for (const e of [...edits].sort((x, y) => x.offset - y.offset)) {
      yield loaded.text.slice(at, e.offset);
      yield e.content;
      at = e.offset + e.length;
    }
    yield loaded.text.slice(at);
  }
  try {
    writeFileAtomic(target, opts.edits !== undefined ? pieces(opts.edits) : newText, {
      // The last check, as close to the rename as it gets: the file is still the version compared.
      beforeRename: () => {
        saveHooks.beforeLastCheck?.(target);
        if (statVersion(target) !== version) throw changedMeanwhile(path);
      },
    });
  } catch (error) {
    if (error instanceof McpOpError) throw error;
    const code = errorCode(error);
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      throw configError(path, `cannot write it (${describeFsError(error)}); nothing was changed`);
    }
    throw configError(path, `cannot write it: ${describeFsError(error)}; nothing was changed`);
  }
  const saved: Saved = {};
  if (backup !== undefined) saved.backup = backup;
  if (createdDirs.length > 0) saved.createdDirs = createdDirs;
  return saved;
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
  const createdDirs = ensureDir(loc.path, dirname(linkTarget(loc.path)));
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
          else unlinkSync(linkTarget(loc.path));
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

/** A config file `deleteConfig` deleted: its bytes and mode, to put it back as it was. */
export interface Deleted {
  bytes: Buffer;
  mode: number;
  backup: string;
}

/**
 * Delete the config file while `ours(text)` holds (remove's Continue block file holding only the
 * server removed), under the lock, after a backup. Undefined when it no longer holds (or is gone).
 */
export async function deleteConfig(
  loc: ConfigLocation,
  ours: (text: string) => boolean,
  opts: { backupDir?: string },
): Promise<Deleted | undefined> {
  preflight(loc);
  return withLock(
    loc,
    () => {
      const loaded = load(loc, { fresh: true });
      if (!loaded.exists || !ours(loaded.text)) return undefined;
      // load accepts only valid UTF-8 (BOM kept), which encodes back byte for byte: no second read.
      const bytes = Buffer.from(loaded.text, "utf8");
      const backup = writeBackup(loc.path, bytes, opts.backupDir);
      try {
        unlinkSync(linkTarget(loc.path));
      } catch (error) {
        throw configError(loc.path, `cannot delete it: ${describeFsError(error)}; nothing was changed`);
      }
      return { bytes, mode: loaded.mode, backup };
    },
    { interruptible: true },
  );
}

/** Put a file `deleteConfig` deleted back, byte for byte and with its mode; one created meanwhile is left alone. */
export async function restoreDeleted(loc: ConfigLocation, deleted: Deleted): Promise<void> {
  await withLock(loc, () => {
    const target = linkTarget(loc.path);
    let fd: number;
    try {
      fd = openSync(target, "wx", deleted.mode);
    } catch (error) {
      if (errorCode(error) === "EEXIST") throw configError(loc.path, "was created again meanwhile; not replaced");
      throw configError(loc.path, `cannot write it: ${describeFsError(error)}`);
    }
    try {
      writeAll(fd, deleted.bytes);
      fchmodSync(fd, deleted.mode); // the umask narrowed the mode openSync gave
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}
