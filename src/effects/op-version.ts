/**
 * The version of an `op` binary, without an `op --version` at every launch: cached in
 * `<stateDir>/op-version.json` by the binary's path, size and mtime (an update of op changes
 * them, a Homebrew upgrade too: the path's target is stat'ed). Only what uses an Environment asks.
 */
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { cachedVersion, withVersion } from "../core/environments.ts";
import { joinPath, stateDir } from "../core/paths.ts";
import { logger } from "../logger.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import type { Op } from "./op.ts";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `op --version` of `opPath`, from the cache when the binary is unchanged; undefined when op
 * cannot tell (a failed call is not cached). A cache that cannot be read or written is no
 * cache: the version is asked of op each time, and nothing fails for it.
 */
export async function opVersion(opPath: string, op: Op, env: Env, home: string): Promise<string | undefined> {
  const file = joinPath(process.platform, stateDir(env, home, process.platform), "op-version.json");
  let stat: { mtimeMs: number; size: number } | undefined;
  try {
    stat = statSync(opPath);
  } catch {
    stat = undefined;
  }
  let cache: unknown;
  try {
    cache = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    cache = undefined;
  }
  if (stat) {
    const known = cachedVersion(cache, opPath, stat.mtimeMs, stat.size);
    if (known !== undefined) return known;
  }
  const r = await op.version();
  if (!r.ok) return undefined;
  if (stat) {
    try {
      mkdirSync(stateDir(env, home, process.platform), { recursive: true, mode: 0o700 });
      const record = { path: opPath, mtimeMs: stat.mtimeMs, size: stat.size, version: r.version };
      writeFileAtomic(file, `${JSON.stringify(withVersion(cache, record))}\n`, { mode: 0o600 });
    } catch (error) {
      logger.debug(`op version not cached in ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return r.version;
}
