/**
 * `mcp-op doctor [--json]`: explain a setup in one command. Each finding is ok, warning or
 * error, with a fix. Exits 1 when any error is found (0 otherwise).
 *
 * It checks what `mcp-op run` would check, the way `run` checks it, so that an entry doctor
 * passes does not fail at start-up. It never raises a 1Password prompt: interactively it runs
 * only `op --version`, `op whoami` and `op account list`; `op vault list` only with a
 * service-account or Connect token, which cannot prompt.
 */
import type { ArgsDef, CommandDef } from "citty";
import { parseOptions, rejectEmptyValues } from "../core/args.ts";
import { CODEX_STARTUP_TIMEOUT_SEC, type Facts, shownName } from "../core/clients.ts";
import { extendedPath, isPathLike } from "../core/locate.ts";
import { type AuthMode, authMode } from "../core/plan.ts";
import { isCredentialVar, opErrorMessage } from "../core/signin.ts";
import { checkEnvFile, referenceProblems } from "../core/validate.ts";
import { readEnvFile, readTokenFile, TOKEN_FILE_VAR } from "../effects/files.ts";
import { locateCommand, locateOp } from "../effects/locate.ts";
import { spawnCapture } from "../effects/native.ts";
import { facts, findingPlace, type RegisteredServer, scanServers } from "../effects/registry.ts";
import { EXIT, type ExitCode, McpOpError } from "../errors.ts";
import { definedOnly, environment } from "../runtime.ts";

/** The oldest op with everything mcp-op relies on (service accounts arrived in 2.18.0). */
export const MIN_OP_VERSION = "2.18.0";
/** What launchd gives GUI apps on macOS: Claude Desktop, Cursor... start servers with this. */
export const GUI_PATH = "/usr/bin:/bin:/usr/sbin:/sbin";

export interface Finding {
  level: "ok" | "warning" | "error";
  subject: string;
  message: string;
  fix?: string;
}

type Env = Readonly<Record<string, string | undefined>>;
type Add = (level: Finding["level"], subject: string, message: string, fix?: string) => void;

interface Context {
  env: Env;
  f: Facts;
  add: Add;
}

const APP_INTEGRATION = "turn on the 1Password app integration (Settings > Developer > Integrate with 1Password CLI)";
const SERVICE_ACCOUNT = "use a service account (--token-file)";
/** Why a manual sign-in cannot work for servers: `run` exits 77 (see effects/signin.ts). */
const NO_TERMINAL = "op signin asks for a password on a terminal, and MCP clients give none";
/** The spellings of false that op (Go's strconv.ParseBool) accepts. */
const GO_FALSE = new Set(["0", "f", "F", "false", "FALSE", "False"]);

const doctorArgs = {
  json: { type: "boolean", description: "machine-readable output" },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary" },
} as const satisfies ArgsDef;

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

async function op(opPath: string, args: string[], env: Env) {
  return spawnCapture(opPath, args, { env: definedOnly(env), stdin: "ignore", stderr: "pipe", timeoutMs: 20_000 });
}

/** The accounts op knows (shorthand or sign-in address); undefined when op cannot say. */
async function accountList(opPath: string, env: Env): Promise<string[] | undefined> {
  const r = await op(opPath, ["account", "list", "--format", "json"], env);
  if (r?.code !== 0) return undefined;
  try {
    const list = JSON.parse(r.stdout) as Array<{ url?: string; email?: string; shorthand?: string }>;
    return Array.isArray(list) ? list.map((a) => a.shorthand ?? a.url ?? a.email ?? "?") : undefined;
  } catch {
    return undefined;
  }
}

/** The accounts op knows, or none when op is missing or says nothing. */
export async function opAccounts(env: Env, opFlag?: string): Promise<string[]> {
  try {
    return (await accountList(locateOp(opFlag, env), env)) ?? [];
  } catch {
    return [];
  }
}

/**
 * False when op knows no account by that name, as op itself matches it (sign-in address, email,
 * shorthand or ID): `op whoami --account X` says so without prompting, signed in or not.
 * Undefined when that cannot be told (no op).
 */
export async function accountKnown(account: string, env: Env): Promise<boolean | undefined> {
  let opPath: string;
  try {
    opPath = locateOp(undefined, env);
  } catch {
    return undefined;
  }
  const r = await op(opPath, ["--account", account, "whoami"], env);
  if (!r) return undefined;
  return !(r.code !== 0 && opErrorMessage(r.stderr).startsWith("no account found for filter"));
}

export async function diagnose(env: Env, opFlag?: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  // Hints from McpOpError may already start with "fix: ".
  const add: Add = (level, subject, message, fix) =>
    findings.push({ level, subject, message, ...(fix ? { fix: fix.replace(/^fix: /, "") } : {}) });
  const ctx: Context = { env, f: facts(env), add };
  // Scanned first: whether any entry signs in interactively decides how bad a failing sign-in is.
  const scan = scanAll(ctx.f);
  const opPath = checkOpPath(ctx, opFlag);
  const accounts = opPath ? await accountList(opPath, env) : undefined;
  if (opPath) {
    await checkOpVersion(ctx, opPath);
    await checkAuth(ctx, opPath, accounts, scan.servers);
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
  for (const s of scan.servers) checkServer(ctx, s, accounts ?? []);
  return findings;
}

/** Every entry; a config that does not parse is an error of its own and hides no other client. */
function scanAll(f: Facts): { servers: RegisteredServer[]; errors: McpOpError[] } {
  const errors: McpOpError[] = [];
  return { servers: scanServers(f, [], (e) => errors.push(e), { otherProjects: true, shadowed: true }), errors };
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
  const v = await op(opPath, ["--version"], env);
  const version = v?.code === 0 ? v.stdout.trim() : "";
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
async function checkToken({ add }: Context, opPath: string, mode: AuthMode, env: Env): Promise<void> {
  const r = await op(opPath, ["vault", "list", "--format", "json"], env);
  if (r?.code === 0) add("ok", "auth", `${mode} works`);
  else add("error", "auth", `${mode}: ${r ? opErrorMessage(r.stderr) : "op vault list timed out"}`, "check the token");
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
  const who = await op(opPath, ["whoami"], env);
  if (who?.code === 0) return checkSession(ctx, opPath);
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
    `not signed in now (${who ? opErrorMessage(who.stderr) : "op whoami timed out"}): a server start asks the 1Password app if its CLI integration is on, and fails (exit 77) if it is off (${NO_TERMINAL})`,
    `make sure the integration is on (1Password > Settings > Developer > Integrate with 1Password CLI), or ${SERVICE_ACCOUNT}`,
  );
}

/**
 * `op whoami` works: through the app, or through a manual session (`OP_SESSION_*`) that GUI
 * clients do not pass on and that expires after 30 idle minutes. Asking again without the
 * session tells which: the app needs none.
 */
async function checkSession({ env, add }: Context, opPath: string): Promise<void> {
  const sessions = Object.keys(env).filter((k) => k.startsWith("OP_SESSION_") && isCredentialVar(k) && env[k]);
  if (sessions.length > 0) {
    const without = Object.fromEntries(Object.entries(env).filter(([k]) => !sessions.includes(k)));
    const bare = await op(opPath, ["whoami"], without);
    if (bare?.code !== 0) {
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
  // Names come from config files, some from cloned repositories: no control characters pass.
  const hidden = s.shadowed ? `, hidden duplicate${s.shadowed.line ? ` at line ${s.shadowed.line}` : ""}` : "";
  const subject = `${shownName(s.name)} (${s.loc.client}, ${s.loc.scope}${s.loc.project ? ` ${shownName(s.loc.project)}` : ""}${hidden})`;
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
  checkEntryCommand(ctx, s, subject);
  checkEnvFiles(ctx, s, subject);
  checkEnvBlock(ctx, s, subject);
  const tokenFile = entryTokenFile(s);
  if (tokenFile) checkTokenFile(ctx, subject, tokenFile.given, tokenFile.source);
  checkServerCommand(ctx, s, subject);
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

function found(command: string, pathList: string, { env, f }: Context): string | undefined {
  try {
    return locateCommand(command, pathList, env, f.cwd);
  } catch {
    return undefined;
  }
}

/** The client starts the entry's command itself, with its own PATH: mcp-op extends PATH only later. */
function checkEntryCommand(ctx: Context, s: RegisteredServer, subject: string): void {
  const command = s.spec?.command ?? "";
  if (found(command, GUI_PATH, ctx)) return;
  const rewrite = `mcp-op add --force ${shownName(s.name)} ... writes a stable absolute path`;
  const yours = isPathLike(command, process.platform) ? undefined : found(command, ctx.env.PATH ?? "", ctx);
  if (yours) {
    ctx.add(
      "error",
      subject,
      `the entry runs "${command}" by name: found on your PATH (${yours}) but not on the PATH a GUI app gives it (${GUI_PATH})`,
      `${rewrite} (or set the entry's command to ${yours})`,
    );
  } else {
    const where = isPathLike(command, process.platform) ? "does not exist" : "is on neither your PATH nor a GUI app's";
    ctx.add("error", subject, `the entry runs ${command}, which ${where}`, `install mcp-op, then ${rewrite}`);
  }
}

function checkEnvFiles(ctx: Context, s: RegisteredServer, subject: string): void {
  for (const file of s.envFiles) {
    try {
      const text = readEnvFile(file, ctx.f.home, ctx.f.cwd);
      const problems = checkEnvFile(text.display, text.text, ctx.env).problems;
      const errors = problems.filter((p) => p.severity === "error");
      for (const p of errors) ctx.add("error", subject, `${p.where}: ${p.message}`, "fix the line (mcp-op check)");
      if (errors.length === 0) ctx.add("ok", subject, `${file} is valid`);
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
function checkEnvBlock({ add }: Context, s: RegisteredServer, subject: string): void {
  for (const [key, value] of Object.entries(s.spec?.env ?? {})) {
    for (const message of referenceProblems(value, [])) {
      add(
        "error",
        subject,
        `env ${key} in ${s.loc.path}: ${message} (mcp-op run exits ${EXIT.DATAERR} on it)`,
        `write ${key} in the entry's env block as op://vault/item/[section/]field`,
      );
    }
  }
}

/** A GUI client's PATH, extended the way `mcp-op run` extends it for the server. */
function checkServerCommand(ctx: Context, s: RegisteredServer, subject: string): void {
  const [serverCommand] = s.server;
  if (!serverCommand) return;
  const guiPath = extendedPath({ ...ctx.env, PATH: GUI_PATH }, process.platform);
  if (found(serverCommand, guiPath, ctx)) {
    ctx.add("ok", subject, `${serverCommand} resolves under a GUI app's PATH`);
  } else {
    ctx.add(
      "error",
      subject,
      `${serverCommand} is not found under a GUI app's PATH (${guiPath})`,
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

export default {
  meta: { name: "doctor", description: "Diagnose op, authentication, env files and every registered server" },
  args: doctorArgs,
  async run({ rawArgs }) {
    const { values } = parseOptions("doctor", doctorArgs, rawArgs);
    rejectEmptyValues("doctor", doctorArgs, values);
    const findings = await diagnose(environment(), values.op as string | undefined);
    if (values.json === true) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
    else {
      for (const f of findings) {
        process.stdout.write(
          `${f.level.padEnd(7)} ${f.subject}: ${f.message}${f.fix ? `\n        fix: ${f.fix}` : ""}\n`,
        );
      }
    }
    if (findings.some((f) => f.level === "error")) throw McpOpError.reported(EXIT.FINDINGS);
  },
} satisfies CommandDef<typeof doctorArgs>;
