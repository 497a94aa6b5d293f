/**
 * The small runtime adapter: the libc calls needed to hand the exec'd program a clean process
 * (signal dispositions, signal mask, blocking stdio), and `execve` itself. Bun's FFI and Deno's
 * are loaded lazily, so neither runtime trips over the other's imports.
 *
 * Why: Bun ignores SIGPIPE and SIGXFSZ at startup and that survives exec; writes to stdio can
 * leave O_NONBLOCK set on the shared file description. The server must start as if the client
 * had launched it directly.
 */

type Platform = "linux" | "darwin";

interface Libc {
  signal(sig: number, handler: null): unknown;
  sigprocmask(how: number, set: Uint8Array, old: null): number;
  getfl(fd: number): number;
  setfl(fd: number, flags: number): number;
}

const CONST = {
  linux: { SIGPIPE: 13, SIGXFSZ: 25, SIG_SETMASK: 2, O_NONBLOCK: 0o4000 },
  darwin: { SIGPIPE: 13, SIGXFSZ: 25, SIG_SETMASK: 3, O_NONBLOCK: 0x4 },
} as const;
const F_GETFL = 3;
const F_SETFL = 4;

function libcCandidates(platform: Platform, arch: string): string[] {
  if (platform === "darwin") return ["/usr/lib/libSystem.B.dylib"];
  const musl = arch === "arm64" ? "aarch64" : "x86_64";
  return ["libc.so.6", `libc.musl-${musl}.so.1`, `/lib/ld-musl-${musl}.so.1`, "libc.so"];
}

/**
 * fcntl is variadic. On Apple arm64 variadic arguments go on the stack, not in registers, so
 * the F_SETFL flags argument is declared as the 9th integer argument (x0-x7 filled by padding),
 * which lands in the same stack slot the callee reads. Elsewhere the plain 3-argument form works.
 */
function setflArgs(platform: Platform, arch: string): { args: string[]; pad: boolean } {
  if (platform === "darwin" && arch === "arm64") {
    return { args: ["i32", "i32", "i64", "i64", "i64", "i64", "i64", "i64", "i64"], pad: true };
  }
  return { args: ["i32", "i32", "i32"], pad: false };
}

async function loadLibcBun(platform: Platform, arch: string): Promise<Libc | undefined> {
  const { dlopen } = await import("bun:ffi");
  const set = setflArgs(platform, arch);
  for (const path of libcCandidates(platform, arch)) {
    try {
      const base = dlopen(path, {
        signal: { args: ["i32", "ptr"], returns: "ptr" },
        sigprocmask: { args: ["i32", "ptr", "ptr"], returns: "i32" },
        fcntl: { args: ["i32", "i32"], returns: "i32" },
      });
      // biome-ignore lint/suspicious/noExplicitAny: FFI signature chosen at run time
      const setfl = dlopen(path, { fcntl: { args: set.args as any, returns: "i32" } });
      const { signal, sigprocmask, fcntl } = base.symbols;
      // biome-ignore lint/suspicious/noExplicitAny: see above
      const fcntlSet = setfl.symbols.fcntl as (...a: any[]) => number;
      return {
        signal: (sig, handler) => signal(sig, handler),
        sigprocmask: (how, maskSet, old) => sigprocmask(how, maskSet, old),
        getfl: (fd) => fcntl(fd, F_GETFL),
        setfl: (fd, flags) =>
          set.pad ? fcntlSet(fd, F_SETFL, 0n, 0n, 0n, 0n, 0n, 0n, BigInt(flags)) : fcntlSet(fd, F_SETFL, flags),
      };
    } catch {
      // try the next name
    }
  }
  return undefined;
}

export interface ResetReport {
  ok: boolean;
  note?: string;
}

/** Restore default SIGPIPE/SIGXFSZ, unblock all signals, make fds 0-2 blocking. */
export async function resetProcessForExec(): Promise<ResetReport> {
  const platform = process.platform;
  if (platform !== "linux" && platform !== "darwin") return { ok: false, note: `no reset on ${platform}` };
  const libc = await loadLibcBun(platform, process.arch);
  if (!libc) return { ok: false, note: "libc not found: signal dispositions not reset before exec" };
  const c = CONST[platform];
  for (const fd of [0, 1, 2]) {
    const flags = libc.getfl(fd);
    if (flags !== -1 && (flags & c.O_NONBLOCK) !== 0) libc.setfl(fd, flags & ~c.O_NONBLOCK);
  }
  libc.signal(c.SIGPIPE, null);
  libc.signal(c.SIGXFSZ, null);
  // sigset_t is 128 bytes on glibc/musl, 4 on macOS: an all-zero 128-byte buffer is empty on both.
  libc.sigprocmask(c.SIG_SETMASK, new Uint8Array(128), null);
  return { ok: true };
}

/** Replace this process. Throws when the exec fails (Bun >= 1.4). */
export function execve(file: string, argv: string[], env: Record<string, string>): never {
  // biome-ignore lint/suspicious/noExplicitAny: process.execve is missing from older type packages
  (process as any).execve(file, argv, env);
  throw new Error("execve returned");
}
