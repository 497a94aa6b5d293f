/**
 * The sign-in step: make sure `op run` will not need to prompt, prompting at most once across
 * every mcp-op that a client starts at the same time (signin-prompt.ts, loaded only when
 * `op whoami` says a sign-in is needed). Runs `op` with stdin = /dev/null (unless stdin is a
 * terminal): stdin is the client's JSON-RPC pipe and must not lose a byte.
 */
import { EXIT, McpOpError } from "../errors.ts";
import { logger } from "../logger.ts";
import type { OpFactory, OpFailure, OpResult } from "./op.ts";

export interface SigninInput {
  opPath: string;
  account: string | undefined;
  env: Record<string, string>;
  timeoutMs: number;
}

/**
 * Returns the variables sign-in produced (`OP_SESSION_*`; none under app integration). Every op
 * call goes through a client `makeOp` builds: one for `input.env`, one with the new session.
 * Without a promise when `op whoami` ran synchronously and said yes (Bun): `run`'s fast path then
 * execs without an `await` (the first one costs ~0.15 ms of start-up, effects/native.ts libcNow).
 * It may then also throw (69, 75) instead of rejecting: call it inside an async function.
 */
export function ensureSignedIn(
  input: SigninInput,
  makeOp: OpFactory,
): Record<string, string> | Promise<Record<string, string>> {
  const started = Date.now();
  const deadline = started + input.timeoutMs;
  const op = makeOp(input);
  // Only whoami's exit status matters (its "not signed in" is expected, not news), and it
  // never prompts: stdin is /dev/null, and whether stdin is a terminal (libc) is asked later.
  const decide = (result: OpResult): Record<string, string> | Promise<Record<string, string>> => {
    if (inTime(result, input.timeoutMs).ok) {
      logger.debug("op whoami: already signed in");
      return {};
    }
    // The slow path (the lock, op signin, the prompt) and its file-system code load only now.
    return import("./signin-prompt.ts").then(({ signInNow }) => signInNow(input, makeOp, op, started, deadline));
  };
  const whoami = op.signedIn({ deadline });
  return whoami instanceof Promise ? whoami.then(decide) : decide(whoami);
}

/** A call's result, or 75 when it ran out of the sign-in's time (`timeoutMs`, its whole limit). */
export function inTime<T extends OpResult<object>>(result: T, timeoutMs: number): T | (OpFailure & { kind: "exit" }) {
  if (!result.ok && result.kind === "timeout") throw timedOut(result.what, timeoutMs);
  return result as T | (OpFailure & { kind: "exit" });
}

/** 75: the sign-in ran out of time while waiting for `what`. */
function timedOut(what: string, timeoutMs: number): McpOpError {
  return new McpOpError(
    EXIT.TEMPFAIL,
    `sign-in timed out after ${timeoutMs / 1000}s (waiting for ${what})`,
    "approve the 1Password prompt, or raise --signin-timeout (and the client's startup timeout)",
  );
}
