/**
 * Reading env files: existence, ownership and permission checks (the way ssh treats its
 * config), then UTF-8 text. Throws McpOpError with the documented exit codes.
 */
import { lstatSync, readFileSync, realpathSync, statSync, writeSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { expandHome } from "../core/locate.ts";
import { EXIT, McpOpError } from "../errors.ts";

export interface EnvFileText {
  /** Absolute path handed to `op`. */
  path: string;
  /** The path as the user wrote it, for messages. */
  display: string;
  text: string;
}

/** A path as the user wrote it (`~` expanded, relative to cwd), and its stat; 66 when missing. */
function statUserPath(given: string, home: string | undefined, cwd: string, label: string) {
  const expanded = expandHome(given, home);
  const path = isAbsolute(expanded) ? expanded : resolve(cwd, expanded);
  try {
    return { path, stat: statSync(path) };
  } catch (error) {
    throw new McpOpError(EXIT.NOINPUT, `${label}${given}: ${describeFsError(error)}`);
  }
}

export function readEnvFile(given: string, home: string | undefined, cwd: string): EnvFileText {
  const { path, stat } = statUserPath(given, home, cwd, "");
  if (stat.isDirectory()) throw new McpOpError(EXIT.NOINPUT, `${given}: is a directory, not an env file`);
  // A FIFO or device would block, or read the client's JSON-RPC stream (/dev/stdin).
  if (!stat.isFile()) throw new McpOpError(EXIT.NOINPUT, `${given}: not a regular file`);
  if (process.platform !== "win32") {
    if ((stat.mode & 0o022) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
      throw new McpOpError(
        EXIT.NOPERM,
        `${given}: refusing an env file writable by group or others (mode ${mode}): anyone who can edit it controls the server`,
        `fix: chmod go-w ${given}`,
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid && stat.uid !== 0) {
      throw new McpOpError(
        EXIT.NOPERM,
        `${given}: refusing an env file owned by another user (uid ${stat.uid})`,
        `fix: chown ${uid} ${given}`,
      );
    }
    refuseOpenDirectory(given, dirname(path));
    // Through a symlink, the directory that holds the file itself counts too.
    if (lstatSync(path).isSymbolicLink()) refuseOpenDirectory(given, dirname(realpathSync(path)));
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new McpOpError(EXIT.NOINPUT, `${given}: ${describeFsError(error)}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new McpOpError(EXIT.DATAERR, `${given}: not valid UTF-8 (op reads env files as UTF-8 only)`);
  }
  return { path, display: given, text };
}

/**
 * Anyone may replace a file in a directory everyone can write to, unless it is sticky (as /tmp
 * is): the file's own mode would not protect it.
 */
function refuseOpenDirectory(given: string, dir: string): void {
  let mode: number;
  try {
    mode = statSync(dir).mode;
  } catch {
    return; // the file was just read through it: nothing better to say
  }
  if ((mode & 0o002) !== 0 && (mode & 0o1000) === 0) {
    throw new McpOpError(
      EXIT.NOPERM,
      `${given}: refusing an env file in a directory anyone can write to (${dir}, mode ${(mode & 0o7777).toString(8).padStart(4, "0")}): anyone could replace it`,
      `fix: chmod o-w ${dir}, or move the file`,
    );
  }
}

/** The `code` of a Node-style error (`ENOENT`, `EEXIST`...), if any. */
export const errorCode = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code;

/** Write all of `bytes` to `fd` (writeSync may write less than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
}

export function describeFsError(error: unknown): string {
  switch (errorCode(error)) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOTDIR":
      return "a parent of this path is not a directory";
    case "EISDIR":
      return "is a directory";
    case "ELOOP":
      return "too many symbolic links";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Names the token file when `--token-file` is not given (keeps the path out of client args). */
export const TOKEN_FILE_VAR = "MCP_OP_TOKEN_FILE";

/**
 * Read a service-account token from a file only its owner can read (mode 0600 or stricter).
 * The value goes to `op` only; messages never include it.
 */
export function readTokenFile(given: string, home: string | undefined, cwd: string): string {
  const { path, stat } = statUserPath(given, home, cwd, "token file ");
  if (!stat.isFile()) throw new McpOpError(EXIT.NOINPUT, `token file ${given}: not a regular file`);
  if (process.platform !== "win32") {
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
      throw new McpOpError(
        EXIT.NOPERM,
        `token file ${given}: readable or writable by others (mode ${mode}); it must be 0600`,
        `fix: chmod 600 ${given}`,
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) {
      throw new McpOpError(EXIT.NOPERM, `token file ${given}: owned by another user (uid ${stat.uid})`);
    }
  }
  let token: string;
  try {
    token = readFileSync(path, "utf8").trim();
  } catch (error) {
    throw new McpOpError(EXIT.NOINPUT, `token file ${given}: ${describeFsError(error)}`);
  }
  if (token === "") throw new McpOpError(EXIT.DATAERR, `token file ${given}: empty`);
  if (/\s/.test(token))
    throw new McpOpError(EXIT.DATAERR, `token file ${given}: holds more than one token (whitespace inside)`);
  return token;
}
