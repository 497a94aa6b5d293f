/**
 * The hidden internal stage (`mcp-op __stage`), started by `op run` in place of the server:
 * puts `{{ }}` values into the arguments, removes credentials and generated variables, then
 * execs the server (no process left behind), or, with `--redact`, stays as the output filter.
 * With `--pdeathsig PID` (started by that filter in place of the server) it first asks Linux to
 * send the server SIGTERM when the filter exits, then execs it.
 */
import { parseStageArgs, scrubEnv } from "../core/stage.ts";
import { substituteArgs } from "../core/template.ts";
import { execProgram, giveAwayStdin } from "../effects/exec.ts";
import { setParentDeathSignal } from "../effects/signals.ts";
import { environment } from "../runtime.ts";
import type { Context } from "./_shared.ts";

const SIGTERM = 15;

/** What the stage works in: a command's context but the parts it does not use. */
export type StageContext = Pick<Context, "env" | "exec">;

/**
 * `ctx`: the process's environment and the real exec unless given (unit tests record what
 * would be exec'd). The `--redact` filter and the parent-death signal are the real ones always.
 */
export async function runStage(
  own: readonly string[],
  rest: readonly string[] | null,
  ctx: StageContext = { env: environment(), exec: execProgram },
): Promise<never> {
  const plan = parseStageArgs(own, rest);
  if (plan.parentDeath !== undefined && (await setParentDeathSignal(SIGTERM)) && process.ppid !== plan.parentDeath) {
    // The filter died between starting this process and the prctl, which then watches its
    // successor (init or a subreaper): never start a server nobody reads.
    process.exit(128 + SIGTERM);
  }
  const { env } = ctx;
  // The outer stage resolved the command to a path, so no PATH search happens here.
  const args = plan.template ? substituteArgs(plan.args, env) : plan.args;
  const serverEnv = scrubEnv(env, plan.unset);
  if (plan.redact.length > 0) {
    const { runFiltered } = await import("../effects/filter.ts");
    // The filter starts the server on this stdin: a failure from here on is not answered.
    giveAwayStdin();
    return runFiltered(plan.command, args, serverEnv, plan.redact, env);
  }
  return ctx.exec({ file: plan.command, argv: [plan.command, ...args], env: serverEnv });
}
