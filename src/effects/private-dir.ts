/**
 * mcp-op's private directories (backups hold plaintext tokens): created 0700, and refused when
 * a link, a file or another user's directory stands in the way.
 */
import { chmodSync, lstatSync, mkdirSync, realpathSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import { EXIT, McpOpError } from "../errors.ts";
import { describeFsError, errorCode } from "./files.ts";

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
