/**
 * The pure side of `mcp-op proxy`'s bridge (effects/bridge.ts): the URL with its `{{ }}` values
 * put in, failures of the remote server said in one line (secrets taken out), and the JSON-RPC
 * errors that answer the client's requests.
 */
import { EXIT, type ExitCode, JSONRPC_REMOTE_FAILED, JSONRPC_START_FAILED, McpOpError, usageError } from "../errors.ts";
import type { RpcError } from "./answer.ts";
import { printable } from "./reference.ts";
import { substituteArgs } from "./template.ts";

/** Replace each `{{ ... }}` of a template (not a `\{{` escape) with `by`. */
function replacePlaceholders(template: string, by: string): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    if (template.startsWith("\\{{", i)) {
      out += "{{";
      i += 3;
      continue;
    }
    if (template.startsWith("{{", i)) {
      const close = template.indexOf("}}", i + 2);
      if (close === -1) return out + template.slice(i);
      out += by;
      i = close + 2;
      continue;
    }
    out += template[i];
    i++;
  }
  return out;
}

/**
 * The URL as messages show it: every `{{ }}` value as `…` (a token in the query stays out of
 * logs and of the client's UI).
 * @example shownUrl("https://x.dev/mcp?key={{ op://V/I/f }}") // "https://x.dev/mcp?key=…"
 */
export function shownUrl(template: string): string {
  return replacePlaceholders(template, "…");
}

/** `--url` must be an http(s) URL once its `{{ }}` values are in; checked before anything starts. */
export function checkUrlTemplate(template: string): void {
  const probe = replacePlaceholders(template, "x");
  let url: URL;
  try {
    url = new URL(probe);
  } catch {
    throw usageError(`--url ${printable(shownUrl(template))} is not a URL`, "e.g. --url https://mcp.example.com/mcp");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw usageError(`--url ${printable(shownUrl(template))}: only http and https URLs are remote MCP servers`);
  }
}

/**
 * The inner step's side: the values put in. A value inside the URL is one component's data and
 * is percent-encoded (a token with `&`, `#` or `/` stays one query value); a URL that is one
 * placeholder alone is the value as stored. Throws 65 without quoting the result.
 * @example resolveUrl("https://x.dev/mcp?key={{ K }}", { K: "a&b" }) // "https://x.dev/mcp?key=a%26b"
 */
export function resolveUrl(template: string, env: Readonly<Record<string, string | undefined>>): string {
  const trimmed = template.trim();
  const whole = trimmed.startsWith("{{") && trimmed.endsWith("}}") && trimmed.indexOf("{{", 2) === -1;
  const values = whole
    ? env
    : new Proxy(env, {
        get: (target, name) => {
          const value = typeof name === "string" ? target[name] : undefined;
          return value === undefined ? undefined : encodeURIComponent(value);
        },
      });
  const [url] = substituteArgs([template], values, () => "--url") as [string];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new McpOpError(
      EXIT.DATAERR,
      `--url ${printable(shownUrl(template))}: with its values from 1Password it is not a URL`,
    );
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new McpOpError(
      EXIT.DATAERR,
      `--url ${printable(shownUrl(template))}: with its values from 1Password it is not an http(s) URL`,
    );
  }
  return url;
}

/** Secrets shorter than this are not searched for in messages: they would mangle ordinary words. */
const MIN_SECRET = 4;

/**
 * `text` with every secret (and its URL-encoded and JSON-escaped forms) replaced by
 * `<redacted>`: a server may echo a header or the URL in its error text.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = secrets
    .filter((s) => s.length >= MIN_SECRET)
    .flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)])
    .sort((a, b) => b.length - a.length);
  for (const form of forms) out = out.split(form).join("<redacted>");
  return out;
}

/** What an error of the SDK's transports or of fetch carries (classes are mangled when minified). */
export interface TransportError {
  code?: unknown;
  message?: unknown;
}

export interface RemoteFailure {
  /** The HTTP status, when the server answered. */
  status?: number;
  /** The server's own JSON-RPC error, when its error body was one. */
  rpc?: RpcError;
  /** One line for stderr and the client, secrets taken out. */
  text: string;
  /** At connect, this ends the bridge: the headers were refused, or nobody answered. */
  fatal: boolean;
  exitCode: ExitCode;
}

/** The server's error bodies are cut here in messages: an HTML error page says nothing more. */
const MAX_BODY = 300;

/**
 * One failed send, as the user should read it. The SDK's texts (1.32.2): streamable HTTP
 * `Streamable HTTP error: Error POSTing to endpoint: <body>` with the status in `.code`; SSE
 * `SSE error: Non-200 status code (401)` (`.code` the status) and `Error POSTing to endpoint
 * (HTTP 401): <body>`; fetch's own errors for an unreachable server (`.code` a string such as
 * `ECONNREFUSED`; docs/remote-servers.md (c)).
 */
export function describeFailure(error: TransportError, url: string, secrets: readonly string[]): RemoteFailure {
  const message = typeof error.message === "string" ? error.message : String(error);
  const posted = /Error POSTing to endpoint(?: \(HTTP (\d{3})\))?: ?([\s\S]*)$/.exec(message);
  let status = typeof error.code === "number" && error.code >= 100 && error.code < 600 ? error.code : undefined;
  if (status === undefined && posted?.[1]) status = Number(posted[1]);
  const clean = (text: string) => {
    const line = printable(redactSecrets(text.trim(), secrets));
    return line.length > MAX_BODY ? `${line.slice(0, MAX_BODY)}…` : line;
  };
  if (status === undefined) {
    const code = typeof error.code === "string" ? ` (${error.code})` : "";
    return {
      text: `cannot reach ${url}: ${clean(message)}${code}`,
      fatal: true,
      exitCode: EXIT.UNAVAILABLE,
    };
  }
  const body = posted ? (posted[2] ?? "") : message.replace(/^(Streamable HTTP error|SSE error): /, "");
  const rpc = rpcErrorIn(body, secrets);
  const refused = status === 401 || status === 403;
  const hint = refused ? " (the server refused the headers: check their secrets in 1Password)" : "";
  return {
    status,
    ...(rpc ? { rpc } : {}),
    text: `${url} answered HTTP ${status}${body.trim() ? `: ${clean(body)}` : ""}${hint}`,
    fatal: refused,
    exitCode: refused ? EXIT.NOPERM : EXIT.UNAVAILABLE,
  };
}

/** A JSON-RPC error response in an HTTP error body (server-everything answers 400 with one). */
function rpcErrorIn(body: string, secrets: readonly string[]): RpcError | undefined {
  if (!body.trimStart().startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown; data?: unknown } };
    const e = parsed.error;
    if (!e || typeof e.code !== "number" || !Number.isInteger(e.code) || typeof e.message !== "string")
      return undefined;
    return {
      code: e.code,
      message: redactSecrets(e.message, secrets),
      ...(e.data !== undefined && typeof e.data === "object" && e.data !== null
        ? { data: e.data as Record<string, unknown> }
        : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * The error a client's request gets. At connect, a fatal failure answers as `run` does when it
 * cannot start (-32010, `mcp-op: ...`, the exit code in `data`); otherwise the server's own
 * JSON-RPC error when it sent one, or -32011 with the status.
 */
export function answerFor(failure: RemoteFailure, atConnect: boolean): RpcError {
  const status = failure.status === undefined ? {} : { status: failure.status };
  if (atConnect && failure.fatal) {
    return {
      code: JSONRPC_START_FAILED,
      message: `mcp-op: ${failure.text}`,
      data: { exitCode: failure.exitCode, ...status },
    };
  }
  if (failure.rpc) return { ...failure.rpc, data: { ...failure.rpc.data, ...status } };
  return { code: JSONRPC_REMOTE_FAILED, message: `mcp-op: ${failure.text}`, data: status };
}
