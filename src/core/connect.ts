/**
 * The client side of an MCP stdio handshake, as `doctor --connect` speaks it: `initialize`,
 * `notifications/initialized`, then `tools/list` (every page). Written here rather than taken
 * from @modelcontextprotocol/sdk: the SDK client, loaded lazily, adds 1.13 MiB to the compiled
 * binary (measured: 112,605,360 -> 113,789,104 bytes, bytecode included; its zod schemas are
 * most of it) for three messages, and its StdioClientTransport kills only the process it
 * started, not the process group (`op run` and the server under it), so the spawning would be
 * ours anyway. Pure: effects/connect.ts moves the bytes.
 */
import { maskArgs } from "./detect.ts";

/** The protocol revision doctor offers; servers answer with theirs (any is fine for a check). */
export const PROTOCOL_VERSION = "2025-06-18";

export type JsonRpcId = number | string;

export interface JsonRpcMessage {
  jsonrpc?: string;
  id?: JsonRpcId | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

export function request(id: number, method: string, params: unknown): string {
  return `${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`;
}

export function notification(method: string): string {
  return `${JSON.stringify({ jsonrpc: "2.0", method })}\n`;
}

export function initializeRequest(id: number, version: string): string {
  return request(id, "initialize", {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: "mcp-op doctor", version },
  });
}

/** One stdout line as a JSON-RPC message, or undefined when it is not one. */
export function parseMessage(line: string): JsonRpcMessage | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonRpcMessage) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The answer to a request the server sends the client: `ping` is answered, anything else
 * (roots, sampling, elicitation: doctor offered no capability) gets "method not found".
 */
export function answerServerRequest(message: JsonRpcMessage): string {
  const id = message.id ?? null;
  if (message.method === "ping") return `${JSON.stringify({ jsonrpc: "2.0", id, result: {} })}\n`;
  return `${JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } })}\n`;
}

/** A JSON-RPC error as clients show it: `-32000: message`, on one line, plaintext masked. */
export function describeRpcError(error: JsonRpcMessage["error"]): string {
  const code = typeof error?.code === "number" ? `${error.code}: ` : "";
  const message = typeof error?.message === "string" ? error.message : JSON.stringify(error ?? null);
  return `${code}${safeLine(message)}`;
}

const OP_ERROR = /^\[ERROR\]\s+\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\s+/;
const MAX_LINE = 300;

/**
 * One line of a server's output, fit to print: terminal control characters escaped, op's
 * timestamp dropped (`[ERROR] 2026/01/02 03:04:05 msg` -> `[ERROR] msg`), plaintext-looking
 * secrets masked by the detector (`ghp_… (40 chars)`), at most 300 characters.
 */
export function safeLine(line: string): string {
  const plain = printableText(line).replace(OP_ERROR, "[ERROR] ").trim();
  const [masked = ""] = maskArgs([plain]);
  return masked.length > MAX_LINE ? `${masked.slice(0, MAX_LINE)}…` : masked;
}

/** Terminal escape sequences dropped (colours, cursor moves), other control characters as `\uXXXX`, tabs as spaces. */
function printableText(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x1b && text[i + 1] === "[") {
      // CSI: parameters and intermediates, then one final byte in @..~
      let j = i + 2;
      while (j < text.length && (text.charCodeAt(j) < 0x40 || text.charCodeAt(j) > 0x7e)) j++;
      i = j;
      continue;
    }
    if (c === 0x09) out += " ";
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    } else out += text[i];
  }
  return out;
}

/** The last `n` non-empty lines of a server's stderr, each made safe to print. */
export function stderrTail(stderr: string, n = 5): string[] {
  return stderr
    .split(/\r?\n|\r/)
    .filter((l) => l.trim() !== "")
    .slice(-n)
    .map(safeLine);
}
