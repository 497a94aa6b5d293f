/** `mcp-op run`: validate, sign in if needed, plan, and become `op run ... -- <server>`. */
import { LogLevels } from "consola/core";
import { type Options, type OptionsDef, parseOptions } from "../core/args.ts";
import type { EnvEntry } from "../core/env-file.ts";
import { ENVIRONMENTS_SINCE, environmentOption, versionAtLeast } from "../core/environments.ts";
import { authMode, buildRunPlan, describePlan, type RunOptions } from "../core/plan.ts";
import { extendedPath } from "../core/search-path.ts";
import { isCredentialVar, needsSigninCheck } from "../core/signin.ts";
import { hasTemplate, parseArgTemplates } from "../core/template.ts";
import { checkEnvironment, validateEnvFiles } from "../core/validate.ts";
import { canKeepAcrossExec } from "../effects/exec.ts";
import { isExecutableFile, locateCommand, locateOp } from "../effects/executables.ts";
import { type EnvFileText, readEnvFiles, readTokenFile, TOKEN_FILE_VAR } from "../effects/files.ts";
import { ensureSignedIn } from "../effects/signin.ts";
import { EXIT, McpOpError, usageError } from "../errors.ts";
import { logger, setVerbose } from "../logger.ts";
import { definedOnly, selfCommand } from "../runtime.ts";
import { type Context, DEFAULT_SIGNIN_TIMEOUT, defaultContext, reportProblems, runSigninTimeout } from "./_shared.ts";

export const runArgs = {
  "env-file": {
    type: "string",
    multiple: true,
    valueHint: "FILE",
    description: "env file of KEY=op://vault/item/field lines (repeatable; later files win)",
  },
  environment: {
    type: "string",
    // One: whether `op run` reads several Environments, and in which order, is not documented
    // (docs/clients.md, "1Password Environments").
    once: true,
    valueHint: "ID",
    description: `1Password Environment whose variables op run loads too (op ${ENVIRONMENTS_SINCE} or later)`,
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
} as const satisfies OptionsDef;

/** What parseOptions gives for no flag at all (test/unit/parse.test.ts holds the two together). */
export const NO_FLAGS: Options<typeof runArgs> = {
  "env-file": [],
  environment: undefined,
  account: undefined,
  "no-signin": false,
  "signin-timeout": undefined,
  "token-file": undefined,
  mask: false,
  redact: false,
  op: undefined,
  verbose: false,
};

/**
 * The line `add` writes, `--env-file FILE` (repeated) and nothing else, read without the general
 * parser, which is most of `run`'s parsing time at start-up (~0.2 ms, scripts/bench/RESULTS.md):
 * the files, or undefined for anything else (parseOptions reads it, and words every error).
 * test/unit/parse.test.ts holds it to parseOptions.
 */
export function envFilesOnly(own: readonly string[]): string[] | undefined {
  const files: string[] = [];
  for (let i = 0; i < own.length; i++) {
    const arg = own[i] as string;
    const inline = arg.startsWith("--env-file=");
    if (arg !== "--env-file" && !inline) return undefined;
    const value = inline ? arg.slice("--env-file=".length) : own[++i];
    // Empty, missing, or flag-like after a space: parseOptions refuses it, saying why.
    if (value === undefined || value === "" || (!inline && value.length > 1 && value.startsWith("-"))) return undefined;
    files.push(value);
  }
  return files;
}

/** run's arguments as options, or a usage error (64); no effects. */
export function parse(own: readonly string[], rest: readonly string[] | null): RunOptions {
  // A word before `--` starts the server command: a MissingSeparator, with the corrected line.
  const files = envFilesOnly(own);
  const values =
    files !== undefined
      ? { ...NO_FLAGS, "env-file": files }
      : parseOptions("run", runArgs, own, { dashValue: runSigninTimeout.dashValue, serverAfter: 0 }).values;
  const example = "e.g. mcp-op run --env-file github.env -- npx -y @modelcontextprotocol/server-github";
  if (rest === null) throw usageError('no server command: put it after "--"', example);
  const [command, ...args] = rest;
  if (command === undefined || command === "") throw usageError('no server command after "--"', example);
  if (values.mask && values.redact) {
    throw usageError("--mask and --redact do not go together: --redact already keeps secrets out of the output");
  }
  const signinTimeout = runSigninTimeout.parse(values["signin-timeout"]);
  return {
    envFiles: values["env-file"],
    environment: environmentOption(values.environment),
    account: values.account,
    noSignin: values["no-signin"],
    mask: values.mask,
    redact: values.redact,
    op: values.op,
    verbose: values.verbose,
    signinTimeout,
    tokenFile: values["token-file"],
    command,
    args,
  };
}

/** Validate, sign in if needed, and become `op run` (ctx.exec): it never returns. Writes nothing to stdout. */
export async function run(options: RunOptions, ctx: Context): Promise<never> {
  const { env, cwd } = ctx;
  setVerbose(options.verbose);

  // 1. Validate everything before anything runs.
  // Each env file stays open: op gets the very file that was checked (plan.ts).
  const reads = readEnvFiles(options.envFiles, env.HOME, cwd, { keepOpen: true });
  const validated = validateEnvFiles(reads, env);
  reportProblems([...validated.problems, ...checkEnvironment(env)]);
  // Loops, not array methods, from here to the exec: `run`'s fast path (src/cli.ts, asksHelp).
  const checked: Array<EnvFileText & { entries: readonly EnvEntry[] }> = [];
  const fileKeys = new Set<string>();
  for (let i = 0; i < reads.length; i++) {
    const read = reads[i] as (typeof reads)[number];
    if (!("text" in read)) continue;
    const entries = validated.files[i]?.entries ?? [];
    checked.push({ ...read, entries });
    for (const entry of entries) fileKeys.add(entry.key);
  }
  const tokenFile = options.tokenFile ?? env[TOKEN_FILE_VAR];
  const credentials: Record<string, string> = {};
  if (tokenFile) credentials.OP_SERVICE_ACCOUNT_TOKEN = readTokenFile(tokenFile, env.HOME, cwd);
  // `{{ }}` placeholders: every name must be defined before anything starts.
  const templates = hasTemplate(options.args)
    ? parseArgTemplates(options.args, (name) => fileKeys.has(name) || env[name] !== undefined)
    : undefined;
  const opPath = locateOp(options.op, env);
  const pathList = extendedPath(env, process.platform);
  const commandPath = locateCommand(options.command, pathList, env, cwd);
  if (options.environment !== undefined) await requireEnvironments(opPath, ctx);

  // 2. Sign in only when no token makes it pointless.
  const mode = authMode(options, { ...env, ...credentials });
  if (needsSigninCheck(mode)) {
    const opEnv = { ...definedOnly(env), ...credentials, PATH: pathList };
    const input = { opPath, account: options.account, env: opEnv, timeoutMs: options.signinTimeout * 1000 };
    // No `await` unless sign-in needs one: the first costs ~0.15 ms (effects/native.ts, libcNow).
    const signedIn = ensureSignedIn(input, ctx.op);
    Object.assign(credentials, signedIn instanceof Promise ? await signedIn : signedIn);
  }

  // 3. Become op run, handing over the env files checked in step 1 (open descriptors), not their
  // names: those may have been swapped during sign-in. Without libc (Windows), their paths.
  let open = false;
  for (const c of checked) open ||= c.fd !== undefined;
  const keepable = open && canKeepAcrossExec();
  const handOver = keepable instanceof Promise ? await keepable : keepable;
  if (!handOver) for (const c of checked) delete c.fd;
  const plan = buildRunPlan({
    options,
    opPath,
    envFiles: checked,
    env,
    credentials,
    commandPath,
    ...(templates ? { templates } : {}),
    self: selfCommand,
    ...envStageProgram(env, credentials),
    platform: process.platform,
  });
  // Only at -v: describing the plan runs the secret detector (loaded only then) over the argv.
  if (logger.level >= LogLevels.debug) {
    const { maskArgs } = await import("../core/detect.ts");
    for (const line of describePlan(plan, maskArgs)) logger.debug(line);
  }
  const keep: number[] = [];
  for (const { fd } of plan.inherited) keep.push(fd);
  return ctx.exec({ file: plan.file, argv: plan.argv, env: plan.env, keep });
}

/**
 * `/usr/bin/env`, where it is, for a stage that only removes credentials (plan.ts): looked up
 * only when a credential would reach the server, so the fast path makes no stat call for it.
 * By absolute path, never PATH's; where it is missing the internal stage does the work.
 */
const ENV_PROGRAM = "/usr/bin/env";
function envStageProgram(
  env: Readonly<Record<string, string | undefined>>,
  credentials: Readonly<Record<string, string>>,
): { envProgram?: string } {
  if (process.platform === "win32") return {};
  for (const vars of [env, credentials]) {
    for (const name in vars) {
      if (vars[name] !== undefined && isCredentialVar(name)) {
        return isExecutableFile(ENV_PROGRAM) ? { envProgram: ENV_PROGRAM } : {};
      }
    }
  }
  return {};
}

/**
 * An op too old for `--environment` is said in one line before anything runs: op itself would
 * only say "unknown flag", after the client waited for a sign-in. Its version is cached by the
 * binary's path, size and mtime (effects/op-version.ts), so this is no `op --version` a launch;
 * loaded only here, off the fast path.
 */
async function requireEnvironments(opPath: string, ctx: Context): Promise<void> {
  const { opVersion } = await import("../effects/op-version.ts");
  const home = ctx.env.HOME ?? ctx.env.USERPROFILE ?? "";
  const version = await opVersion(opPath, ctx.op({ opPath, env: definedOnly(ctx.env) }), ctx.env, home);
  if (version !== undefined && versionAtLeast(version, ENVIRONMENTS_SINCE) === false) {
    // Worded so the line still reads where Claude Code shows the entry's own arguments
    // (--environment, the ID) as [redacted].
    throw new McpOpError(
      EXIT.UNAVAILABLE,
      `1Password Environments (--environment) need op ${ENVIRONMENTS_SINCE} or later; ${opPath} is ${version.trim()}`,
      "update the 1Password CLI (op update, or your package manager)",
    );
  }
}

export const main = (own: readonly string[], rest: readonly string[] | null): Promise<never> =>
  run(parse(own, rest), defaultContext());

/** For help (cli.ts renders it from `args`); cli.ts calls `main`. */
export default {
  meta: { name: "run", description: "Run an MCP server with secrets from 1Password (becomes `op run`)" },
  args: runArgs,
};
