/**
 * The files `mcp-op migrate` keeps: one private directory per run under
 * `$XDG_STATE_HOME/mcp-op/backups/` (0700, files 0600) holding a copy of every config before it
 * changes and a manifest of what the run did (items by ID and keyed digest, never a value), the
 * key of those digests, the item templates `op` reads (unlinked before it starts), and each
 * server's new env file.
 */

import { createHmac, randomBytes, randomUUID } from "node:crypto";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ConfigLocation } from "../core/clients.ts";
import { envFileBase, type MigratedEntry, type MigrationServer, undoEntries } from "../core/migrate.ts";
import { stateDir } from "../core/paths.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { restoreFile } from "./config-file.ts";
import { describeFsError, errorCode, writeAll } from "./files.ts";
import { privateDir } from "./private-dir.ts";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A local file migrate needs could not be written (73). mkdir says EEXIST or ENOTDIR when a
 * regular file stands where a directory (`dir` or one above it) should be: say that instead.
 */
function cantCreate(path: string, error: unknown, what = "write", dir = dirname(path)): McpOpError {
  const code = errorCode(error);
  const why =
    code === "EEXIST" || code === "ENOTDIR"
      ? `${dir} (or a directory above it) is not a directory`
      : describeFsError(error);
  return new McpOpError(EXIT.CANTCREAT, `cannot ${what} ${path}: ${why}`);
}

/** A new private directory for this run's backups, named by time (never an earlier run's). */
export function newRunDir(root: string): string {
  privateDir(root, dirname(root)); // from <state>/mcp-op down
  const stamp = new Date().toISOString().replace(/[-:]/g, "");
  for (let n = 1; ; n++) {
    const dir = join(root, n === 1 ? stamp : `${stamp}-${n}`);
    try {
      mkdirSync(dir, { mode: 0o700 });
      chmodSync(dir, 0o700);
      return dir;
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw cantCreate(dir, error, "create the backup directory");
    }
  }
}

/** Remove a run's directory: nothing changed, so no run to undo and no plaintext copy to keep. */
export function removeRunDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Copy a config into the run directory (0600), named by its position in the run and the
 * client, so two clients' `settings.json` never share a name. Returns the copy and its text.
 */
export function backUp(dir: string, index: number, client: string, path: string): { backup: string; text: string } {
  const backup = join(dir, `${index}-${client}-${basename(path)}`);
  try {
    copyFileSync(path, backup);
    chmodSync(backup, 0o600);
  } catch (error) {
    rmSync(backup, { force: true });
    throw cantCreate(backup, error, "back up the config to");
  }
  return { backup, text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(readFileSync(backup)) };
}

/**
 * One new env file per server, directly in `envDir` (envFileBase: never a path), never an
 * existing one (another entry may use it); names compared case-insensitively, as macOS and
 * Windows file systems do.
 */
export function envFileNamer(envDir: string): (server: MigrationServer) => string {
  const taken = new Set<string>();
  return (server) => {
    const base = join(envDir, envFileBase(server.name));
    let path = `${base}.env`;
    for (let n = 2; taken.has(path.toLowerCase()) || existsSync(path); n++) path = `${base}-${n}.env`;
    taken.add(path.toLowerCase());
    return path;
  };
}

/**
 * Create the server's env file: new (`wx`, never an existing file another entry may use), mode
 * 0600, in a 0700 directory. 73 when it cannot be; a partly written file is removed.
 */
export function writeNewEnvFile(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw cantCreate(path, error);
  }
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if (errorCode(error) === "EEXIST") {
      throw new McpOpError(EXIT.CANTCREAT, `cannot write ${path}: another program created it meanwhile`);
    }
    throw cantCreate(path, error);
  }
  try {
    writeAll(fd, new TextEncoder().encode(text));
    fsyncSync(fd);
  } catch (error) {
    rmSync(path, { force: true });
    throw cantCreate(path, error);
  } finally {
    closeSync(fd);
  }
}

/**
 * Hand `op item create` its JSON template, which holds the secret, without argv (every process
 * can read it) and without a stdin pipe: `op` reads `--template` by path as a Go program does,
 * and on Linux opening `/dev/stdin` fails with ENXIO when fd 0 is a socket, which Bun's
 * `stdin: "pipe"` is. Bytes as stdin would be a memfd, but only under Bun on Linux (Bun falls
 * back to a socketpair where memfd_create is unavailable, and Deno has neither).
 *
 * So: a 0600 file in the run's private directory (0700, next to the backups that hold the same
 * plaintext), opened, then unlinked before `op` starts; `op` gets the open descriptor as fd 3
 * and reads `/dev/fd/3` (Linux reopens the unlinked file, macOS dups the descriptor: both read it
 * from offset 0, as this side never reads it). While `op` runs the file has no name, so a
 * timeout, a failure, a signal or SIGKILL of mcp-op leaves nothing behind: the data goes when the
 * last descriptor closes. stdin stays /dev/null, as for every `op` call but `op run`. Windows has
 * no /dev/fd: there `op` gets the path, removed as soon as it ends.
 */
export async function withItemTemplate<T>(
  dir: string,
  template: string,
  use: (path: string, files: number[]) => Promise<T>,
): Promise<T> {
  const path = join(dir, `.item-template-${randomUUID()}.json`);
  const posix = process.platform !== "win32";
  let fd: number;
  try {
    writeFileSync(path, template, { flag: "wx", mode: 0o600 });
    fd = openSync(path, "r");
  } catch (error) {
    // A write cut short leaves the secret in the file: it goes on Windows too (unless the name
    // was taken by a file that is not ours: EEXIST, nothing written).
    if (!posix && errorCode(error) !== "EEXIST") rmSync(path, { force: true });
    throw cantCreate(path, error, "write the item template");
  } finally {
    if (posix) rmSync(path, { force: true });
  }
  try {
    return posix ? await use("/dev/fd/3", [fd]) : await use(path, []);
  } finally {
    closeSync(fd);
    if (!posix) rmSync(path, { force: true });
  }
}

/** `add`'s and `remove`'s own edit backups share the root (registry.ts editBackupDir): `--purge-backups` leaves them. */
const EDITS = "edits";

/**
 * Where a run's edits keep their backups (the file as it was just before that edit): one
 * private directory per config, as a backup is named after the file's base name and two
 * clients' configs share one (`settings.json` of Gemini and Zed).
 */
export function editBackupsOf(runDir: string, index: number, client: string): string {
  const dir = join(runDir, EDITS, `${index}-${client}`);
  privateDir(dir, runDir);
  return dir;
}

/**
 * Delete every migration run under `root` (undone or not); the edit backups of `add` and
 * `remove` stay. Returns how many runs went and how many edit backups are left, and where.
 */
export function purgeRuns(root: string): { runs: number; edits: { dir: string; files: number } | undefined } {
  if (!existsSync(root)) return { runs: 0, edits: undefined };
  let runs = 0;
  for (const name of readdirSync(root)) {
    if (name === EDITS) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    runs++;
  }
  const dir = join(root, EDITS);
  if (!existsSync(dir)) return { runs, edits: undefined };
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile());
  return { runs, edits: files.length > 0 ? { dir, files: files.length } : undefined };
}

const UNDONE = "undone";

/** The directories of the migration runs not undone yet, oldest first (the backup root also holds edit backups). */
export function undoableRuns(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, "manifest.json")) && !existsSync(join(root, name, UNDONE)))
    .sort()
    .map((name) => join(root, name));
}

export function markUndone(runDir: string): void {
  writeFileSync(join(runDir, UNDONE), `${new Date().toISOString()}\n`, { mode: 0o600 });
}

/**
 * `claude mcp remove/add-json` back up ~/.claude.json into ~/.claude/backups first, and those
 * copies hold the plaintext being migrated: move the ones made during this run into the run's
 * private directory (`claude-backups` in it).
 */
export function quarantineClaudeBackups(env: Env, home: string, since: number, runDir: string): number {
  const into = join(runDir, "claude-backups");
  const dir = join(env.CLAUDE_CONFIG_DIR || join(home, ".claude"), "backups");
  if (!existsSync(dir)) return 0;
  let moved = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (!st.isFile() || st.mtimeMs < since - 1000) continue;
    privateDir(into, dirname(into));
    renameSync(path, join(into, name));
    chmodSync(join(into, name), 0o600);
    moved++;
  }
  return moved;
}

/** What a run did, kept in its private directory: paths, digests and rewritten entries, never a moved value. */
export interface Manifest {
  version: 2;
  files: Array<{
    loc: ConfigLocation;
    /** The private copy of the file before the run. */
    backup: string;
    /** sha256 of the text the run last wrote, while no other program wrote in between. */
    written?: string;
  }>;
  /** `envFile`: the file the run wrote for the entry (a remote server's headers file); `also`: any more. */
  entries: Array<MigratedEntry & { envFile: string; also?: string[] }>;
  /** The 1Password items the run used (absent in manifests of mcp-op before 0.1.1). */
  items?: RecordedItem[];
}

/** A 1Password item a run created or reused: where it is, never its value. */
export interface RecordedItem {
  /** op's ID of the item (from `op item create --format json`), when op printed one. */
  id?: string;
  title: string;
  vault: string;
  reference: string;
  /** itemDigest of the value: tells a later run which value it holds, only with the user's key. */
  digest: string;
  /** False when the run reused an item an earlier run created. */
  created: boolean;
}

const MANIFEST = "manifest.json";

/** bigint (a TOML integer) has no JSON form: as text it no longer equals the entry, so undo leaves that entry alone. */
const jsonSafe = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);

/**
 * The key of the item digests: 32 random bytes in `$XDG_STATE_HOME/mcp-op/item-digest.key`
 * (0600, made on first use). A manifest records an HMAC of each moved value under it, never the
 * value or a plain hash: without the key a manifest cannot confirm a guessed token. A key that is
 * not a private 32-byte file of this user is refused (77), never silently replaced: its digests
 * would then match nothing.
 */
export function digestKey(env: Env, home: string): Uint8Array {
  const dir = stateDir(env, home, process.platform);
  const path = join(dir, "item-digest.key");
  privateDir(dir, dir);
  if (!existsSync(path)) {
    // Written whole under another name, then linked in: a run racing this one reads either no
    // key or a whole one, and the loser of the link uses the winner's.
    const temp = join(dir, `.item-digest.key.${randomUUID()}`);
    try {
      writeFileSync(temp, randomBytes(32), { flag: "wx", mode: 0o600 });
      linkSync(temp, path);
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw cantCreate(path, error);
    } finally {
      rmSync(temp, { force: true });
    }
  }
  const st = lstatSync(path);
  const uid = process.getuid?.();
  const problem = !st.isFile()
    ? "not a regular file"
    : st.size !== 32
      ? `${st.size} bytes, not 32`
      : process.platform !== "win32" && (st.mode & 0o077) !== 0
        ? `mode ${(st.mode & 0o777).toString(8)}, not private`
        : uid !== undefined && st.uid !== uid
          ? "owned by another user"
          : undefined;
  if (problem) {
    throw new McpOpError(
      EXIT.NOPERM,
      `${path} is not mcp-op's private key (${problem})`,
      "delete it and run again (earlier migrations' items are then created anew instead of reused)",
    );
  }
  return readFileSync(path);
}

/** HMAC-SHA256 of a value under the user's key, hex. */
export function itemDigest(key: Uint8Array, value: string): string {
  return createHmac("sha256", key).update(value, "utf8").digest("hex");
}

/** The items every run under `root` recorded (undone or not), newest run first. */
export function recordedItems(root: string): RecordedItem[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => name !== EDITS)
    .sort()
    .reverse()
    .flatMap((name) => {
      try {
        const manifest = JSON.parse(readFileSync(join(root, name, MANIFEST), "utf8")) as Partial<Manifest>;
        return Array.isArray(manifest.items) ? manifest.items : [];
      } catch {
        return []; // no manifest (a run cut short), or not ours to read
      }
    });
}

/** Written whole after each step (atomic-write.ts): a run cut short still leaves a manifest to undo by. */
export function saveManifest(runDir: string, manifest: Manifest): void {
  const path = join(runDir, MANIFEST);
  try {
    writeFileAtomic(path, JSON.stringify(manifest, jsonSafe, 2), { mode: 0o600 });
  } catch (error) {
    throw cantCreate(path, error);
  }
}

export function readManifest(runDir: string): Manifest {
  const manifest = JSON.parse(readFileSync(join(runDir, MANIFEST), "utf8")) as Partial<Manifest>;
  if (manifest.version !== 2) {
    throw new McpOpError(
      EXIT.NOINPUT,
      `${runDir} was written by an older mcp-op, which recorded too little to undo safely`,
      "restore from the backups in it by hand",
    );
  }
  return manifest as Manifest;
}

export interface UndoReport {
  /** Files given their old bytes back whole. */
  whole: string[];
  /** Entries set back one by one in a file written to since. */
  entries: MigratedEntry[];
  /** Entries changed since the migration, left as they are, with the backup holding their old version. */
  leftAlone: Array<{ entry: MigratedEntry; backup: string }>;
  /** Files that could not be undone at all (deleted, no longer parsing...), one line each. */
  failed: McpOpError[];
  /** Env files the run wrote that other entries name by now (e.g. a later `add --env-file`): kept. */
  keptEnvFiles: Array<{ path: string; users: string[] }>;
}

/**
 * Undo a run, file by file: the old bytes whole while a file is exactly what the run left,
 * else entry by entry (see undoEntries). The env files of the entries set back are removed; an
 * entry left alone keeps its env file, which it still names. `usersOf` names the entries that
 * name an env file once the run's own entries are undone: a file still named is kept (deleting
 * it would break them at their next start).
 */
export async function undoRun(
  runDir: string,
  manifest: Manifest,
  usersOf: (envFile: string) => string[],
): Promise<UndoReport> {
  const report: UndoReport = { whole: [], entries: [], leftAlone: [], failed: [], keptEnvFiles: [] };
  const keep = new Set<MigratedEntry>();
  for (const [i, file] of manifest.files.entries()) {
    const entries = manifest.entries.filter((e) => e.loc.path === file.loc.path);
    if (entries.length === 0) continue; // nothing of this run in it
    try {
      // Saving keeps a copy of the file as it is now: private too, one directory per file.
      const backupDir = join(runDir, "undo", String(i));
      privateDir(backupDir, runDir);
      await undoFile(file, entries, backupDir, report);
    } catch (error) {
      if (!(error instanceof McpOpError)) throw error;
      report.failed.push(error);
      for (const e of entries) keep.add(e);
    }
  }
  for (const { entry } of report.leftAlone) keep.add(entry);
  for (const e of manifest.entries) {
    if (keep.has(e)) continue;
    for (const file of [e.envFile, ...(e.also ?? [])]) {
      const users = usersOf(file);
      if (users.length > 0) report.keptEnvFiles.push({ path: file, users });
      else rmSync(file, { force: true });
    }
  }
  return report;
}

async function undoFile(
  file: Manifest["files"][number],
  entries: Manifest["entries"],
  backupDir: string,
  report: UndoReport,
): Promise<void> {
  const backup = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(readFileSync(file.backup));
  let leftAlone: MigratedEntry[] = [];
  // `change` may run more than once (another program writing meanwhile): the last run counts.
  const how = await restoreFile(
    file.loc,
    file.written,
    backup,
    (text) => {
      const undone = undoEntries(text, backup, entries);
      leftAlone = undone.leftAlone;
      return undone;
    },
    { backupDir },
  );
  if (how === "whole") {
    report.whole.push(file.loc.path);
    return;
  }
  report.leftAlone.push(...leftAlone.map((entry) => ({ entry, backup: file.backup })));
  report.entries.push(...entries.filter((e) => !leftAlone.includes(e)));
}
