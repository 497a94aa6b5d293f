/**
 * What Linux's /proc says about this process's state before exec: which of fds 0-2 are
 * O_NONBLOCK (`/proc/self/fdinfo/N`, `flags:` in octal) and whether any signal is blocked
 * (`/proc/self/status`, `SigBlk:` in hex). Reading them is cheaper than loading libc through
 * FFI, which `run` then needs only when something is actually wrong.
 */

const O_NONBLOCK_LINUX = 0o4000;

/** The open-file flags in an fdinfo text; undefined when absent or malformed. */
export function fdinfoFlags(text: string): number | undefined {
  const m = /^flags:\s*([0-7]+)\s*$/m.exec(text);
  return m?.[1] === undefined ? undefined : Number.parseInt(m[1], 8);
}

/** Whether an fdinfo text says O_NONBLOCK; unknown counts as yes (then libc checks). */
export function isNonBlocking(fdinfo: string): boolean {
  const flags = fdinfoFlags(fdinfo);
  return flags === undefined || (flags & O_NONBLOCK_LINUX) !== 0;
}

/** Whether a /proc/self/status text shows blocked signals; unknown counts as yes. */
export function hasBlockedSignals(status: string): boolean {
  const m = /^SigBlk:\s*([0-9a-fA-F]+)\s*$/m.exec(status);
  return m?.[1] === undefined || /[1-9a-fA-F]/.test(m[1]);
}
