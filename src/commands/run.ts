/** `mcp-op run`: validate, plan, and become `op run ... -- <server>`. */
import { type ArgsDef, defineCommand } from "citty";
import { parseOptions } from "../core/args.ts";
import { buildRunPlan, describePlan, type RunOptions } from "../core/plan.ts";
import { checkEnvFile, checkEnvironment, type Problem } from "../core/validate.ts";
import { execPlan } from "../effects/exec.ts";
import { readEnvFile } from "../effects/files.ts";
import { locateOp } from "../effects/locate.ts";
import { McpOpError, usageError } from "../errors.ts";
import { logger, setVerbose } from "../logger.ts";
import { environment } from "../runtime.ts";

export const runArgs = {
  "env-file": {
    type: "string",
    valueHint: "FILE",
    description: "env file of KEY=op://vault/item/field lines (repeatable; later files win)",
  },
  account: {
    type: "string",
    valueHint: "ACCOUNT",
    description: "1Password account (shorthand, sign-in address or ID)",
  },
  "no-signin": { type: "boolean", description: "never try to sign in; let op run fail if not authorized" },
  mask: {
    type: "boolean",
    description: "let op run mask secrets in the server's output (rewrites the JSON-RPC stream)",
  },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary (default: PATH, then well-known dirs)" },
  verbose: { type: "boolean", alias: "v", description: "print the plan (references, never values) to stderr" },
  // Shown in help only: the server command always comes after `--` (see parseRunOptions).
  server: { type: "positional", required: false, description: "after --: the MCP server command and its arguments" },
} as const satisfies ArgsDef;

export const USAGE = "mcp-op run [--env-file FILE]... [options] -- <command> [args...]";

export function parseRunOptions(own: readonly string[], rest: readonly string[] | null): RunOptions {
  const { values, positionals } = parseOptions("run", runArgs, own, ["env-file"]);
  const example = "e.g. mcp-op run --env-file github.env -- npx -y @modelcontextprotocol/server-github";
  if (positionals.length > 0) {
    throw usageError(`unexpected argument "${positionals[0]}": put the server command after "--"`, example);
  }
  if (rest === null) throw usageError('no server command: put it after "--"', example);
  const [command, ...args] = rest;
  if (command === undefined || command === "") throw usageError('no server command after "--"', example);
  return {
    envFiles: (values["env-file"] as string[] | undefined) ?? [],
    account: values.account as string | undefined,
    noSignin: values["no-signin"] === true,
    mask: values.mask === true,
    op: values.op as string | undefined,
    verbose: values.verbose === true,
    command,
    args,
  };
}

/** Log every problem; throw on the first error (after logging the others) so it sets the exit code. */
export function reportProblems(problems: readonly Problem[]): void {
  const errors = problems.filter((p) => p.severity === "error");
  for (const p of problems) if (p.severity === "warning") logger.warn(`${p.where}: ${p.message}`);
  const last = errors.at(-1);
  if (!last) return;
  for (const p of errors.slice(0, -1)) logger.error(`${p.where}: ${p.message}`);
  throw new McpOpError(last.exitCode, `${last.where}: ${last.message}`);
}

export default defineCommand({
  meta: { name: "run", description: "Run an MCP server with secrets from 1Password (becomes `op run`)" },
  args: runArgs,
  async run({ rawArgs, data }) {
    const options = parseRunOptions(rawArgs, (data as { rest: string[] | null }).rest);
    setVerbose(options.verbose);
    const env = environment();
    const files = options.envFiles.map((f) => readEnvFile(f, env.HOME, process.cwd()));
    const checked = files.map((f) => ({ ...f, ...checkEnvFile(f.display, f.text, env) }));
    reportProblems([...checked.flatMap((c) => c.problems), ...checkEnvironment(env)]);
    const opPath = locateOp(options.op, env);
    const plan = buildRunPlan({ options, opPath, envFiles: checked, env });
    for (const line of describePlan(plan)) logger.debug(line);
    await execPlan(plan);
  },
});
