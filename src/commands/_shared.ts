/**
 * What commands share: the context a command's `run` works in, `--signin-timeout`, and how
 * env-file problems are reported. A command imports no other command; what two of them need
 * lives here (or in `_clients.ts`, `_remote.ts`). On `run`'s fast path (the import budget in
 * src/cli.ts): its top level defines functions and constants only, and it imports nothing that
 * the budget does not already list.
 */
import type { DashValueError } from "../core/args.ts";
import { exitCodeOf, type Problem, problemLine } from "../core/validate.ts";
import type { runWithin } from "../effects/deadline.ts";
import { execProgram, type Program } from "../effects/exec.ts";
import { type Op, type OpClientOptions, opClient } from "../effects/op.ts";
import { type ExitCode, firstInTable, McpOpError, usageError } from "../errors.ts";
import { logger } from "../logger.ts";
import { environment } from "../runtime.ts";

/**
 * Where a command's `run(options, ctx)` works: tests build one to run a command in-process and
 * read what it printed. Each command is `parse(rawArgs, rest)` (usage errors only, no effects)
 * then `run(options, ctx)`; `main` does both with {@link defaultContext}.
 */
export interface Context {
  /** The process environment (runtime.ts environment()). */
  env: Record<string, string | undefined>;
  cwd: string;
  /** Output for the user (stdout): text as written, newlines included. */
  stdout(text: string): void;
  /** How the command talks to `op` (every call but `op run`), sign-in included: unit tests pass a fake. */
  op(options: OpClientOptions): Op;
  /**
   * Become `op run` (run, proxy): never returns. Unit tests record the program and throw, to
   * see the exact argv, environment and descriptors that would be exec'd.
   */
  exec(program: Program): Promise<never>;
  /** Run `op run` to its end within a deadline, its stdout this process's (headers: effects/deadline.ts). */
  runWithin: typeof runWithin;
}

/** The real process's. `process.stdout` is touched only on the first write: creating it costs ms. */
export function defaultContext(): Context {
  return {
    env: environment(),
    cwd: process.cwd(),
    stdout: (text) => {
      process.stdout.write(text);
    },
    op: opClient,
    exec: execProgram,
    // Loaded when headers calls it: off `run`'s fast path (src/cli.ts, import budget).
    runWithin: async (argv, options) => (await import("../effects/deadline.ts")).runWithin(argv, options),
  };
}

/** Default for run's --signin-timeout: inside Claude Code's 30 s startup window, room for Touch ID. */
export const DEFAULT_SIGNIN_TIMEOUT = 20;
/** An hour: beyond any client's start-up window, so a larger value is a typo. */
export const MAX_SIGNIN_TIMEOUT = 3600;

export interface SigninTimeout {
  parse(text: string | undefined): number;
  error(text: string): McpOpError;
  /** `--signin-timeout -5` is refused as parseArgs refuses it, but told as the range it is outside. */
  dashValue: DashValueError;
}

/** `--signin-timeout`: seconds, more than 0 and at most `max`; `fallback` when not given. */
export function signinTimeout(max: number, fallback: number): SigninTimeout {
  const error = (text: string) =>
    usageError(`--signin-timeout takes a number of seconds, more than 0 and at most ${max}, not "${text}"`);
  return {
    error,
    parse(text) {
      if (text === undefined) return fallback;
      const seconds = Number(text);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > max) throw error(text);
      return seconds;
    },
    dashValue: (name, value) =>
      name === "signin-timeout" && Number.isFinite(Number(value)) ? error(value) : undefined,
  };
}

/** run's and check's --signin-timeout. */
export const runSigninTimeout = signinTimeout(MAX_SIGNIN_TIMEOUT, DEFAULT_SIGNIN_TIMEOUT);

/**
 * How run, check, add (and headers, proxy) report problems: each on its own line, in order (a
 * file's problems by line, files in the order given), warnings as `[warn]`, errors as `[error]`,
 * worded by core/validate.ts problemLine as doctor words them too. Returns the exit code
 * first in the exit-code table among the errors, so it does not depend on the order of the files.
 */
export function logProblems(problems: readonly Problem[]): ExitCode | undefined {
  for (const p of problems) {
    if (p.severity === "warning") logger.warn(problemLine(p));
    else logger.error(problemLine(p));
  }
  return exitCodeOf(problems);
}

/**
 * {@link logProblems}, then throw when one is an error. `failures` (files that could not be
 * read, as effects/files.ts throws them) come first.
 */
export function reportProblems(problems: readonly Problem[], failures: readonly McpOpError[] = []): void {
  let code: ExitCode | undefined;
  for (const f of failures) {
    logger.error(f.hint ? `${f.message}; ${f.hint}` : f.message);
    code = firstInTable(code, f.exitCode);
  }
  const worst = logProblems(problems);
  if (worst !== undefined) code = firstInTable(code, worst);
  if (code !== undefined) throw McpOpError.reported(code);
}
