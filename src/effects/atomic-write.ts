/**
 * The one way mcp-op replaces a file: the new bytes go to a temporary file in the same
 * directory (a rename across file systems is no rename), which is flushed to disk (fsync) and
 * then renamed over the file, so a reader or a crash sees the old file or the new one, never
 * half of one. The file keeps its mode (unless the caller sets one) and, when root edits a
 * user's file, its owner; a symbolic link keeps pointing where it did (the bytes go to its
 * target: dotfile managers link configs into a repository).
 */
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  openSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { errorCode, writeAll } from "./files.ts";

/** The mode of a file created anew: mcp-op's files hold tokens or references to them. */
export const NEW_FILE_MODE = 0o600;

/** Where the bytes for `path` really go: the target of a symbolic link (dangling or missing: the path itself). */
export function linkTarget(path: string): string {
  try {
    if (lstatSync(path).isSymbolicLink()) return realpathSync(path);
  } catch {
    // missing or dangling: write the path itself
  }
  return path;
}

export interface AtomicWriteOptions {
  /** Permission bits of the new file; by default the replaced file's, else NEW_FILE_MODE. */
  mode?: number;
  /**
   * Runs once the new bytes are on disk, right before the rename: throwing cancels the write (the
   * temporary file is removed), e.g. when another program wrote the file meanwhile.
   */
  beforeRename?: () => void;
}

/**
 * Replace `path` (through a symbolic link: its target) with `content`; text is written as
 * UTF-8, and text given in pieces never becomes one string (a 67 MB ~/.claude.json edited in
 * place). Throws the file system's error as it is (the caller names the file); nothing is left
 * behind on failure. Returns the path written (the link's target for a link).
 */
export function writeFileAtomic(
  path: string,
  content: string | Uint8Array | Iterable<string>,
  opts: AtomicWriteOptions = {},
): string {
  const target = linkTarget(path);
  const dir = dirname(target);
  let stat: Stats | undefined;
  try {
    stat = statSync(target);
  } catch {
    stat = undefined;
  }
  const mode = opts.mode ?? (stat ? stat.mode & 0o7777 : NEW_FILE_MODE);
  const temp = join(dir, `.${basename(target)}.mcp-op-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    const fd = openSync(temp, "wx", mode);
    try {
      fchmodSync(fd, mode); // the umask may have narrowed it
      if (stat && process.platform !== "win32" && process.getuid?.() === 0 && stat.uid !== 0) {
        fchownSync(fd, stat.uid, stat.gid); // root editing a user's file must not take it over
      }
      if (content instanceof Uint8Array) writeAll(fd, content);
      else writeTexts(fd, typeof content === "string" ? [content] : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    opts.beforeRename?.();
    renameWithRetry(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw error;
  }
  syncDir(dir);
  return target;
}

/** The rename itself is atomic; syncing the directory makes it last through a power cut. */
function syncDir(dir: string): void {
  if (process.platform === "win32") return;
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

/**
 * Write text through one reused buffer, ~1M characters at a time (never splitting a surrogate
 * pair): a 67 MB text encoded at once would be one more 67 MB copy, and in fresh chunks as much
 * garbage.
 */
function writeTexts(fd: number, texts: Iterable<string>): void {
  const encoder = new TextEncoder();
  let buffer: Uint8Array | undefined;
  for (const text of texts) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; a small text needs no 3 MB buffer.
    if (buffer === undefined || buffer.length < Math.min(3 << 20, text.length * 3)) {
      buffer = new Uint8Array(Math.min(3 << 20, Math.max(3, text.length * 3)));
    }
    const chunk = Math.floor(buffer.length / 3);
    for (let i = 0; i < text.length; ) {
      let end = Math.min(i + chunk, text.length);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      const { written } = encoder.encodeInto(text.slice(i, end), buffer);
      writeAll(fd, buffer.subarray(0, written));
      i = end;
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
