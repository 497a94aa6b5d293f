/**
 * `mcp-op check FILE... [--resolve]`: the validation `run` does, and nothing else; with
 * `--resolve`, each reference is also read through `op read` and reported as resolvable or not,
 * after signing in as `run` does (one prompt at most, within --signin-timeout).
 * The value read is dropped at once: it is never printed, logged or stored.
 */
import type { ArgsDef, CommandDef } from "citty";
import { parseOptions, rejectEmptyValues } from "../core/args.ts";
import type { EnvEntry } from "../core/env-file.ts";
import { authMode } from "../core/plan.ts";
import { looksLikeReference } from "../core/reference.ts";
import { needsSigninCheck } from "../core/signin.ts";
import { checkEnvFile } from "../core/validate.ts";
import { locateOp } from "../effects/executables.ts";
import { readEnvFile } from "../effects/files.ts";
import { opClient } from "../effects/op.ts";
import { ensureSignedIn } from "../effects/signin.ts";
import { EXIT, type ExitCode, firstInTable, McpOpError, usageError } from "../errors.ts";
import { logger } from "../logger.ts";
import { definedOnly, environment } from "../runtime.ts";
import { DEFAULT_SIGNIN_TIMEOUT, negativeTimeout, parseSigninTimeout } from "./run.ts";

const checkArgs = {
  files: { type: "positional", description: "env files to check", valueHint: "FILE..." },
  resolve: { type: "boolean", description: "also read each reference through op (values are never shown)" },
  account: { type: "string", valueHint: "ACCOUNT", description: "1Password account for --resolve" },
  "signin-timeout": {
    type: "string",
    valueHint: "SECONDS",
    description: `limit for the sign-in --resolve needs, lock wait included (default ${DEFAULT_SIGNIN_TIMEOUT})`,
  },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary, for --resolve" },
} as const satisfies ArgsDef;

const USAGE = "usage: mcp-op check FILE... [--resolve]";

export default {
  meta: { name: "check", description: "Validate env files (syntax, references, permissions) without running anything" },
  args: checkArgs,
  async run({ rawArgs, data }) {
    const { values, positionals } = parseOptions("check", checkArgs, rawArgs, [], negativeTimeout);
    const files = [...positionals, ...((data as { rest: string[] | null }).rest ?? [])];
    rejectEmptyValues("check", checkArgs, values);
    if (files.length === 0) throw usageError("no env file given", USAGE);
    // As a path, "" would be the working directory: name the argument instead.
    const empty = files.indexOf("");
    if (empty !== -1) throw usageError(`FILE argument ${empty + 1} is an empty string, not an env file path`, USAGE);
    const timeoutMs = parseSigninTimeout(values["signin-timeout"] as string | undefined) * 1000;
    const env = environment();
    const resolver = values.resolve === true ? makeResolver(values, env, timeoutMs) : undefined;
    let failure: ExitCode | undefined;
    for (const given of files) {
      const code = await checkFile(given, env, resolver);
      if (code !== undefined) failure = firstInTable(failure, code);
    }
    if (failure !== undefined) throw McpOpError.reported(failure);
  },
} satisfies CommandDef<typeof checkArgs>;

type Env = ReturnType<typeof environment>;
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

function makeResolver(values: Record<string, unknown>, env: Env, timeoutMs: number): Resolver {
  const opPath = locateOp(values.op as string | undefined, env);
  const account = values.account as string | undefined;
  const opEnv = definedOnly(env);
  let session: Promise<Record<string, string>> | undefined;
  const signIn = () =>
    needsSigninCheck(authMode({ noSignin: false }, opEnv))
      ? ensureSignedIn({ opPath, account, env: opEnv, timeoutMs })
      : Promise.resolve({});
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

/** Check one file, logging every problem; its exit code when it fails. */
async function checkFile(given: string, env: Env, resolver: Resolver | undefined): Promise<ExitCode | undefined> {
  let entries: EnvEntry[];
  try {
    const file = readEnvFile(given, env.HOME, process.cwd());
    const checked = checkEnvFile(file.display, file.text, env);
    entries = checked.entries;
    let code: ExitCode | undefined;
    for (const p of checked.problems) {
      if (p.severity === "warning") logger.warn(`${p.where}: ${p.message}`);
      else {
        logger.error(`${p.where}: ${p.message}`);
        code = firstInTable(code, p.exitCode);
      }
    }
    if (code !== undefined) return code;
  } catch (error) {
    if (!(error instanceof McpOpError)) throw error;
    logger.error(error.hint ? `${error.message}; ${error.hint}` : error.message);
    return error.exitCode;
  }
  const refs = entries.filter((e) => looksLikeReference(e.value));
  const counts = `${plural(entries.length, "variable")}, ${plural(refs.length, "secret reference")}`;
  // Resolved before the summary is printed, so that it never says ok over a failure.
  const unresolved = resolver ? await unresolvedReferences(given, refs, resolver) : [];
  if (unresolved.length === 0) {
    console.log(`${given}: ok (${counts})`);
  } else {
    const verb = unresolved.length === 1 ? "does" : "do";
    console.log(`${given}: failed (${counts}; ${unresolved.length} ${verb} not resolve)`);
  }
  for (const entry of resolver ? refs : []) {
    if (!unresolved.includes(entry)) console.log(`  ${entry.key}: ${entry.value} resolves`);
  }
  return unresolved.length === 0 ? undefined : EXIT.DATAERR;
}

/** Read each reference through `op read`, logging the ones that fail; the values are dropped. */
async function unresolvedReferences(given: string, refs: EnvEntry[], r: Resolver): Promise<EnvEntry[]> {
  const failed: EnvEntry[] = [];
  // Only when there is something to read: a file without references raises no prompt.
  const session = refs.length > 0 ? await r.signIn() : {};
  const op = opClient({ opPath: r.opPath, account: r.account, env: { ...r.env, ...session }, timeoutMs: 60_000 });
  for (const entry of refs) {
    const read = await op.read(entry.value);
    if (read.ok) continue;
    logger.error(`${given}:${entry.line}: ${entry.key}: ${entry.value} does not resolve: ${read.message}`);
    failed.push(entry);
  }
  return failed;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
