/**
 * Whether a client would start a registered server at all, judged from the user's own files only
 * (never from anything a cloned repository carries): `doctor --connect` starts only servers
 * their client has approved, so a project config does not run just because doctor was typed.
 * Pure: the caller reads the files.
 */
import type { ConfigLocation } from "./clients.ts";

export type Approval = { approved: true } | { approved: false; why: string };

const APPROVED: Approval = { approved: true };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/**
 * Claude Code's project servers (`.mcp.json`). Measured with claude 2.1.328 (`claude mcp list`
 * shows `⏸ Pending approval` otherwise): approved by `enabledMcpjsonServers` (names) or
 * `enableAllProjectMcpServers` in the project's entry of ~/.claude.json once its trust dialog
 * was accepted (`hasTrustDialogAccepted`), or in the user settings (~/.claude/settings.json);
 * `disabledMcpjsonServers` rejects. Claude Code also reads the project's own
 * `.claude/settings*.json`; those come with the repository, so mcp-op does not count them.
 */
export function claudeProjectApproval(name: string, projectEntry: unknown, userSettings: unknown): Approval {
  const project = isRecord(projectEntry) ? projectEntry : {};
  const user = isRecord(userSettings) ? userSettings : {};
  if ([project, user].some((s) => names(s.disabledMcpjsonServers).includes(name))) {
    return { approved: false, why: "rejected in Claude Code (disabledMcpjsonServers)" };
  }
  const enables = (s: Record<string, unknown>) =>
    s.enableAllProjectMcpServers === true || names(s.enabledMcpjsonServers).includes(name);
  if (enables(user) || (project.hasTrustDialogAccepted === true && enables(project))) return APPROVED;
  return { approved: false, why: "Claude Code has not approved this project server (.mcp.json) yet" };
}

export interface GeminiTrust {
  /** `security.folderTrust.enabled` of the user settings (gemini's default: true). */
  enabled: boolean;
  /** `GEMINI_CLI_TRUST_WORKSPACE` / `GEMINI_RESTRICTED_MODE` say so, when set. */
  fromEnv: boolean | undefined;
  /** ~/.gemini/trustedFolders.json rules, paths already resolved (realpath). */
  rules: ReadonlyArray<{ path: string; level: string }>;
}

const isUnder = (parent: string, child: string) =>
  child === parent || child.startsWith(parent.endsWith("/") ? parent : `${parent}/`);

/**
 * Gemini CLI reads a project's `.gemini/settings.json` only in a trusted folder
 * (packages/cli/src/config/trustedFolders.ts and core/src/utils/trust.ts, 0.61.0): trust off,
 * the environment's say, or the longest matching rule of trustedFolders.json (TRUST_PARENT
 * trusts the rule's parent directory).
 */
export function geminiFolderApproval(dir: string, trust: GeminiTrust, parentOf: (p: string) => string): Approval {
  const untrusted: Approval = {
    approved: false,
    why: `gemini does not trust ${dir} (its project settings are not read)`,
  };
  if (trust.fromEnv !== undefined) return trust.fromEnv ? APPROVED : untrusted;
  if (!trust.enabled) return APPROVED;
  let best: { length: number; level: string } | undefined;
  for (const rule of trust.rules) {
    const effective = rule.level === "TRUST_PARENT" ? parentOf(rule.path) : rule.path;
    if (isUnder(effective, dir) && rule.path.length > (best?.length ?? -1)) {
      best = { length: rule.path.length, level: rule.level };
    }
  }
  return best && best.level !== "DO_NOT_TRUST" ? APPROVED : untrusted;
}

/**
 * Project configs of cursor, vscode and zed: these clients keep their approval of a workspace's
 * servers in their own state databases, which mcp-op does not read, so such a server counts as
 * not approved. User-scope configs (and Claude Code's local scope) are the user's own.
 */
export function otherProjectApproval(loc: ConfigLocation): Approval {
  if (loc.scope !== "project") return APPROVED;
  return {
    approved: false,
    why: `a project config of ${loc.client}, which keeps its approval where mcp-op cannot read it`,
  };
}
