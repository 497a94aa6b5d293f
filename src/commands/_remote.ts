/**
 * What `mcp-op headers` and `mcp-op proxy` share: their flags, reading and checking the env
 * files, headers file and `--header` flags, signing in as `run` does, and the `op run` plan
 * that starts their inner step (`mcp-op __headers` / `mcp-op __bridge`). The header values and
 * the URL reach that step as `{{ NAME }}` templates over variables `op run` resolves, so no
 * secret passes through this process or any argv: the inner step substitutes them from its
 * environment (core/headers.ts).
 */
import { LogLevels } from "consola/core";
import { type OptionsDef, parseOptions } from "../core/args.ts";
import {
  checkHeaders,
  type HeaderEntry,
  parseHeaderFlag,
  parseHeadersFile,
  remoteTemplates,
  stepPairs,
} from "../core/headers.ts";
import { authMode, buildRunPlan, describePlan, type ExecPlan } from "../core/plan.ts";
import { extendedPath } from "../core/search-path.ts";
import { needsSigninCheck } from "../core/signin.ts";
import { type BRIDGE_STEP, HEADERS_STEP } from "../core/stage.ts";
import { checkEnvFile, checkEnvironment, type Problem } from "../core/validate.ts";
import { locateOp } from "../effects/executables.ts";
import { readEnvFiles, readTokenFile, TOKEN_FILE_VAR } from "../effects/files.ts";
import { ensureSignedIn } from "../effects/signin.ts";
import { usageError } from "../errors.ts";
import { logger, setVerbose } from "../logger.ts";
import { definedOnly, selfCommand } from "../runtime.ts";
import { type Context, reportProblems, type SigninTimeout } from "./_shared.ts";

/** The flags both commands take (`proxy` adds `--url`). */
export const remoteArgs = {
  header: {
    type: "string",
    multiple: true,
    valueHint: "'NAME: VALUE'",
    description:
      "an HTTP header; the value a secret reference or a template such as 'Bearer {{ op://vault/item/field }}' (repeatable)",
  },
  "headers-file": {
    type: "string",
    valueHint: "FILE",
    description: "file of 'Name: value' lines (# comments), values as for --header; private, like an env file",
  },
  "env-file": {
    type: "string",
    multiple: true,
    valueHint: "FILE",
    description: "env file of KEY=op://vault/item/field lines, for {{ KEY }} in values (repeatable)",
  },
  account: {
    type: "string",
    valueHint: "ACCOUNT",
    description: "1Password account (shorthand, sign-in address or ID)",
  },
  "token-file": {
    type: "string",
    valueHint: "PATH",
    description: `service-account token file, mode 0600, handed to op only (or $${TOKEN_FILE_VAR})`,
  },
  "allow-plain": { type: "boolean", description: "accept header values that are not secret references or templates" },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary (default: PATH, then well-known dirs)" },
  verbose: { type: "boolean", alias: "v", description: "print the plan (references, never values) to stderr" },
} as const satisfies OptionsDef;

/** What a remote command's definition has: remoteArgs, and `--signin-timeout` with its own limits. */
export type RemoteDef = typeof remoteArgs & {
  readonly "signin-timeout": { readonly type: "string"; readonly valueHint: string; readonly description: string };
  readonly url?: { readonly type: "string"; readonly valueHint: string; readonly description: string };
};

export interface RemoteOptions {
  url: string | undefined;
  headers: string[];
  headersFile: string | undefined;
  envFiles: string[];
  account: string | undefined;
  tokenFile: string | undefined;
  op: string | undefined;
  allowPlain: boolean;
  verbose: boolean;
  signinTimeout: number;
}

/**
 * Parse a command's own arguments strictly. `timeout` reads --signin-timeout (each command has
 * its own limits). Neither command runs a server: a `--` is refused.
 */
export function parseRemoteOptions(
  command: string,
  def: RemoteDef,
  own: readonly string[],
  rest: readonly string[] | null,
  timeout: SigninTimeout,
): RemoteOptions {
  const { values } = parseOptions(command, def, own, { dashValue: timeout.dashValue });
  if (rest !== null) {
    throw usageError(`"mcp-op ${command}" starts no server: nothing goes after "--"`, `see: mcp-op ${command} --help`);
  }
  return {
    url: values.url,
    headers: values.header,
    headersFile: values["headers-file"],
    envFiles: values["env-file"],
    account: values.account,
    tokenFile: values["token-file"],
    op: values.op,
    allowPlain: values["allow-plain"],
    verbose: values.verbose,
    signinTimeout: timeout.parse(values["signin-timeout"]),
  };
}

export interface RemotePlan {
  plan: ExecPlan;
  /** The env files' open descriptors, in `--env-file` order (POSIX; empty on Windows). */
  files: number[];
}

/**
 * Everything before the inner step starts: read and check every input (all problems reported
 * together), sign in, and plan `op run ... -- mcp-op <step> [--url T] -- Name T ...`.
 * `stage`: put the internal stage in front of the step when credentials would reach it (proxy,
 * which stays running). `timeoutMs` bounds the sign-in. `files`: how op gets the env files that
 * were checked: `renumber`, as /dev/fd/3, 4, ... (headers spawns op with them there); `keep`, as
 * /dev/fd/N under their own numbers (proxy execs op, keeping them open); `paths` where no
 * descriptor can be handed over (Windows, no libc).
 */
export async function prepareRemote(
  options: RemoteOptions,
  step: typeof HEADERS_STEP | typeof BRIDGE_STEP,
  settings: { stage: boolean; timeoutMs: number; files: "renumber" | "keep" | "paths" },
  ctx: Context,
): Promise<RemotePlan> {
  const { env, cwd } = ctx;
  setVerbose(options.verbose);

  // 1. Validate everything before anything runs.
  // Each env file stays open: op gets the very file that was checked (plan.ts).
  const reads = readEnvFiles(options.envFiles, env.HOME, cwd, { keepOpen: true });
  const failures = reads.flatMap((r) => ("failure" in r ? [r.failure] : []));
  const checked = reads.flatMap((r) => ("text" in r ? [{ ...r, ...checkEnvFile(r.display, r.text, env) }] : []));
  const problems: Problem[] = [...checked.flatMap((c) => c.problems), ...checkEnvironment(env)];
  const entries: HeaderEntry[] = options.headers.map((text, i) => parseHeaderFlag(text, i));
  const headersFiles = options.headersFile === undefined ? [] : [options.headersFile];
  for (const file of readEnvFiles(headersFiles, env.HOME, cwd, { kind: "headers" })) {
    if ("failure" in file) {
      failures.push(file.failure);
      continue;
    }
    const parsed = parseHeadersFile(file.text, file.display);
    entries.push(...parsed.entries);
    problems.push(...parsed.problems);
  }
  problems.push(...checkHeaders(entries, options.allowPlain));
  reportProblems(problems, failures);
  if (step === HEADERS_STEP && entries.length === 0) {
    throw usageError(
      "no headers to print: give --header 'Name: value' or --headers-file FILE",
      "see: mcp-op headers --help",
    );
  }
  const tokenFile = options.tokenFile ?? env[TOKEN_FILE_VAR];
  const credentials: Record<string, string> = {};
  if (tokenFile) credentials.OP_SERVICE_ACCOUNT_TOKEN = readTokenFile(tokenFile, env.HOME, cwd);
  // `{{ KEY }}`: every name must be defined before anything starts.
  const fileKeys = new Set(checked.flatMap((c) => c.entries.map((e) => e.key)));
  const { url, values, templates } = remoteTemplates(
    options.url,
    entries,
    (name) => fileKeys.has(name) || env[name] !== undefined,
  );
  const opPath = locateOp(options.op, env);

  // 2. Sign in only when no token makes it pointless.
  const runOptions = {
    environment: undefined,
    envFiles: options.envFiles,
    account: options.account,
    noSignin: false,
    mask: false,
    redact: false,
    op: options.op,
    verbose: options.verbose,
    signinTimeout: settings.timeoutMs / 1000,
    tokenFile: options.tokenFile,
  };
  const mode = authMode(runOptions, { ...env, ...credentials });
  if (needsSigninCheck(mode)) {
    const opEnv = { ...definedOnly(env), ...credentials, PATH: extendedPath(env, process.platform) };
    Object.assign(
      credentials,
      await ensureSignedIn({ opPath, account: options.account, env: opEnv, timeoutMs: settings.timeoutMs }, ctx.op),
    );
  }

  // 3. The plan: op resolves the generated variables; the step substitutes them.
  const self = selfCommand();
  const [selfFile, ...selfArgs] = self as [string, ...string[]];
  const names = entries.map((e) => e.name);
  const stepArgs = [
    ...selfArgs,
    step,
    ...(options.verbose ? ["-v"] : []),
    ...(url === undefined ? [] : ["--url", url]),
    "--",
    ...stepPairs(names, values),
  ];
  const plan = buildRunPlan({
    options: { ...runOptions, command: selfFile, args: stepArgs },
    opPath,
    envFiles: checked.map(({ fd, ...c }, i) =>
      fd === undefined || settings.files === "paths"
        ? c
        : { ...c, fd: settings.files === "renumber" ? FIRST_FILE_FD + i : fd },
    ),
    env,
    credentials,
    commandPath: selfFile,
    ...(settings.stage ? { self: () => self } : {}),
    platform: process.platform,
  });
  // Not handed to buildRunPlan as `templates`: the stage would put the values into the argv.
  Object.assign(plan.env, templates.generated);
  for (const [name, reference] of Object.entries(templates.generated)) {
    const e = entries.find((_, i) => values[i]?.includes(`{{ ${name} }}`));
    plan.references.push({ name, reference, from: e ? `${e.where} (${e.name})` : "--url" });
  }
  if (logger.level >= LogLevels.debug) {
    const { maskArgs } = await import("../core/detect.ts");
    for (const line of describePlan(plan, maskArgs)) logger.debug(line);
  }
  const handed = settings.files === "paths" ? [] : checked.flatMap((c) => (c.fd === undefined ? [] : [c.fd]));
  return { plan, files: handed };
}

/** Where `renumber` puts the first env file: the descriptor after stdin, stdout and stderr. */
const FIRST_FILE_FD = 3;
