/**
 * 1Password Environments (`op run --environment <ID>`): the ID's form, the `op` version that
 * reads them, and the cache record that spares `run` an `op --version` at every launch.
 * Facts and their sources: docs/clients.md, "1Password Environments".
 */
import { usageError } from "../errors.ts";

/** Stable `op` reads Environments with `op run --environment` from this version on. */
export const ENVIRONMENTS_SINCE = "2.41.0";

/**
 * Why `id` is not an Environment ID, or undefined when it is one: 26 lowercase letters and
 * digits, as 1Password shows them. Checked before anything runs, so that a name pasted where
 * the ID goes (or an ID cut short) is said by mcp-op, not by op after a sign-in prompt.
 */
export function environmentIdProblem(id: string): string | undefined {
  if (id.length !== 26) return `an Environment ID is 26 letters and digits, not ${id.length} characters`;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    if (!ok) return "an Environment ID holds lowercase letters and digits only (copy it from the 1Password app)";
  }
  return undefined;
}

/** `--environment ID` as run, add and check take it: the ID, or a usage error (64) naming the flag. */
export function environmentOption(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  const problem = environmentIdProblem(id);
  if (problem) throw usageError(`--environment ${JSON.stringify(id)}: ${problem}`);
  return id;
}

/** The numbers of a version as `op --version` prints it (`2.41.0`, `2.33.0-beta.02`); undefined when it is not one. */
function versionNumbers(version: string): number[] | undefined {
  const core = version.trim().split("-")[0] ?? "";
  const parts = core.split(".");
  if (parts.length < 2 || parts.some((p) => p === "" || ![...p].every((c) => c >= "0" && c <= "9"))) return undefined;
  return parts.map(Number);
}

/**
 * Whether `version` is at least `min`. A pre-release counts as below its release (2.41.0-beta.01
 * < 2.41.0): the beta builds before 2.41.0 had `op environment read`, not `op run --environment`.
 * Undefined when `version` cannot be read.
 */
export function versionAtLeast(version: string, min: string): boolean | undefined {
  const a = versionNumbers(version);
  const b = versionNumbers(min);
  if (!a || !b) return undefined;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return !version.trim().includes("-");
}

/** One cached `op --version`: valid while the binary at `path` has this size and mtime. */
export interface VersionRecord {
  path: string;
  mtimeMs: number;
  size: number;
  version: string;
}

/** The cached version of the binary `path` with this size and mtime, if the cache has it. */
export function cachedVersion(cache: unknown, path: string, mtimeMs: number, size: number): string | undefined {
  if (!Array.isArray(cache)) return undefined;
  for (const r of cache as Partial<VersionRecord>[]) {
    if (r && r.path === path && r.mtimeMs === mtimeMs && r.size === size && typeof r.version === "string")
      return r.version;
  }
  return undefined;
}

/** The cache with `record` in place of any older record for its path (a few binaries at most). */
export function withVersion(cache: unknown, record: VersionRecord): VersionRecord[] {
  const kept = Array.isArray(cache)
    ? (cache as VersionRecord[]).filter((r) => r && typeof r === "object" && r.path !== record.path)
    : [];
  return [...kept.slice(-7), record];
}
