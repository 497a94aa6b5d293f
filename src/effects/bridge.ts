/**
 * `mcp-op proxy`'s bridge: the client's JSON-RPC lines on stdin go to a remote MCP server over
 * streamable HTTP (or SSE, when the server offers only that), and everything the server sends
 * goes to stdout, one line per message. The MCP SDK's client transports handle HTTP sessions,
 * SSE streams and their resumption; this file loads them, so it is a chunk of its own that
 * only the bridge loads (about +1.35 MiB and 20-30 ms of start-up, nearly all the SDK's zod
 * schemas: docs/remote-servers.md (c)).
 *
 * stdin is read here rather than by the SDK's StdioServerTransport: that one validates each line
 * with a strict zod schema and drops what it refuses (a message with one field too many), so
 * the client would wait forever; here every JSON line goes on as it is. It also ignores stdin's
 * end, which must end the session.
 *
 * - At connect (until the server has answered `initialize`), an HTTP 401/403 or a server nobody
 *   answers for ends the bridge: the request gets a JSON-RPC error with the status and the
 *   server's message (as `run` answers when it cannot start: -32010, core/answer.ts), so do
 *   the client's next requests for a few seconds (effects/answer.ts's limits), and the bridge
 *   exits 77 or 69.
 * - Later, a failed request is answered with the server's own JSON-RPC error when its HTTP
 *   error body was one, else -32011 with the status; the bridge stays up.
 * - stdin's end, SIGINT (how Claude Code stops a stdio server), SIGTERM and SIGHUP end the
 *   remote session: `terminateSession()` sends the DELETE that `close()` does not (SDK 1.32.2).
 */
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { RequestAnswerer, type RpcError } from "../core/answer.ts";
import { answerFor, describeFailure, type RemoteFailure, type TransportError } from "../core/bridge.ts";
import { EXIT } from "../errors.ts";
import { logger } from "../logger.ts";
import { ANSWER_LIMITS } from "./answer.ts";
import { writeAll } from "./files.ts";

export interface BridgeConfig {
  /** The URL with its secrets in: never logged. */
  url: string;
  /** The URL as messages show it (core/bridge.ts shownUrl). */
  shown: string;
  headers: Record<string, string>;
  /** Values never to repeat in a message (a server may echo a header in its error text). */
  secrets: string[];
}

/** A message as the client wrote it: an object, or a batch (an array of them). */
type Message = Record<string, unknown> | Array<Record<string, unknown>>;

/** How long a DELETE of the session may take at shutdown: a client kills a server 2 s after SIGTERM. */
const TERMINATE_MS = 1500;
/** At stdin's end, requests still waiting for the server get this long to be answered. */
const DRAIN_MS = 2000;

const SIGNALS = { SIGHUP: EXIT.HANGUP, SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED } as const;

/** A failure already described, thrown on from the SSE fallback. */
class Described extends Error {
  constructor(readonly failure: RemoteFailure) {
    super(failure.text);
  }
}

export function runBridge(config: BridgeConfig): Promise<never> {
  return new Bridge(config).run();
}

class Bridge {
  private readonly http: StreamableHTTPClientTransport;
  private remote: Transport;
  /** The transport is chosen: the server answered something other than 404/405 to the first POST. */
  private decided = false;
  /** The server answered `initialize`: from now on a failure is one request's, not the bridge's. */
  private established = false;
  private readonly initializeIds = new Set<string>();
  /** Requests sent on and not yet answered (keys: JSON of the id). */
  private readonly pending = new Set<string>();
  /** Before `initialize` is answered, messages go one at a time (the transport may still change). */
  private readonly queue: Message[] = [];
  private draining = false;
  /** stdin ended or a signal came: no more reading. */
  private ending = false;
  /** The remote session is being ended: failures now are expected. */
  private stopping = false;
  private exitCode = 0;
  /** Set once the bridge failed at connect: what answers the client until it exits. */
  private failing:
    | {
        answerer: RequestAnswerer;
        finish: () => void;
        total: ReturnType<typeof setTimeout>;
        idle: ReturnType<typeof setTimeout>;
      }
    | undefined;
  /** Called when the last pending request is answered, while shutting down. */
  private drained: (() => void) | undefined;
  private buffer = "";
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  private readonly debug = logger.level >= 4;
  private readonly url: URL;

  constructor(private readonly config: BridgeConfig) {
    this.url = new URL(config.url);
    this.http = new StreamableHTTPClientTransport(this.url, { requestInit: { headers: config.headers } });
    this.remote = this.http;
    this.wire(this.http);
  }

  async run(): Promise<never> {
    await this.http.start();
    process.stdin.on("data", this.onData);
    process.stdin.once("end", this.onEnd);
    process.stdin.once("error", this.onEnd);
    for (const [name, code] of Object.entries(SIGNALS)) process.on(name, () => void this.shutdown(code, false));
    return new Promise<never>(() => {});
  }

  private wire(transport: Transport): void {
    transport.onmessage = (message) => this.fromServer(message);
    transport.onerror = (error) => {
      // The optional GET stream refused (405), a stream that dropped and is being resumed: the
      // SDK carries on; a request's own failure is reported where it was sent.
      if (!this.stopping && this.debug) logger.debug(`remote: ${this.describe(error).text}`);
    };
  }

  private describe(error: unknown): RemoteFailure {
    if (error instanceof Described) return error.failure;
    return describeFailure((error ?? {}) as TransportError, this.config.shown, this.config.secrets);
  }

  // ---- client -> server

  private readonly onData = (chunk: Uint8Array) => {
    if (this.failing) {
      this.answerFailing(chunk);
      return;
    }
    this.buffer += this.decoder.decode(chunk, { stream: true });
    for (let nl = this.buffer.indexOf("\n"); nl !== -1; nl = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.fromClient(line);
      if (this.failing) {
        // The bridge failed on that line: what is left is answered as the rest will be.
        const rest = this.buffer;
        this.buffer = "";
        if (rest) this.answerFailing(this.encoder.encode(rest));
        return;
      }
    }
  };

  private readonly onEnd = () => void this.shutdown(EXIT.OK, true);

  private fromClient(line: string): void {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text.trim() === "") return;
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      // JSON-RPC would answer with id null, which no client can match to a request.
      logger.warn("the client sent a line that is not JSON: ignored");
      return;
    }
    if (typeof message !== "object" || message === null) return;
    for (const m of Array.isArray(message) ? message : [message]) {
      if (typeof m?.method !== "string" || !isId(m.id)) continue;
      const key = JSON.stringify(m.id);
      this.pending.add(key);
      if (m.method === "initialize") this.initializeIds.add(key);
      if (this.debug) logger.debug(`client -> server: ${m.method} (id ${key})`);
    }
    if (this.established) void this.send(message, false);
    else {
      this.queue.push(message);
      void this.drain();
    }
  }

  /** One message at a time until the server has answered `initialize`, then the rest at once. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    while (!this.established && !this.failing && !this.stopping) {
      const message = this.queue.shift();
      if (message === undefined) break;
      await this.send(message, true);
    }
    this.draining = false;
    if (this.established) for (const message of this.queue.splice(0)) void this.send(message, false);
  }

  private async send(message: Message, atConnect: boolean): Promise<void> {
    try {
      if (this.decided) await this.remote.send(message as JSONRPCMessage);
      else await this.sendFirst(message);
    } catch (error) {
      if (this.stopping) return;
      this.failed(message, this.describe(error), atConnect);
    }
  }

  /**
   * The first POST decides the transport: 404 or 405 means no streamable HTTP endpoint there,
   * so SSE is tried (as mcp-remote does, and VS Code: "tries the HTTP Stream transport and falls
   * back to SSE"). When SSE does not answer either, an `initialize` has nothing to talk to; any
   * other first message keeps streamable HTTP and gets its 404.
   */
  private async sendFirst(message: Message): Promise<void> {
    try {
      await this.http.send(message as JSONRPCMessage);
      this.decided = true;
      return;
    } catch (error) {
      const failure = this.describe(error);
      if (failure.status !== 404 && failure.status !== 405) {
        if (!failure.fatal) this.decided = true;
        throw new Described(failure);
      }
      const sse = new SSEClientTransport(this.url, { requestInit: { headers: this.config.headers } });
      this.wire(sse);
      try {
        await sse.start();
      } catch (sseError) {
        void sse.close().catch(() => {});
        this.decided = true;
        const other = this.describe(sseError);
        if (!requests(message).some((r) => r.method === "initialize")) throw new Described(failure);
        throw new Described({
          ...other,
          text: `${failure.text}, and to an SSE connection: ${other.text.replace(`${this.config.shown} `, "")}`,
          fatal: true,
          exitCode: other.exitCode,
        });
      }
      logger.debug("no streamable HTTP endpoint (HTTP 404/405): talking SSE");
      this.remote = sse;
      this.decided = true;
      await sse.send(message as JSONRPCMessage);
    }
  }

  private failed(message: Message, failure: RemoteFailure, atConnect: boolean): void {
    const ids = requests(message).map((r) => r.id);
    if (atConnect && failure.fatal) {
      this.fail(failure, ids);
      return;
    }
    logger.warn(failure.text);
    const answer = answerFor(failure, atConnect);
    for (const id of ids) this.answer(id, answer);
  }

  // ---- server -> client

  private fromServer(message: JSONRPCMessage): void {
    const m = message as Record<string, unknown>;
    if (isId(m.id) && ("result" in m || "error" in m)) {
      const key = JSON.stringify(m.id);
      this.settle(key);
      if (this.debug) logger.debug(`server -> client: ${"error" in m ? "error" : "result"} (id ${key})`);
      if (!this.established && this.initializeIds.has(key) && "result" in m) {
        this.established = true;
        // Later requests carry MCP-Protocol-Version (spec 2025-06-18, "Protocol Version Header"):
        // the SDK's Client sets it after initialize; a bridge has to.
        const version = (m.result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
        if (typeof version === "string") this.remote.setProtocolVersion?.(version);
      }
    }
    this.write(message);
    if (this.established && !this.draining && this.queue.length > 0) void this.drain();
  }

  private settle(key: string): void {
    this.pending.delete(key);
    if (this.pending.size === 0) this.drained?.();
  }

  private answer(id: string | number, error: RpcError): void {
    this.settle(JSON.stringify(id));
    this.write({ jsonrpc: "2.0", id, error } as JSONRPCMessage);
  }

  /** One line to fd 1, synchronously (as effects/answer.ts, for the same reasons). */
  private write(message: unknown): void {
    try {
      writeAll(1, this.encoder.encode(`${JSON.stringify(message)}\n`));
    } catch {
      // The client stopped reading: nobody is left to talk for.
      void this.shutdown(EXIT.OK, false);
    }
  }

  // ---- failure at connect, and the end

  /**
   * The bridge cannot start: one line on stderr; the request, every queued one, and whatever the
   * client sends next for a few seconds (effects/answer.ts's limits) get the failure; then exit.
   */
  private fail(failure: RemoteFailure, ids: Array<string | number>): void {
    if (this.failing || this.stopping) return;
    logger.error(failure.text);
    const answer = answerFor(failure, true);
    for (const id of ids) this.answer(id, answer);
    for (const message of this.queue.splice(0)) for (const r of requests(message)) this.answer(r.id, answer);
    if (this.ending) {
      // stdin has ended: nothing more will come to answer.
      void this.shutdown(failure.exitCode, false);
      return;
    }
    const finish = () => {
      clearTimeout(failing.total);
      clearTimeout(failing.idle);
      void this.shutdown(failure.exitCode, false);
    };
    const failing = {
      answerer: new RequestAnswerer(answer),
      finish,
      total: setTimeout(finish, ANSWER_LIMITS.totalMs),
      idle: setTimeout(finish, ANSWER_LIMITS.idleMs),
    };
    this.failing = failing;
    process.stdin.off("end", this.onEnd);
    process.stdin.once("end", finish);
  }

  /** After `fail`: the client's bytes go to the answerer, which answers each request. */
  private answerFailing(chunk: Uint8Array): void {
    const failing = this.failing;
    if (!failing) return;
    const { answers, lines } = failing.answerer.push(chunk);
    for (const a of answers) {
      try {
        writeAll(1, this.encoder.encode(a));
      } catch {
        failing.finish();
        return;
      }
    }
    if (failing.answerer.done) failing.finish();
    else if (lines > 0) {
      clearTimeout(failing.idle);
      failing.idle = setTimeout(failing.finish, ANSWER_LIMITS.idleMs);
    }
  }

  /**
   * End the remote session and exit. At stdin's end, the requests already read still go out and
   * get their answers, for {@link DRAIN_MS} at most (a client may close its side right after its
   * last request); a signal meanwhile ends that wait, and sets the exit code.
   */
  private async shutdown(code: number, drain: boolean): Promise<void> {
    this.exitCode = code;
    if (this.ending) {
      this.drained?.();
      return;
    }
    this.ending = true;
    process.stdin.off("data", this.onData);
    if (drain && this.pending.size > 0 && !this.failing) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        setTimeout(resolve, DRAIN_MS);
      });
    }
    this.stopping = true;
    if (this.remote === this.http && this.http.sessionId !== undefined) {
      logger.debug("ending the remote session (DELETE)");
      await Promise.race([
        this.http.terminateSession().catch((error: unknown) => {
          logger.debug(`could not end the remote session: ${this.describe(error).text}`);
        }),
        new Promise((r) => setTimeout(r, TERMINATE_MS)),
      ]);
    }
    await this.remote.close().catch(() => {});
    process.exit(this.exitCode);
  }
}

function isId(id: unknown): id is string | number {
  return typeof id === "string" || typeof id === "number";
}

/** The requests in a message (a method and an id), batch or not. */
function requests(message: Message): Array<{ method: string; id: string | number }> {
  const out: Array<{ method: string; id: string | number }> = [];
  for (const m of Array.isArray(message) ? message : [message]) {
    if (typeof m?.method === "string" && isId(m.id)) out.push({ method: m.method, id: m.id });
  }
  return out;
}
