/**
 * Ctrl-C (SIGINT), SIGTERM (a client's start-up timeout sends it) and SIGHUP, held while mcp-op
 * does something that must not stop halfway: registering in several clients, migrating, waiting
 * on a sign-in prompt. The first one aborts `signal` (an `op` call in flight is ended) and makes
 * `check` throw 128 + its number, so the caller stops at a safe point and cleans up first.
 */
import { EXIT, McpOpError } from "../errors.ts";

const CODES = { SIGHUP: EXIT.HANGUP, SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED } as const;
type Name = keyof typeof CODES;

export interface Held {
  /** Aborted by the first signal. */
  signal: AbortSignal;
  /** Throws (128 + n, with `message(name)`, by default "interrupted (SIGINT)") once signal n came. */
  check(message?: (name: string) => string): void;
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
  try {
    return await fn(held);
  } finally {
    for (const name of names) process.off(name, onSignal);
  }
}
