/**
 * `mcp-op doctor [--json] [--connect] [--name N]`: explain a setup in one command. Each finding is
 * ok, warning, error or skipped, with a fix. Exits 1 when any error is found (0 otherwise).
 *
 * It checks what `mcp-op run` would check, the way `run` checks it, under the environment each
 * entry's client really builds (core/client-env.ts), so that an entry doctor passes does not
 * fail at start-up. It never raises a 1Password prompt: interactively it runs only
 * `op --version`, `op whoami` and `op account list`, and `op read` only once `op whoami`
 * succeeds through the app (or with a service-account or Connect token, which cannot prompt).
 * `--connect` starts every approved server as its client would and speaks MCP to it.
 */
import { resolve } from "node:path";
import { type OptionsDef, parseOptions } from "../core/args.ts";
import {
  type ClientEnvFacts,
  ENV_POLICIES,
  expandedCommand,
  GUI_PATH,
  lostCredentials,
  serverEnvironment,
  whyDropped,
} from "../core/client-env.ts";
import { CODEX_STARTUP_TIMEOUT_SEC, type Facts, shownName, startupWindowSec } from "../core/clients.ts";
import { maskArgs } from "../core/detect.ts";
import { type AuthMode, authMode, quoteArg } from "../core/plan.ts";
import { looksLikeReference } from "../core/reference.ts";
import { expandHome, extendedPath, isPathLike, wellKnownDirs } from "../core/search-path.ts";
import { isCredentialVar } from "../core/signin.ts";
import { checkEnvFile, referenceProblems } from "../core/validate.ts";
import { accountList } from "../effects/accounts.ts";
import { approvalOf, geminiRedaction } from "../effects/client-state.ts";
import { locateCommand, locateOp } from "../effects/executables.ts";
import { readEnvFile, readTokenFile, TOKEN_FILE_VAR } from "../effects/files.ts";
import { type Op, opClient } from "../effects/op.ts";
import { facts, findingPlace, type RegisteredServer, scanServers } from "../effects/registry.ts";
import { EXIT, type ExitCode, McpOpError, usageError } from "../errors.ts";
import { definedOnly, version } from "../runtime.ts";
import { type Context as CommandContext, defaultContext } from "./_shared.ts";

export { GUI_PATH };

/** The oldest op with everything mcp-op relies on (service accounts arrived in 2.18.0). */
export const MIN_OP_VERSION = "2.18.0";

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
type Add = (level: Finding["level"], subject: string, message: string, fix?: string, detail?: string[]) => void;

interface Context {
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
  references: Map<RegisteredServer, Reference[]>;
}

interface Reference {
  key: string;
  value: string;
  /** `file:line` or `env block`. */
  where: string;
  file?: string;
}

export interface DoctorOptions {
  op?: string;
  /** Only the server(s) of this name. */
  name?: string;
  /** Start each server as its client would (see effects/connect.ts). */
  connect?: boolean;
  /** Seconds each server may take to answer under --connect (default: its client's window). */
  timeoutSec?: number;
}

const APP_INTEGRATION = "turn on the 1Password app integration (Settings > Developer > Integrate with 1Password CLI)";
const SERVICE_ACCOUNT = "use a service account (--token-file)";
/** Why a manual sign-in cannot work for servers: `run` exits 77 (see effects/signin.ts). */
const NO_TERMINAL = "op signin asks for a password on a terminal, and MCP clients give none";
/** The spellings of false that op (Go's strconv.ParseBool) accepts. */
const GO_FALSE = new Set(["0", "f", "F", "false", "FALSE", "False"]);
/** Claude Code's server start-up window without MCP_TIMEOUT (see README, Sign-in). */
const DEFAULT_CONNECT_TIMEOUT_SEC = 30;
const MAX_CONNECT_TIMEOUT_SEC = 600;

const doctorArgs = {
  json: { type: "boolean", description: "machine-readable output" },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary" },
  connect: {
    type: "boolean",
    description: "start every server as its client would, speak initialize and tools/list, stop it again",
  },
  name: { type: "string", valueHint: "NAME", description: "only the server(s) of this name" },
  timeout: {
    type: "string",
    valueHint: "SECONDS",
    description: `with --connect: how long each server may take to answer (default: its client's start-up window, else ${DEFAULT_CONNECT_TIMEOUT_SEC})`,
  },
} as const satisfies OptionsDef;

/** Compare dotted versions numerically; pre-release suffixes ignored. */
export function versionAtLeast(version: string, min: string): boolean {
  const parse = (v: string) =>
    v
      .split(/[-+]/)[0]
      ?.split(".")
      .map((n) => Number(n) || 0) ?? [];
  const a = parse(version);
  const b = parse(min);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** doctor's op: 20 s a call, so that a hung op cannot stall the report for long. */
function op(opPath: string, env: Env, account?: string): Op {
  return opClient({ opPath, account, env: definedOnly(env), timeoutMs: 20_000 });
}

export async function diagnose(env: Env, options: DoctorOptions = {}, cwd = process.cwd()): Promise<Finding[]> {
  const findings: Finding[] = [];
  // Hints from McpOpError may already start with "fix: ".
  const add: Add = (level, subject, message, fix, detail) =>
    findings.push({
      level,
      subject,
      message,
      ...(fix ? { fix: fix.replace(/^fix: /, "") } : {}),
      ...(detail?.length ? { detail } : {}),
    });
  const f = facts(env, cwd);
  const ctx: Context = {
    env,
    f,
    cf: { platform: process.platform, gemini: geminiRedaction(f) },
    add,
    canRead: false,
    shellCredentials: {},
    references: new Map(),
  };
  // Scanned first: whether any entry signs in interactively decides how bad a failing sign-in is.
  const scan = scanAll(ctx.f);
  const servers = options.name === undefined ? scan.servers : scan.servers.filter((s) => s.name === options.name);
  if (options.name !== undefined && servers.length === 0) {
    throw usageError(`no registered server named "${shownName(options.name)}"`, "see: mcp-op list");
  }
  const opPath = checkOpPath(ctx, options.op);
  if (opPath) ctx.opPath = opPath;
  const accounts = opPath ? await accountList(opPath, env) : undefined;
  if (opPath) {
    await checkOpVersion(ctx, opPath);
    await checkAuth(ctx, opPath, accounts, servers);
  }
  for (const error of scan.errors) {
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
  if (scan.servers.length === 0)
    add(
      "warning",
      "clients",
      `no MCP servers registered in any client config ${scan.errors.length ? "that could be read" : "found"}`,
      "mcp-op add <name> -- <command>",
    );
  for (const s of servers) checkServer(ctx, s, accounts ?? []);
  if (opPath) await checkReferences(ctx, opPath, servers);
  if (options.connect) await connectAll(ctx, servers, options.timeoutSec);
  else if (servers.length > 0 && !findings.some((x) => x.level === "error")) {
    add(
      "ok",
      "connect",
      "the static checks pass; mcp-op doctor --connect starts each server as its client would and lists its tools",
    );
  }
  return findings;
}

/** Every entry; a config that does not parse is an error of its own and hides no other client. */
function scanAll(f: Facts): { servers: RegisteredServer[]; errors: McpOpError[] } {
  const errors: McpOpError[] = [];
  return { servers: scanServers(f, [], (e) => errors.push(e), { otherProjects: true, shadowed: true }), errors };
}

/** How a server is named in findings: `gh (gemini, user)`, `gh (claude-code, local /path)`. */
function subjectOf(s: RegisteredServer): string {
  // Names come from config files, some from cloned repositories: no control characters pass.
  const hidden = s.shadowed ? `, hidden duplicate${s.shadowed.line ? ` at line ${s.shadowed.line}` : ""}` : "";
  return `${shownName(s.name)} (${s.loc.client}, ${s.loc.scope}${s.loc.project ? ` ${shownName(s.loc.project)}` : ""}${hidden})`;
}

// --- op and authentication -------------------------------------------------------------------

function checkOpPath({ env, add }: Context, opFlag: string | undefined): string | undefined {
  try {
    return locateOp(opFlag, env);
  } catch (error) {
    if (!(error instanceof McpOpError)) throw error;
    add("error", "op", error.message, error.hint);
    return undefined;
  }
}

async function checkOpVersion({ env, add }: Context, opPath: string): Promise<void> {
  const v = await op(opPath, env).version();
  const version = v.ok ? v.version : "";
  if (!version) add("error", "op", `${opPath} --version failed`, "reinstall the 1Password CLI");
  else if (!versionAtLeast(version, MIN_OP_VERSION)) {
    add(
      "error",
      "op",
      `${opPath} is version ${version}, older than ${MIN_OP_VERSION}`,
      "update the 1Password CLI (brew upgrade 1password-cli)",
    );
  } else add("ok", "op", `${opPath} ${version} (minimum ${MIN_OP_VERSION})`);
}

/** The auth mode `run` would use (a token file included), and whether it works. */
async function checkAuth(
  ctx: Context,
  opPath: string,
  accounts: string[] | undefined,
  servers: readonly RegisteredServer[],
): Promise<void> {
  const given = ctx.env[TOKEN_FILE_VAR];
  let env = ctx.env;
  if (given) {
    const token = checkTokenFile(ctx, "auth", given, `$${TOKEN_FILE_VAR}`);
    // A broken token file fails every start before any sign-in: nothing more to learn here.
    if (token === undefined) return;
    env = { ...env, OP_SERVICE_ACCOUNT_TOKEN: token };
    ctx.shellCredentials = { OP_SERVICE_ACCOUNT_TOKEN: token };
  }
  const mode = authMode({ noSignin: false }, env);
  if (mode !== "interactive") return checkToken(ctx, opPath, mode, env);
  const viaMcpOp = servers.filter((s) => s.viaMcpOp);
  if (viaMcpOp.length > 0 && viaMcpOp.every(ownCredentials)) {
    ctx.add(
      "ok",
      "auth",
      "every mcp-op entry brings its own service-account or Connect credentials: no sign-in needed",
    );
    return;
  }
  await checkSignin(ctx, opPath, accounts);
}

/** Service account or Connect: `op vault list` cannot prompt, so it is safe to try. */
async function checkToken(ctx: Context, opPath: string, mode: AuthMode, env: Env): Promise<void> {
  const r = await op(opPath, env).vaultList();
  if (r.ok) {
    ctx.add("ok", "auth", `${mode} works`);
    ctx.canRead = true;
  } else ctx.add("error", "auth", `${mode}: ${r.message}`, "check the token");
}

/**
 * Interactive sign-in, judged without a prompt. What `run` needs is the app integration: a
 * manual sign-in asks for a password on a terminal, which no MCP client gives (exit 77).
 */
async function checkSignin(ctx: Context, opPath: string, accounts: string[] | undefined): Promise<void> {
  const { env, add } = ctx;
  const biometric = env.OP_BIOMETRIC_UNLOCK_ENABLED;
  if (biometric !== undefined && GO_FALSE.has(biometric)) {
    add(
      "error",
      "auth",
      `OP_BIOMETRIC_UNLOCK_ENABLED=${biometric} turns the 1Password app integration off, so every server start through mcp-op fails (exit 77): ${NO_TERMINAL}`,
      `unset OP_BIOMETRIC_UNLOCK_ENABLED and ${APP_INTEGRATION}, or ${SERVICE_ACCOUNT}`,
    );
    return;
  }
  const who = await op(opPath, env).whoami();
  if (who.ok) return checkSession(ctx, opPath);
  if (accounts?.length === 0) {
    add(
      "error",
      "auth",
      "no 1Password account is set up for op (op account list is empty), so every server start through mcp-op fails (exit 77)",
      `${APP_INTEGRATION} with your account in the app, or ${SERVICE_ACCOUNT}; an account added with op account add would need a password typed at each start, which MCP clients cannot give`,
    );
    return;
  }
  // Whether the integration is on cannot be asked without a prompt: say both outcomes.
  add(
    "warning",
    "auth",
    `not signed in now (${who.message}): a server start asks the 1Password app if its CLI integration is on, and fails (exit 77) if it is off (${NO_TERMINAL})`,
    `make sure the integration is on (1Password > Settings > Developer > Integrate with 1Password CLI), or ${SERVICE_ACCOUNT}`,
  );
}

/**
 * `op whoami` works: through the app, or through a manual session (`OP_SESSION_*`) that GUI
 * clients do not pass on and that expires after 30 idle minutes. Asking again without the
 * session tells which: the app needs none.
 */
async function checkSession(ctx: Context, opPath: string): Promise<void> {
  const { env, add } = ctx;
  const sessions = Object.keys(env).filter((k) => k.startsWith("OP_SESSION_") && isCredentialVar(k) && env[k]);
  if (sessions.length > 0) {
    const without = Object.fromEntries(Object.entries(env).filter(([k]) => !sessions.includes(k)));
    const bare = await op(opPath, without).whoami();
    if (!bare.ok) {
      add(
        "error",
        "auth",
        `signed in only by a manual session (${sessions.join(", ")}), which GUI clients do not pass to servers and which expires after 30 idle minutes; then every server start through mcp-op fails (exit 77): ${NO_TERMINAL}`,
        `${APP_INTEGRATION}, or ${SERVICE_ACCOUNT}`,
      );
      return;
    }
  }
  add("ok", "auth", "signed in through the 1Password app (op whoami works without a session)");
  // Authorized now: reading a reference raises no prompt.
  ctx.canRead = true;
}

/** True when the entry authenticates with a token of its own, so it never signs in. */
function ownCredentials(s: RegisteredServer): boolean {
  return entryTokenFile(s) !== undefined || authMode({ noSignin: false }, s.spec?.env ?? {}) !== "interactive";
}

/** The token file `run` would read for this entry: `--token-file`, else its env block's variable. */
function entryTokenFile(s: RegisteredServer): { given: string; source: string } | undefined {
  if (s.tokenFile) return { given: s.tokenFile, source: "--token-file" };
  const fromEnv = s.spec?.env?.[TOKEN_FILE_VAR];
  return fromEnv ? { given: fromEnv, source: `env ${TOKEN_FILE_VAR}` } : undefined;
}

/** A token file checked as `run` reads it; the token (never shown), or undefined after an error. */
function checkTokenFile({ f, add }: Context, subject: string, given: string, source: string): string | undefined {
  try {
    const token = readTokenFile(given, f.home, f.cwd);
    add("ok", subject, `token file ${given} (from ${source}) is private and holds one token`);
    return token;
  } catch (error) {
    if (!(error instanceof McpOpError)) throw error;
    add(
      "error",
      subject,
      `${error.message} (named by ${source}; mcp-op run exits ${error.exitCode} on it)`,
      error.hint ?? tokenFileFix(error.exitCode, given, source),
    );
    return undefined;
  }
}

function tokenFileFix(code: ExitCode, given: string, source: string): string {
  if (code === EXIT.NOINPUT) {
    return `put the service-account token in ${given} (chmod 600), or point ${source} at the file that holds it`;
  }
  if (code === EXIT.DATAERR) return `put exactly one service-account token (ops_...) in ${given}`;
  return `copy the token into a file of your own (chmod 600) and point ${source} at it`;
}

// --- registered servers ------------------------------------------------------------------------

function checkServer(ctx: Context, s: RegisteredServer, accounts: readonly string[]): void {
  const subject = subjectOf(s);
  for (const finding of s.findings) {
    ctx.add(
      "warning",
      subject,
      `plaintext ${findingPlace(s, finding)}: ${finding.display} (${finding.reason})`,
      `${s.loc.project ? `in ${s.loc.project}: ` : ""}mcp-op migrate shows the plan; mcp-op migrate --apply stores it in 1Password and rewrites the entry`,
    );
  }
  for (const finding of s.remote?.findings ?? []) {
    ctx.add(
      "warning",
      subject,
      `plaintext in a remote server's ${findingPlace(s, finding)}: ${finding.display} (${finding.reason})`,
      "mcp-op runs local (stdio) servers only: use the server's stdio version through mcp-op add, or the client's own way to read the token from the environment",
    );
  }
  // A copy a duplicate key hides never runs: its plaintext is named above, the duplicate itself
  // is an error of its file; nothing else about it matters.
  if (!s.viaMcpOp || s.shadowed) return;
  const launch = launchOf(ctx, s);
  checkEntryCommand(ctx, s, subject, launch);
  checkEnvFiles(ctx, s, subject);
  checkEnvBlock(ctx, s, subject);
  const tokenFile = entryTokenFile(s);
  if (tokenFile) checkTokenFile(ctx, subject, tokenFile.given, tokenFile.source);
  checkClientAuth(ctx, s, subject, launch);
  checkOpThere(ctx, s, subject, launch);
  checkServerCommand(ctx, s, subject, launch);
  if (accounts.length > 1 && !(s.spec?.args ?? []).includes("--account")) {
    ctx.add(
      "warning",
      subject,
      `several 1Password accounts (${accounts.join(", ")}) and no --account in the entry`,
      "mcp-op add --force --account ACCOUNT ...",
    );
  }
  checkCodexTimeout(ctx, s, subject);
}

/** An entry as its client starts it: command line, environment and working directory. */
interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

function launchOf(ctx: Context, s: RegisteredServer): Launch {
  const client = s.loc.client;
  const raw = (typeof s.raw === "object" && s.raw !== null ? s.raw : {}) as Record<string, unknown>;
  const spec = s.spec ?? { command: "", args: [] };
  const envVars = client === "codex" ? codexEnvVars(raw.env_vars) : [];
  const { command, args } = expandedCommand(client, spec, ctx.env, ctx.cf.platform);
  const env = serverEnvironment(client, ctx.env, { ...(spec.env ? { env: spec.env } : {}), envVars }, ctx.cf);
  const own = typeof raw.cwd === "string" && raw.cwd !== "" ? resolve(ctx.f.cwd, expandHome(raw.cwd, ctx.f.home)) : "";
  return { command, args, env, cwd: own || clientCwd(s, ctx.f) };
}

/** Codex's `env_vars`: names, or `{ name, source }` tables (codex-rs config types McpServerEnvVar). */
function codexEnvVars(raw: unknown): string[] {
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
function clientCwd(s: RegisteredServer, f: Facts): string {
  const parentOfConfigDir = resolve(s.loc.path, "..", "..");
  switch (s.loc.client) {
    case "claude-code":
      if (s.loc.scope === "project") return resolve(s.loc.path, "..");
      return s.loc.scope === "local" ? (s.loc.keyPath[1] ?? f.cwd) : f.cwd;
    case "claude-desktop":
      return f.platform === "win32" ? f.home : "/";
    case "gemini":
    case "codex":
      return s.loc.scope === "project" ? parentOfConfigDir : f.cwd;
    default:
      return s.loc.scope === "project" ? parentOfConfigDir : f.home;
  }
}

function found(command: string, pathList: string, env: Env, cwd: string): string | undefined {
  try {
    return locateCommand(command, pathList, env, cwd);
  } catch {
    return undefined;
  }
}

/** The PATH a client's servers get, named for messages. */
function pathName(client: RegisteredServer["loc"]["client"]): string {
  return ENV_POLICIES[client].terminal ? `the PATH ${client} gives it` : "the PATH a GUI app gives it";
}

/** The client starts the entry's command itself, with its own PATH: mcp-op extends PATH only later. */
function checkEntryCommand(ctx: Context, s: RegisteredServer, subject: string, launch: Launch): void {
  const command = launch.command;
  const pathThere = launch.env.PATH ?? "";
  if (found(command, pathThere, launch.env, launch.cwd)) return;
  const rewrite = `mcp-op add --force ${shownName(s.name)} ... writes a stable absolute path`;
  const yours = isPathLike(command, process.platform)
    ? undefined
    : found(command, ctx.env.PATH ?? "", ctx.env, ctx.f.cwd);
  if (yours) {
    ctx.add(
      "error",
      subject,
      `the entry runs "${command}" by name: found on your PATH (${yours}) but not on ${pathName(s.loc.client)} (${pathThere})`,
      `${rewrite} (or set the entry's command to ${yours})`,
    );
  } else {
    const where = isPathLike(command, process.platform)
      ? "does not exist"
      : ENV_POLICIES[s.loc.client].terminal
        ? `is not on ${pathName(s.loc.client)} (${pathThere})`
        : "is on neither your PATH nor a GUI app's";
    ctx.add("error", subject, `the entry runs ${command}, which ${where}`, `install mcp-op, then ${rewrite}`);
  }
}

function checkEnvFiles(ctx: Context, s: RegisteredServer, subject: string): void {
  const refs: Reference[] = ctx.references.get(s) ?? [];
  ctx.references.set(s, refs);
  for (const file of s.envFiles) {
    try {
      const text = readEnvFile(file, ctx.f.home, ctx.f.cwd);
      const checked = checkEnvFile(text.display, text.text, ctx.env);
      const errors = checked.problems.filter((p) => p.severity === "error");
      for (const p of errors) ctx.add("error", subject, `${p.where}: ${p.message}`, "fix the line (mcp-op check)");
      if (errors.length === 0) ctx.add("ok", subject, `${file} is valid`);
      else continue;
      for (const e of checked.entries) {
        if (looksLikeReference(e.value)) refs.push({ key: e.key, value: e.value, where: `${file}:${e.line}`, file });
      }
    } catch (error) {
      if (!(error instanceof McpOpError)) throw error;
      ctx.add("error", subject, error.message, error.hint ?? envFileFix(error.exitCode, file, s.name));
    }
  }
}

function envFileFix(code: ExitCode, file: string, name: string): string {
  if (code === EXIT.DATAERR) return `save ${file} as UTF-8`;
  return `write ${file} (KEY=op://vault/item/field lines, chmod 600), or re-register: mcp-op add --force ${name} --env KEY=op://vault/item/field -- <command>`;
}

/** `op run` resolves references in the environment too, so `run` validates the env block (65). */
function checkEnvBlock(ctx: Context, s: RegisteredServer, subject: string): void {
  const refs: Reference[] = ctx.references.get(s) ?? [];
  ctx.references.set(s, refs);
  for (const [key, value] of Object.entries(s.spec?.env ?? {})) {
    const problems = referenceProblems(value, []);
    for (const message of problems) {
      ctx.add(
        "error",
        subject,
        `env ${key} in ${s.loc.path}: ${message} (mcp-op run exits ${EXIT.DATAERR} on it)`,
        `write ${key} in the entry's env block as op://vault/item/[section/]field`,
      );
    }
    if (problems.length === 0 && looksLikeReference(value)) refs.push({ key, value, where: `env ${key}` });
  }
}

/**
 * How mcp-op authenticates under the entry's own client. The shell doctor runs in may hold a
 * service-account or Connect token that the client never passes on (Gemini drops every
 * `*TOKEN*` variable, Codex passes a short list, desktop apps have the login session's
 * environment): then mcp-op there finds none and signs in instead, which fails headless.
 */
function checkClientAuth(ctx: Context, s: RegisteredServer, subject: string, launch: Launch): void {
  const client = s.loc.client;
  const shellMode = ctx.env[TOKEN_FILE_VAR] ? "service-account" : authMode({ noSignin: false }, ctx.env);
  const tokenFile = s.tokenFile ?? launch.env[TOKEN_FILE_VAR];
  const there = tokenFile ? "service-account" : authMode({ noSignin: false }, launch.env);
  if (shellMode === "interactive" || shellMode === "no-signin") return;
  if (there !== "interactive") {
    ctx.add("ok", subject, `under ${client}, mcp-op authenticates as ${there}${s.tokenFile ? " (--token-file)" : ""}`);
    return;
  }
  const lost = lostCredentials(ctx.env, launch.env);
  const [first] = lost;
  if (first === undefined) return;
  const names = lost.join(", ");
  const policy = ENV_POLICIES[client];
  const message = policy.certain
    ? `${client} does not pass ${names} to MCP servers (${whyDropped(client, first, ctx.env, ctx.cf)}), so mcp-op there has no ${shellMode} credentials and signs in instead`
    : `${client} starts servers with its own environment, not this shell's: ${names} set here may not reach them, and mcp-op there would sign in instead`;
  ctx.add(policy.certain ? "error" : "warning", subject, message, tokenFileFixLine(ctx, s, shellMode));
}

/**
 * The fix for a token the client drops: the entry's whole `add` line (env files, account,
 * server argv, token-like values masked) with `--token-file` and `--force`, or, where `add`
 * cannot write the entry again as it is (an env block, other run flags), where to put the flag.
 */
function tokenFileFixLine(ctx: Context, s: RegisteredServer, shellMode: AuthMode): string {
  const known = ctx.env[TOKEN_FILE_VAR];
  const file = known ? resolve(ctx.f.cwd, expandHome(known, ctx.f.home)) : "FILE";
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
    s.loc.scope === "user" ? "" : `in ${s.loc.scope === "local" ? s.loc.keyPath[1] : resolve(s.loc.path, "..")}: `;
  return `${before}${where}${line}`;
}

/** `mcp-op add` with everything the entry has, plus `--token-file FILE --force`; undefined when add cannot say it. */
function addLine(s: RegisteredServer, tokenFile: string): string | undefined {
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

/** `run` finds op on the PATH it gets, then in the well-known directories: under the client's environment. */
function checkOpThere(ctx: Context, s: RegisteredServer, subject: string, launch: Launch): void {
  if (!ctx.opPath || (s.spec?.args ?? []).some((a) => a === "--op" || a.startsWith("--op="))) return;
  try {
    locateOp(undefined, launch.env);
  } catch {
    const dirs = wellKnownDirs(launch.env, process.platform);
    // A desktop app's PATH depends on how it was started (VS Code reads the login shell's).
    ctx.add(
      ENV_POLICIES[s.loc.client].certain ? "error" : "warning",
      subject,
      `op is not found under ${s.loc.client}: not on ${pathName(s.loc.client)} (${launch.env.PATH ?? ""})${dirs.length ? ` nor in ${dirs.join(", ")}` : ""}`,
      `install the 1Password CLI where mcp-op looks (${dirs.join(", ") || "on that PATH"}), or put --op ${ctx.opPath} before "--" in the entry's arguments`,
    );
  }
}

/** The client's PATH, extended the way `mcp-op run` extends it for the server. */
function checkServerCommand(ctx: Context, s: RegisteredServer, subject: string, launch: Launch): void {
  const [serverCommand] = s.server;
  if (!serverCommand) return;
  const path = extendedPath(launch.env, process.platform);
  const label = ENV_POLICIES[s.loc.client].terminal ? `${s.loc.client}'s PATH` : "a GUI app's PATH";
  if (found(serverCommand, path, launch.env, launch.cwd)) {
    ctx.add("ok", subject, `${serverCommand} resolves under ${label}`);
  } else {
    ctx.add(
      "error",
      subject,
      `${serverCommand} is not found under ${label} (${path})`,
      "give its absolute path after --",
    );
  }
}

function checkCodexTimeout({ add }: Context, s: RegisteredServer, subject: string): void {
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

// --- references, read through op only where that raises no prompt ------------------------------

/**
 * Each mcp-op entry's references read through `op read`, the value dropped at once: only where
 * no prompt can come of it (whoami works through the app, or a service-account or Connect token,
 * the entry's own included). Otherwise one line says how to check them.
 */
async function checkReferences(ctx: Context, opPath: string, servers: readonly RegisteredServer[]): Promise<void> {
  const cache = new Map<string, string | undefined>();
  let unchecked = false;
  for (const s of servers) {
    const refs = ctx.references.get(s) ?? [];
    if (!s.viaMcpOp || refs.length === 0) continue;
    const own = ownEnv(ctx, s);
    if (own === undefined) continue; // its token file is broken: already an error
    if (!ctx.canRead && authMode({ noSignin: false }, own) === "interactive") {
      unchecked = true;
      continue;
    }
    const account = accountOf(s);
    let failed = 0;
    for (const r of refs) {
      const key = `${account ?? ""}\0${own.OP_SERVICE_ACCOUNT_TOKEN ?? ""}\0${own.OP_CONNECT_TOKEN ?? ""}\0${r.value}`;
      if (!cache.has(key)) {
        const read = await op(opPath, own, account).read(r.value);
        // "could not read secret '<ref>': " repeats what the finding says.
        cache.set(key, read.ok ? undefined : read.message.replace(/^could not read secret '[^']*': /, ""));
      }
      const why = cache.get(key);
      if (why === undefined) continue;
      failed++;
      ctx.add(
        "error",
        subjectOf(s),
        `${r.where}: ${r.key}: ${r.value} does not resolve: ${why}`,
        r.file
          ? `correct the reference in ${r.file} (op://vault/item/[section/]field); mcp-op check --resolve ${r.file} reads it again`
          : `correct the reference in the entry's env block (${s.loc.path})`,
      );
    }
    if (failed === 0) {
      const n = refs.length;
      ctx.add("ok", subjectOf(s), `${n === 1 ? "1 reference resolves" : `${n} references resolve`} (values not shown)`);
    }
  }
  if (unchecked) {
    ctx.add(
      "warning",
      "references",
      "not read from 1Password: op whoami does not succeed now, and reading a reference would raise a prompt",
      "mcp-op check --resolve FILE reads them (signing in first), or mcp-op doctor --connect starts each server",
    );
  }
}

/** The shell's environment with the entry's own credentials (token file, env block), as `run` would have it. */
function ownEnv(ctx: Context, s: RegisteredServer): Record<string, string> | undefined {
  const env = { ...definedOnly(ctx.env), ...ctx.shellCredentials };
  for (const [k, v] of Object.entries(s.spec?.env ?? {})) if (isCredentialVar(k) && !looksLikeReference(v)) env[k] = v;
  const tokenFile = entryTokenFile(s);
  if (tokenFile) {
    try {
      env.OP_SERVICE_ACCOUNT_TOKEN = readTokenFile(tokenFile.given, ctx.f.home, ctx.f.cwd);
    } catch {
      return undefined;
    }
  }
  return env;
}

function accountOf(s: RegisteredServer): string | undefined {
  const args = s.spec?.args ?? [];
  const end = args.indexOf("--");
  const own = end === -1 ? args : args.slice(0, end);
  const i = own.lastIndexOf("--account");
  if (i !== -1) return own[i + 1];
  return own.findLast((a) => a.startsWith("--account="))?.slice("--account=".length);
}

// --- --connect ---------------------------------------------------------------------------------

/** The client's own start-up window, where it has one doctor can read. */
function clientTimeoutSec(ctx: Context, s: RegisteredServer): number {
  const raw = (s.raw ?? {}) as { startup_timeout_sec?: unknown; timeout?: unknown };
  if (s.loc.client === "codex") return typeof raw.startup_timeout_sec === "number" ? raw.startup_timeout_sec : 10;
  if (s.loc.client === "gemini" && typeof raw.timeout === "number") return raw.timeout / 1000;
  const own = startupWindowSec(s.loc.client, s.raw);
  if (own !== undefined) return own;
  if (s.loc.client === "claude-code") {
    const ms = Number(ctx.env.MCP_TIMEOUT);
    if (Number.isFinite(ms) && ms > 0) return ms / 1000;
  }
  return DEFAULT_CONNECT_TIMEOUT_SEC;
}

async function connectAll(ctx: Context, servers: readonly RegisteredServer[], timeoutSec?: number): Promise<void> {
  const { connect } = await import("../effects/connect.ts");
  const v = await version();
  for (const s of servers) {
    const subject = subjectOf(s);
    if (!s.spec) {
      const what = s.remote ? `a remote server (${maskArgs([s.remote.url])[0]})` : "not a stdio server";
      ctx.add("skipped", subject, `not started: ${what}; --connect starts stdio servers`);
      continue;
    }
    const disabled = disabledIn(s);
    if (disabled) {
      ctx.add("skipped", subject, `not started: ${disabled}`);
      continue;
    }
    const approval = approvalOf(s.loc, s.name, ctx.f);
    if (!approval.approved) {
      ctx.add("skipped", subject, `not started: ${approval.why}`, approvalFix(s));
      continue;
    }
    const launch = launchOf(ctx, s);
    const file = found(launch.command, launch.env.PATH ?? "", launch.env, launch.cwd);
    if (!file) {
      ctx.add(
        "error",
        subject,
        `${s.loc.client} cannot start it: ${launch.command} is not found on ${pathName(s.loc.client)} (${launch.env.PATH ?? ""})`,
        "give the entry's command as an absolute path",
      );
      continue;
    }
    const seconds = timeoutSec ?? clientTimeoutSec(ctx, s);
    const outcome = await connect({
      file,
      args: launch.args,
      env: launch.env,
      cwd: launch.cwd,
      timeoutMs: seconds * 1000,
      version: v,
    });
    if (outcome.ok) {
      ctx.add("ok", subject, `connected (${outcome.tools} tool${outcome.tools === 1 ? "" : "s"})`);
      continue;
    }
    const unresolved = outcome.stderr.some((l) => l.includes("could not read secret"));
    ctx.add(
      "error",
      subject,
      `failed to connect as ${s.loc.client} starts it: ${outcome.failure}${outcome.stderr.length ? "; its stderr ends:" : ""}`,
      unresolved && s.envFiles.length
        ? `correct the reference (op://vault/item/[section/]field); mcp-op check --resolve ${s.envFiles.map(quoteArg).join(" ")} shows each one`
        : undefined,
      outcome.stderr,
    );
  }
}

/** Codex's `enabled = false`; Claude Code's per-project `disabledMcpServers` is not read (undocumented). */
function disabledIn(s: RegisteredServer): string | undefined {
  const raw = (s.raw ?? {}) as { enabled?: unknown; disabled?: unknown };
  if (s.loc.client === "codex" && raw.enabled === false) return "disabled in codex (enabled = false)";
  if (["opencode", "kilo", "goose"].includes(s.loc.client) && raw.enabled === false)
    return `disabled in ${s.loc.client} ("enabled": false)`;
  if (raw.disabled === true) return `disabled in ${s.loc.client} ("disabled": true)`;
  return undefined;
}

function approvalFix(s: RegisteredServer): string | undefined {
  const dir = resolve(s.loc.path, "..", s.loc.client === "claude-code" ? "." : "..");
  if (s.loc.client === "claude-code") return `start claude in ${dir} and approve the server, if you trust the project`;
  if (s.loc.client === "gemini")
    return `trust the folder in gemini (gemini trust, in ${dir}), if you trust the project`;
  return undefined;
}

function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_CONNECT_TIMEOUT_SEC) {
    throw usageError(`--timeout takes seconds, more than 0 and at most ${MAX_CONNECT_TIMEOUT_SEC}, not "${text}"`);
  }
  return seconds;
}

function render(f: Finding): string {
  const detail = (f.detail ?? []).map((l) => `        | ${l}\n`).join("");
  return `${f.level.padEnd(7)} ${f.subject}: ${f.message}\n${detail}${f.fix ? `        fix: ${f.fix}\n` : ""}`;
}

/** doctor's arguments as options, or a usage error (64); no effects. */
export function parse(own: readonly string[], _rest: readonly string[] | null): DoctorOptions & { json: boolean } {
  const { values } = parseOptions("doctor", doctorArgs, own);
  const timeoutSec = parseTimeout(values.timeout);
  if (timeoutSec !== undefined && !values.connect) throw usageError("--timeout is for --connect");
  return {
    ...(values.op === undefined ? {} : { op: values.op }),
    ...(values.name === undefined ? {} : { name: values.name }),
    connect: values.connect,
    ...(timeoutSec === undefined ? {} : { timeoutSec }),
    json: values.json,
  };
}

/** Print the findings; exit 1 (EXIT.FINDINGS) when one is an error. */
export async function run({ json, ...options }: DoctorOptions & { json: boolean }, ctx: CommandContext): Promise<void> {
  const findings = await diagnose(ctx.env, options, ctx.cwd);
  if (json) ctx.stdout(`${JSON.stringify(findings, null, 2)}\n`);
  else for (const f of findings) ctx.stdout(render(f));
  if (findings.some((f) => f.level === "error")) throw McpOpError.reported(EXIT.FINDINGS);
}

export const main = (own: readonly string[], rest: readonly string[] | null) => run(parse(own, rest), defaultContext());

export default {
  meta: { name: "doctor", description: "Diagnose op, authentication, env files and every registered server" },
  args: doctorArgs,
};
