/**
 * What `doctor` reads from the clients' own files besides their server lists: whether a project's
 * servers are approved (Claude Code, Gemini's folder trust) and Gemini's environment redaction
 * settings. Only files of the user's own (home directory), never a project's.
 */
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "jsonc-parser";
import { type Approval, claudeProjectApproval, geminiFolderApproval, otherProjectApproval } from "../core/approval.ts";
import type { GeminiRedaction } from "../core/client-env.ts";
import type { ConfigLocation, Facts } from "../core/clients.ts";

/** A JSON(C) file of the user's, or undefined when missing or unreadable (the client would ignore it too). */
function readJson(path: string): unknown {
  try {
    return parse(readFileSync(path, "utf8"), [], { allowTrailingComma: true });
  } catch {
    return undefined;
  }
}

const get = (v: unknown, ...keys: string[]): unknown => {
  let cur = v;
  for (const k of keys) cur = typeof cur === "object" && cur !== null ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
};

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** Gemini's `security.environmentVariableRedaction` from ~/.gemini/settings.json. */
export function geminiRedaction(f: Facts): GeminiRedaction {
  const settings = readJson(join(f.home, ".gemini", "settings.json"));
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  return {
    allowed: strings(get(settings, "security", "environmentVariableRedaction", "allowed")),
    blocked: strings(get(settings, "security", "environmentVariableRedaction", "blocked")),
  };
}

/** Whether the client would start servers from this location at all (see core/approval.ts). */
export function approvalOf(loc: ConfigLocation, name: string, f: Facts): Approval {
  if (loc.scope !== "project") return otherProjectApproval(loc);
  if (loc.client === "claude-code") {
    const root = dirname(loc.path);
    const claudeDir = f.env.CLAUDE_CONFIG_DIR?.trim() ? (f.env.CLAUDE_CONFIG_DIR as string) : f.home;
    const claudeJson = readJson(join(claudeDir, ".claude.json"));
    const settings = readJson(join(f.env.CLAUDE_CONFIG_DIR?.trim() || join(f.home, ".claude"), "settings.json"));
    return claudeProjectApproval(name, get(claudeJson, "projects", root), settings);
  }
  if (loc.client === "gemini") {
    const dir = real(dirname(dirname(loc.path)));
    const userSettings = readJson(join(f.home, ".gemini", "settings.json"));
    const rulesFile = f.env.GEMINI_CLI_TRUSTED_FOLDERS_PATH?.trim() || join(f.home, ".gemini", "trustedFolders.json");
    const rules = Object.entries((readJson(rulesFile) as Record<string, unknown> | undefined) ?? {})
      .filter((e): e is [string, string] => typeof e[1] === "string")
      .map(([path, level]) => ({ path: real(path), level }));
    const env = f.env;
    const fromEnv =
      env.GEMINI_RESTRICTED_MODE === "true" || env.GEMINI_CLI_TRUST_WORKSPACE === "false"
        ? false
        : env.GEMINI_CLI_TRUST_WORKSPACE === "true"
          ? true
          : undefined;
    const enabled = get(userSettings, "security", "folderTrust", "enabled") !== false;
    return geminiFolderApproval(dir, { enabled, fromEnv, rules }, dirname);
  }
  return otherProjectApproval(loc);
}
