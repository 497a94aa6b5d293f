/**
 * The one consola instance, tagged `[mcp-op]`. Everything goes to fd 2 with a synchronous
 * write: stdout belongs to the MCP server, and a buffered or O_NONBLOCK stderr could lose lines
 * queued when `run` execs `op` (docs/bun.md).
 *
 * Built on `consola/core` with a one-line reporter: `consola/basic` touches `process.stdout` at
 * import, which in Bun creates the stdout stream (about 2.5 ms, and it is the server's fd).
 */
import { type ConsolaInstance, type ConsolaReporter, createConsola, LogLevels } from "consola/core";
import { writeSync } from "./effects/sys.ts";

/** Set with `MCP_OP_LOG_LEVEL=silent|error|warn|info|debug` (or a consola number). */
export const LOG_LEVEL_VAR = "MCP_OP_LOG_LEVEL";

const LEVELS: Record<string, number> = { silent: -999, error: 0, warn: 1, info: 3, debug: 4, trace: 5 };

export function levelFrom(verbose: boolean, envLevel: string | undefined): number {
  if (verbose) return LEVELS.debug as number;
  if (envLevel !== undefined) {
    const named = LEVELS[envLevel.toLowerCase()];
    if (named !== undefined) return named;
    const n = Number(envLevel);
    if (envLevel !== "" && Number.isInteger(n)) return n;
  }
  return LEVELS.warn as number;
}

/** `[type] [tag] message`, one line per call, straight to fd 2. */
const stderrLines: ConsolaReporter = {
  log(logObj) {
    const text = logObj.args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(" ");
    const tag = logObj.tag ? ` [${logObj.tag}]` : "";
    writeSync(2, `[${logObj.type}]${tag} ${text}\n`);
  },
};

type LogFn = (message: unknown, ...args: unknown[]) => void;

let level = levelFrom(false, process.env[LOG_LEVEL_VAR]);
let instance: ConsolaInstance | undefined;

/**
 * Built on first use: creating a consola instance costs `run` about 0.2 ms of start-up
 * (scripts/bench/RESULTS.md), and the fast path usually logs nothing.
 */
function consola(): ConsolaInstance {
  instance ??= createConsola({ level, reporters: [stderrLines] }).withTag("mcp-op");
  return instance;
}

/** The first error lines logged, whatever the level: `run` repeats them to the client (cli.ts). */
const errors: string[] = [];
const MAX_KEPT = 100;

const at =
  (min: number, type: "debug" | "info" | "warn" | "error"): LogFn =>
  (message, ...args) => {
    if (type === "error" && errors.length < MAX_KEPT) errors.push([message, ...args].map(String).join(" "));
    if (level >= min) consola()[type](message, ...args);
  };

/** Every error line logged so far (at most the first 100), as written after the tag. */
export function loggedErrors(): readonly string[] {
  return errors;
}

export const logger: { readonly level: number; debug: LogFn; info: LogFn; warn: LogFn; error: LogFn } = {
  get level() {
    return level;
  },
  debug: at(LogLevels.debug, "debug"),
  info: at(LogLevels.info, "info"),
  warn: at(LogLevels.warn, "warn"),
  error: at(LogLevels.error, "error"),
};

export function setVerbose(verbose: boolean): void {
  level = levelFrom(verbose, process.env[LOG_LEVEL_VAR]);
  if (instance) instance.level = level;
}
