/** `mcp-op remove <name> [--client C]... [--scope S] [--dry-run]`: unregister a server. */
import { type OptionsDef, parseOptions } from "../core/args.ts";
import type { ClientId, Scope } from "../core/clients.ts";
import { listServers, removeServer, restoreServer, validServerName } from "../core/config-edit.ts";
import { maskValuesIn } from "../core/detect.ts";
import { edit, load, preflight, revert } from "../effects/config-file.ts";
import {
  claudeCli,
  claudeCwd,
  editBackupDir,
  facts,
  presentLocations,
  putBack,
  runClaude,
  secretValuesIn,
  type Undo,
  undoAll,
} from "../effects/registry.ts";
import { withSignalsHeld } from "../effects/signals.ts";
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
  const { name, scope, dryRun } = options;
  const { env } = ctx;
  const f = facts(env, ctx.cwd);
  const claude = claudeCli(env);
  // Every config is read (a malformed one stops everything) and checked writable first.
  const targets = presentLocations(options.clients, f, scope).filter((loc) =>
    Object.hasOwn(listServers(loc, load(loc).text), name),
  );
  if (!dryRun) for (const loc of targets) preflight(loc);
  await withSignalsHeld(async (held) => {
    const checkpoint = () => held.check();
    const done: Undo[] = [];
    try {
      for (const loc of targets) {
        checkpoint();
        const where = `into ${loc.client} (${loc.scope})`;
        const said = { done: `put "${name}" back ${where}`, failed: `could not put "${name}" back ${where}` };
        const at = { env, home: f.home };
        if (loc.client === "claude-code" && claude && !dryRun) {
          const previous = listServers(loc, load(loc).text)[name];
          await runClaude(claude, ["mcp", "remove", "-s", loc.scope, name], env, claudeCwd(loc, f.cwd));
          done.push({ ...said, run: () => putBack(loc, name, previous, undefined, at) });
        } else {
          const result = await edit(loc, (text) => removeServer(loc, text, name), {
            dryRun,
            ...(dryRun ? {} : { backupDir: editBackupDir(env, f.home, loc) }),
          });
          if (dryRun) {
            ctx.stdout(maskValuesIn(result.diff, secretValuesIn(loc, load(loc).text)));
            continue;
          }
          if (!result.changed) continue; // gone meanwhile: nothing removed here
          const previous = result.before ? listServers(loc, result.before.text)[name] : undefined;
          done.push({
            ...said,
            run: () =>
              revert(loc, result, (text) => restoreServer(loc, text, name, previous, undefined), {
                backupDir: editBackupDir(env, f.home, loc),
              }),
          });
        }
        ctx.stdout(`removed ${name} from ${loc.client} (${loc.scope}): ${loc.path}\n`);
      }
      checkpoint(); // a signal during the last client's step puts it all back too
    } catch (error) {
      // Nothing half-done: the clients already done get the entry back.
      await undoAll(done);
      throw error;
    }
  });
  if (targets.length === 0) logger.warn(`no client config has a server named "${name}"`);
}
