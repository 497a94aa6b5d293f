/**
 * What Linux's /proc says about this process's state before exec: which of fds 0-2 are
 * O_NONBLOCK (`/proc/self/fdinfo/N`, `flags:` in octal) and whether any signal is blocked
 * (`/proc/self/status`, `SigBlk:` in hex). Reading them is cheaper than loading libc through
 * FFI, which `run` then needs only when something is actually wrong.
 */

const O_NONBLOCK_LINUX = 0o4000;

/** The value after `name:` at the start of a line of a /proc text (no RegExp on run's path). */
function field(text: string, name: string): string | undefined {
  const key = `${name}:`;
  const at = `\n${text}`.indexOf(`\n${key}`); // where that line starts in `text`
  if (at === -1) return undefined;
  const end = text.indexOf("\n", at);
  return text.slice(at + key.length, end === -1 ? undefined : end).trim();
}

const allIn = (s: string, digits: string) => s !== "" && [...s].every((c) => digits.includes(c));

/** The open-file flags in an fdinfo text; undefined when absent or malformed. */
export function fdinfoFlags(text: string): number | undefined {
  const value = field(text, "flags");
  return value !== undefined && allIn(value, "01234567") ? Number.parseInt(value, 8) : undefined;
}

/** Whether an fdinfo text says O_NONBLOCK; unknown counts as yes (then libc checks). */
export function isNonBlocking(fdinfo: string): boolean {
  const flags = fdinfoFlags(fdinfo);
  return flags === undefined || (flags & O_NONBLOCK_LINUX) !== 0;
}

/** Whether a /proc/self/status text shows blocked signals; unknown counts as yes. */
export function hasBlockedSignals(status: string): boolean {
  const mask = field(status, "SigBlk");
  return mask === undefined || !allIn(mask, "0123456789abcdefABCDEF") || !allIn(mask, "0");
}
