/**
 * Whether mcp-op may write a client config, and the directories it needs: a read-only file or
 * directory is refused untouched (mcp-op leaves read-only configs alone), missing directories are
 * made and, when the edit does not happen, removed again.
 */
import { accessSync, constants, mkdirSync, rmdirSync, type Stats, statSync } from "node:fs";
import { dirname } from "node:path";
import { EXIT, McpOpError } from "../errors.ts";
import { describeFsError, errorCode } from "./files.ts";

/** 78 naming the config: `<path>: <message>`. */
export function configError(path: string, message: string, hint?: string): McpOpError {
  return new McpOpError(EXIT.CONFIG, `${path}: ${message}`, hint);
}

function hasWriteBit(mode: number): boolean {
  return (mode & 0o222) !== 0;
}

/** Refuse a read-only file or directory. Root passes access(2) checks, so its mode bits decide. */
export function assertWritable(displayPath: string, path: string, isDir: boolean): void {
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

export function nearestExisting(dir: string): string | undefined {
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
export function ensureDir(path: string, dir: string): string[] {
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

/** Directories made for a file, innermost first, while empty: anything put there since stays. */
export function removeEmptyDirs(dirs: readonly string[] | undefined): void {
  for (const dir of [...(dirs ?? [])].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      break;
    }
  }
}
