/**
 * The internal stage: `mcp-op __stage [--unset NAME]... -- <command> [args...]`, which `op run`
 * starts in place of the server when credentials would otherwise reach it. It accepts only what
 * the outer stage produces. Pure: commands/stage.ts carries it out.
 */
import { EXIT, McpOpError } from "../errors.ts";
import { CREDENTIAL_VARS } from "./signin.ts";

export interface StagePlan {
  unset: string[];
  command: string;
  args: string[];
}

export function parseStageArgs(own: readonly string[], rest: readonly string[] | null): StagePlan {
  const bad = (why: string) =>
    new McpOpError(EXIT.USAGE, `internal stage: ${why} (it is started by mcp-op run, not by hand)`);
  const unset: string[] = [];
  for (let i = 0; i < own.length; i += 2) {
    const name = own[i + 1];
    if (own[i] !== "--unset" || name === undefined) throw bad(`unexpected argument "${own[i]}"`);
    if (!CREDENTIAL_VARS.test(name)) throw bad(`--unset takes only 1Password credential variables, not "${name}"`);
    unset.push(name);
  }
  const [command, ...args] = rest ?? [];
  if (command === undefined || command === "") throw bad('no command after "--"');
  return { unset, command, args };
}

/** The server's environment: the stage's own, minus the credentials. */
export function scrubEnv(
  env: Readonly<Record<string, string | undefined>>,
  unset: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !unset.includes(key) && !CREDENTIAL_VARS.test(key)) out[key] = value;
  }
  return out;
}
