/**
 * Exit codes and the one error type. Every failure mcp-op reports itself goes through
 * `McpOpError`; `cli.ts` is the only place that turns one into stderr text and an exit code.
 * Codes follow sysexits(3) so scripts and clients can tell failures apart.
 */

export const EXIT = {
  OK: 0,
  /** `doctor` found at least one error (it reports them itself). */
  FINDINGS: 1,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  /** A local file mcp-op needs (`migrate`'s env files, a backup or its directory) cannot be written. */
  CANTCREAT: 73,
  TEMPFAIL: 75,
  NOPERM: 77,
  CONFIG: 78,
  /** 128 + SIGHUP, as shells report it. */
  HANGUP: 129,
  /** 128 + SIGINT. */
  INTERRUPTED: 130,
  /** 128 + SIGTERM: what a client sends when a server's start-up takes too long. */
  TERMINATED: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit-code table shown by `--help` and in the README (a test keeps them in sync). */
export const EXIT_TABLE: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.FINDINGS, "`doctor` found an error (each one is listed with its fix)"],
  [EXIT.USAGE, "usage: unknown flag, missing `--` or command"],
  [
    EXIT.DATAERR,
    "bad env file line, malformed secret reference, or bad data: a reference that does not resolve (`check --resolve`), a token file not holding exactly one token, a `--vault` 1Password does not have",
  ],
  [EXIT.NOINPUT, "env file (or headers file) missing or unreadable (or no migration left to undo)"],
  [
    EXIT.UNAVAILABLE,
    "`op` or the server command not found, an `op` call of `migrate` or `headers` failed, or `proxy`'s remote server cannot be reached",
  ],
  [EXIT.SOFTWARE, "internal error (exec failed, bug)"],
  [
    EXIT.CANTCREAT,
    "`migrate` could not write a server's env file or a backup (that server's config is left as it was), or a backup directory cannot be made (a file stands where it goes; nothing is changed)",
  ],
  [EXIT.TEMPFAIL, "sign-in (or another `op` call) timed out, or `headers` did not finish within 9.5 s"],
  [
    EXIT.NOPERM,
    "insecure file (an env or headers file others can write, a token file others can read, any of them in a directory others can write to), sign-in lock directory or backup directory (a link, another user's), sign-in refused or impossible (no such account), or `proxy`'s remote server refused the headers (HTTP 401/403)",
  ],
  [
    EXIT.CONFIG,
    "client config error (one that does not parse, or holds a key twice where servers are), or `migrate --undo` left an entry changed since the migration as it is",
  ],
  [
    EXIT.HANGUP,
    "stopped by SIGHUP: `add`/`remove` undo what they did (a wait for a config's lock ends at once), `migrate --apply` stops between servers, sign-in (`run`, `check --resolve`) stops the `op` it waits on",
  ],
  [EXIT.INTERRUPTED, "stopped by Ctrl-C (SIGINT), as for 129"],
  [EXIT.TERMINATED, "stopped by SIGTERM (a client's start-up timeout sends it), as for 129"],
];

/**
 * The exit codes each command can return itself (every command: 64 for usage, 70 for a bug), in
 * table order; `--help` shows these rows only. `run` returns the server's own code once it execs.
 */
export const COMMAND_EXITS: Readonly<Record<string, readonly ExitCode[]>> = {
  run: [64, 65, 66, 69, 70, 75, 77, 129, 130, 143],
  check: [64, 65, 66, 69, 70, 75, 77, 129, 130, 143],
  add: [64, 65, 66, 70, 77, 78, 129, 130, 143],
  remove: [64, 70, 78, 129, 130, 143],
  list: [64, 70, 78],
  doctor: [1, 64, 70, 78],
  migrate: [64, 65, 66, 69, 70, 73, 75, 77, 78, 129, 130, 143],
  headers: [64, 65, 66, 69, 70, 75, 77, 129, 130, 143],
  proxy: [64, 65, 66, 69, 70, 75, 77, 129, 130, 143],
};

/**
 * The JSON-RPC error code of the answers `run` (and the internal stage) give the client's
 * requests when it fails before the server starts (cli.ts, effects/answer.ts). MCP leaves
 * -32000..-32019 to implementations and allocates -32020..-32099 itself (schema 2026-07-28:
 * -32020 header mismatch, -32021 missing client capability, -32022 unsupported protocol
 * version; -32002 and -32042 stay reserved); the TypeScript SDK uses -32000 (ConnectionClosed)
 * and -32001 (RequestTimeout). So: one of the implementation codes nobody else uses.
 */
export const JSONRPC_START_FAILED = -32010;

/**
 * The JSON-RPC error code `mcp-op proxy` answers a request with when the remote server failed it
 * without a JSON-RPC error of its own (an HTTP error page, a dropped connection): the next
 * implementation code.
 */
export const JSONRPC_REMOTE_FAILED = -32011;

/**
 * Of two failures' exit codes, the one listed first in EXIT_TABLE. With several bad inputs,
 * every one is reported and this picks the exit code, so it never depends on their order.
 */
export function firstInTable(a: ExitCode | undefined, b: ExitCode): ExitCode {
  if (a === undefined) return b;
  const rank = (code: ExitCode) => EXIT_TABLE.findIndex(([c]) => c === code);
  return rank(b) < rank(a) ? b : a;
}

export class McpOpError extends Error {
  override readonly name = "McpOpError";
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** One line telling the user what to do; printed after the message. */
    readonly hint?: string,
  ) {
    super(message);
  }

  /** A failure whose details were already logged: only the exit code is left to set. */
  static reported(exitCode: ExitCode): McpOpError {
    return new McpOpError(exitCode, "");
  }
}

export const usageError = (message: string, hint?: string) => new McpOpError(EXIT.USAGE, message, hint);

/** The table as Markdown, for the README (a test keeps the README's copy the same). */
export function renderExitTable(): string {
  const rows = EXIT_TABLE.map(([code, meaning]) => `| ${code} | ${meaning} |`);
  return ["| code | meaning |", "|---|---|", ...rows].join("\n");
}
