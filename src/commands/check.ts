/**
 * `mcp-op check [FILE...] [--environment ID] [--resolve]`: the validation `run` does, and nothing
 * else; with `--resolve`, each reference is also read through `op read` and reported as
 * resolvable or not, after signing in as `run` does (one prompt at most, within
 * --signin-timeout). The value read is dropped at once: it is never printed, logged or stored.
 * An Environment's ID is checked as `run` checks it, and with `--resolve` the op version that
 * reads it; its variables are not: op reads them only inside `op run`.
 */
import { type OptionsDef, parseOptions } from "../core/args.ts";
import type { EnvEntry } from "../core/env-file.ts";
import { ENVIRONMENTS_SINCE, environmentOption, versionAtLeast } from "../core/environments.ts";
import { authMode } from "../core/plan.ts";
import { looksLikeReference } from "../core/reference.ts";
import { needsSigninCheck } from "../core/signin.ts";
import { validateEnvFiles } from "../core/validate.ts";
import { locateOp } from "../effects/executables.ts";
import { readEnvFiles } from "../effects/files.ts";
import { ensureSignedIn } from "../effects/signin.ts";
import { EXIT, type ExitCode, firstInTable, McpOpError, usageError } from "../errors.ts";
import { logger } from "../logger.ts";
import { definedOnly } from "../runtime.ts";
import { type Context, DEFAULT_SIGNIN_TIMEOUT, defaultContext, logProblems, runSigninTimeout } from "./_shared.ts";

const checkArgs = {
  files: { type: "positional", description: "env files to check", valueHint: "FILE..." },
  environment: {
    type: "string",
    once: true,
    valueHint: "ID",
    description: `a 1Password Environment's ID, as run checks it; with --resolve, also that op is ${ENVIRONMENTS_SINCE} or later (op reads an Environment's variables only inside op run: they are not listed)`,
  },
  resolve: { type: "boolean", description: "also read each reference through op (values are never shown)" },
  account: { type: "string", valueHint: "ACCOUNT", description: "1Password account for --resolve" },
  "signin-timeout": {
    type: "string",
    valueHint: "SECONDS",
    description: `limit for the sign-in --resolve needs, lock wait included (default ${DEFAULT_SIGNIN_TIMEOUT})`,
  },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary, for --resolve" },
} as const satisfies OptionsDef;

const USAGE = "usage: mcp-op check FILE... [--environment ID] [--resolve]";

export interface CheckOptions {
  /** The env files, in the order given (those after `--` too). */
  files: string[];
  /** `--environment ID`, its form checked in parse. */
  environment?: string | undefined;
  resolve: boolean;
  account: string | undefined;
  signinTimeoutMs: number;
  op: string | undefined;
}

/** check's arguments as options, or a usage error (64); no effects. */
export function parse(own: readonly string[], rest: readonly string[] | null): CheckOptions {
  const { values, positionals } = parseOptions("check", checkArgs, own, {
    dashValue: runSigninTimeout.dashValue,
  });
  const files = [...positionals, ...(rest ?? [])];
  const environment = environmentOption(values.environment);
  if (files.length === 0 && environment === undefined) throw usageError("no env file given", USAGE);
  // As a path, "" would be the working directory: name the argument instead.
  const empty = files.indexOf("");
  if (empty !== -1) throw usageError(`FILE argument ${empty + 1} is an empty string, not an env file path`, USAGE);
  return {
    files,
    ...(environment === undefined ? {} : { environment }),
    resolve: values.resolve,
    account: values.account,
    signinTimeoutMs: runSigninTimeout.parse(values["signin-timeout"]) * 1000,
    op: values.op,
  };
}

/** Check each file, printing a summary line per file; throws the first code in the table of those that failed. */
export async function run(options: CheckOptions, ctx: Context): Promise<void> {
  const resolver = options.resolve ? makeResolver(options, ctx) : undefined;
  let failure: ExitCode | undefined;
  if (options.environment !== undefined) failure = await checkEnvironment(options.environment, resolver, ctx);
  for (const given of options.files) {
    const code = await checkFile(given, ctx, resolver);
    if (code !== undefined) failure = firstInTable(failure, code);
  }
  if (failure !== undefined) throw McpOpError.reported(failure);
}

export const main = (own: readonly string[], rest: readonly string[] | null) => run(parse(own, rest), defaultContext());

export default {
  meta: { name: "check", description: "Validate env files (syntax, references, permissions) without running anything" },
  args: checkArgs,
};

interface Resolver {
  opPath: string;
  account: string | undefined;
  env: Record<string, string>;
  /**
   * Signs in on first use, as `run` does: one prompt at most (not one per `op read`), 75 when
   * it takes too long, 77 when refused. Resolves to the variables sign-in produced.
   */
  signIn(): Promise<Record<string, string>>;
}

function makeResolver(options: CheckOptions, ctx: Context): Resolver {
  const opPath = locateOp(options.op, ctx.env);
  const { account, signinTimeoutMs: timeoutMs } = options;
  const opEnv = definedOnly(ctx.env);
  let session: Promise<Record<string, string>> | undefined;
  const signIn = async () =>
    needsSigninCheck(authMode({ noSignin: false }, opEnv))
      ? ensureSignedIn({ opPath, account, env: opEnv, timeoutMs }, ctx.op)
      : {};
  return {
    opPath,
    account,
    env: opEnv,
    signIn: () => {
      session ??= signIn();
      return session;
    },
  };
}

/**
 * The Environment, its ID already checked: with --resolve, the op version too (run's 69 when too
 * old). op has no way to list an Environment's variables but running a command under them.
 */
async function checkEnvironment(id: string, r: Resolver | undefined, ctx: Context): Promise<ExitCode | undefined> {
  const unread = "its variables are read by op run only, when a server starts";
  if (!r) {
    ctx.stdout(`--environment ${id}: ok (the ID's form; ${unread})\n`);
    return undefined;
  }
  const v = await ctx.op({ opPath: r.opPath, env: r.env, timeoutMs: 60_000 }).version();
  const version = v.ok ? v.version.trim() : "";
  if (versionAtLeast(version, ENVIRONMENTS_SINCE) === false) {
    logger.error(
      `1Password Environments (--environment) need op ${ENVIRONMENTS_SINCE} or later; ${r.opPath} is ${version}`,
    );
    ctx.stdout(`--environment ${id}: failed (op ${version} cannot read Environments)\n`);
    return EXIT.UNAVAILABLE;
  }
  const which = version ? `op ${version} reads Environments` : `the version of ${r.opPath} could not be read`;
  ctx.stdout(`--environment ${id}: ok (${which}; ${unread})\n`);
  return undefined;
}

/** Check one file, logging every problem; its exit code when it fails. */
async function checkFile(given: string, ctx: Context, resolver: Resolver | undefined): Promise<ExitCode | undefined> {
  const [read] = readEnvFiles([given], ctx.env.HOME, ctx.cwd);
  const { files, problems, exitCode } = validateEnvFiles(read ? [read] : [], ctx.env);
  logProblems(problems);
  if (exitCode !== undefined) return exitCode;
  const entries = files[0]?.entries ?? [];
  const refs = entries.filter((e) => looksLikeReference(e.value));
  const counts = `${plural(entries.length, "variable")}, ${plural(refs.length, "secret reference")}`;
  // Resolved before the summary is printed, so that it never says ok over a failure.
  const unresolved = resolver ? await unresolvedReferences(given, refs, resolver, ctx) : [];
  if (unresolved.length === 0) {
    ctx.stdout(`${given}: ok (${counts})\n`);
  } else {
    const verb = unresolved.length === 1 ? "does" : "do";
    ctx.stdout(`${given}: failed (${counts}; ${unresolved.length} ${verb} not resolve)\n`);
  }
  for (const entry of resolver ? refs : []) {
    if (!unresolved.includes(entry)) ctx.stdout(`  ${entry.key}: ${entry.value} resolves\n`);
  }
  return unresolved.length === 0 ? undefined : EXIT.DATAERR;
}

/** Read each reference through `op read`, logging the ones that fail; the values are dropped. */
async function unresolvedReferences(given: string, refs: EnvEntry[], r: Resolver, ctx: Context): Promise<EnvEntry[]> {
  const failed: EnvEntry[] = [];
  // Only when there is something to read: a file without references raises no prompt.
  const session = refs.length > 0 ? await r.signIn() : {};
  const op = ctx.op({ opPath: r.opPath, account: r.account, env: { ...r.env, ...session }, timeoutMs: 60_000 });
  for (const entry of refs) {
    const read = await op.read(entry.value);
    if (read.ok) continue;
    logger.error(`${given}:${entry.line}: ${entry.key}: ${entry.value} does not resolve: ${read.message}`);
    failed.push(entry);
  }
  return failed;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
