/**
 * Become another program. On POSIX this is a real exec, so no mcp-op process stays between
 * client and server. Windows has no exec (nor does a runtime without FFI access to libc):
 * spawn with inherited stdio, forward termination, and exit with the child's code.
 */
import { EXIT, McpOpError } from "../errors.ts";
import { logger } from "../logger.ts";
import { errorCode } from "./files.ts";
import { type Exec, execSteps } from "./native.ts";

/**
 * Whether env files can be handed to the program as open descriptors (libc's execve and fcntl
 * at hand, Linux or macOS); where not, callers hand their paths. Passed on from native.ts, so
 * that commands reach libc only through this module.
 */
export { canKeepAcrossExec } from "./native.ts";

/**
 * A program to become: `argv[0]` as the program sees it, its whole environment, and `keep`, the
 * descriptors it gets open (env files handed to op as /dev/fd/N; only after canKeepAcrossExec
 * said yes). Commands hand one to their context's `exec` (commands/_shared.ts), which unit
 * tests replace to see what would be exec'd.
 */
export interface Program {
  file: string;
  argv: string[];
  env: Record<string, string>;
  keep?: readonly number[];
}

let stdinGiven = false;

/**
 * From now on another program may read fd 0, the client's stream (the server under `--redact`,
 * a child on Windows): mcp-op must not read it, not even to answer the client when it fails.
 */
export function giveAwayStdin(): void {
  stdinGiven = true;
}

export function stdinGivenAway(): boolean {
  return stdinGiven;
}

/**
 * Become `program`: it never returns (throws when the exec fails: 69 or 70). Where libc is at
 * hand without waiting (Linux under Bun), it execs before returning: no `await` on `run`'s path.
 */
export function execProgram(program: Program): Promise<never> {
  if (process.platform === "win32") return spawnAndWait(program.file, program.argv, program.env);
  try {
    const steps = execSteps();
    return steps instanceof Promise ? steps.then((s) => execWith(s, program)) : execWith(steps, program);
  } catch (error) {
    // A failed exec rejects, as from an async function.
    return Promise.reject(error);
  }
}

function execWith(steps: Exec, { file, argv, env, keep = [] }: Program): Promise<never> {
  const reset = steps.reset();
  if (reset.note) logger.debug(reset.note);
  if (!steps.possible) {
    logger.debug("no execve in this runtime: running the program as a child instead");
    return spawnAndWait(file, argv, env);
  }
  try {
    return steps.execve(file, argv, env, keep);
  } catch (error) {
    // Bun queues a note that execve is experimental, printed on a later tick: after mcp-op's
    // one-line error it is noise, and cli.ts now waits for the client's requests before exiting.
    process.removeAllListeners("warning");
    const code = errorCode(error);
    throw new McpOpError(
      code === "ENOENT" || code === "EACCES" ? EXIT.UNAVAILABLE : EXIT.SOFTWARE,
      `could not exec ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function spawnAndWait(file: string, argv: string[], env: Record<string, string>): Promise<never> {
  const { spawn } = await import("node:child_process");
  const { constants } = await import("node:os");
  const child = spawn(file, argv.slice(1), { stdio: "inherit", env, windowsHide: true, argv0: argv[0] });
  giveAwayStdin();
  for (const signal of ["SIGINT", "SIGTERM", "SIGBREAK", "SIGHUP"] as const) {
    // Windows delivers Ctrl-C to the whole console group; forwarding covers the rest.
    process.on(signal, () => child.kill(signal));
  }
  const code = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (status, signal) => resolve(status ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 0)));
  }).catch((error: unknown) => {
    throw new McpOpError(EXIT.UNAVAILABLE, `could not start ${file}: ${String(error)}`);
  });
  process.exit(code);
}
