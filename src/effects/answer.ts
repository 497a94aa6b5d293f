/**
 * When `run` (or the internal stage) fails before it execs, the client is still waiting for the
 * server to answer `initialize`: read its messages from stdin and answer each request with the
 * failure (core/answer.ts), so that its UI shows why. Only on that failure path, after cli.ts
 * has decided nothing will be exec'd, and only when stdin is not a terminal (a person at a
 * terminal gets the stderr line). The one time `run` writes to stdout.
 *
 * Measured with claude 2.1.328 (`claude mcp list`): it writes a `server/discover` probe 5 ms
 * after the spawn, `initialize` 10 ms after an error answer to it (3 s after an unanswered one),
 * and closes stdin 12 ms after an error answer to that. The MCP SDK client closes the transport
 * when `initialize` fails. So a client's requests are already waiting, or follow within a round
 * trip; the limits below only bound a client that neither writes nor closes.
 */
import { writeSync } from "node:fs";
import { RequestAnswerer, type RpcError } from "../core/answer.ts";
import { stdinGivenAway } from "./exec.ts";
import { isTerminal } from "./native.ts";

export interface AnswerLimits {
  /** Give up when no complete message came for this long (since the start or the last one). */
  idleMs: number;
  /** Give up this long after starting, however chatty the client. */
  totalMs: number;
}

/**
 * A client's next request follows our answer within milliseconds (above); 2 s leaves room for a
 * loaded machine. 10 s in all is Codex's default start-up timeout: no client waits for more
 * before its own timeout would show instead.
 */
export const ANSWER_LIMITS: AnswerLimits = { idleMs: 2000, totalMs: 10_000 };

/**
 * Answer the client's requests with `error` until stdin ends, the limits pass or enough were
 * answered (core/answer.ts MAX_ANSWERS). Returns how many were answered. Writes nothing when
 * no request comes.
 */
export async function answerRequests(error: RpcError, limits: AnswerLimits = ANSWER_LIMITS): Promise<number> {
  if (stdinGivenAway() || (await isTerminal(0))) return 0;
  const answerer = new RequestAnswerer(error);
  let stdin: NodeJS.ReadStream;
  try {
    stdin = process.stdin;
  } catch {
    return 0; // no fd 0 at all
  }
  return new Promise((resolve) => {
    let idle: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      clearTimeout(idle);
      clearTimeout(total);
      stdin.off("data", onData);
      stdin.pause();
      resolve(answerer.answered);
    };
    const total = setTimeout(finish, limits.totalMs);
    const rearm = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, limits.idleMs);
    };
    const onData = (chunk: Uint8Array) => {
      const { answers, lines } = answerer.push(chunk);
      for (const answer of answers) {
        if (!writeOut(answer)) return finish();
      }
      if (answerer.done) return finish();
      if (lines > 0) rearm();
    };
    rearm();
    stdin.on("data", onData);
    stdin.once("end", finish);
    stdin.once("error", finish);
  });
}

/**
 * One answer to fd 1, synchronously (a stream write can switch the pipe to O_NONBLOCK and lose
 * what is queued at exit: docs/bun.md). False when the client stopped reading.
 */
function writeOut(text: string): boolean {
  const bytes = new TextEncoder().encode(text);
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(1, bytes, off, bytes.length - off);
    return true;
  } catch {
    return false;
  }
}
