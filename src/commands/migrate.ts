/**
 * `mcp-op migrate [--client C]... [--vault V] [--apply] | --undo | --purge-backups`
 *
 * Finds plaintext tokens in client configs, moves each into 1Password (`op item create`, the
 * value in a template file only `op` can still open, never argv; or reuses an earlier run's item
 * that holds it), writes each server's env file (references only) and rewrites its entry to run
 * through mcp-op. All or nothing per server; every file is backed up
 * first into a private state directory, which `--undo` restores from (whole files only while
 * they are what the run left, else entry by entry) and `--purge-backups` empties.
 */
import { type OptionsDef, parseOptions } from "../core/args.ts";
import type { ClientId, ConfigLocation, Facts } from "../core/clients.ts";
import { listServers } from "../core/config-edit.ts";
import {
  describeMigration,
  type MigrationServer,
  type PlannedItem,
  planMigration,
  type ServerPlan,
  serverLabel,
  shownName,
} from "../core/migrate.ts";
import { backupRoot, envFileDir } from "../core/paths.ts";
import { describeBadReference, parseReference } from "../core/reference.ts";
import { load, textDigest } from "../effects/config-file.ts";
import { runSteps } from "../effects/edit-loop.ts";
import { locateOp } from "../effects/executables.ts";
import {
  backUp,
  digestKey,
  editBackupsOf,
  envFileNamer,
  itemDigest,
  type Manifest,
  markUndone,
  newRunDir,
  purgeRuns,
  quarantineClaudeBackups,
  readManifest,
  removeRunDir,
  saveManifest,
  undoableRuns,
  undoRun,
} from "../effects/migration.ts";
import type { Op } from "../effects/op.ts";
import { facts, findingPlace, scanServers, stableCommand } from "../effects/registry.ts";
import { withSignalsHeld } from "../effects/signals.ts";
import { checkVault, listItems, reusableItems } from "../effects/vault.ts";
import { EXIT, type ExitCode, firstInTable, McpOpError, usageError } from "../errors.ts";
import { logger } from "../logger.ts";
import { definedOnly } from "../runtime.ts";
import { parseClients } from "./_clients.ts";
import { type Context, defaultContext } from "./_shared.ts";

const migrateArgs = {
  client: {
    type: "string",
    multiple: true,
    valueHint: "CLIENT",
    description: "only these clients (repeatable; default: all)",
  },
  vault: { type: "string", valueHint: "VAULT", description: "1Password vault for the new items (default: Private)" },
  account: { type: "string", valueHint: "ACCOUNT", description: "1Password account" },
  apply: { type: "boolean", description: "do it (without it: a dry run that changes nothing)" },
  undo: { type: "boolean", description: "undo the last migration (what was written since stays)" },
  "purge-backups": { type: "boolean", description: "delete every migration backup (they hold the old plaintext)" },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary" },
} as const satisfies OptionsDef;

type Env = Readonly<Record<string, string | undefined>>;

export interface MigrateOptions {
  /** A dry run unless `apply`; `undo` and `purge-backups` do only that. */
  mode: "dry-run" | "apply" | "undo" | "purge-backups";
  /** Only these clients; every client when empty. */
  clients: ClientId[];
  vault: string;
  account: string | undefined;
  op: string | undefined;
}

/** migrate's arguments as options, or a usage error (64); no effects. */
export function parse(own: readonly string[], _rest: readonly string[] | null): MigrateOptions {
  const { values } = parseOptions("migrate", migrateArgs, own);
  const modes = (["apply", "undo", "purge-backups"] as const).filter((m) => values[m]);
  if (modes.length > 1) throw usageError(`give one of --${modes.join(", --")}, not several`);
  return {
    mode: modes[0] ?? "dry-run",
    clients: parseClients(values.client),
    vault: values.vault ?? "Private",
    account: values.account,
    op: values.op,
  };
}

export const main = (own: readonly string[], rest: readonly string[] | null) => run(parse(own, rest), defaultContext());

export default {
  meta: { name: "migrate", description: "Move plaintext tokens from client configs into 1Password" },
  args: migrateArgs,
};

export async function run(options: MigrateOptions, ctx: Context): Promise<void> {
  const { env } = ctx;
  const f = facts(env, ctx.cwd);
  const root = backupRoot(env, f.home, process.platform);
  const out = (line: string) => ctx.stdout(`${line}\n`);

  if (options.mode === "purge-backups") return purge(root, out);
  if (options.mode === "undo") return undo(root, f, out);

  const { vault, account } = options;
  // Every project's local scope in ~/.claude.json, not only the current one's: run from $HOME,
  // a token in another project's entry would otherwise be left unmentioned (doctor flags it).
  const scanned = scanServers(f, options.clients, undefined, { otherProjects: true });
  const servers: MigrationServer[] = scanned.flatMap((s) => {
    if (s.mcpOpRemote) return [];
    if (s.spec && s.findings.length) {
      return [{ loc: s.loc, name: s.name, raw: s.raw, spec: s.spec, viaMcpOp: s.viaMcpOp, findings: s.findings }];
    }
    // A remote server: the detector read its URL as an argument and its headers as env.
    if (!s.remote?.findings.length) return [];
    const spec = { command: "", args: [s.remote.url], env: s.remote.headers };
    return [{ loc: s.loc, name: s.name, raw: s.raw, spec, viaMcpOp: false, findings: s.remote.findings, remote: true }];
  });
  // Plaintext in the static headers of an entry mcp-op registered: named and left in place.
  const remote = scanned.flatMap((s) =>
    s.mcpOpRemote
      ? [...s.findings, ...(s.remote?.findings ?? [])].map(
          (fd) =>
            `${serverLabel(s.loc, s.name)}: ${findingPlace(s, fd)}: ${fd.display} (${fd.reason}): left in place (an mcp-op remote entry: put the header into its headers file as a reference)`,
        )
      : [],
  );
  // The vault name must fit in a reference (`op run` validates them): else use its ID.
  const fits = parseReference(`op://${vault}/item/credential`);
  if (!fits.ok) throw new McpOpError(EXIT.DATAERR, `--vault ${vault}: ${fits.reason}`, "pass the vault's ID instead");
  // Applying needs op: the vault must exist, and new titles must not repeat existing ones.
  const opPath = options.mode === "apply" && servers.length > 0 ? locateOp(options.op, env) : undefined;
  // Each call: effects/op.ts's time limit.
  const op = opPath === undefined ? undefined : ctx.op({ opPath, account, env: definedOnly(env) });
  const self = stableCommand(env);
  let existing: Pick<Parameters<typeof planMigration>[0], "existingTitles" | "reuse"> = {};
  let key: Uint8Array | undefined;
  if (op) {
    await checkVault(op, vault);
    key = digestKey(env, f.home);
    const listed = await listItems(op, vault);
    // The values this run would move, to look for items earlier runs made for them.
    const values = planMigration({ servers, vault, self, envFileFor: () => "" }).plans.flatMap((p) =>
      p.variables.map((v) => v.item.value),
    );
    existing = {
      existingTitles: new Set(listed.map((i) => i.title.toLowerCase())),
      reuse: await reusableItems({ op, vault, key, root, listed, values }),
    };
  }
  const migration = planMigration({
    servers,
    vault,
    ...existing,
    self,
    platform: process.platform,
    envFileFor: envFileNamer(envFileDir(env, f.home, process.platform)),
  });
  const { plans } = migration;
  if (plans.length === 0 && migration.untouched.length === 0 && remote.length === 0) {
    out("no plaintext secrets found in any client config");
    return;
  }
  // Every planned reference must parse: titles are made safe by itemTitle, so this is a backstop.
  for (const v of plans.flatMap((p) => p.variables)) {
    const r = parseReference(v.item.reference);
    if (!r.ok) throw new McpOpError(EXIT.SOFTWARE, `planned ${describeBadReference(v.item.reference, r.reason)}`);
  }
  for (const line of describeMigration(migration)) out(line);
  for (const line of remote) out(line);
  if (plans.length === 0) {
    out("nothing to migrate: every value found is left in place (see above)");
    return;
  }
  // Without --apply no op was located: a dry run.
  if (op === undefined || key === undefined) {
    out("dry run: nothing changed. Run again with --apply to do it.");
    return;
  }
  await apply(plans, {
    env,
    vault,
    op,
    key,
    root,
    cwd: f.cwd,
    home: f.home,
    out,
  });
}

interface ApplyContext {
  env: Env;
  vault: string;
  op: Op;
  cwd: string;
  home: string;
  out: (l: string) => void;
  /** This run's private backup directory. */
  dir: string;
  /** Key of the item digests in the manifest. */
  key: Uint8Array;
  /** Item title -> reference, for every item this run created. */
  created: Map<string, string>;
  /** Titles of the items this run created or reused, as recorded in the manifest. */
  noted: Set<string>;
  manifest: Manifest;
  /**
   * Per config path: the text this run last wrote there (at first, the backed-up text), or
   * undefined once another program wrote in between: then --undo goes entry by entry.
   */
  last: Map<string, string | undefined>;
}

async function apply(
  plans: ServerPlan[],
  o: Omit<ApplyContext, "dir" | "created" | "noted" | "manifest" | "last"> & { root: string },
) {
  const started = Date.now();
  const dir = newRunDir(o.root);
  const ctx: ApplyContext = {
    ...o,
    dir,
    created: new Map(),
    noted: new Set(),
    manifest: { version: 2, files: [], entries: [], items: [] },
    last: new Map(),
  };
  backUpAll(plans, ctx);
  const failed: Failure[] = [];
  // Ctrl-C, SIGTERM or SIGHUP stops between servers, never inside one (each is all or nothing);
  // the servers not reached are left as they were and the run can be undone as usual.
  let interrupted: McpOpError | undefined;
  let reached = 0;
  await withSignalsHeld(async (held) => {
    const checkpoint = () => held.check();
    for (const plan of plans) {
      try {
        checkpoint();
      } catch (error) {
        interrupted = error as McpOpError;
        return;
      }
      reached++;
      const label = serverLabel(plan.server.loc, plan.server.name);
      try {
        await migrateServer(plan, ctx);
      } catch (error) {
        const migrated = (error as { migrated?: boolean }).migrated === true;
        failed.push({ plan, code: error instanceof McpOpError ? error.exitCode : EXIT.SOFTWARE, migrated });
        logger.error(
          migrated
            ? `${label}: ${(error as Error).message}`
            : `${label}: not migrated, config untouched (${describeError(error)})`,
        );
        continue;
      }
      o.out(`${label}: migrated (${plan.envFile})`);
    }
  });
  const quarantined = quarantineClaudeBackups(o.env, o.home, started, dir);
  if (failed.length < reached || quarantined > 0) {
    o.out(
      `backups of the old files (they hold the plaintext): ${dir}; remove them with: mcp-op migrate --purge-backups`,
    );
  } else {
    removeRunDir(dir); // nothing changed: no run to undo, no plaintext copy to keep
  }
  if (failed.length < reached) o.out("undo with: mcp-op migrate --undo");
  if (interrupted) {
    logger.error(`${interrupted.message}: ${plans.length - reached} server(s) not reached, left as they were`);
    if (failed.length) logger.error(`${failed.length} server(s) failed before it: see above`);
    throw McpOpError.reported(interrupted.exitCode);
  }
  if (failed.length) reportFailures(failed, plans, ctx.created);
}

/** Every config this run may change, copied first into the run directory; on failure none is kept (73). */
function backUpAll(plans: readonly ServerPlan[], ctx: ApplyContext): void {
  try {
    for (const plan of plans) {
      const loc = plan.server.loc;
      if (ctx.last.has(loc.path)) continue;
      const { backup, text } = backUp(ctx.dir, ctx.manifest.files.length, loc.client, loc.path);
      ctx.manifest.files.push({ loc, backup });
      ctx.last.set(loc.path, text);
    }
    saveManifest(ctx.dir, ctx.manifest);
  } catch (error) {
    removeRunDir(ctx.dir); // nothing changed yet: no plaintext copy to keep
    throw error;
  }
}

/**
 * One server, all or nothing: its items, then its env file, then its entry. Throws the first
 * failure; the env file it wrote is removed again, the config is left as it was.
 */
async function migrateServer(plan: ServerPlan, ctx: ApplyContext): Promise<void> {
  for (const { item } of plan.variables) {
    if (ctx.noted.has(item.title)) continue;
    if (item.reused) {
      noteItem(item, undefined, ctx);
      ctx.out(`  reuses ${item.reference}`);
      continue;
    }
    // The value never goes to argv (effects/op.ts itemCreate).
    const made = await ctx.op.itemCreate({ vault: ctx.vault, title: item.title, credential: item.value, dir: ctx.dir });
    if (!made.ok) throw new McpOpError(EXIT.UNAVAILABLE, `op: ${made.message}`);
    ctx.created.set(item.title, item.reference);
    noteItem(item, made.id, ctx);
    ctx.out(`  created ${item.reference}`);
  }
  let text: string;
  try {
    text = await rewriteEntry(plan, ctx);
  } catch (error) {
    resync(plan.server.loc, ctx);
    throw error;
  }
  try {
    record(plan, text, ctx);
  } catch (error) {
    // The entry is migrated and works; only --undo cannot find it. Said as such, not "untouched".
    throw Object.assign(
      new McpOpError(
        error instanceof McpOpError ? error.exitCode : EXIT.CANTCREAT,
        `migrated, but its undo record could not be saved (${describeError(error)}): --undo will not restore it; its old config is in ${ctx.dir}`,
      ),
      { migrated: true },
    );
  }
}

/**
 * Record an item the run created or reused (ID, where, and the keyed digest of its value) so
 * that --undo names it and a later run can reuse it. Saved at once, so a server that fails
 * afterwards still leaves its items findable; should that save fail, the server's own record
 * (record) reports it.
 */
function noteItem(item: PlannedItem, id: string | undefined, ctx: ApplyContext): void {
  ctx.noted.add(item.title);
  const itemId = item.id ?? id;
  ctx.manifest.items = ctx.manifest.items ?? [];
  ctx.manifest.items.push({
    ...(itemId ? { id: itemId } : {}),
    title: item.title,
    vault: ctx.vault,
    reference: item.reference,
    digest: itemDigest(ctx.key, item.value),
    created: !item.reused,
  });
  try {
    saveManifest(ctx.dir, ctx.manifest);
  } catch {
    // reported by record() for the server
  }
}

/**
 * Its new env file, then the entry rewritten to use it (through the edit loop, which removes the
 * env file again should the rewrite fail); returns the config's text right after. Only while the
 * entry is still the one planned from: another program may have changed it.
 */
async function rewriteEntry(plan: ServerPlan, ctx: ApplyContext): Promise<string> {
  const { loc, name, raw } = plan.server;
  const done = await runSteps(
    [
      { kind: "env-file", path: plan.envFile, text: plan.envText, existing: "never" },
      ...(plan.also ?? []).map((a) => ({
        kind: "env-file" as const,
        path: a.path,
        text: a.text,
        existing: "never" as const,
      })),
      { kind: "replace", loc, name, entry: plan.entry, was: raw },
    ],
    {
      env: ctx.env,
      cwd: ctx.cwd,
      home: ctx.home,
      // A put-back after a failed add keeps its backup in this run's private directory too.
      backupDir: (l) => editBackups(l, ctx),
      claudeBackups: true,
      preflight: false,
      checkpoints: false, // apply stops between servers, never inside one
      report: () => {},
    },
  );
  const rewrite = done.at(-1);
  if (!rewrite?.changed || rewrite.after === undefined) return load(loc).text;
  ctx.last.set(loc.path, ctx.last.get(loc.path) === rewrite.before ? rewrite.after : undefined);
  return rewrite.after;
}

function editBackups(loc: ConfigLocation, ctx: ApplyContext): string {
  return editBackupsOf(
    ctx.dir,
    ctx.manifest.files.findIndex((f) => f.loc.path === loc.path),
    loc.client,
  );
}

/** After a failed rewrite: a file that is no longer what this run last wrote is no longer the run's alone. */
function resync(loc: ConfigLocation, ctx: ApplyContext): void {
  let now: string | undefined;
  try {
    now = load(loc).text;
  } catch {
    now = undefined;
  }
  if (now !== ctx.last.get(loc.path)) ctx.last.set(loc.path, undefined);
}

/** Note a migrated entry in the manifest, with the digest of the file as this run left it. */
function record(plan: ServerPlan, text: string, ctx: ApplyContext): void {
  const { loc, name } = plan.server;
  const also = (plan.also ?? []).map((a) => a.path);
  ctx.manifest.entries.push({
    loc,
    name,
    ours: listServers(loc, text)[name],
    envFile: plan.envFile,
    ...(also.length ? { also } : {}),
  });
  const file = ctx.manifest.files.find((f) => f.loc.path === loc.path);
  const last = ctx.last.get(loc.path);
  if (file && last !== undefined) file.written = textDigest(last);
  else if (file) delete file.written;
  saveManifest(ctx.dir, ctx.manifest);
}

/**
 * `--purge-backups`: every migration run goes. The backups `add` and `remove` keep of a config
 * before editing it are theirs, not migrate's, and the only copy of a config as it was: kept,
 * and said, as they may hold plaintext too.
 */
function purge(root: string, out: (l: string) => void): void {
  const { runs, edits } = purgeRuns(root);
  out(`deleted every migration backup (${runs} ${runs === 1 ? "run" : "runs"} in ${root})`);
  if (edits) {
    out(
      `kept ${edits.files} backup${edits.files === 1 ? "" : "s"} that add and remove made before editing a config, in ${edits.dir}: they may hold plaintext too; delete that directory yourself if you do not need them`,
    );
  }
}

/**
 * `--undo`: the newest run not undone yet (each --undo goes one run further back). Files are
 * restored whole while they are exactly what the run left, else entry by entry; an entry
 * changed since is left alone and named (78). The run counts as undone either way: what could
 * be undone safely was, and the rest needs a person (its old version is in the backup named).
 */
async function undo(root: string, f: Facts, out: (l: string) => void): Promise<void> {
  const last = undoableRuns(root).at(-1);
  if (!last) throw new McpOpError(EXIT.NOINPUT, `no migration to undo in ${root}`);
  const runDir = last;
  const usersOf = (envFile: string) =>
    scanServers(f, [], () => {}, { otherProjects: true })
      .filter((s) => s.envFiles.includes(envFile) || s.mcpOpRemote?.headersFile === envFile)
      .map((s) => `${shownName(s.name)} (${s.loc.client}, ${s.loc.scope})`);
  const manifest = readManifest(runDir);
  const report = await undoRun(runDir, manifest, usersOf);
  markUndone(runDir);
  for (const path of report.whole) out(`restored ${path}`);
  for (const e of report.entries) out(`restored ${entryLabel(e)} in ${e.loc.path}`);
  out(keptItems(manifest.items));
  out(`backups stay in ${runDir} until --purge-backups`);
  for (const { path, users } of report.keptEnvFiles) out(`kept ${path}: ${users.join(", ")} still use it`);
  for (const { entry, backup } of report.leftAlone) {
    logger.error(
      `${entryLabel(entry)} in ${entry.loc.path} was changed since the migration: left as it is (its old version is in ${backup})`,
    );
  }
  for (const error of report.failed) logger.error(describeError(error));
  if (report.leftAlone.length > 0 || report.failed.length > 0) throw McpOpError.reported(EXIT.CONFIG);
}

const entryLabel = (e: { loc: ConfigLocation; name: string }) => serverLabel(e.loc, e.name);

/**
 * The items an undone run used, by reference: they stay in 1Password (they may be used since),
 * and `--apply` reuses them while they hold the same value, so they are named rather than
 * silently left (a manifest of an mcp-op that recorded none: said so).
 */
function keptItems(items: Manifest["items"]): string {
  if (items === undefined) return "the 1Password items it created are kept (this run did not record which)";
  const created = items.filter((i) => i.created).map((i) => i.reference);
  const reused = items.filter((i) => !i.created).map((i) => i.reference);
  const parts = [
    created.length ? `created ${created.join(", ")}` : "",
    reused.length ? `reused ${reused.join(", ")}` : "",
  ].filter(Boolean);
  if (parts.length === 0) return "it used no 1Password item";
  return `1Password items kept (migrate --apply reuses them while they hold the same value; delete them in 1Password if not): ${parts.join("; ")}`;
}

/** An error as one line: its message and, when it has one, its hint. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error instanceof McpOpError && error.hint ? `${error.message}; ${error.hint}` : error.message;
}

/** A server that failed; `migrated` when only its undo record failed (the entry is migrated). */
interface Failure {
  plan: ServerPlan;
  code: ExitCode;
  migrated?: boolean;
}

/**
 * The summary after per-server failures (each already reported): which servers were not
 * migrated, and the items created that no migrated entry uses (the ones safe to delete). The
 * exit code is the failures' first in the exit-code table (69 for op, 73 env file, 78 config).
 */
function reportFailures(
  failed: readonly Failure[],
  plans: readonly ServerPlan[],
  created: ReadonlyMap<string, string>,
): never {
  const notMigrated = failed.filter((f) => !f.migrated);
  const failedPlans = new Set(notMigrated.map((f) => f.plan));
  const used = new Set(plans.filter((p) => !failedPlans.has(p)).flatMap((p) => p.variables.map((v) => v.item.title)));
  const unused = [...created].filter(([title]) => !used.has(title)).map(([, reference]) => reference);
  const names = notMigrated.map(({ plan }) => serverLabel(plan.server.loc, plan.server.name));
  if (names.length) {
    logger.error(
      `not migrated: ${names.join(", ")}; 1Password items created for them that no migrated entry uses (keep or delete them): ${unused.join(", ") || "none"}`,
    );
  }
  throw McpOpError.reported(
    failed.map((f) => f.code).reduce<ExitCode | undefined>(firstInTable, undefined) ?? EXIT.SOFTWARE,
  );
}
