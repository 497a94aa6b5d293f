/**
 * sys.ts on Linux's libc through bun:ffi: statx(2) for stat, lstat and fstat (one struct layout
 * on every Linux architecture, unlike struct stat), open, pread, write, close, readlink and
 * access; and, in the same handle, native.ts's signal, sigprocmask, fcntl, flock, isatty and
 * execve. Called by sys.ts and native.ts only on Linux under Bun. Errors are node:fs's: an
 * Error whose message, code, errno, syscall and path read as node:fs would write them.
 */
import type { FileStats, Sys } from "./sys.ts";

// biome-ignore lint/suspicious/noExplicitAny: FFI symbols take and return plain JS values
export type AnyFn = (...args: any[]) => any;

/**
 * What this module needs of an FFI, handed in by sys.ts (so that it loads with `run`'s chunk and
 * nothing in it trips Deno, which has no bun:ffi): bun:ffi's module, or `Bun.FFI`, the native
 * object that module wraps. Every call here passes its arguments already in the form bun:ffi's
 * per-symbol wrappers would produce (int32 numbers, typed arrays, plain numbers for the *_fast
 * types), so either works; `Bun.FFI` skips loading bun:ffi and compiling a wrapper per symbol.
 */
export interface Ffi {
  dlopen(
    path: string,
    symbols: Record<string, { args: readonly (string | number)[]; returns: string | number }>,
  ): {
    symbols: Record<string, AnyFn>;
  };
  read: { i32(pointer: number, offset: number): number };
  ptr(view: ArrayBufferView): number;
}

/** bun:ffi's FFIType numbers for 64-bit integers passed as plain numbers (bun-types: FFIType). */
const I64_FAST = 15;
const U64_FAST = 16;

const O_RDONLY = 0;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const X_OK = 1;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
/** STATX_BASIC_STATS: type, mode, nlink, uid, gid, times, ino, size, blocks. */
const STATX_BASIC_STATS = 0x7ff;
const S_IFMT = 0o170000;
const EINTR = 4;
/** libuv's words for each errno, as node:fs (and Bun's) messages use them. */
const ERRNO: Record<number, [string, string]> = {
  1: ["EPERM", "operation not permitted"],
  2: ["ENOENT", "no such file or directory"],
  4: ["EINTR", "interrupted system call"],
  5: ["EIO", "i/o error"],
  6: ["ENXIO", "no such device or address"],
  9: ["EBADF", "bad file descriptor"],
  11: ["EAGAIN", "resource temporarily unavailable"],
  12: ["ENOMEM", "not enough memory"],
  13: ["EACCES", "permission denied"],
  14: ["EFAULT", "bad address in system call argument"],
  16: ["EBUSY", "resource busy or locked"],
  20: ["ENOTDIR", "not a directory"],
  21: ["EISDIR", "illegal operation on a directory"],
  22: ["EINVAL", "invalid argument"],
  23: ["ENFILE", "file table overflow"],
  24: ["EMFILE", "too many open files"],
  26: ["ETXTBSY", "text file is busy"],
  36: ["ENAMETOOLONG", "name too long"],
  38: ["ENOSYS", "function not implemented"],
  40: ["ELOOP", "too many symbolic links encountered"],
  75: ["EOVERFLOW", "value too large for defined data type"],
};

/** Where libc is on Linux: glibc, musl (Alpine names it two ways), then a generic name. */
export function linuxLibcNames(arch: string): string[] {
  const musl = arch === "arm64" ? "aarch64" : "x86_64";
  return ["libc.so.6", `libc.musl-${musl}.so.1`, `/lib/ld-musl-${musl}.so.1`, "libc.so"];
}

/** The libc functions opened: sys.ts's and native.ts's. */
export type Symbols = Record<
  | "statx"
  | "open"
  | "pread"
  | "write"
  | "close"
  | "readlink"
  | "access"
  | "getuid"
  | "__errno_location"
  | "signal"
  | "sigprocmask"
  | "fcntl"
  | "flock"
  | "isatty"
  | "execve"
  | "syscall",
  AnyFn
>;
let symbols: Symbols | undefined;

/** The one libc handle on Linux under Bun, for native.ts too; undefined without libc or statx. */
export function libcSymbols(ffi: Ffi): Symbols | undefined {
  symbols ??= openLibc(ffi);
  return symbols;
}

/** A new handle on libc through `ffi` (libcSymbols keeps one), or undefined. */
export function openLibc(ffi: Ffi): Symbols | undefined {
  for (const name of linuxLibcNames(process.arch)) {
    try {
      const lib = ffi.dlopen(name, {
        // The mask is STATX_BASIC_STATS, well inside int32: "i32" takes it as is either way.
        statx: { args: ["i32", "ptr", "i32", "i32", "ptr"], returns: "i32" },
        // open is variadic; without O_CREAT its mode is never read.
        open: { args: ["ptr", "i32"], returns: "i32" },
        // *_FAST: numbers, not BigInts, in and out (each BigInt conversion costs start-up).
        pread: { args: ["i32", "ptr", U64_FAST, I64_FAST], returns: I64_FAST },
        write: { args: ["i32", "ptr", U64_FAST], returns: I64_FAST },
        close: { args: ["i32"], returns: "i32" },
        readlink: { args: ["ptr", "ptr", U64_FAST], returns: I64_FAST },
        access: { args: ["ptr", "i32"], returns: "i32" },
        getuid: { args: [], returns: "u32" },
        __errno_location: { args: [], returns: "ptr" },
        // native.ts's, in the same library handle (each dlopen costs ~0.3 ms of start-up).
        signal: { args: ["i32", "ptr"], returns: "ptr" },
        sigprocmask: { args: ["i32", "ptr", "ptr"], returns: "i32" },
        // Three integer arguments: F_GETFL ignores the third.
        fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
        flock: { args: ["i32", "i32"], returns: "i32" },
        isatty: { args: ["i32"], returns: "i32" },
        execve: { args: ["ptr", "ptr", "ptr"], returns: "i32" },
        // syscall is variadic; on x86-64 and arm64 Linux its integer arguments go in registers
        // as for a plain call. For close_range(2), which glibc wraps only from 2.34 on.
        // As int32s: Bun.FFI takes a u32 only as the int32 of the same bits (-1 for 0xffffffff).
        syscall: { args: [I64_FAST, "i32", "i32", "i32"], returns: I64_FAST },
      });
      // Bun.FFI's dlopen returns an Error where bun:ffi's throws it.
      if (lib instanceof Error) throw lib;
      return lib.symbols as Symbols;
    } catch {
      // a libc without statx (musl before 1.2.5), or another name: try the next
    }
  }
  return undefined;
}

class Stats implements FileStats {
  constructor(
    readonly dev: number,
    readonly ino: number,
    readonly mode: number,
    readonly uid: number,
    readonly size: number,
  ) {}
  isFile() {
    return (this.mode & S_IFMT) === 0o100000;
  }
  isDirectory() {
    return (this.mode & S_IFMT) === 0o040000;
  }
  isSymbolicLink() {
    return (this.mode & S_IFMT) === 0o120000;
  }
}

/** The libc side, or undefined when libc or statx is missing (sys.ts then uses node:fs). */
export function linuxSys(ffi: Ffi, c: Symbols | undefined = libcSymbols(ffi)): Sys | undefined {
  if (!c) return undefined;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const buf = new Uint8Array(256);
  const view = new DataView(buf.buffer);

  const errno = (): number => ffi.read.i32(c.__errno_location(), 0);
  /** A read or write, again while a signal interrupted it (EINTR), as libuv's own do. */
  const retried = (call: () => number): number => {
    for (;;) {
      const n = call();
      if (n >= 0 || errno() !== EINTR) return n;
    }
  };
  const fail = (syscall: string, path?: string): Error => {
    const number = errno();
    const [code, text] = ERRNO[number] ?? [`E${number}`, "unknown error"];
    const where = path === undefined ? syscall : `${syscall} '${path}'`;
    return Object.assign(new Error(`${code}: ${text}, ${where}`), {
      code,
      errno: -number,
      syscall,
      ...(path === undefined ? {} : { path }),
    });
  };
  const cString = (path: string): Uint8Array => {
    if (path.includes("\0")) {
      throw Object.assign(
        new TypeError(
          `The argument 'path' must be a string, Uint8Array, or URL without null bytes. Received ${JSON.stringify(path)}`,
        ),
        { code: "ERR_INVALID_ARG_VALUE" },
      );
    }
    return encoder.encode(`${path}\0`);
  };
  const statx = (fd: number, path: string, flags: number, syscall: string, shown?: string): Stats => {
    if (c.statx(fd, cString(path), flags, STATX_BASIC_STATS, buf) !== 0) throw fail(syscall, shown);
    const major = view.getUint32(136, true);
    const minor = view.getUint32(140, true);
    // glibc's makedev, as node:fs (and Bun) report st_dev.
    const dev = (major & 0xfffff000) * 2 ** 32 + (major & 0xfff) * 256 + (minor & 0xffffff00) * 4096 + (minor & 0xff);
    return new Stats(
      dev,
      Number(view.getBigUint64(32, true)),
      view.getUint16(28, true),
      view.getUint32(20, true),
      Number(view.getBigUint64(40, true)),
    );
  };
  // A kernel or sandbox without statx (before Linux 4.11, old seccomp profiles): node:fs then.
  if (c.statx(AT_FDCWD, cString("/"), 0, STATX_BASIC_STATS, buf) !== 0) return undefined;

  return {
    kind: "libc",
    constants: { O_RDONLY, O_NONBLOCK, X_OK },
    statSync: (path) => statx(AT_FDCWD, path, 0, "stat", path),
    lstatSync: (path) => statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, "lstat", path),
    fstatSync: (fd) => statx(fd, "", AT_EMPTY_PATH, "fstat"),
    openSync(path, flags) {
      const fd = c.open(cString(path), flags | O_CLOEXEC);
      if (fd < 0) throw fail("open", path);
      return fd;
    },
    readSync(fd, buffer, offset, length, position) {
      if (length === 0) return 0;
      const target = buffer.subarray(offset, offset + length);
      const n = retried(() => Number(c.pread(fd, target, length, position)));
      if (n < 0) throw fail("read");
      return n;
    },
    writeSync(fd, data, offset = 0, length) {
      const bytes =
        typeof data === "string"
          ? encoder.encode(data)
          : data.subarray(offset, length === undefined ? undefined : offset + length);
      if (bytes.length === 0) return 0;
      const n = retried(() => Number(c.write(fd, bytes, bytes.length)));
      if (n < 0) throw fail("write");
      return n;
    },
    closeSync(fd) {
      if (c.close(fd) !== 0) throw fail("close");
    },
    readlinkSync(path) {
      const target = new Uint8Array(4096);
      const n = Number(c.readlink(cString(path), target, target.length));
      if (n < 0) throw fail("readlink", path);
      return decoder.decode(target.subarray(0, n));
    },
    accessSync(path, mode) {
      if (c.access(cString(path), mode) !== 0) throw fail("access", path);
    },
    // process.getuid's first call costs ~0.1 ms of start-up; libc's is a call.
    getuid: () => c.getuid(),
    isAbsolute: (path) => path.charCodeAt(0) === 47,
    resolve: resolvePosix,
  };
}

/** node:path's posix resolve: right to left until a path is absolute (else the cwd), normalised. */
export function resolvePosix(...paths: string[]): string {
  let joined = "";
  for (let i = paths.length - 1; i >= -1 && joined.charCodeAt(0) !== 47; i--) {
    const path = i >= 0 ? (paths[i] as string) : process.cwd();
    if (path === "") continue;
    joined = joined === "" ? path : `${path}/${joined}`;
  }
  const kept: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") kept.pop();
    else kept.push(part);
  }
  return `/${kept.join("/")}`;
}
