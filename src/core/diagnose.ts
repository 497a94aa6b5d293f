/**
 * What `mcp-op doctor` decides without looking anything up: the shape of a finding, how an entry
 * is named and started by its client, the checks that need only the entry and the environment
 * (env block, credentials a client drops, Codex's timeout, env-file problems as run reports
 * them), and the fixes. Pure: commands/doctor.ts reads files, finds programs and asks op.
 */

import { EXIT, type ExitCode, usageError } from "../errors.ts";
import { type ClientEnvFacts, ENV_POLICIES, lostCredentials, whyDropped } from "./client-env.ts";
import {
  type ClientId,
  CODEX_STARTUP_TIMEOUT_SEC,
  type ConfigLocation,
  type Facts,
  type ServerSpec,
  shownName,
  startupWindowSec,
} from "./clients.ts";
import { maskArgs, type PlaintextFinding } from "./detect.ts";
import { ENVIRONMENTS_SINCE, environmentIdProblem, versionAtLeast } from "./environments.ts";
import { type AuthMode, authMode, quoteArg } from "./plan.ts";
import { looksLikeReference } from "./reference.ts";
import { insideDir, projectDirOf, SHARED_COMMAND } from "./shared-config.ts";
import { type CheckedEnvFile, problemText, referenceProblems } from "./validate.ts";

/** The oldest op with everything mcp-op relies on (service accounts arrived in 2.18.0). */
export const MIN_OP_VERSION = "2.18.0";
/** Claude Code's server start-up window without MCP_TIMEOUT (see README, Sign-in). */
export const DEFAULT_CONNECT_TIMEOUT_SEC = 30;
const MAX_CONNECT_TIMEOUT_SEC = 600;
/** Names the token file when `--token-file` is not given (effects/files.ts reads it). */
const TOKEN_FILE_VAR = "MCP_OP_TOKEN_FILE";

export interface Finding {
  /** `skipped`: a server `--connect` did not start (not approved by its client, remote). */
  level: "ok" | "warning" | "error" | "skipped";
  subject: string;
  message: string;
  fix?: string;
  /** More lines that belong to the finding: the end of a server's stderr (made safe to print). */
  detail?: string[];
}

type Env = Readonly<Record<string, string | undefined>>;
export type Add = (level: Finding["level"], subject: string, message: string, fix?: string, detail?: string[]) => void;

/**
 * A registered entry as doctor judges it (effects/registry.ts's RegisteredServer is this and what
 * the scan adds: plaintext findings, a remote entry's headers).
 */
export interface Entry {
  loc: ConfigLocation;
  name: string;
  /** The entry as stored (for client-specific keys such as Codex's startup_timeout_sec). */
  raw: unknown;
  spec: ServerSpec | undefined;
  /** True when the entry runs `mcp-op run`. */
  viaMcpOp: boolean;
  /** The env files an mcp-op entry passes (`--env-file F`). */
  envFiles: string[];
  /** The service-account token file an mcp-op entry passes (`--token-file F`; the last one wins, as in `run`). */
  tokenFile: string | undefined;
  /** The `--environment ID` an mcp-op entry passes (the last one, as `run` would refuse a second). */
  environment?: string | undefined;
  /** The server command after `--` of an mcp-op entry, else the entry's own command. */
  server: string[];
  /** A remote (HTTP) server: its URL. */
  remote?: { url: string };
  /**
   * A copy the client never reads: a duplicate key hides it (its line in the file). Listed so
   * that plaintext in it is seen; only with `shadowed: true`.
   */
  shadowed?: { line: number | undefined };
}

/** A secret reference of an mcp-op entry, to be read through `op read`. */
export interface Reference {
  key: string;
  value: string;
  /** `file:line` or `env KEY`. */
  where: string;
  file?: string;
}

/** One diagnosis under way: what it has learnt so far, and where its findings go. */
export interface Diagnosis {
  env: Env;
  f: Facts;
  /** What the client-environment model needs besides the shell's environment. */
  cf: ClientEnvFacts;
  add: Add;
  /** The op doctor found in this shell (undefined: not found, already an error). */
  opPath?: string;
  /** True when `op read` cannot raise a prompt now: whoami works through the app, or a token does. */
  canRead: boolean;
  /** What this shell's $MCP_OP_TOKEN_FILE provides, as `run` would use it. */
  shellCredentials: Record<string, string>;
  /** The references of each mcp-op entry, from its env files and env block, for `op read`. */
  references: Map<Entry, Reference[]>;
}

/** An entry as its client starts it: command line, environment and working directory. */
export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** `--timeout`: seconds, more than 0 and at most MAX_CONNECT_TIMEOUT_SEC. */
export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_CONNECT_TIMEOUT_SEC) {
    throw usageError(`--timeout takes seconds, more than 0 and at most ${MAX_CONNECT_TIMEOUT_SEC}, not "${text}"`);
  }
  return seconds;
}

/** A finding as doctor prints it: one line, then its detail and its fix indented. */
export function render(f: Finding): string {
  const detail = (f.detail ?? []).map((l) => `        | ${l}\n`).join("");
  return `${f.level.padEnd(7)} ${f.subject}: ${f.message}\n${detail}${f.fix ? `        fix: ${f.fix}\n` : ""}`;
}

/** How a server is named in findings: `gh (gemini, user)`, `gh (claude-code, local /path)`. */
export function subjectOf(s: Entry): string {
  // Names come from config files, some from cloned repositories: no control characters pass.
  const hidden = s.shadowed ? `, hidden duplicate${s.shadowed.line ? ` at line ${s.shadowed.line}` : ""}` : "";
  return `${shownName(s.name)} (${s.loc.client}, ${s.loc.scope}${s.loc.project ? ` ${shownName(s.loc.project)}` : ""}${hidden})`;
}

/** The PATH a client's servers get, named for messages. */
export function pathName(client: ClientId): string {
  return ENV_POLICIES[client].terminal ? `the PATH ${client} gives it` : "the PATH a GUI app gives it";
}

/** The token file `run` would read for this entry: `--token-file`, else its env block's variable. */
export function entryTokenFile(s: Entry): { given: string; source: string } | undefined {
  if (s.tokenFile) return { given: s.tokenFile, source: "--token-file" };
  const fromEnv = s.spec?.env?.[TOKEN_FILE_VAR];
  return fromEnv ? { given: fromEnv, source: `env ${TOKEN_FILE_VAR}` } : undefined;
}

/** True when the entry authenticates with a token of its own, so it never signs in. */
export function ownCredentials(s: Entry): boolean {
  return entryTokenFile(s) !== undefined || authMode({ noSignin: false }, s.spec?.env ?? {}) !== "interactive";
}

/** The `--account` the entry passes to run, if any (the last one, as run reads it). */
export function accountOf(s: Entry): string | undefined {
  const args = s.spec?.args ?? [];
  const end = args.indexOf("--");
  const own = end === -1 ? args : args.slice(0, end);
  const i = own.lastIndexOf("--account");
  if (i !== -1) return own[i + 1];
  return own.findLast((a) => a.startsWith("--account="))?.slice("--account=".length);
}

/** Codex's `env_vars`: names, or `{ name, source }` tables (codex-rs config types McpServerEnvVar). */
export function codexEnvVars(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((v) =>
    typeof v === "string" ? [v] : typeof v === "object" && v !== null && typeof v.name === "string" ? [v.name] : [],
  );
}

/**
 * Where a client starts a server without a `cwd` of its own: Claude Code in the project (its
 * root for project and local servers), the terminal clients where they run, Claude Desktop in
 * `/` (modelcontextprotocol.io/docs/tools/debugging: "may be undefined (like / on macOS)"), the
 * editors in the workspace (the project of a project config, else home).
 */
export function clientCwd(s: Entry, f: Facts): string {
  if (s.loc.scope === "project") return projectDirOf(s.loc);
  switch (s.loc.client) {
    case "claude-code":
      return s.loc.scope === "local" ? (s.loc.keyPath[1] ?? f.cwd) : f.cwd;
    case "claude-desktop":
      return f.platform === "win32" ? f.home : "/";
    case "gemini":
    case "codex":
      return f.cwd;
    default:
      return f.home;
  }
}

/** The client's own start-up window, where it has one doctor can read. */
export function clientTimeoutSec(env: Env, s: Entry): number {
  const raw = (s.raw ?? {}) as { startup_timeout_sec?: unknown; timeout?: unknown };
  if (s.loc.client === "codex") return typeof raw.startup_timeout_sec === "number" ? raw.startup_timeout_sec : 10;
  if (s.loc.client === "gemini" && typeof raw.timeout === "number") return raw.timeout / 1000;
  const own = startupWindowSec(s.loc.client, s.raw);
  if (own !== undefined) return own;
  if (s.loc.client === "claude-code") {
    const ms = Number(env.MCP_TIMEOUT);
    if (Number.isFinite(ms) && ms > 0) return ms / 1000;
  }
  return DEFAULT_CONNECT_TIMEOUT_SEC;
}

/** Codex's `enabled = false`; Claude Code's per-project `disabledMcpServers` is not read (undocumented). */
export function disabledIn(s: Entry): string | undefined {
  const raw = (s.raw ?? {}) as { enabled?: unknown; disabled?: unknown };
  if (s.loc.client === "codex" && raw.enabled === false) return "disabled in codex (enabled = false)";
  if (["opencode", "kilo", "goose"].includes(s.loc.client) && raw.enabled === false)
    return `disabled in ${s.loc.client} ("enabled": false)`;
  if (raw.disabled === true) return `disabled in ${s.loc.client} ("disabled": true)`;
  return undefined;
}

export function approvalFix(s: Entry): string | undefined {
  const dir = projectDirOf(s.loc);
  if (s.loc.client === "claude-code") return `start claude in ${dir} and approve the server, if you trust the project`;
  if (s.loc.client === "gemini")
    return `trust the folder in gemini (gemini trust, in ${dir}), if you trust the project`;
  return undefined;
}

export function tokenFileFix(code: ExitCode, given: string, source: string): string {
  if (code === EXIT.NOINPUT) {
    return `put the service-account token in ${given} (chmod 600), or point ${source} at the file that holds it`;
  }
  if (code === EXIT.DATAERR) return `put exactly one service-account token (ops_...) in ${given}`;
  return `copy the token into a file of your own (chmod 600) and point ${source} at it`;
}

/** The fix for an env file that cannot be read, when its failure brings none of its own. */
function envFileFix(code: ExitCode, file: string, s: Entry): string {
  const name = s.name;
  if (code === EXIT.DATAERR) return `save ${file} as UTF-8`;
  if (code === EXIT.NOINPUT && s.loc.scope === "project") {
    return `the file belongs to the project, committed with the entry: check it out (git pull), or, in ${projectDirOf(s.loc)}, write it with mcp-op add --force --scope project ${name} --env KEY=op://vault/item/field -- <command>`;
  }
  return `write ${file} (KEY=op://vault/item/field lines, chmod 600), or re-register: mcp-op add --force ${name} --env KEY=op://vault/item/field -- <command>`;
}

/**
 * An entry's env files as core/validate.ts validateEnvFiles judged them, as findings: each
 * problem worded as run reports it (warnings too), the file valid when it has no error. The
 * references of a valid file are kept for `op read`.
 */
export function envFileFindings(
  d: Diagnosis,
  s: Entry,
  subject: string,
  files: ReadonlyArray<CheckedEnvFile & { display: string }>,
): void {
  const refs: Reference[] = d.references.get(s) ?? [];
  d.references.set(s, refs);
  for (const file of files) {
    let errors = 0;
    for (const p of file.problems) {
      if (p.severity === "warning") {
        d.add("warning", subject, problemText(p));
        continue;
      }
      errors++;
      // A file that cannot be read is named alone; a line's problem is fixed in the file.
      const fix =
        p.where === file.display ? (p.fix ?? envFileFix(p.exitCode, file.display, s)) : "fix the line (mcp-op check)";
      d.add("error", subject, problemText(p), fix);
    }
    if (errors > 0) continue;
    d.add("ok", subject, `${file.display} is valid`);
    for (const e of file.entries) {
      if (looksLikeReference(e.value)) {
        refs.push({ key: e.key, value: e.value, where: `${file.display}:${e.line}`, file: file.display });
      }
    }
  }
}

/** `op run` resolves references in the environment too, so `run` validates the env block (65). */
export function checkEnvBlock(d: Diagnosis, s: Entry, subject: string): void {
  const refs: Reference[] = d.references.get(s) ?? [];
  d.references.set(s, refs);
  for (const [key, value] of Object.entries(s.spec?.env ?? {})) {
    const problems = referenceProblems(value, []);
    for (const message of problems) {
      d.add(
        "error",
        subject,
        `env ${key} in ${s.loc.path}: ${message} (mcp-op run exits ${EXIT.DATAERR} on it)`,
        `write ${key} in the entry's env block as op://vault/item/[section/]field`,
      );
    }
    if (problems.length === 0 && looksLikeReference(value)) refs.push({ key, value, where: `env ${key}` });
  }
}

/** Client configs that could not be read (each an error of its own), or none registered anywhere. */
export function configFindings(
  add: Add,
  errors: ReadonlyArray<{ message: string; hint?: string | undefined }>,
  registered: number,
): void {
  for (const error of errors) {
    // A duplicate key says which copy to remove; a file that does not parse needs a hand edit.
    add(
      "error",
      "clients",
      error.message,
      error.hint?.startsWith("remove ")
        ? error.hint
        : "fix the file by hand; mcp-op never rewrites a file it cannot parse",
    );
  }
  if (registered === 0)
    add(
      "warning",
      "clients",
      `no MCP servers registered in any client config ${errors.length ? "that could be read" : "found"}`,
      "mcp-op add <name> -- <command>",
    );
}

/** Plaintext-looking values in an entry (any entry, a hidden duplicate too); `place` names where each is. */
export function plaintextFindings(
  d: Diagnosis,
  s: Entry & { findings: readonly PlaintextFinding[]; remote?: { findings: readonly PlaintextFinding[] } },
  subject: string,
  place: (finding: PlaintextFinding) => string,
): void {
  for (const finding of s.findings) {
    d.add(
      "warning",
      subject,
      `plaintext ${place(finding)}: ${finding.display} (${finding.reason})`,
      `${s.loc.project ? `in ${s.loc.project}: ` : ""}mcp-op migrate shows the plan; mcp-op migrate --apply stores it in 1Password and rewrites the entry`,
    );
  }
  for (const finding of s.remote?.findings ?? []) {
    d.add(
      "warning",
      subject,
      `plaintext in a remote server's ${place(finding)}: ${finding.display} (${finding.reason})`,
      `${s.loc.project ? `in ${s.loc.project}: ` : ""}mcp-op migrate shows the plan; mcp-op migrate --apply stores it in 1Password and rewrites the entry (a headersHelper or mcp-op proxy)`,
    );
  }
}

/** Clients strip OP_ACCOUNT: with several accounts, the entry must say which. */
export function checkAccount(d: Diagnosis, s: Entry, subject: string, accounts: readonly string[]): void {
  if (accounts.length > 1 && !(s.spec?.args ?? []).includes("--account")) {
    d.add(
      "warning",
      subject,
      `several 1Password accounts (${accounts.join(", ")}) and no --account in the entry`,
      "mcp-op add --force --account ACCOUNT ...",
    );
  }
}

export function checkCodexTimeout({ add }: Diagnosis, s: Entry, subject: string): void {
  if (s.loc.client !== "codex") return;
  const timeout = (s.raw as { startup_timeout_sec?: number } | undefined)?.startup_timeout_sec;
  if (timeout === undefined || timeout < CODEX_STARTUP_TIMEOUT_SEC) {
    add(
      "warning",
      subject,
      `startup_timeout_sec is ${timeout ?? "10 (default)"}: too short for a biometric unlock`,
      `set startup_timeout_sec = ${CODEX_STARTUP_TIMEOUT_SEC} in ${s.loc.path}`,
    );
  }
}

/**
 * How mcp-op authenticates under the entry's own client. The shell doctor runs in may hold a
 * service-account or Connect token that the client never passes on (Gemini drops every
 * `*TOKEN*` variable, Codex passes a short list, desktop apps have the login session's
 * environment): then mcp-op there finds none and signs in instead, which fails headless.
 * `tokenFile`: the shell's $MCP_OP_TOKEN_FILE made absolute, for the fix.
 */
export function checkClientAuth(
  d: Diagnosis,
  s: Entry,
  subject: string,
  launch: Launch,
  tokenFile: string | undefined,
): void {
  const client = s.loc.client;
  const shellMode = d.env[TOKEN_FILE_VAR] ? "service-account" : authMode({ noSignin: false }, d.env);
  const entryTokenFile = s.tokenFile ?? launch.env[TOKEN_FILE_VAR];
  const there = entryTokenFile ? "service-account" : authMode({ noSignin: false }, launch.env);
  if (shellMode === "interactive" || shellMode === "no-signin") return;
  if (there !== "interactive") {
    d.add("ok", subject, `under ${client}, mcp-op authenticates as ${there}${s.tokenFile ? " (--token-file)" : ""}`);
    return;
  }
  const lost = lostCredentials(d.env, launch.env);
  const [first] = lost;
  if (first === undefined) return;
  const names = lost.join(", ");
  const policy = ENV_POLICIES[client];
  const message = policy.certain
    ? `${client} does not pass ${names} to MCP servers (${whyDropped(client, first, d.env, d.cf)}), so mcp-op there has no ${shellMode} credentials and signs in instead`
    : `${client} starts servers with its own environment, not this shell's: ${names} set here may not reach them, and mcp-op there would sign in instead`;
  d.add(policy.certain ? "error" : "warning", subject, message, tokenFileFixLine(s, shellMode, tokenFile));
}

/**
 * The fix for a token the client drops: the entry's whole `add` line (env files, account,
 * server argv, token-like values masked) with `--token-file` and `--force`, or, where `add`
 * cannot write the entry again as it is (an env block, other run flags), where to put the flag.
 */
function tokenFileFixLine(s: Entry, shellMode: AuthMode, known: string | undefined): string {
  const file = known ?? "FILE";
  const before =
    shellMode === "connect"
      ? "Connect credentials cannot come from a file: put a service-account token in a FILE only you can read (chmod 600), then: "
      : known
        ? ""
        : "put the service-account token in a FILE only you can read (chmod 600), then: ";
  const line = addLine(s, file);
  if (line === undefined) {
    return `${before}add --token-file ${quoteArg(file)} before "--" in the entry's arguments (${s.loc.path})`;
  }
  const where =
    s.loc.scope === "user" ? "" : `in ${s.loc.scope === "local" ? s.loc.keyPath[1] : projectDirOf(s.loc)}: `;
  return `${before}${where}${line}`;
}

/** `mcp-op add` with everything the entry has, plus `--token-file FILE --force`; undefined when add cannot say it. */
function addLine(s: Entry, tokenFile: string): string | undefined {
  const args = s.spec?.args ?? [];
  if (Object.keys(s.spec?.env ?? {}).length > 0) return undefined;
  const start = args.indexOf("run");
  const dashdash = args.indexOf("--");
  if (start === -1 || dashdash === -1) return undefined;
  const flags: string[] = [];
  for (let i = start + 1; i < dashdash; i++) {
    const arg = args[i] as string;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    if (flag !== "--env-file" && flag !== "--account" && flag !== "--token-file") return undefined;
    const value = inline ?? args[++i];
    if (value === undefined) return undefined;
    if (flag !== "--token-file") flags.push(flag, value);
  }
  const argv = [
    "mcp-op",
    "add",
    s.name,
    "--client",
    s.loc.client,
    ...(s.loc.scope === "user" ? [] : ["--scope", s.loc.scope]),
    ...flags,
    "--token-file",
    tokenFile,
    "--force",
    "--",
    ...s.server,
  ];
  return maskArgs(argv).map(quoteArg).join(" ");
}

/**
 * An entry that loads a 1Password Environment: the ID as run checks it, and the op version that
 * reads Environments (`opVersion`: what `op --version` printed, when it ran). Its variables are
 * read by `op run` only, at start: doctor cannot list or resolve them, and says so.
 */
export function checkEnvironmentEntry(
  d: Diagnosis,
  s: Entry,
  subject: string,
  op: { path: string; version: string } | undefined,
): void {
  const id = s.environment;
  if (id === undefined) return;
  const problem = environmentIdProblem(id);
  if (problem) {
    d.add(
      "error",
      subject,
      `--environment ${JSON.stringify(id)}: ${problem} (mcp-op run exits ${EXIT.USAGE} on it)`,
      "copy the Environment ID in the 1Password app (Developer > View Environments > Manage environment > Copy environment ID) and put it in the entry",
    );
    return;
  }
  if (op && versionAtLeast(op.version, ENVIRONMENTS_SINCE) === false) {
    d.add(
      "error",
      subject,
      `loads the 1Password Environment ${id}, which needs op ${ENVIRONMENTS_SINCE} or later; ${op.path} is ${op.version} (mcp-op run exits ${EXIT.UNAVAILABLE} on it)`,
      "update the 1Password CLI (op update, or your package manager)",
    );
    return;
  }
  d.add(
    "ok",
    subject,
    `loads the 1Password Environment ${id}: op run reads its variables at start (doctor cannot read them; mcp-op doctor --connect starts the server)`,
  );
}

/**
 * A project entry as a teammate who clones the project gets it: mcp-op by name (a path of this
 * machine is not theirs), its env files inside the project (`files`: as the client resolves
 * them), holding references only (the files are committed).
 */
export function checkSharedEntry(
  d: Diagnosis,
  s: Entry,
  subject: string,
  files: ReadonlyArray<{
    path: string;
    display: string;
    entries: ReadonlyArray<{ key: string; value: string; line: number }>;
  }>,
): void {
  if (s.loc.scope !== "project" || !s.viaMcpOp) return;
  const dir = projectDirOf(s.loc);
  const again = `in ${dir}: mcp-op add --force --scope project ${shownName(s.name)} ... writes an entry teammates can use`;
  const command = s.spec?.command ?? "";
  if (command !== SHARED_COMMAND && /[\\/]/.test(command)) {
    d.add(
      "warning",
      subject,
      `a project entry (committed, shared) runs mcp-op by this machine's path (${command}): a teammate's client will not find it there`,
      again,
    );
  }
  for (const file of files) {
    if (insideDir(file.path, dir, d.f.platform) === undefined) {
      d.add(
        "warning",
        subject,
        `a project entry names ${file.display}, outside the project (${dir}): teammates who clone it do not have that file`,
        again,
      );
      continue;
    }
    const plain = file.entries.find((e) => !looksLikeReference(e.value));
    if (plain) {
      d.add(
        "error",
        subject,
        `${file.display}:${plain.line}: ${plain.key} is a plain value in the project's env file: committed, it is shared with everyone who clones the project`,
        "store it in 1Password and write its reference (op://vault/item/field) in its place",
      );
    }
  }
}
