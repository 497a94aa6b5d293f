/**
 * The file-system calls made before `run` execs (stat, open, read, readlink, access, write to
 * stderr) and the path helpers they need, with node:fs's names and behaviour. On Linux under Bun
 * they are libc calls through bun:ffi, because loading node:fs (and node:path, node:os) is most
 * of what separated `run`'s start-up from the floor's (~1.6 ms for node:fs alone, measured in
 * compiled binaries: scripts/bench/RESULTS.md, "What we tried"); elsewhere (macOS, Windows, Deno,
 * or a libc without statx) node:fs itself, loaded only there.
 *
 * The contract is node:fs's: the same results, errors with the same `code` (ENOENT, EACCES...).
 * test/unit/sys.test.ts holds the libc side to node:fs, call by call, on real files.
 */
import { type Ffi, linuxSys } from "./sys-linux.ts";

/** What mcp-op reads of a stat: node:fs's Stats has these too. */
export interface FileStats {
  dev: number;
  ino: number;
  mode: number;
  uid: number;
  size: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** node:fs's signatures, narrowed to the forms mcp-op uses. */
export interface Sys {
  kind: "libc" | "node:fs";
  constants: { O_RDONLY: number; O_NONBLOCK: number; X_OK: number };
  statSync(path: string): FileStats;
  lstatSync(path: string): FileStats;
  fstatSync(fd: number): FileStats;
  /** Opened close-on-exec, as node:fs opens everything. */
  openSync(path: string, flags: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  writeSync(fd: number, data: string | Uint8Array, offset?: number, length?: number): number;
  closeSync(fd: number): void;
  readlinkSync(path: string): string;
  accessSync(path: string, mode: number): void;
  /** The real user id; undefined on Windows. */
  getuid(): number | undefined;
  isAbsolute(path: string): boolean;
  resolve(...paths: string[]): string;
}

let loaded: Sys | undefined;
let ffi: Ffi | undefined;

/** The FFI loadSys found (Linux under Bun): native.ts uses it too. */
export const loadedFfi = (): Ffi | undefined => ffi;

/**
 * `Bun.FFI`, the native object bun:ffi wraps, when it has what sys-linux.ts calls: loading the
 * bun:ffi module (~0.5 ms) and its wrapper per symbol (a `new Function` each) is then skipped.
 * Not documented: where a Bun release lacks it, bun:ffi itself (test/unit/sys.test.ts runs both).
 */
export function nativeFfi(): Ffi | undefined {
  const raw = (Bun as unknown as { FFI?: Partial<Ffi> }).FFI;
  return raw?.dlopen && raw.read && raw.ptr ? (raw as Ffi) : undefined;
}

/**
 * Choose the implementation: libc on Linux under Bun (when it has statx), node:fs elsewhere.
 * cli.ts calls this first thing. A call before it (unit tests, a library use) gets node:fs,
 * loaded synchronously on the spot, until this has run. Synchronous where `Bun.FFI` is there
 * (undefined then; an await is one more turn of the event loop at start-up), else a promise.
 */
export function loadSys(): Promise<Sys> | undefined {
  if (loaded) return undefined;
  const linux = process.platform === "linux" && typeof Bun !== "undefined";
  const native = linux ? nativeFfi() : undefined;
  if (native) {
    ffi = native;
    loaded = linuxSys(native);
    if (loaded) return undefined;
  }
  return (async () => {
    if (linux && !native) {
      ffi = (await import("bun:ffi")) as unknown as Ffi;
      loaded = linuxSys(ffi);
    }
    loaded ??= nodeSysOf(await import("node:fs"), await import("node:path"));
    return loaded;
  })();
}

let before: Sys | undefined;

function sys(): Sys {
  if (loaded) return loaded;
  before ??= nodeSysOf(process.getBuiltinModule("node:fs"), process.getBuiltinModule("node:path"));
  return before;
}

export const constants = (): Sys["constants"] => sys().constants;
export const statSync: Sys["statSync"] = (path) => sys().statSync(path);
export const lstatSync: Sys["lstatSync"] = (path) => sys().lstatSync(path);
export const fstatSync: Sys["fstatSync"] = (fd) => sys().fstatSync(fd);
export const openSync: Sys["openSync"] = (path, flags) => sys().openSync(path, flags);
export const readSync: Sys["readSync"] = (fd, buffer, offset, length, position) =>
  sys().readSync(fd, buffer, offset, length, position);
export const writeSync: Sys["writeSync"] = (fd, data, offset, length) => sys().writeSync(fd, data, offset, length);
export const closeSync: Sys["closeSync"] = (fd) => sys().closeSync(fd);
export const readlinkSync: Sys["readlinkSync"] = (path) => sys().readlinkSync(path);
export const accessSync: Sys["accessSync"] = (path, mode) => sys().accessSync(path, mode);
export const getuid: Sys["getuid"] = () => sys().getuid();
export const isAbsolute: Sys["isAbsolute"] = (path) => sys().isAbsolute(path);
export const resolve: Sys["resolve"] = (...paths) => sys().resolve(...paths);
/** Which implementation is in use (tests, -v). */
export const sysKind = (): Sys["kind"] => sys().kind;

type NodeFs = typeof import("node:fs");
type NodePath = typeof import("node:path");

/** node:fs and node:path as a Sys. */
function nodeSysOf(fs: NodeFs, path: NodePath): Sys {
  return {
    kind: "node:fs",
    constants: { O_RDONLY: fs.constants.O_RDONLY, O_NONBLOCK: fs.constants.O_NONBLOCK ?? 0, X_OK: fs.constants.X_OK },
    statSync: (p) => fs.statSync(p),
    lstatSync: (p) => fs.lstatSync(p),
    fstatSync: (fd) => fs.fstatSync(fd),
    openSync: (p, flags) => fs.openSync(p, flags),
    readSync: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
    writeSync: (fd, data, offset, length) =>
      typeof data === "string" ? fs.writeSync(fd, data) : fs.writeSync(fd, data, offset, length),
    closeSync: (fd) => fs.closeSync(fd),
    readlinkSync: (p) => fs.readlinkSync(p, "utf8"),
    accessSync: (p, mode) => fs.accessSync(p, mode),
    getuid: () => process.getuid?.(),
    isAbsolute: (p) => path.isAbsolute(p),
    resolve: (...paths) => path.resolve(...paths),
  };
}
