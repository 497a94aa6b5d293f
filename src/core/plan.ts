/**
 * The `run` plan: from parsed options, environment facts and the located `op`, the exact argv
 * and environment `op` is exec'd with. Pure, so `-v` can print exactly what will happen and
 * tests can check it without starting anything.
 */
import type { EnvEntry } from "./env-file.ts";
import { looksLikeReference } from "./reference.ts";

export interface RunOptions {
  envFiles: string[];
  account: string | undefined;
  noSignin: boolean;
  mask: boolean;
  op: string | undefined;
  verbose: boolean;
  command: string;
  args: string[];
}

/**
 * How `op` will authenticate. Connect takes precedence over a service account (op-cli.md).
 * `interactive` means the desktop app or a manual session; `op run` asks for authorization
 * itself under app integration.
 */
export type AuthMode = "connect" | "service-account" | "no-signin" | "interactive";

export type Env = Readonly<Record<string, string | undefined>>;

export function authMode(options: Pick<RunOptions, "noSignin">, env: Env): AuthMode {
  if (env.OP_CONNECT_HOST && env.OP_CONNECT_TOKEN) return "connect";
  if (env.OP_SERVICE_ACCOUNT_TOKEN) return "service-account";
  if (options.noSignin) return "no-signin";
  return "interactive";
}

export interface ReferenceSource {
  name: string;
  reference: string;
  /** `file:line` or `environment`. */
  from: string;
}

export interface ExecPlan {
  file: string;
  argv: string[];
  env: Record<string, string>;
  auth: AuthMode;
  /** Which variables `op` will resolve, and where they come from (references, never values). */
  references: ReferenceSource[];
}

export interface PlanInput {
  options: RunOptions;
  opPath: string;
  /** Absolute env-file paths in the order given, with their parsed entries. */
  envFiles: ReadonlyArray<{ path: string; display: string; entries: readonly EnvEntry[] }>;
  env: Env;
}

/** `op [--account A] run --env-file F... [--no-masking] -- <command> [args...]` */
export function buildRunPlan(input: PlanInput): ExecPlan {
  const { options, opPath, envFiles } = input;
  const argv = [opPath];
  if (options.account) argv.push("--account", options.account);
  argv.push("run");
  for (const file of envFiles) argv.push("--env-file", file.path);
  if (!options.mask) argv.push("--no-masking");
  argv.push("--", options.command, ...options.args);

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.env)) if (value !== undefined) env[key] = value;
  // --mask must win over an inherited OP_RUN_NO_MASKING, or the flag would silently do nothing.
  if (options.mask) delete env.OP_RUN_NO_MASKING;

  return {
    file: opPath,
    argv,
    env,
    auth: authMode(options, input.env),
    references: collectReferences(input),
  };
}

function collectReferences(input: PlanInput): ReferenceSource[] {
  // op's precedence: env files over the environment, later files over earlier ones.
  const byName = new Map<string, ReferenceSource>();
  for (const [name, value] of Object.entries(input.env)) {
    if (value !== undefined && looksLikeReference(value)) {
      byName.set(name, { name, reference: value, from: "environment" });
    }
  }
  for (const file of input.envFiles) {
    for (const entry of file.entries) {
      if (looksLikeReference(entry.value)) {
        byName.set(entry.key, { name: entry.key, reference: entry.value, from: `${file.display}:${entry.line}` });
      } else {
        byName.delete(entry.key);
      }
    }
  }
  return [...byName.values()];
}

/** Human-readable plan for `-v`: argv and reference sources, never a value. */
export function describePlan(plan: ExecPlan): string[] {
  const lines = [`auth: ${plan.auth}`, `exec: ${plan.argv.map(quoteArg).join(" ")}`];
  for (const r of plan.references) lines.push(`resolves ${r.name} = ${r.reference} (${r.from})`);
  return lines;
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
