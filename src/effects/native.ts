/**
 * The runtime adapter: the libc calls needed to hand an exec'd program a clean process
 * (signal dispositions, signal mask, blocking stdio), `flock` for the sign-in lock, and `execve`.
 * Bun's FFI and Deno's are loaded lazily, so neither runtime trips over the other's imports.
 *
 * Why: Bun (and Deno) ignore SIGPIPE at startup (Bun also SIGXFSZ) and that survives exec;
 * writes to stdio can leave O_NONBLOCK set on a shared file description. The server must start
 * as if the client had launched it directly.
 */

import { errorCode } from "./files.ts";
import { loadedFfi } from "./sys.ts";
import { type AnyFn, type Ffi, libcSymbols, linuxLibcNames, type Symbols } from "./sys-linux.ts";

type Posix = "linux" | "darwin";

/** The libc functions we call, with plain JS types on both runtimes. */
interface Libc {
  signalDefault(sig: number): void;
  unblockAll(how: number): void;
  getfl(fd: number): number;
  setfl(fd: number, flags: number): number;
  /** fcntl(fd, F_SETFD, flags): the descriptor flags (FD_CLOEXEC). */
  setfd(fd: number, flags: number): number;
  flock(fd: number, op: number): number;
  isatty(fd: number): boolean;
  /**
   * execve(2); returns only on failure, with errno. Under Bun for an exec that must keep
   * descriptors open (Bun's own process.execve marks every descriptor above 2 close-on-exec
   * first: close_range(3, ~0, CLOSE_RANGE_CLOEXEC), seen with strace), under Deno always.
   */
  execve?(file: string, argv: readonly string[], env: readonly string[]): number;
  /**
   * Linux: mark every descriptor from 3 up close-on-exec but `keep`, as Bun's process.execve
   * does (close_range(2) with CLOSE_RANGE_CLOEXEC, Linux 5.11+; older kernels refuse it, and
   * then, as under Bun, nothing is marked).
   */
  closeOthersOnExec?(keep: readonly number[]): void;
}

/** errno's location: glibc and musl name it one way, macOS another. */
const errnoSymbol = (platform: Posix) => (platform === "darwin" ? "__error" : "__errno_location");

const CONST = {
  linux: { SIGPIPE: 13, SIGXFSZ: 25, SIG_SETMASK: 2, O_NONBLOCK: 0o4000 },
  darwin: { SIGPIPE: 13, SIGXFSZ: 25, SIG_SETMASK: 3, O_NONBLOCK: 0x4 },
} as const;
const F_SETFD = 2; // the same on Linux and macOS
const F_GETFL = 3;
const F_SETFL = 4;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

function libcCandidates(platform: Posix, arch: string): string[] {
  return platform === "darwin" ? ["/usr/lib/libSystem.B.dylib"] : linuxLibcNames(arch);
}

/**
 * fcntl is variadic. On Apple arm64 variadic arguments go on the stack, not in registers, so
 * F_SETFL's flags are declared as the 9th integer argument (x0-x7 taken by fd, cmd and padding),
 * which lands in the stack slot the callee reads. Elsewhere the plain 3-argument form works.
 */
const padVariadic = (platform: Posix, arch: string) => platform === "darwin" && arch === "arm64";

/**
 * libc's functions through a Bun FFI: `shared`, the handle sys.ts opened on Linux (the same
 * library; each dlopen costs start-up), or a dlopen of each candidate library's name.
 */
function loadLibcBun(platform: Posix, arch: string, ffi: Ffi, shared: Symbols | undefined): Libc | undefined {
  const { dlopen, ptr, read } = ffi;
  const pad = padVariadic(platform, arch);
  const setflArgs = pad ? ["i32", "i32", "i64", "i64", "i64", "i64", "i64", "i64", "i64"] : ["i32", "i32", "i32"];
  for (const path of shared ? ["(shared)"] : libcCandidates(platform, arch)) {
    try {
      const base: Record<"signal" | "sigprocmask" | "fcntl" | "flock" | "isatty", AnyFn> =
        shared ??
        dlopen(path, {
          signal: { args: ["i32", "ptr"], returns: "ptr" },
          sigprocmask: { args: ["i32", "ptr", "ptr"], returns: "i32" },
          // Three integer arguments: F_GETFL ignores the third (one dlopen is ~0.15 ms saved).
          fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
          flock: { args: ["i32", "i32"], returns: "i32" },
          isatty: { args: ["i32"], returns: "i32" },
        }).symbols;
      const setfl = pad
        ? // biome-ignore lint/suspicious/noExplicitAny: signature chosen at run time
          (dlopen(path, { fcntl: { args: setflArgs as any, returns: "i32" } }).symbols.fcntl as AnyFn)
        : base.fcntl;
      return {
        signalDefault: (sig) => void base.signal(sig, null),
        // sigset_t is 128 bytes on glibc/musl, 4 on macOS: an all-zero 128-byte buffer is empty on both.
        unblockAll: (how) => void base.sigprocmask(how, new Uint8Array(128), null),
        getfl: (fd) => base.fcntl(fd, F_GETFL, 0),
        setfl: (fd, flags) =>
          pad ? setfl(fd, F_SETFL, 0n, 0n, 0n, 0n, 0n, 0n, BigInt(flags)) : setfl(fd, F_SETFL, flags),
        setfd: (fd, flags) =>
          pad ? setfl(fd, F_SETFD, 0n, 0n, 0n, 0n, 0n, 0n, BigInt(flags)) : setfl(fd, F_SETFD, flags),
        flock: (fd, op) => base.flock(fd, op),
        isatty: (fd) => base.isatty(fd) === 1,
        ...(shared ? { closeOthersOnExec: (keep: readonly number[]) => closeOthersOnExec(shared.syscall, keep) } : {}),
        // Loaded only when called where the handle is not shared: most runs elsewhere exec
        // through process.execve.
        execve: (file, argv, env) => {
          const errno = errnoSymbol(platform);
          const c: Record<string, AnyFn | undefined> =
            shared ??
            dlopen(path, {
              execve: { args: ["ptr", "ptr", "ptr"], returns: "i32" },
              [errno]: { args: [], returns: "ptr" },
            }).symbols;
          const encoder = new TextEncoder();
          const cstr = (s: string) => encoder.encode(`${s}\0`);
          // A NULL-terminated array of pointers to C strings; the strings must stay alive.
          const cArray = (items: readonly string[]) => {
            const buffers: Uint8Array[] = [];
            const array = new BigUint64Array(items.length + 1);
            for (let i = 0; i < items.length; i++) {
              const b = cstr(items[i] as string);
              buffers.push(b);
              array[i] = BigInt(ptr(b));
            }
            return { buffers, array };
          };
          const f = cstr(file);
          const a = cArray(argv);
          const e = cArray(env);
          c.execve?.(f, a.array, e.array);
          const code = read.i32(c[errno]?.() as never, 0);
          void [f, a.buffers, e.buffers]; // keep the strings alive across the call
          return code;
        },
      };
    } catch {
      // try the next name
    }
  }
  return undefined;
}

/** close_range(2)'s number on x86-64 and arm64 Linux alike (the generic syscall table). */
const SYS_CLOSE_RANGE = 436;
const CLOSE_RANGE_CLOEXEC = 4;

/** Every descriptor from 3 up close-on-exec, but those in `keep`: close_range over each gap. */
function closeOthersOnExec(syscall: AnyFn, keep: readonly number[]): void {
  let first = 3;
  for (;;) {
    // The next kept descriptor at or above `first` (a handful at most: no sort needed).
    let next = Number.POSITIVE_INFINITY;
    for (const fd of keep) if (fd >= first && fd < next) next = fd;
    if (next === Number.POSITIVE_INFINITY) break;
    if (next > first) syscall(SYS_CLOSE_RANGE, first, next - 1, CLOSE_RANGE_CLOEXEC);
    first = next + 1;
  }
  // ~0U, the highest descriptor, as the int32 of the same bits (sys-linux.ts declares int32s).
  syscall(SYS_CLOSE_RANGE, first, -1, CLOSE_RANGE_CLOEXEC);
}

// Minimal shape of the Deno FFI API (no Deno types in this Bun project).
interface DenoFfi {
  dlopen(
    path: string,
    symbols: Record<string, { parameters: string[]; result: string }>,
  ): { symbols: Record<string, AnyFn> };
  UnsafePointer: { of(buf: Uint8Array): unknown; value(p: unknown): bigint | number };
  UnsafePointerView: new (p: unknown) => { getInt32(offset?: number): number };
}
declare const Deno: DenoFfi | undefined;

function loadLibcDeno(platform: Posix, arch: string): Libc | undefined {
  if (typeof Deno === "undefined") return undefined;
  const pad = padVariadic(platform, arch);
  const setflParams = pad ? ["i32", "i32", "i64", "i64", "i64", "i64", "i64", "i64", "i64"] : ["i32", "i32", "i32"];
  const cstr = (s: string) => new TextEncoder().encode(`${s}\0`);
  for (const path of libcCandidates(platform, arch)) {
    try {
      const base = Deno.dlopen(path, {
        signal: { parameters: ["i32", "pointer"], result: "pointer" },
        sigprocmask: { parameters: ["i32", "buffer", "pointer"], result: "i32" },
        fcntl: { parameters: ["i32", "i32"], result: "i32" },
        flock: { parameters: ["i32", "i32"], result: "i32" },
        isatty: { parameters: ["i32"], result: "i32" },
        execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
        [errnoSymbol(platform)]: { parameters: [], result: "pointer" },
      }).symbols;
      const setfl = Deno.dlopen(path, { fcntl: { parameters: setflParams, result: "i32" } }).symbols.fcntl as AnyFn;
      // A NULL-terminated array of pointers to C strings; the string buffers must stay alive.
      const cArray = (items: readonly string[]) => {
        const buffers = items.map(cstr);
        const array = new BigUint64Array(buffers.length + 1);
        buffers.forEach((b, i) => {
          array[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b)));
        });
        return { buffers, bytes: new Uint8Array(array.buffer) };
      };
      return {
        signalDefault: (sig) => void base.signal?.(sig, null),
        unblockAll: (how) => void base.sigprocmask?.(how, new Uint8Array(128), null),
        getfl: (fd) => base.fcntl?.(fd, F_GETFL),
        setfl: (fd, flags) =>
          pad ? setfl(fd, F_SETFL, 0n, 0n, 0n, 0n, 0n, 0n, BigInt(flags)) : setfl(fd, F_SETFL, flags),
        setfd: (fd, flags) =>
          pad ? setfl(fd, F_SETFD, 0n, 0n, 0n, 0n, 0n, 0n, BigInt(flags)) : setfl(fd, F_SETFD, flags),
        flock: (fd, op) => base.flock?.(fd, op),
        isatty: (fd) => base.isatty?.(fd) === 1,
        execve: (file, argv, env) => {
          const a = cArray(argv);
          const e = cArray(env);
          base.execve?.(cstr(file), a.bytes, e.bytes);
          const code = new Deno.UnsafePointerView(base[errnoSymbol(platform)]?.()).getInt32(0);
          void [a.buffers, e.buffers]; // keep the strings alive across the call
          return code;
        },
      };
    } catch {
      // try the next name
    }
  }
  return undefined;
}

/** libc once looked for: `libc` undefined where there is none (Windows, no library found). */
let loaded: { libc: Libc | undefined } | undefined;

/**
 * libc where it can be had without waiting: looked for already, or Linux under Bun with sys.ts's
 * handle, or Deno; else undefined, and {@link libc} loads bun:ffi. `run`'s fast path stays
 * synchronous through it: the first `await` of a run costs ~0.15 ms of start-up (JavaScriptCore
 * compiles its promise machinery then; scripts/bench/RESULTS.md), and each one after ~0.015.
 */
function libcNow(): { libc: Libc | undefined } | undefined {
  if (loaded) return loaded;
  const platform = process.platform;
  if (platform !== "linux" && platform !== "darwin") loaded = { libc: undefined };
  else if (typeof Deno !== "undefined") loaded = { libc: loadLibcDeno(platform, process.arch) };
  else {
    const ffi = platform === "linux" ? loadedFfi() : undefined;
    const shared = ffi ? libcSymbols(ffi) : undefined;
    if (ffi && shared) loaded = { libc: loadLibcBun(platform, process.arch, ffi, shared) };
  }
  return loaded;
}

export async function libc(): Promise<Libc | undefined> {
  const now = libcNow();
  if (now) return now.libc;
  const ffi = (await import("bun:ffi")) as unknown as Ffi;
  const platform = process.platform as Posix;
  loaded ??= { libc: loadLibcBun(platform, process.arch, ffi, undefined) };
  return loaded.libc;
}

/**
 * Whether fd is a terminal. Through libc rather than `node:tty`, whose module costs about
 * 1.6 ms of Bun start-up (measured by `bun run bench`).
 */
export async function isTerminal(fd: number): Promise<boolean> {
  const c = await libc();
  if (c) return c.isatty(fd);
  const { isatty } = await import("node:tty");
  return isatty(fd);
}

export interface ResetReport {
  ok: boolean;
  note?: string;
}

/** Restore default SIGPIPE/SIGXFSZ, unblock all signals, make fds 0-2 blocking. */
export async function resetProcessForExec(): Promise<ResetReport> {
  return resetWith(await libc());
}

function resetWith(c: Libc | undefined): ResetReport {
  const platform = process.platform;
  if (platform !== "linux" && platform !== "darwin") return { ok: false, note: `no reset on ${platform}` };
  if (!c) return { ok: false, note: "libc not found: signal dispositions not reset before exec" };
  const k = CONST[platform];
  for (const fd of [0, 1, 2]) {
    const flags = c.getfl(fd);
    if (flags !== -1 && (flags & k.O_NONBLOCK) !== 0) c.setfl(fd, flags & ~k.O_NONBLOCK);
  }
  c.signalDefault(k.SIGPIPE);
  c.signalDefault(k.SIGXFSZ);
  c.unblockAll(k.SIG_SETMASK);
  return { ok: true };
}

const PR_SET_PDEATHSIG = 1;

/**
 * Linux: have the kernel send `signal` to this process when the thread that started it exits
 * (prctl PR_SET_PDEATHSIG, man 2 prctl). It survives execve, except into a set-user-ID or
 * set-group-ID program or one with file capabilities, where the kernel clears it. False where
 * there is no such call (macOS, Windows) or libc cannot be loaded. Loaded apart from `libc()`:
 * macOS's libc has no prctl, and a missing symbol fails the whole dlopen.
 */
export async function setParentDeathSignal(signal: number): Promise<boolean> {
  if (process.platform !== "linux") return false;
  for (const path of libcCandidates("linux", process.arch)) {
    try {
      // prctl is variadic; on x86-64 and arm64 Linux variadic integers go in the same registers.
      if (typeof Deno !== "undefined") {
        const { prctl } = Deno.dlopen(path, {
          prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
        }).symbols;
        return prctl?.(PR_SET_PDEATHSIG, BigInt(signal), 0n, 0n, 0n) === 0;
      }
      const { dlopen } = await import("bun:ffi");
      const { prctl } = dlopen(path, { prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" } }).symbols;
      return prctl(PR_SET_PDEATHSIG, BigInt(signal), 0n, 0n, 0n) === 0;
    } catch {
      // try the next name
    }
  }
  return false;
}

/**
 * True when descriptors can be kept open across the exec: libc at hand (its execve and fcntl),
 * on Linux or macOS. Where not (Windows, no libc found), callers hand paths instead.
 * Synchronous where libc is at hand without waiting (see libcNow).
 */
export function canKeepAcrossExec(): boolean | Promise<boolean> {
  const now = libcNow();
  return now ? now.libc?.execve !== undefined : libc().then((c) => c?.execve !== undefined);
}

/** errno values execve reports (the same on Linux and macOS), as Node-style codes. */
const EXEC_ERRORS: Record<number, [string, string]> = {
  2: ["ENOENT", "No such file or directory"],
  7: ["E2BIG", "Argument list too long"],
  8: ["ENOEXEC", "Exec format error"],
  13: ["EACCES", "Permission denied"],
  20: ["ENOTDIR", "Not a directory"],
  26: ["ETXTBSY", "Text file busy"],
};

/** What replacing this process needs: its reset, whether it can be done at all, and the exec. */
export interface Exec {
  /** Restore default SIGPIPE/SIGXFSZ, unblock all signals, make fds 0-2 blocking. */
  reset(): ResetReport;
  /** True when this runtime can replace the process (Bun's process.execve, or libc's). */
  possible: boolean;
  /**
   * Replace this process, keeping `keep` open in it (they are cleared of close-on-exec). Throws
   * when the exec fails.
   */
  execve(file: string, argv: string[], env: Record<string, string>, keep?: readonly number[]): never;
}

/**
 * The exec's steps, with libc looked for first. Synchronous where libc is at hand without
 * waiting (Linux under Bun, Deno; see libcNow), so that `run` execs without an `await`.
 */
export function execSteps(): Exec | Promise<Exec> {
  const now = libcNow();
  return now ? stepsWith(now.libc) : libc().then(stepsWith);
}

function stepsWith(c: Libc | undefined): Exec {
  // biome-ignore lint/suspicious/noExplicitAny: process.execve is missing from some type packages
  const bunExecve = (process as any).execve as
    | ((f: string, a: string[], e: Record<string, string>) => void)
    | undefined;
  return {
    reset: () => resetWith(c),
    possible: typeof bunExecve === "function" || c?.execve !== undefined,
    execve: (file, argv, env, keep = []) => execveWith(c, bunExecve, file, argv, env, keep),
  };
}

function execveWith(
  c: Libc | undefined,
  bunExecve: ((f: string, a: string[], e: Record<string, string>) => void) | undefined,
  file: string,
  argv: string[],
  env: Record<string, string>,
  keep: readonly number[],
): never {
  // On Linux under Bun, libc's execve always (its handle is open anyway, effects/sys.ts):
  // Bun's process.execve queues an ExperimentalWarning, and that loads Bun's process.nextTick
  // machinery, ~1.5 ms of start-up (scripts/bench/RESULTS.md). Elsewhere, without descriptors
  // to keep, Bun's own execve.
  if (!c?.closeOthersOnExec && keep.length === 0 && typeof bunExecve === "function") {
    bunExecve(file, argv, env);
    throw new Error("execve returned");
  }
  if (!c?.execve) throw Object.assign(new Error("this runtime cannot exec"), { code: "ENOSYS" });
  // What Bun's execve does too: nothing the client leaked reaches the program, only `keep`.
  c.closeOthersOnExec?.(keep);
  const platform = process.platform as Posix;
  for (const fd of keep) {
    // FD_CLOEXEC is the only descriptor flag there is: 0 clears it.
    if (c.setfd(fd, 0) === -1) throw Object.assign(new Error(`cannot keep descriptor ${fd} open`), { code: "EBADF" });
    // Opened O_NONBLOCK (files.ts); on macOS op's open of /dev/fd/N shares these status flags.
    const flags = c.getfl(fd);
    if (flags !== -1 && (flags & CONST[platform].O_NONBLOCK) !== 0) c.setfl(fd, flags & ~CONST[platform].O_NONBLOCK);
  }
  const pairs: string[] = [];
  for (const name in env) pairs.push(`${name}=${env[name]}`);
  const errno = c.execve(file, argv, pairs);
  const [code, text] = EXEC_ERRORS[errno] ?? [`errno ${errno}`, "exec failed"];
  // Worded as Bun's own process.execve words it.
  throw Object.assign(new Error(`${code}, ${text} '${file}'`), { code });
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a program to completion, capturing stdout (and stderr unless inherited); `undefined` when
 * it outlives `timeoutMs` (it is killed). Aborting `stop` ends it (SIGTERM, then SIGKILL a second
 * later) and still waits for it, so that no child outlives the caller. Bun.spawn where
 * available: node:child_process costs about 2 ms more of start-up in a compiled Bun binary
 * (measured by `bun run bench`).
 */
export async function spawnCapture(
  file: string,
  args: readonly string[],
  options: {
    env: Record<string, string>;
    stdin: "ignore" | "inherit";
    stderr: "pipe" | "inherit";
    timeoutMs: number;
    cwd?: string;
    /**
     * Open descriptors the program inherits as fd 3, 4, ... (it opens `/dev/fd/3` by path).
     * Not a stdin pipe: Bun's is a socketpair on Linux, where opening `/dev/stdin` fails (ENXIO).
     */
    files?: readonly number[];
    stop?: AbortSignal;
  },
): Promise<Captured | undefined> {
  const files = options.files ?? [];
  if (typeof Bun !== "undefined") {
    const proc = Bun.spawn([file, ...args], {
      env: options.env,
      cwd: options.cwd,
      stdio: [options.stdin, "pipe", options.stderr, ...files],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, options.timeoutMs);
    const release = onStop(options.stop, (signal) => proc.kill(signal));
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      options.stderr === "pipe" ? new Response(proc.stderr as ReadableStream).text() : "",
      proc.exited,
    ]);
    clearTimeout(timer);
    release();
    return timedOut ? undefined : { code, stdout, stderr };
  }
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: [options.stdin, "pipe", options.stderr, ...files],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(undefined);
    }, options.timeoutMs);
    const release = onStop(options.stop, (signal) => child.kill(signal));
    child.once("error", (error) => {
      clearTimeout(timer);
      release();
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      release();
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/**
 * When `stop` is aborted (now or later), `kill` gets SIGTERM, then SIGKILL should the program
 * outlive the grace period. Returns the clean-up to call once the program has ended.
 */
function onStop(stop: AbortSignal | undefined, kill: (signal: "SIGTERM" | "SIGKILL") => void): () => void {
  if (!stop) return () => {};
  // A second: well inside the 2 s a client leaves between its SIGTERM and its SIGKILL.
  const graceMs = 1000;
  let escalate: ReturnType<typeof setTimeout> | undefined;
  const terminate = () => {
    kill("SIGTERM");
    escalate = setTimeout(() => kill("SIGKILL"), graceMs);
  };
  if (stop.aborted) terminate();
  else stop.addEventListener("abort", terminate, { once: true });
  return () => {
    stop.removeEventListener("abort", terminate);
    clearTimeout(escalate);
  };
}

/**
 * Run a program for its exit status only (stdin /dev/null, output discarded); `undefined` when
 * it outlives `timeoutMs` (it is killed). Synchronous and without pipes: for `op whoami` on
 * `run`'s fast path about 0.25 ms cheaper than spawnCapture (scripts/bench/RESULTS.md).
 * Throws when the program cannot be started.
 */
export function spawnStatus(
  file: string,
  args: readonly string[],
  options: { env: Record<string, string>; timeoutMs: number },
): number | undefined | Promise<number | undefined> {
  // Under Bun without a promise: `run` then reaches its exec without an `await` (see libcNow).
  if (typeof Bun !== "undefined") {
    const r = Bun.spawnSync([file, ...args], {
      env: options.env,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
      timeout: options.timeoutMs,
      killSignal: "SIGKILL",
    });
    return r.exitedDueToTimeout ? undefined : (r.exitCode ?? 1);
  }
  return spawnStatusNode(file, args, options);
}

async function spawnStatusNode(
  file: string,
  args: readonly string[],
  options: { env: Record<string, string>; timeoutMs: number },
): Promise<number | undefined> {
  const { spawnSync } = await import("node:child_process");
  const r = spawnSync(file, args, {
    env: options.env,
    stdio: "ignore",
    timeout: options.timeoutMs,
    killSignal: "SIGKILL",
  });
  if (errorCode(r.error) === "ETIMEDOUT") return undefined;
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** A child with stdout and stderr piped to this process (the --redact filter). */
export interface PipedChild {
  stdout: AsyncIterable<Uint8Array>;
  stderr: AsyncIterable<Uint8Array>;
  kill(signal: NodeJS.Signals): void;
  /** The exit code, or 128 + n when signal n ended it. */
  exited: Promise<number>;
}

/** Start a program with stdin inherited: Bun.spawn under Bun, node:child_process elsewhere (Deno). */
export async function spawnPiped(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<PipedChild> {
  const { constants } = await import("node:os");
  const bySignal = (signal: string) => 128 + (constants.signals[signal as NodeJS.Signals] ?? 1);
  if (typeof Bun !== "undefined") {
    const child = Bun.spawn([file, ...args], { env, stdin: "inherit", stdout: "pipe", stderr: "pipe" });
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      kill: (signal) => child.kill(signal),
      exited: child.exited.then((code) => (child.signalCode ? bySignal(String(child.signalCode)) : code)),
    };
  }
  const { spawn } = await import("node:child_process");
  const child = spawn(file, args, { env, stdio: ["inherit", "pipe", "pipe"] });
  return {
    stdout: child.stdout,
    stderr: child.stderr,
    kill: (signal) => void child.kill(signal),
    exited: new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve(signal ? bySignal(signal) : (code ?? 1)));
    }),
  };
}
