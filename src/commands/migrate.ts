/**
 * `mcp-op migrate [--client C]... [--vault V] [--apply] | --undo | --purge-backups`
 *
 * Finds plaintext tokens in client configs, moves each into 1Password (`op item create`, the
 * value through a pipe, never argv), writes each server's env file (references only) and
 * rewrites its entry to run through mcp-op. All or nothing per server; every file is backed up
 * first into a private state directory, which `--undo` restores from and `--purge-backups` empties.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { ArgsDef, CommandDef } from "citty";
import { parseOptions } from "../core/args.ts";
import { setServer } from "../core/config-edit.ts";
import {
  describeMigration,
  envFileBase,
  type MigrationServer,
  planMigration,
  type ServerPlan,
  shownName,
} from "../core/migrate.ts";
import { describeBadReference, parseReference } from "../core/reference.ts";
import { opCall, opErrorMessage } from "../core/signin.ts";
import { edit } from "../effects/config-file.ts";
import { errorCode } from "../effects/files.ts";
import { locateOp } from "../effects/locate.ts";
import { spawnCapture } from "../effects/native.ts";
import { claudeCli, facts, replaceThroughClaude, scanServers, stableCommand } from "../effects/registry.ts";
import { EXIT, McpOpError, usageError } from "../errors.ts";
import { logger } from "../logger.ts";
import { definedOnly, environment } from "../runtime.ts";
import { parseClients } from "./add.ts";

const migrateArgs = {
  client: { type: "string", valueHint: "CLIENT", description: "only these clients (repeatable; default: all)" },
  vault: { type: "string", valueHint: "VAULT", description: "1Password vault for the new items (default: Private)" },
  account: { type: "string", valueHint: "ACCOUNT", description: "1Password account" },
  apply: { type: "boolean", description: "do it (without it: a dry run that changes nothing)" },
  undo: { type: "boolean", description: "restore the files of the last migration from its backups" },
  "purge-backups": { type: "boolean", description: "delete every migration backup (they hold the old plaintext)" },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary" },
} as const satisfies ArgsDef;

type Env = Readonly<Record<string, string | undefined>>;

/** Backups hold the old plaintext: a private directory outside every config directory. */
function backupRoot(env: Env, home: string): string {
  return join(env.XDG_STATE_HOME || join(home, ".local", "state"), "mcp-op", "backups");
}

function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/** A new private directory for this run's backups, named by time (never an earlier run's). */
function newRunDir(root: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "");
  for (let n = 1; ; n++) {
    const dir = join(root, n === 1 ? stamp : `${stamp}-${n}`);
    try {
      mkdirSync(dir, { mode: 0o700 });
      chmodSync(dir, 0o700);
      return dir;
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
  }
}

const UNDONE = "undone";

/** Migration runs not undone yet, oldest first (the backup root also holds edit backups). */
function undoableRuns(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, "manifest.json")) && !existsSync(join(root, name, UNDONE)))
    .sort();
}

interface Manifest {
  files: Array<{ original: string; backup: string }>;
  envFiles: string[];
}

async function createItem(
  opPath: string,
  account: string | undefined,
  vault: string,
  title: string,
  value: string,
  env: Env,
): Promise<string | undefined> {
  const template = JSON.stringify({
    title,
    category: "API_CREDENTIAL",
    fields: [{ id: "credential", label: "credential", type: "CONCEALED", purpose: "", value }],
  });
  // The value goes through stdin only: never an argument, a file or a log line.
  const r = await spawnCapture(
    opPath,
    opCall(account, "item", "create", "--category", "API Credential", "--vault", vault, "--title", title).concat([
      "--template",
      "/dev/stdin",
      "--format",
      "json",
    ]),
    { env: definedOnly(env), stdin: "ignore", stderr: "pipe", timeoutMs: 60_000, input: template },
  );
  if (!r) return "op item create timed out";
  return r.code === 0 ? undefined : opErrorMessage(r.stderr) || `op exited ${r.code}`;
}

export default {
  meta: { name: "migrate", description: "Move plaintext tokens from client configs into 1Password" },
  args: migrateArgs,
  async run({ rawArgs }) {
    const { values } = parseOptions("migrate", migrateArgs, rawArgs, ["client"]);
    const env = environment();
    const f = facts(env);
    const root = backupRoot(env, f.home);
    const out = (line: string) => process.stdout.write(`${line}\n`);

    const modes = (["apply", "undo", "purge-backups"] as const).filter((m) => values[m] === true);
    if (modes.length > 1) throw usageError(`give one of --${modes.join(", --")}, not several`);
    if (values["purge-backups"] === true) {
      rmSync(root, { recursive: true, force: true });
      out(`deleted every migration backup (${root})`);
      return;
    }
    if (values.undo === true) {
      // The newest run not undone yet: each --undo goes one run further back.
      const last = undoableRuns(root).at(-1);
      if (!last) throw new McpOpError(EXIT.NOINPUT, `no migration to undo in ${root}`);
      const manifest = JSON.parse(readFileSync(join(root, last, "manifest.json"), "utf8")) as Manifest;
      for (const file of manifest.files) {
        const temp = `${file.original}.mcp-op-undo`;
        copyFileSync(file.backup, temp);
        renameSync(temp, file.original);
        out(`restored ${file.original}`);
      }
      for (const envFile of manifest.envFiles) rmSync(envFile, { force: true });
      writeFileSync(join(root, last, UNDONE), `${new Date().toISOString()}\n`, { mode: 0o600 });
      out(`the 1Password items it created are kept; backups stay in ${join(root, last)} until --purge-backups`);
      return;
    }

    const vault = (values.vault as string | undefined) ?? "Private";
    const account = values.account as string | undefined;
    const servers: MigrationServer[] = scanServers(f, parseClients(values.client as string[] | undefined)).flatMap(
      (s) =>
        s.spec && s.findings.length
          ? [{ loc: s.loc, name: s.name, raw: s.raw, spec: s.spec, viaMcpOp: s.viaMcpOp, findings: s.findings }]
          : [],
    );
    const envDir = join(env.XDG_CONFIG_HOME || join(f.home, ".config"), "mcp-op");
    const taken = new Set<string>();
    // The vault name must fit in a reference (`op run` validates them): else use its ID.
    const fits = parseReference(`op://${vault}/item/credential`);
    if (!fits.ok) throw new McpOpError(EXIT.DATAERR, `--vault ${vault}: ${fits.reason}`, "pass the vault's ID instead");
    // Applying needs op: the vault must exist, and new titles must not repeat existing ones.
    const opPath =
      values.apply === true && servers.length > 0 ? locateOp(values.op as string | undefined, env) : undefined;
    if (opPath) await checkVault(opPath, account, vault, env);
    const migration = planMigration({
      servers,
      vault,
      ...(opPath ? { existingTitles: await itemTitles(opPath, account, vault, env) } : {}),
      self: stableCommand(env),
      envFileFor: (s) => {
        // One new env file per server, never an existing one (another entry may use it); names
        // compared case-insensitively, as macOS and Windows file systems do.
        const base = join(envDir, envFileBase(s.name));
        let path = `${base}.env`;
        for (let n = 2; taken.has(path.toLowerCase()) || existsSync(path); n++) path = `${base}-${n}.env`;
        taken.add(path.toLowerCase());
        return path;
      },
    });
    const { plans } = migration;
    if (plans.length === 0 && migration.untouched.length === 0) {
      out("no plaintext secrets found in any client config");
      return;
    }
    // Every planned reference must parse: titles are made safe by itemTitle, so this is a backstop.
    for (const v of plans.flatMap((p) => p.variables)) {
      const r = parseReference(v.item.reference);
      if (!r.ok) throw new McpOpError(EXIT.SOFTWARE, `planned ${describeBadReference(v.item.reference, r.reason)}`);
    }
    for (const line of describeMigration(migration)) out(line);
    if (plans.length === 0) {
      out("nothing to migrate: every value found is left in place (see above)");
      return;
    }
    // Without --apply no op was located: a dry run.
    if (opPath === undefined) {
      out("dry run: nothing changed. Run again with --apply to do it.");
      return;
    }
    await apply(plans, {
      env,
      vault,
      account,
      opPath,
      root,
      cwd: f.cwd,
      home: f.home,
      out,
    });
  },
} satisfies CommandDef<typeof migrateArgs>;

async function apply(
  plans: ServerPlan[],
  o: {
    env: Env;
    vault: string;
    account: string | undefined;
    opPath: string;
    root: string;
    cwd: string;
    home: string;
    out: (l: string) => void;
  },
): Promise<void> {
  const { opPath } = o;
  const started = Date.now();
  privateDir(o.root);
  const dir = newRunDir(o.root);
  const manifest: Manifest = { files: [], envFiles: [] };
  const saveManifest = () =>
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2), { mode: 0o600 });
  // Back up every file first.
  for (const path of [...new Set(plans.map((p) => p.server.loc.path))]) {
    const backup = join(dir, `${manifest.files.length}-${path.split(/[\\/]/).pop()}`);
    copyFileSync(path, backup);
    chmodSync(backup, 0o600);
    manifest.files.push({ original: path, backup });
  }
  saveManifest();

  const created = new Map<string, string>(); // title -> reference
  const failed: string[] = [];
  const claude = claudeCli(o.env);
  for (const plan of plans) {
    const label = `${plan.server.loc.client} (${plan.server.loc.scope}) ${shownName(plan.server.name)}`;
    // All or nothing per server: every item first; the config only if they all exist.
    let problem: string | undefined;
    for (const v of plan.variables) {
      if (created.has(v.item.title)) continue;
      problem = await createItem(opPath, o.account, o.vault, v.item.title, v.item.value, o.env);
      if (problem) break;
      created.set(v.item.title, v.item.reference);
      o.out(`  created ${v.item.reference}`);
    }
    if (problem) {
      failed.push(label);
      logger.error(`${label}: not migrated, config untouched (op: ${problem})`);
      continue;
    }
    mkdirSync(join(plan.envFile, ".."), { recursive: true, mode: 0o700 });
    writeFileSync(plan.envFile, plan.envText, { mode: 0o600, flag: "wx" });
    manifest.envFiles.push(plan.envFile);
    saveManifest();
    const loc = plan.server.loc;
    if (loc.client === "claude-code" && claude) {
      const entry = { type: "stdio", ...plan.entry };
      await replaceThroughClaude(claude, loc, plan.server.name, JSON.stringify(entry), plan.server.raw, {
        env: o.env,
        cwd: o.cwd,
        home: o.home,
      });
    } else {
      await edit(
        loc,
        (text) =>
          setServer(loc, text, plan.server.name, plan.entry, {
            force: true,
          }),
        { dryRun: false, backupDir: dir },
      );
    }
    o.out(`${label}: migrated (${plan.envFile})`);
  }
  quarantineClaudeBackups(o.env, o.home, started, join(dir, "claude-backups"));
  o.out(`backups of the old files (they hold the plaintext): ${dir}; remove them with: mcp-op migrate --purge-backups`);
  o.out("undo with: mcp-op migrate --undo");
  if (failed.length) {
    logger.error(
      `not migrated: ${failed.join(", ")}; items already created (keep or delete them): ${[...created.values()].join(", ") || "none"}`,
    );
    throw McpOpError.reported(EXIT.UNAVAILABLE); // op failed; every config is consistent
  }
}

/**
 * `claude mcp remove/add-json` back up ~/.claude.json into ~/.claude/backups first, and those
 * copies hold the plaintext being migrated: move the ones made during this run into the
 * private backup directory.
 */
function quarantineClaudeBackups(env: Env, home: string, since: number, into: string): void {
  const dir = join(env.CLAUDE_CONFIG_DIR || join(home, ".claude"), "backups");
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (!st.isFile() || st.mtimeMs < since - 1000) continue;
    privateDir(into);
    renameSync(path, join(into, name));
    chmodSync(join(into, name), 0o600);
  }
}

/** `op <args> --format json`, parsed; undefined when op prints no JSON. 69 when op fails. */
async function opJson(opPath: string, account: string | undefined, args: string[], env: Env): Promise<unknown> {
  const r = await spawnCapture(opPath, opCall(account, ...args, "--format", "json"), {
    env: definedOnly(env),
    stdin: "ignore",
    stderr: "pipe",
    timeoutMs: 60_000,
  });
  if (!r) throw new McpOpError(EXIT.TEMPFAIL, `op ${args.join(" ")} timed out`);
  if (r.code !== 0) {
    const why = opErrorMessage(r.stderr);
    // Not signed in (or no account): say how, instead of a bare op failure.
    if (/not (currently )?signed in|no account found/i.test(why)) {
      throw new McpOpError(
        EXIT.NOPERM,
        `op ${args.join(" ")} failed: ${why}`,
        "sign in first (turn on 1Password app integration, or run: eval $(op signin)), then run migrate again",
      );
    }
    throw new McpOpError(EXIT.UNAVAILABLE, `op ${args.join(" ")} failed: ${why}`);
  }
  try {
    return JSON.parse(r.stdout);
  } catch {
    return undefined;
  }
}

/** Titles of the items in the vault, lower-cased (references match names case-insensitively). */
async function itemTitles(opPath: string, account: string | undefined, vault: string, env: Env): Promise<Set<string>> {
  const items = await opJson(opPath, account, ["item", "list", "--vault", vault], env);
  return new Set(
    (Array.isArray(items) ? (items as Array<{ title?: unknown }>) : []).flatMap((i) =>
      typeof i.title === "string" ? [i.title.toLowerCase()] : [],
    ),
  );
}

/** The target vault must exist before anything is backed up or created. */
async function checkVault(opPath: string, account: string | undefined, vault: string, env: Env): Promise<void> {
  const vaults = await opJson(opPath, account, ["vault", "list"], env);
  // An op that prints no JSON: let item create report the problem.
  if (!Array.isArray(vaults)) return;
  const names = (vaults as Array<{ name?: string; id?: string }>).flatMap((v) => [v.name ?? "", v.id ?? ""]);
  if (!names.some((n) => n.toLowerCase() === vault.toLowerCase())) {
    const known = names.filter((_, i) => i % 2 === 0).join(", ");
    throw new McpOpError(
      EXIT.DATAERR,
      `vault "${vault}" not found in 1Password`,
      `pass --vault (one of: ${known || "none"})`,
    );
  }
}
