/**
 * The one loop that changes client configs (add, remove, migrate): each step of a plan
 * (core/register.ts) done in turn, an env file written or an entry set or removed, through the
 * claude CLI for Claude Code when it is installed (registry.ts) or by editing the file
 * (config-file.ts). Each step done records how to undo it; a failure, or a stop signal held
 * meanwhile (signals.ts), undoes every step done, newest first, and ends the command with the
 * failure (128 + n for a signal).
 */
import { existsSync, rmSync } from "node:fs";
import { type ConfigLocation, isBlockFile } from "../core/clients.ts";
import { listServers, removeServer, restoreServer, setServer } from "../core/config-edit.ts";
import { alreadyExists, type ConfigStep, claudeJson, hasServer, type Step } from "../core/register.ts";
import { sameHeaders } from "../core/remote-entry.ts";
import { blockHoldsOnly } from "../core/yaml-edit.ts";
import { logger } from "../logger.ts";
import { deleteConfig, edit, load, preflight, restoreDeleted, revert } from "./config-file.ts";
import { writeEnvFile } from "./env-files.ts";
import { writeNewEnvFile } from "./migration.ts";
import { claudeCli, claudeCwd, facts, putBack, replaceThroughClaude, runClaude } from "./registry.ts";
import { withSignalsHeld } from "./signals.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** One step's change, and how to undo it should a later step fail. */
export interface Undo {
  /** What was undone, e.g. `took "x" back out of cursor (user)`; nothing is said when undefined. */
  done?: string;
  /** What could not be undone, e.g. `could not take "x" back out of cursor (user)`. */
  failed: string;
  /** Only when every later change was undone: an env file stays while an entry still names it. */
  last?: boolean;
  run: () => Promise<void>;
}

/**
 * Undo the changes, newest first, each outcome logged. True when all of them were undone. One
 * marked `last` is undone only when everything after it was.
 */
async function undoAll(undos: readonly Undo[]): Promise<boolean> {
  let all = true;
  for (const u of [...undos].reverse()) {
    if (u.last && !all) continue;
    try {
      await u.run();
      if (u.done !== undefined) logger.warn(u.done);
    } catch (error) {
      all = false;
      logger.error(`${u.failed}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return all;
}

/** What one step did. */
export interface Done {
  step: Step;
  /** How: the claude CLI, or mcp-op writing the file itself. */
  via: "claude" | "file";
  /** False when a config needed no change (an entry another program removed meanwhile). */
  changed: boolean;
  /** The backup of the config before the edit (file edits). */
  backup?: string;
  /** An env file with other text was replaced (`existing: "replace"`). */
  replaced?: boolean;
  /** A config's text before and right after the step (set and replace). */
  before?: string;
  after?: string;
}

export interface LoopOptions {
  env: Env;
  cwd: string;
  home: string;
  /** Where an edit keeps its backup of the config it changes. */
  backupDir(loc: ConfigLocation): string;
  /**
   * A put-back after a failed `claude mcp add-json` keeps its backup in backupDir too (migrate:
   * the run's private directory); else where putBack keeps it by default.
   */
  claudeBackups?: boolean;
  /** Told what each step did, as it is done. */
  report(done: Done): void;
  /** Check that every config can be written before the first step (default true). */
  preflight?: boolean;
  /**
   * Stop at a held signal before each step and after the last (default true). False: the
   * caller holds signals and stops between its own units (migrate, between servers).
   */
  checkpoints?: boolean;
}

/** Do the steps in order, all or nothing: on a failure or a held signal every step done is undone. */
export async function runSteps(steps: readonly Step[], o: LoopOptions): Promise<Done[]> {
  if (o.preflight !== false) for (const s of steps) if (s.kind !== "env-file") preflight(s.loc);
  return withSignalsHeld(async (held) => {
    const checkpoint = () => {
      if (o.checkpoints !== false) held.check();
    };
    const undos: Undo[] = [];
    const done: Done[] = [];
    try {
      for (const step of steps) {
        checkpoint();
        const r = step.kind === "env-file" ? envFileStep(step) : await configStep(step, o);
        if (r.undo) undos.push(r.undo);
        done.push(r.done);
        o.report(r.done);
      }
      checkpoint(); // a signal during the last step undoes it all too
    } catch (error) {
      await undoAll(undos);
      throw error;
    }
    return done;
  });
}

interface Outcome {
  done: Done;
  undo?: Undo;
}

function envFileStep(step: Extract<Step, { kind: "env-file" }>): Outcome {
  const failed = `could not put ${step.path} back`;
  if (step.existing === "never") {
    writeNewEnvFile(step.path, step.text);
    const undo = { failed, last: true, run: async () => rmSync(step.path, { force: true }) };
    return { done: { step, via: "file", changed: true }, undo };
  }
  const same = step.format === "headers" ? sameHeaders : undefined;
  const written = writeEnvFile(step.path, step.text, step.existing === "replace", same);
  return {
    done: { step, via: "file", changed: true, replaced: written.replaced },
    undo: { failed, last: true, run: async () => written.undo() },
  };
}

/**
 * The claude CLI to change a Claude Code entry through, if any. For another project's local
 * scope only when `claude`, run in that project, files servers under the same key: the directory
 * still exists and is its own git root (or in none; Claude Code keys by the git root). Otherwise
 * it would remove and add a same-named server of whatever project holds that directory now: the
 * file is edited directly, as when `claude` is not installed.
 */
function claudeFor(loc: ConfigLocation, env: Env): string | undefined {
  if (loc.client !== "claude-code") return undefined;
  const claude = claudeCli(env);
  if (!claude || loc.project === undefined) return claude;
  if (!existsSync(loc.project)) return undefined;
  return facts(env, loc.project).projectRoot === loc.project ? claude : undefined;
}

async function configStep(step: ConfigStep, o: LoopOptions): Promise<Outcome> {
  const { loc, name } = step;
  const claude = claudeFor(loc, o.env);
  if (claude) {
    const at = { env: o.env, cwd: o.cwd, home: o.home, ...(o.claudeBackups ? { backupDir: o.backupDir(loc) } : {}) };
    const before = load(loc);
    if (step.kind === "remove") {
      const previous = listServers(loc, before.text)[name];
      await runClaude(claude, ["mcp", "remove", "-s", loc.scope, name], o.env, claudeCwd(loc, o.cwd));
      return {
        done: { step, via: "claude", changed: true },
        undo: undoEntry(step, previous, () => putBack(loc, name, previous, undefined, at)),
      };
    }
    // Refuse a collision ourselves: `claude mcp add-json` would report it less clearly.
    if (step.kind === "set" && !step.force && before.exists && hasServer(loc, before.text, name)) {
      throw alreadyExists(loc, name);
    }
    const previous =
      step.kind === "replace" ? step.was : before.exists ? listServers(loc, before.text)[name] : undefined;
    const json = claudeJson(step.entry);
    await replaceThroughClaude(claude, loc, name, json, previous, at);
    const { after, entry } = readBack(loc, name);
    const ours = entry ?? JSON.parse(json);
    return {
      done: { step, via: "claude", changed: true, before: before.text, ...(after === undefined ? {} : { after }) },
      undo: undoEntry(step, previous, () => putBack(loc, name, previous, ours, at)),
    };
  }
  if (step.kind === "remove" && isBlockFile(loc)) {
    // A Continue block file holding only this server goes whole: a block without one is refused.
    const deleted = await deleteConfig(loc, (text) => blockHoldsOnly(loc, text, name), { backupDir: o.backupDir(loc) });
    if (deleted) {
      return {
        done: { step, via: "file", changed: true, backup: deleted.backup, before: deleted.bytes.toString("utf8") },
        undo: undoEntry(step, undefined, () => restoreDeleted(loc, deleted)),
      };
    }
  }
  const change = (text: string) =>
    step.kind === "remove"
      ? removeServer(loc, text, name)
      : step.kind === "replace"
        ? restoreServer(loc, text, name, step.entry, step.was)
        : setServer(loc, text, name, step.entry, { force: step.force });
  const backupDir = o.backupDir(loc);
  const result = await edit(loc, change, { dryRun: false, backupDir });
  const done: Done = {
    step,
    via: "file",
    changed: result.changed,
    ...(result.backup ? { backup: result.backup } : {}),
    ...(result.before ? { before: result.before.text } : {}),
    ...(result.after !== undefined ? { after: result.after } : {}),
  };
  if (!result.changed) return { done };
  // The entry as the edit found it (with --force, the one it replaced) and as it left it.
  const previous = result.before?.exists ? listServers(loc, result.before.text)[name] : undefined;
  const ours = step.kind === "remove" ? undefined : listServers(loc, result.after ?? "")[name];
  return {
    done,
    undo: undoEntry(step, previous, () =>
      revert(loc, result, (text) => restoreServer(loc, text, name, previous, ours), { backupDir }),
    ),
  };
}

/** The file's text and the entry as stored now; undefined when they cannot be read back. */
function readBack(loc: ConfigLocation, name: string): { after?: string; entry?: unknown } {
  let after: string | undefined;
  try {
    after = load(loc).text;
    return { after, entry: listServers(loc, after)[name] };
  } catch {
    return after === undefined ? {} : { after };
  }
}

/** How to undo one entry's change, worded for a new entry, a replaced one or a removed one. */
function undoEntry(step: ConfigStep, previous: unknown, run: () => Promise<void>): Undo {
  const where = `${step.loc.client} (${step.loc.scope})`;
  const name = step.name;
  if (step.kind === "remove") {
    return { done: `put "${name}" back into ${where}`, failed: `could not put "${name}" back into ${where}`, run };
  }
  return previous === undefined
    ? { done: `took "${name}" back out of ${where}`, failed: `could not take "${name}" back out of ${where}`, run }
    : {
        done: `put the previous "${name}" back into ${where}`,
        failed: `could not put the previous "${name}" back into ${where}`,
        run,
      };
}
