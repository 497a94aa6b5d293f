/**
 * The hidden internal stage (`mcp-op __stage`): started by `op run` in place of the server when
 * credentials would reach it. Removes them and execs the server, leaving no process behind.
 */
import { parseStageArgs, scrubEnv } from "../core/stage.ts";
import { execProgram } from "../effects/exec.ts";
import { environment } from "../runtime.ts";

export async function runStage(own: readonly string[], rest: readonly string[] | null): Promise<never> {
  const plan = parseStageArgs(own, rest);
  // The outer stage resolved the command to a path, so no PATH search happens here.
  return execProgram(plan.command, [plan.command, ...plan.args], scrubEnv(environment(), plan.unset));
}
