/** `mcp-op remove <name> [--client C]... [--scope S] [--dry-run]`: unregister a server. */
import type { ArgsDef, CommandDef } from "citty";
import { parseOptions, rejectEmptyValues } from "../core/args.ts";
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
import { environment } from "../runtime.ts";
import { parseClients } from "./add.ts";

const removeArgs = {
  name: { type: "positional", description: "the server's name" },
  client: { type: "string", valueHint: "CLIENT", description: "only these clients (repeatable; default: all)" },
  scope: { type: "string", valueHint: "user|local|project", description: "only this scope (default: all)" },
  "dry-run": { type: "boolean", description: "print the exact change per file; change nothing" },
} as const satisfies ArgsDef;

export default {
  meta: { name: "remove", description: "Remove a server from MCP clients" },
  args: removeArgs,
  async run({ rawArgs }) {
    const { values, positionals } = parseOptions("remove", removeArgs, rawArgs, ["client"]);
    rejectEmptyValues("remove", removeArgs, values);
    const name = positionals[0];
    if (!name) throw usageError("no server name", "usage: mcp-op remove <name> [--client C]...");
    const problem = validServerName(name);
    if (problem) throw usageError(problem); // it names the server name
    const scope = values.scope as string | undefined;
    if (scope !== undefined && scope !== "user" && scope !== "local" && scope !== "project") {
      throw usageError(`--scope takes user, local or project, not "${scope}"`);
    }
    const env = environment();
    const f = facts(env);
    const dryRun = values["dry-run"] === true;
    const claude = claudeCli(env);
    // Every config is read (a malformed one stops everything) and checked writable first.
    const targets = presentLocations(parseClients(values.client as string[] | undefined), f, scope).filter((loc) =>
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
              process.stdout.write(maskValuesIn(result.diff, secretValuesIn(loc, load(loc).text)));
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
          process.stdout.write(`removed ${name} from ${loc.client} (${loc.scope}): ${loc.path}\n`);
        }
        checkpoint(); // a signal during the last client's step puts it all back too
      } catch (error) {
        // Nothing half-done: the clients already done get the entry back.
        await undoAll(done);
        throw error;
      }
    });
    if (targets.length === 0) logger.warn(`no client config has a server named "${name}"`);
  },
} satisfies CommandDef<typeof removeArgs>;
