/**
 * What `add` and `remove` will do, decided before anything changes: the steps (an env file to
 * write, an entry to set or remove per client config) with each entry's exact content, and the
 * text `--dry-run` prints. The steps are carried out by effects/edit-loop.ts; a dry run prints
 * the plan instead (plan, then execute: `--dry-run` and the real run share one plan).
 */

import { EXIT, McpOpError } from "../errors.ts";
import { type ConfigLocation, entryFor, readEntry, type ServerSpec } from "./clients.ts";
import type { EditResult } from "./config-doc.ts";
import { listServers, removeServer, setServer } from "./config-edit.ts";
import { detectSecrets, maskValuesIn } from "./detect.ts";
import { unifiedDiff } from "./diff.ts";
import { quoteArg } from "./plan.ts";
import { blockHoldsOnly } from "./yaml-edit.ts";

/** A client config as read now (missing: exists false, text ""). */
export interface ConfigText {
  loc: ConfigLocation;
  text: string;
  exists: boolean;
}

/**
 * An env file to write. `existing` says what to do with a file already there: `same`: keep it
 * when it holds the same references, else refuse (add); `replace`: keep it when the same, else
 * replace it (add --force); `never`: the file must be new (migrate: another entry may use one).
 */
export interface EnvFileStep {
  kind: "env-file";
  path: string;
  text: string;
  existing: "same" | "replace" | "never";
  /** A headers file (`add --url`): compared by its headers, not as an env file. */
  format?: "headers";
}

/** Set the entry `name` to `entry` (an existing one only with `force`). */
export interface SetStep {
  kind: "set";
  loc: ConfigLocation;
  name: string;
  entry: Record<string, unknown>;
  force: boolean;
}

/** Set the entry `name` to `entry`, but only while it is still `was` (migrate: another program may have changed it). */
export interface ReplaceStep {
  kind: "replace";
  loc: ConfigLocation;
  name: string;
  entry: Record<string, unknown>;
  was: unknown;
}

/** Remove the entry `name`. */
export interface RemoveStep {
  kind: "remove";
  loc: ConfigLocation;
  name: string;
}

export type ConfigStep = SetStep | ReplaceStep | RemoveStep;
export type Step = EnvFileStep | ConfigStep;

/** What `claude mcp add-json` gets for an entry: Claude Code's own shape, typed stdio. */
export function claudeJson(entry: Record<string, unknown>): string {
  return JSON.stringify({ type: "stdio", ...entry });
}

/** Plaintext-looking values in a config file's entries, to mask them in diffs shown to the user. */
function secretValuesIn(loc: ConfigLocation, text: string): string[] {
  const values: string[] = [];
  for (const raw of Object.values(listServers(loc, text))) {
    const spec = readEntry(loc.client, raw);
    if (!spec) continue;
    for (const f of detectSecrets({ env: spec.env, args: spec.args })) {
      if (f.where === "env") values.push(String(spec.env?.[f.key] ?? ""));
      else {
        const arg = spec.args[f.argIndex ?? -1] ?? "";
        values.push(arg.slice(f.start ?? 0, f.end ?? arg.length));
      }
    }
  }
  return values;
}

/** The unified diff of a change to one config, neighbouring entries' plaintext masked ("" when none). */
function maskedDiff(config: ConfigText, next: EditResult): string {
  if (!next.changed) return "";
  const diff = unifiedDiff(config.loc.path, config.text, next.text, next.edits);
  return maskValuesIn(diff, secretValuesIn(config.loc, config.text));
}

/**
 * The entry add registers: this mcp-op (`self`, a stable path) running the server through op,
 * with the account, Environment, env files and token file it was given (their paths; never a value).
 */
export function registeredSpec(
  self: readonly string[],
  o: {
    account?: string | undefined;
    /** A 1Password Environment `op run` loads too (`run --environment ID`). */
    environment?: string | undefined;
    envFiles: readonly string[];
    tokenFile?: string | undefined;
    server: readonly string[];
  },
): ServerSpec {
  const [command, ...selfArgs] = self;
  return {
    command: command as string,
    args: [
      ...selfArgs,
      "run",
      ...(o.account ? ["--account", o.account] : []),
      ...(o.environment ? ["--environment", o.environment] : []),
      ...o.envFiles.flatMap((file) => ["--env-file", file]),
      ...(o.tokenFile ? ["--token-file", o.tokenFile] : []),
      "--",
      ...o.server,
    ],
  };
}

export interface Plan {
  steps: Step[];
  /** Exactly what `--dry-run` prints (made on demand: diffs of a 67 MB ~/.claude.json are not free). */
  preview(): string;
}

export const hasServer = (loc: ConfigLocation, text: string, name: string): boolean =>
  Object.hasOwn(listServers(loc, text), name);

export const alreadyExists = (loc: ConfigLocation, name: string): McpOpError =>
  new McpOpError(EXIT.CONFIG, `${loc.path}: a server named "${name}" already exists (use --force to replace it)`);

/**
 * `add`: the env file (when written from --env; `preview` shows plain values by length only),
 * then the entry in each config. Every config is parsed (one that does not parse stops it all)
 * and one that already has `name` refuses the plan without `force`. `claude`: Claude Code's
 * entries go through its CLI (the dry run shows that command instead of a diff).
 */
export function registrationPlan(input: {
  name: string;
  /** The entry, or the entry per config (a shared project entry names its env file the client's way). */
  spec: ServerSpec | ((loc: ConfigLocation) => ServerSpec);
  force: boolean;
  envFile: { path: string; text: string; preview: string } | undefined;
  /** `add --url`: the server's headers file (templates only), written as the env file is. */
  headersFile?: { path: string; text: string; preview: string } | undefined;
  /** `add --url`: each client's entry (remote-entry.ts), instead of `spec` as a stdio entry. */
  entry?: (loc: ConfigLocation) => Record<string, unknown>;
  configs: readonly ConfigText[];
  claude: boolean;
}): Plan {
  const { name, force } = input;
  const specFor = typeof input.spec === "function" ? input.spec : () => input.spec as ServerSpec;
  const steps: Step[] = [];
  const previews: Array<() => string> = [];
  if (input.envFile) {
    const { path, text, preview } = input.envFile;
    steps.push({ kind: "env-file", path, text, existing: force ? "replace" : "same" });
    previews.push(() => `--- ${path} (new, mode 0600)\n${preview}`);
  }
  if (input.headersFile) {
    const { path, text, preview } = input.headersFile;
    steps.push({ kind: "env-file", path, text, existing: force ? "replace" : "same", format: "headers" });
    previews.push(() => `--- ${path} (new, mode 0600)\n${preview}`);
  }
  for (const config of input.configs) {
    const { loc } = config;
    const taken = config.exists && hasServer(loc, config.text, name); // parses it, also with force
    if (taken && !force) throw alreadyExists(loc, name);
    const entry = input.entry ? input.entry(loc) : entryFor(loc.client, specFor(loc));
    steps.push({ kind: "set", loc, name, entry, force });
    if (loc.client === "claude-code" && input.claude) {
      const cmd = ["mcp", "add-json", "-s", loc.scope, name, claudeJson(entry)];
      previews.push(() => `--- ${loc.path} (through the claude CLI)\n$ claude ${cmd.map(quoteArg).join(" ")}\n`);
    } else {
      previews.push(
        () => maskedDiff(config, setServer(loc, config.text, name, entry, { force })) || `--- ${loc.path}: no change\n`,
      );
    }
  }
  return { steps, preview: () => previews.map((p) => p()).join("") };
}

/** `remove`: the entry out of each config that has it (the others are left out of the plan). */
export function removalPlan(name: string, configs: readonly ConfigText[]): Plan {
  const holding = configs.filter((c) => hasServer(c.loc, c.text, name));
  return {
    steps: holding.map(({ loc }) => ({ kind: "remove", loc, name })),
    preview: () =>
      holding
        .map((c) =>
          // The edit loop deletes a Continue block file holding only this server (edit-loop.ts).
          blockHoldsOnly(c.loc, c.text, name)
            ? `--- ${c.loc.path} (deleted: it holds only "${name}")\n`
            : maskedDiff(c, removeServer(c.loc, c.text, name)),
        )
        .join(""),
  };
}
