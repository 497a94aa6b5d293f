/**
 * The files `mcp-op migrate` keeps: one private directory per run under
 * `$XDG_STATE_HOME/mcp-op/backups/` (0700, files 0600) holding a copy of every config before it
 * changes and a manifest of what the run did, and each server's new env file.
 */
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
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
import { EXIT, McpOpError } from "../errors.ts";
import { describeFsError, errorCode, writeAll } from "./files.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** Backups hold the old plaintext: a private directory outside every config directory. */
export function backupRoot(env: Env, home: string): string {
  return join(env.XDG_STATE_HOME || join(home, ".local", "state"), "mcp-op", "backups");
}

/** A local file migrate needs could not be written: 73, nothing of this step left behind. */
export function cantCreate(path: string, error: unknown, what = "write"): McpOpError {
  const code = errorCode(error);
  const why =
    code === "EEXIST" || code === "ENOTDIR"
      ? `${dirname(path)} (or a directory above it) is not a directory`
      : describeFsError(error);
  return new McpOpError(EXIT.CANTCREAT, `cannot ${what} ${path}: ${why}`);
}

function privateDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    chmodSync(path, 0o700);
  } catch (error) {
    throw cantCreate(path, error, "create the private directory");
  }
}

/** A new private directory for this run's backups, named by time (never an earlier run's). */
export function newRunDir(root: string): string {
  privateDir(root);
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

/**
 * Copy a config into the run directory (0600), named by its position in the run and the
 * client, so two clients' `settings.json` never share a name.
 */
export function backUp(dir: string, index: number, client: string, path: string): string {
  const backup = join(dir, `${index}-${client}-${basename(path)}`);
  try {
    copyFileSync(path, backup);
    chmodSync(backup, 0o600);
  } catch (error) {
    rmSync(backup, { force: true });
    throw cantCreate(backup, error, "back up the config to");
  }
  return backup;
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

const UNDONE = "undone";

/** Migration runs not undone yet, oldest first (the backup root also holds edit backups). */
export function undoableRuns(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, "manifest.json")) && !existsSync(join(root, name, UNDONE)))
    .sort();
}

export function markUndone(runDir: string): void {
  writeFileSync(join(runDir, UNDONE), `${new Date().toISOString()}\n`, { mode: 0o600 });
}

/**
 * `claude mcp remove/add-json` back up ~/.claude.json into ~/.claude/backups first, and those
 * copies hold the plaintext being migrated: move the ones made during this run into the
 * private backup directory.
 */
export function quarantineClaudeBackups(env: Env, home: string, since: number, into: string): number {
  const dir = join(env.CLAUDE_CONFIG_DIR || join(home, ".claude"), "backups");
  if (!existsSync(dir)) return 0;
  let moved = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (!st.isFile() || st.mtimeMs < since - 1000) continue;
    privateDir(into);
    renameSync(path, join(into, name));
    chmodSync(join(into, name), 0o600);
    moved++;
  }
  return moved;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}
