/**
 * JSON-RPC error answers for the client's requests when `run` (or the internal stage) fails
 * before the server starts, so that the client shows mcp-op's message. Measured with claude
 * 2.1.328: a server that answers `initialize` with an error is listed as `✘ Failed to connect —
 * <code>: <message>`; one that writes to stderr and exits only as `CONNECTION_CLOSED: Connection
 * closed`. The MCP lifecycle section itself shows an error answer to `initialize` (-32602).
 *
 * Pure: effects/answer.ts reads stdin and writes what this returns. Memory is bounded: a line
 * is kept up to `maxLineBytes`, a longer one is skipped to its end unread.
 */
import { JSONRPC_START_FAILED } from "../errors.ts";

/** How many requests get an answer (claude 2.1.328 sends two: `server/discover`, then `initialize`). */
export const MAX_ANSWERS = 8;
/** An MCP request is a few KiB; a longer line is skipped unanswered rather than held in memory. */
export const MAX_LINE_BYTES = 1 << 20;

export interface RpcError {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

/** Error lines shown in full; a file with many bad lines would make a message nobody reads. */
const MAX_LINES = 5;
/** Characters of the message at most (a client shows it on one line). */
const MAX_MESSAGE = 2000;

/**
 * The error every request gets: the error lines mcp-op wrote to stderr (each with its fix),
 * joined on one line, and the exit code it is about to exit with.
 * @example startFailure(["a.env: no such file"], 66) // { code: -32010, message: "mcp-op: a.env: no such file", data: { exitCode: 66 } }
 */
export function startFailure(lines: readonly string[], exitCode: number): RpcError {
  let text = lines.slice(0, MAX_LINES).join(" | ");
  if (lines.length > MAX_LINES) text += ` | and ${lines.length - MAX_LINES} more`;
  if (text === "") text = `failed before the server started (exit ${exitCode})`;
  const chars = [...`mcp-op: ${text}`];
  const message = chars.length > MAX_MESSAGE ? `${chars.slice(0, MAX_MESSAGE - 1).join("")}…` : chars.join("");
  return { code: JSONRPC_START_FAILED, message, data: { exitCode } };
}

/**
 * Splits the client's byte stream into lines and answers each request (a message with a
 * `method` and a string or number `id`) with `error`, keeping its id exactly as sent (a number
 * id beyond 2^53 too). Notifications, responses, lines that are not JSON and ids of other types
 * get no answer: JSON-RPC answers a parse error with id null, which no client can match to a
 * request. A batch (an array, as the 2025-03-26 revision allowed) gets an array of answers.
 * A last line without "\n" at EOF is not a message (as the SDK's reader treats it).
 */
export class RequestAnswerer {
  /** Requests answered so far (at most `maxAnswers`). */
  answered = 0;
  private parts: Uint8Array[] = [];
  private size = 0;
  private skipping = false;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly error: RpcError,
    private readonly maxAnswers = MAX_ANSWERS,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  /** True once `maxAnswers` requests have been answered: nothing more will be. */
  get done(): boolean {
    return this.answered >= this.maxAnswers;
  }

  /**
   * Take the next bytes of stdin; returns the answer lines (each ending in "\n") for the
   * complete messages in them, and how many complete lines there were.
   */
  push(chunk: Uint8Array): { answers: string[]; lines: number } {
    const answers: string[] = [];
    let lines = 0;
    let start = 0;
    while (start <= chunk.length && !this.done) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.skipping) {
        if (this.size + (end - start) > this.maxLineBytes) {
          this.skipping = true;
          this.parts = [];
          this.size = 0;
        } else if (end > start) {
          this.parts.push(chunk.slice(start, end));
          this.size += end - start;
        }
      }
      if (nl === -1) break;
      lines++;
      if (!this.skipping) {
        const answer = this.answerLine(this.takeLine());
        if (answer !== undefined) answers.push(`${answer}\n`);
      }
      this.skipping = false;
      this.parts = [];
      this.size = 0;
      start = nl + 1;
    }
    return { answers, lines };
  }

  private takeLine(): string {
    const bytes = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      bytes.set(p, at);
      at += p.length;
    }
    return this.decoder.decode(bytes);
  }

  private answerLine(line: string): string | undefined {
    let message: unknown;
    try {
      message = JSON.parse(line, (key, value, context?: { source?: string }) => {
        // The id's own text, where the runtime gives it (Bun, Deno, Node >= 21): a number id
        // parsed as a double could come back as another number.
        return key === "id" && typeof value === "number" && context?.source !== undefined
          ? new RawNumber(context.source)
          : value;
      });
    } catch {
      return undefined;
    }
    if (Array.isArray(message)) {
      const answers = message.flatMap((m) => {
        const a = this.answerOne(m);
        return a === undefined ? [] : [a];
      });
      return answers.length > 0 ? `[${answers.join(",")}]` : undefined;
    }
    return this.answerOne(message);
  }

  private answerOne(message: unknown): string | undefined {
    if (this.done || typeof message !== "object" || message === null || Array.isArray(message)) return undefined;
    const { method, id } = message as { method?: unknown; id?: unknown };
    if (typeof method !== "string") return undefined;
    let idText: string;
    if (id instanceof RawNumber) idText = id.source;
    else if (typeof id === "string" || typeof id === "number") idText = JSON.stringify(id);
    else return undefined;
    this.answered++;
    return `{"jsonrpc":"2.0","id":${idText},"error":${JSON.stringify(this.error)}}`;
  }
}

/** A number id as the client wrote it. */
class RawNumber {
  constructor(readonly source: string) {}
}
