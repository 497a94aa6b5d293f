/** `mcp-op remove <name> [--client C]... [--scope S] [--dry-run]`: unregister a server. */
import { type OptionsDef, parseOptions } from "../core/args.ts";
import type { ClientId, Scope } from "../core/clients.ts";
import { validServerName } from "../core/config-edit.ts";
import { removalPlan } from "../core/register.ts";
import { load } from "../effects/config-file.ts";
import { runSteps } from "../effects/edit-loop.ts";
import { editBackupDir, facts, presentLocations } from "../effects/registry.ts";
import { usageError } from "../errors.ts";
import { logger } from "../logger.ts";
import { parseClients, parseScopeFilter } from "./_clients.ts";
import { type Context, defaultContext } from "./_shared.ts";

const removeArgs = {
  name: { type: "positional", description: "the server's name" },
  client: {
    type: "string",
    multiple: true,
    valueHint: "CLIENT",
    description: "only these clients (repeatable; default: all)",
  },
  scope: { type: "string", valueHint: "user|local|project", description: "only this scope (default: all)" },
  "dry-run": { type: "boolean", description: "print the exact change per file; change nothing" },
} as const satisfies OptionsDef;

export interface RemoveOptions {
  name: string;
  /** Only these clients; every client when empty. */
  clients: ClientId[];
  /** Only this scope; every scope when undefined. */
  scope: Scope | undefined;
  dryRun: boolean;
}

/** remove's arguments as options, or a usage error (64); no effects. */
export function parse(own: readonly string[], _rest: readonly string[] | null): RemoveOptions {
  const { values, positionals } = parseOptions("remove", removeArgs, own);
  const name = positionals[0];
  if (!name) throw usageError("no server name", "usage: mcp-op remove <name> [--client C]...");
  const problem = validServerName(name);
  if (problem) throw usageError(problem); // it names the server name
  const scope = parseScopeFilter(values.scope);
  return { name, clients: parseClients(values.client), scope, dryRun: values["dry-run"] };
}

export const main = (own: readonly string[], rest: readonly string[] | null) => run(parse(own, rest), defaultContext());

export default {
  meta: { name: "remove", description: "Remove a server from MCP clients" },
  args: removeArgs,
};

export async function run(options: RemoveOptions, ctx: Context): Promise<void> {
  const { name, scope } = options;
  const { env } = ctx;
  const f = facts(env, ctx.cwd);
  // Every config is read (a malformed one stops everything); the loop checks them writable first.
  const plan = removalPlan(
    name,
    presentLocations(options.clients, f, scope).map((loc) => load(loc)),
  );
  if (options.dryRun) ctx.stdout(plan.preview());
  else {
    await runSteps(plan.steps, {
      env,
      cwd: f.cwd,
      home: f.home,
      backupDir: (loc) => editBackupDir(env, f.home, loc),
      report: ({ step, via, changed }) => {
        // An entry gone meanwhile: nothing removed there.
        if (step.kind === "env-file" || (via === "file" && !changed)) return;
        ctx.stdout(`removed ${name} from ${step.loc.client} (${step.loc.scope}): ${step.loc.path}\n`);
      },
    });
  }
  if (plan.steps.length === 0) logger.warn(`no client config has a server named "${name}"`);
}
