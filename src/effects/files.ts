/**
 * Reading env files and token files the way OpenSSH's StrictModes treats `~/.ssh/config` and
 * `authorized_keys` (`safe_path()` in openssh-portable misc.c): the file and every directory on
 * the way to it, symbolic links followed, must be owned by you or by root and not writable by
 * group or others. Unlike ssh, a sticky directory owned by root or by you (/tmp) is allowed:
 * there only a file's owner can rename or delete it. Then the text is read from the descriptor
 * that was checked. Throws McpOpError with the documented exit codes.
 *
 * Why every component: the file's own mode does not protect it from whoever can write a
 * directory above it, who can rename that directory away and put another tree in its place (a
 * swapped env file runs their code inside the server, with the secrets: NODE_OPTIONS=--require).
 */

import { expandHome } from "../core/search-path.ts";
import { EXIT, McpOpError } from "../errors.ts";
import {
  closeSync,
  constants,
  fstatSync,
  getuid,
  isAbsolute,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  resolve,
  type FileStats as Stats,
  statSync,
  writeSync,
} from "./sys.ts";

export interface EnvFileText {
  /** Absolute path, as given (`~` expanded, relative to cwd). */
  path: string;
  /** The path as the user wrote it, for messages. */
  display: string;
  text: string;
  /**
   * With `keepOpen`: the open descriptor the text was read from. `run` hands it to `op` as
   * /dev/fd/N, so that op reads this very file, whatever happens to the names around it.
   */
  fd?: number;
}

/** `headers`: a headers file of `mcp-op headers`/`proxy`, checked as an env file is. */
type Kind = "env" | "headers" | "token";

const ARTICLE: Record<Kind, string> = { env: "an env", headers: "a headers", token: "a token" };
/** What starts a message about the file: `token file sa.token: `, `gh.env: `. */
const label = (kind: Kind) => (kind === "token" ? "token file " : "");

/** How a message starts: `gh.env: refusing an env file ...`, `token file sa.token: ...`. */
const subject = (kind: Kind, given: string) => `${label(kind)}${given}: refusing ${ARTICLE[kind]} file`;

const mode4 = (mode: number) => (mode & 0o7777).toString(8).padStart(4, "0");

/**
 * Open a regular file the user named (`~` expanded, relative to cwd): 66 when it is missing,
 * a directory or not a regular file. O_NONBLOCK, so that a FIFO put in its place cannot block
 * the open; it changes nothing for reading a regular file.
 */
function openUserFile(given: string, home: string | undefined, cwd: string, kind: Kind) {
  const expanded = expandHome(given, home);
  const path = isAbsolute(expanded) ? expanded : resolve(cwd, expanded);
  let fd: number;
  try {
    // Named first, for the usual mistakes; the descriptor is what counts below.
    const named = statSync(path);
    if (named.isDirectory()) {
      throw new McpOpError(EXIT.NOINPUT, `${label(kind)}${given}: is a directory, not ${ARTICLE[kind]} file`);
    }
    const { O_RDONLY, O_NONBLOCK } = constants();
    fd = openSync(path, O_RDONLY | O_NONBLOCK);
  } catch (error) {
    if (error instanceof McpOpError) throw error;
    if (kind === "env" && errorCode(error) === "ENOENT" && !isAbsolute(expanded)) {
      // A shared project entry names its env file relative to the project (core/shared-config.ts):
      // say where it was looked for, and what a teammate does about it.
      throw new McpOpError(
        EXIT.NOINPUT,
        `${given}: no such file in ${cwd}, the directory the server was started in`,
        "fix: a project's entry finds its env file from the project's root: start the client there, with the file checked out (git pull), or write it with mcp-op add --scope project",
      );
    }
    throw new McpOpError(EXIT.NOINPUT, `${label(kind)}${given}: ${describeFsError(error)}`);
  }
  const stat = fstatSync(fd);
  // A FIFO or device would block, or read the client's JSON-RPC stream (/dev/stdin).
  if (!stat.isFile()) {
    closeSync(fd);
    throw new McpOpError(EXIT.NOINPUT, `${label(kind)}${given}: not a regular file`);
  }
  return { path, fd, stat };
}

const currentUid = () => (process.platform === "win32" ? undefined : getuid());

/**
 * What makes a directory on the way unsafe for `uid`, or undefined. Owner first: a directory of
 * another user is theirs to chmod, whatever its mode says now.
 */
function unsafeDirectory(dir: string, st: Stats, uid: number): { why: string; fix: string } | undefined {
  if (st.uid !== uid && st.uid !== 0) {
    return {
      why: `in a directory owned by another user (${dir}, uid ${st.uid}): that user could replace it`,
      fix: `move the file to a directory of yours, or (as root) chown ${uid} ${dir}`,
    };
  }
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) {
    const who = (st.mode & 0o002) !== 0 ? ["anyone", "anyone"] : ["its group", "its group's members"];
    return {
      why: `in a directory ${who[0]} can write to (${dir}, mode ${mode4(st.mode)}): ${who[1]} could replace it`,
      fix: `chmod go-w ${dir}, or move the file`,
    };
  }
  return undefined;
}

/** Symbolic links followed before giving up, as Linux does (ELOOP after 40). */
const MAX_LINKS = 40;

/**
 * Walk `path` from / as the kernel resolves it, checking each directory it passes through and
 * each symbolic link (a link owned by another user in a sticky directory is theirs to replace),
 * link targets included. Returns the stat of what the path leads to.
 */
function checkPathComponents(given: string, path: string, kind: Kind, uid: number): Stats {
  const refuse = (why: string, fix: string) =>
    new McpOpError(EXIT.NOPERM, `${subject(kind, given)} ${why}`, `fix: ${fix}`);
  const check = (dir: string, st: Stats) => {
    const problem = unsafeDirectory(dir, st, uid);
    if (problem) throw refuse(problem.why, problem.fix);
  };
  let current = "/";
  check(current, statSync(current));
  const pending: string[] = [];
  for (const part of path.split("/")) if (part !== "" && part !== ".") pending.push(part);
  let links = 0;
  for (;;) {
    const name = pending.shift();
    if (name === undefined) return statSync(current);
    if (name === ".") continue;
    if (name === "..") {
      // `current` holds no link, so its parent is the one already checked.
      current = current.slice(0, current.lastIndexOf("/")) || "/";
      continue;
    }
    const next = current === "/" ? `/${name}` : `${current}/${name}`;
    const st = lstatSync(next);
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new McpOpError(EXIT.NOINPUT, `${given}: too many symbolic links`);
      if (st.uid !== uid && st.uid !== 0) {
        throw refuse(
          `reached through a symbolic link owned by another user (${next}, uid ${st.uid}): that user could point it elsewhere`,
          `name the file itself, or replace ${next} with a link of your own`,
        );
      }
      const target = readlinkSync(next);
      if (target.startsWith("/")) current = "/";
      pending.unshift(...target.split("/").filter((p) => p !== ""));
      continue;
    }
    if (pending.length > 0) check(next, st);
    current = next;
  }
}

/**
 * Open, check and read a file: the checks look at the open descriptor and at the path's
 * directories, and the path must still lead to that descriptor's file (else it was swapped
 * while being checked). Closes the descriptor on any failure.
 */
function openChecked(
  given: string,
  home: string | undefined,
  cwd: string,
  kind: Kind,
  checkFile: (stat: Stats, uid: number) => void,
) {
  const { path, fd, stat } = openUserFile(given, home, cwd, kind);
  try {
    const uid = currentUid();
    if (uid !== undefined) {
      checkFile(stat, uid);
      let reached: Stats;
      try {
        reached = checkPathComponents(given, path, kind, uid);
      } catch (error) {
        if (error instanceof McpOpError) throw error;
        throw new McpOpError(EXIT.NOINPUT, `${label(kind)}${given}: ${describeFsError(error)}`);
      }
      if (reached.dev !== stat.dev || reached.ino !== stat.ino) {
        throw new McpOpError(EXIT.NOPERM, `${subject(kind, given)} that was replaced while mcp-op checked it`);
      }
    }
    return { path, fd, bytes: readAt(fd, stat.size) };
  } catch (error) {
    closeSync(fd);
    if (error instanceof McpOpError) throw error;
    throw new McpOpError(EXIT.NOINPUT, `${label(kind)}${given}: ${describeFsError(error)}`);
  }
}

/**
 * All bytes of an open file, with positional reads: the descriptor's offset stays at 0. On
 * macOS, opening /dev/fd/N duplicates descriptor N, sharing its offset: op must find it at the
 * start of the file.
 */
function readAt(fd: number, sizeHint: number): Uint8Array {
  // Uint8Array, not Buffer: Buffer's first use costs `run` ~0.25 ms of start-up (RESULTS.md);
  // biome-ignore lint/complexity/useMathMinMax: the first touch of `Math` costs `run` ~0.17 ms
  let buf = new Uint8Array((sizeHint > 0 ? sizeHint : 0) + 1);
  let length = 0;
  for (;;) {
    if (length === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = readSync(fd, buf, length, buf.length - length, length);
    if (n === 0) return buf.subarray(0, length);
    length += n;
  }
}

/**
 * Read an env file after checking it and every directory leading to it. With `keepOpen` (POSIX
 * only) the descriptor stays open and is returned, for `run` to hand to `op`.
 */
export function readEnvFile(
  given: string,
  home: string | undefined,
  cwd: string,
  options: { keepOpen?: boolean; kind?: "env" | "headers" } = {},
): EnvFileText {
  const kind = options.kind ?? "env";
  const { path, fd, bytes } = openChecked(given, home, cwd, kind, (stat, uid) => {
    if ((stat.mode & 0o022) !== 0) {
      throw new McpOpError(
        EXIT.NOPERM,
        `${subject(kind, given)} writable by group or others (mode ${mode4(stat.mode & 0o777)}): anyone who can edit it ${kind === "env" ? "controls the server" : "chooses which secrets are sent, and where"}`,
        `fix: chmod go-w ${given}`,
      );
    }
    if (stat.uid !== uid && stat.uid !== 0) {
      throw new McpOpError(
        EXIT.NOPERM,
        `${subject(kind, given)} owned by another user (uid ${stat.uid})`,
        `fix: chown ${uid} ${given}`,
      );
    }
  });
  const keep = options.keepOpen === true && process.platform !== "win32";
  if (!keep) closeSync(fd);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    if (keep) closeSync(fd);
    throw new McpOpError(
      EXIT.DATAERR,
      `${given}: not valid UTF-8 (${kind === "env" ? "op reads env files" : "mcp-op reads it"} as UTF-8 only)`,
    );
  }
  return keep ? { path, display: given, text, fd } : { path, display: given, text };
}

/**
 * Each env file read, in order, or the failure that kept it from being read: one bad file hides
 * no other (core/validate.ts validateEnvFiles turns both into problems).
 */
export function readEnvFiles(
  given: readonly string[],
  home: string | undefined,
  cwd: string,
  options: { keepOpen?: boolean; kind?: "env" | "headers" } = {},
): Array<EnvFileText | { display: string; failure: McpOpError }> {
  // A loop, not map: `run`'s fast path (src/cli.ts, asksHelp).
  const reads: Array<EnvFileText | { display: string; failure: McpOpError }> = [];
  for (const file of given) {
    try {
      reads.push(readEnvFile(file, home, cwd, options));
    } catch (error) {
      if (!(error instanceof McpOpError)) throw error;
      reads.push({ display: file, failure: error });
    }
  }
  return reads;
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
    case "ENXIO":
      return "not a regular file";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** A path as given on the command line (`~/` expanded), made absolute against `cwd`. */
export function absolutePath(given: string, home: string | undefined, cwd: string): string {
  return resolve(cwd, expandHome(given, home));
}

/** Names the token file when `--token-file` is not given (keeps the path out of client args). */
export const TOKEN_FILE_VAR = "MCP_OP_TOKEN_FILE";

/**
 * Read a service-account token from a file only its owner can read (mode 0600 or stricter), in
 * directories only its owner (or root) can write to. The value goes to `op` only; messages never
 * include it.
 */
export function readTokenFile(given: string, home: string | undefined, cwd: string): string {
  const { fd, bytes } = openChecked(given, home, cwd, "token", (stat, uid) => {
    if ((stat.mode & 0o077) !== 0) {
      throw new McpOpError(
        EXIT.NOPERM,
        `token file ${given}: readable or writable by others (mode ${mode4(stat.mode & 0o777)}); it must be 0600`,
        `fix: chmod 600 ${given}`,
      );
    }
    if (stat.uid !== uid) {
      throw new McpOpError(EXIT.NOPERM, `token file ${given}: owned by another user (uid ${stat.uid})`);
    }
  });
  closeSync(fd);
  const token = new TextDecoder().decode(bytes).trim();
  if (token === "") throw new McpOpError(EXIT.DATAERR, `token file ${given}: empty`);
  if (/\s/.test(token))
    throw new McpOpError(EXIT.DATAERR, `token file ${given}: holds more than one token (whitespace inside)`);
  return token;
}
