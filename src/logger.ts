/**
 * The one consola instance. Everything goes to fd 2 with a synchronous write: stdout belongs
 * to the MCP server, and a buffered or O_NONBLOCK stderr could lose lines queued when `run`
 * execs `op` (architecture.md, "Facts about Bun").
 */
import { writeSync } from "node:fs";
import { type ConsolaInstance, createConsola } from "consola/basic";

/** Set with `MCP_OP_LOG_LEVEL=silent|error|warn|info|debug` (or a consola number). */
export const LOG_LEVEL_VAR = "MCP_OP_LOG_LEVEL";

const LEVELS: Record<string, number> = { silent: -999, error: 0, warn: 1, info: 3, debug: 4, trace: 5 };

const stderrSink = {
  write(chunk: string): boolean {
    writeSync(2, chunk);
    return true;
  },
} as unknown as NodeJS.WriteStream;

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

export const logger: ConsolaInstance = createConsola({
  stdout: stderrSink,
  stderr: stderrSink,
  level: levelFrom(false, process.env[LOG_LEVEL_VAR]),
  formatOptions: { colors: false, date: false },
}).withTag("mcp-op");

export function setVerbose(verbose: boolean): void {
  logger.level = levelFrom(verbose, process.env[LOG_LEVEL_VAR]);
}
