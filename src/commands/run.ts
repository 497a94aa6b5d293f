/** `mcp-op run`: validate, sign in if needed, plan, and become `op run ... -- <server>`. */
import type { ArgsDef, CommandDef } from "citty";
import { LogLevels } from "consola/core";
import { parseOptions, rejectEmptyValues } from "../core/args.ts";
import { authMode, buildRunPlan, describePlan, type RunOptions } from "../core/plan.ts";
import { extendedPath } from "../core/search-path.ts";
import { needsSigninCheck } from "../core/signin.ts";
import { hasTemplate, parseArgTemplates } from "../core/template.ts";
import { checkEnvFile, checkEnvironment, type Problem } from "../core/validate.ts";
import { execProgram } from "../effects/exec.ts";
import { locateCommand, locateOp } from "../effects/executables.ts";
import { type EnvFileText, readEnvFile, readTokenFile, TOKEN_FILE_VAR } from "../effects/files.ts";
import { canKeepAcrossExec } from "../effects/native.ts";
import { ensureSignedIn } from "../effects/signin.ts";
import { type ExitCode, firstInTable, McpOpError, usageError } from "../errors.ts";
import { logger, setVerbose } from "../logger.ts";
import { definedOnly, environment, selfCommand } from "../runtime.ts";

/** Default for --signin-timeout: inside Claude Code's 30 s startup window, room for Touch ID. */
export const DEFAULT_SIGNIN_TIMEOUT = 20;
/** An hour: beyond any client's start-up window, so a larger value is a typo. */
const MAX_SIGNIN_TIMEOUT = 3600;

const timeoutError = (text: string) =>
  usageError(
    `--signin-timeout takes a number of seconds, more than 0 and at most ${MAX_SIGNIN_TIMEOUT}, not "${text}"`,
  );

export function parseSigninTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SIGNIN_TIMEOUT;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_SIGNIN_TIMEOUT) throw timeoutError(text);
  return seconds;
}

// `--signin-timeout -5` is refused as parseArgs refuses it, but told as the range it is outside.
export const negativeTimeout = (name: string, value: string) =>
  name === "signin-timeout" && Number.isFinite(Number(value)) ? timeoutError(value) : undefined;

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
  "signin-timeout": {
    type: "string",
    valueHint: "SECONDS",
    description: `limit for sign-in, lock wait included (default ${DEFAULT_SIGNIN_TIMEOUT})`,
  },
  "token-file": {
    type: "string",
    valueHint: "PATH",
    description: `service-account token file, mode 0600, handed to op only (or $${TOKEN_FILE_VAR})`,
  },
  mask: {
    type: "boolean",
    description: "let op run mask secrets in the server's output (rewrites the JSON-RPC stream)",
  },
  redact: {
    type: "boolean",
    description: "redact resolved secrets from the server's output, JSON-aware (escaped, base64, URL, hex)",
  },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary (default: PATH, then well-known dirs)" },
  verbose: { type: "boolean", alias: "v", description: "print the plan (references, never values) to stderr" },
  // Shown in help only: the server command always comes after `--` (see parseRunOptions).
  server: { type: "positional", description: "after --: the MCP server command and its arguments" },
} as const satisfies ArgsDef;

export function parseRunOptions(own: readonly string[], rest: readonly string[] | null): RunOptions {
  // A word before `--` starts the server command: a MissingSeparator, with the corrected line.
  const { values } = parseOptions("run", runArgs, own, ["env-file"], negativeTimeout, 0);
  rejectEmptyValues("run", runArgs, values);
  const example = "e.g. mcp-op run --env-file github.env -- npx -y @modelcontextprotocol/server-github";
  if (rest === null) throw usageError('no server command: put it after "--"', example);
  const [command, ...args] = rest;
  if (command === undefined || command === "") throw usageError('no server command after "--"', example);
  if (values.mask === true && values.redact === true) {
    throw usageError("--mask and --redact do not go together: --redact already keeps secrets out of the output");
  }
  const signinTimeout = parseSigninTimeout(values["signin-timeout"] as string | undefined);
  return {
    envFiles: (values["env-file"] as string[] | undefined) ?? [],
    account: values.account as string | undefined,
    noSignin: values["no-signin"] === true,
    mask: values.mask === true,
    redact: values.redact === true,
    op: values.op as string | undefined,
    verbose: values.verbose === true,
    signinTimeout,
    tokenFile: values["token-file"] as string | undefined,
    command,
    args,
  };
}

/**
 * Every env file read, and every one that could not be: one bad file hides no other. Each stays
 * open: op gets the very file that was checked (plan.ts).
 */
function readEnvFiles(given: readonly string[], home: string | undefined, cwd: string) {
  const files: EnvFileText[] = [];
  const failures: McpOpError[] = [];
  for (const file of given) {
    try {
      files.push(readEnvFile(file, home, cwd, { keepOpen: true }));
    } catch (error) {
      if (!(error instanceof McpOpError)) throw error;
      failures.push(error);
    }
  }
  return { files, failures };
}

/**
 * Log warnings, then every failure; when there is one, throw with the code first in the
 * exit-code table among them, so the code does not depend on the order of the files.
 */
export function reportProblems(problems: readonly Problem[], failures: readonly McpOpError[] = []): void {
  for (const p of problems) if (p.severity === "warning") logger.warn(`${p.where}: ${p.message}`);
  let code: ExitCode | undefined;
  for (const f of failures) {
    logger.error(f.hint ? `${f.message}; ${f.hint}` : f.message);
    code = firstInTable(code, f.exitCode);
  }
  for (const p of problems) {
    if (p.severity === "warning") continue;
    logger.error(`${p.where}: ${p.message}`);
    code = firstInTable(code, p.exitCode);
  }
  if (code !== undefined) throw McpOpError.reported(code);
}

export async function runMain(own: readonly string[], rest: readonly string[] | null): Promise<never> {
  const options = parseRunOptions(own, rest);
  setVerbose(options.verbose);
  const env = environment();
  const cwd = process.cwd();

  // 1. Validate everything before anything runs.
  const { files, failures } = readEnvFiles(options.envFiles, env.HOME, cwd);
  const checked = files.map((f) => ({ ...f, ...checkEnvFile(f.display, f.text, env) }));
  reportProblems([...checked.flatMap((c) => c.problems), ...checkEnvironment(env)], failures);
  const tokenFile = options.tokenFile ?? env[TOKEN_FILE_VAR];
  const credentials: Record<string, string> = {};
  if (tokenFile) credentials.OP_SERVICE_ACCOUNT_TOKEN = readTokenFile(tokenFile, env.HOME, cwd);
  // `{{ }}` placeholders: every name must be defined before anything starts.
  const fileKeys = new Set(checked.flatMap((c) => c.entries.map((e) => e.key)));
  const templates = hasTemplate(options.args)
    ? parseArgTemplates(options.args, (name) => fileKeys.has(name) || env[name] !== undefined)
    : undefined;
  const opPath = locateOp(options.op, env);
  const pathList = extendedPath(env, process.platform);
  const commandPath = locateCommand(options.command, pathList, env, cwd);

  // 2. Sign in only when no token makes it pointless.
  const mode = authMode(options, { ...env, ...credentials });
  if (needsSigninCheck(mode)) {
    const opEnv = { ...definedOnly(env), ...credentials, PATH: pathList };
    Object.assign(
      credentials,
      await ensureSignedIn({ opPath, account: options.account, env: opEnv, timeoutMs: options.signinTimeout * 1000 }),
    );
  }

  // 3. Become op run, handing over the env files checked in step 1 (open descriptors), not their
  // names: those may have been swapped during sign-in. Without libc (Windows), their paths.
  const handOver = checked.some((c) => c.fd !== undefined) && (await canKeepAcrossExec());
  const plan = buildRunPlan({
    options,
    opPath,
    envFiles: handOver ? checked : checked.map(({ fd: _, ...c }) => c),
    env,
    credentials,
    commandPath,
    ...(templates ? { templates } : {}),
    self: selfCommand(),
    platform: process.platform,
  });
  // Only at -v: describing the plan runs the secret detector (loaded only then) over the argv.
  if (logger.level >= LogLevels.debug) {
    const { maskArgs } = await import("../core/detect.ts");
    for (const line of describePlan(plan, maskArgs)) logger.debug(line);
  }
  return execProgram(
    plan.file,
    plan.argv,
    plan.env,
    plan.inherited.map((i) => i.fd),
  );
}

export default {
  meta: { name: "run", description: "Run an MCP server with secrets from 1Password (becomes `op run`)" },
  args: runArgs,
  run: ({ rawArgs, data }) => runMain(rawArgs, (data as { rest: string[] | null }).rest),
} satisfies CommandDef<typeof runArgs>;
