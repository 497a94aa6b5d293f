/**
 * Ctrl-C (SIGINT), SIGTERM (a client's start-up timeout sends it) and SIGHUP, held while mcp-op
 * does something that must not stop halfway: registering in several clients, migrating, waiting
 * on a sign-in prompt. The first one aborts `signal` (an `op` call in flight is ended) and makes
 * `check` throw 128 + its number, so the caller stops at a safe point and cleans up first.
 */
import { EXIT, McpOpError } from "../errors.ts";

/**
 * Linux: the kernel sends this process `signal` when the one that started it exits (prctl
 * PR_SET_PDEATHSIG); false where there is no such call. Passed on from native.ts, where libc
 * is loaded only when this is called, so that commands reach libc only through this module.
 */
export { setParentDeathSignal } from "./native.ts";

const CODES = { SIGHUP: EXIT.HANGUP, SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED } as const;
type Name = keyof typeof CODES;

export interface Held {
  /** Aborted by the first signal. */
  signal: AbortSignal;
  /** Throws (128 + n, with `message(name)`, by default "interrupted (SIGINT)") once signal n came. */
  check(message?: (name: string) => string): void;
}

/** The innermost hold in effect, if any: a wait deep inside (a config lock) can end early on a signal. */
let active: Held | undefined;

/**
 * The hold in effect, for code that waits without being handed one (`edit` waiting for a config
 * lock): its `check` throws 128 + n once a signal came. Undefined outside `withSignalsHeld`,
 * where signals keep their default action.
 */
export function currentHold(): Held | undefined {
  return active;
}

export async function withSignalsHeld<T>(fn: (held: Held) => Promise<T>): Promise<T> {
  const names = Object.keys(CODES) as Name[];
  const controller = new AbortController();
  let caught: Name | undefined;
  const onSignal = (name: string) => {
    caught ??= name as Name;
    controller.abort();
  };
  const held: Held = {
    signal: controller.signal,
    check(message = (name) => `interrupted (${name})`) {
      if (caught) throw new McpOpError(CODES[caught], message(caught));
    },
  };
  for (const name of names) process.on(name, onSignal);
  const outer = active;
  active = held;
  try {
    return await fn(held);
  } finally {
    active = outer;
    for (const name of names) process.off(name, onSignal);
  }
}
