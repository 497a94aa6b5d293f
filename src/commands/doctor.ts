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
 *
 * What needs no look-up (the findings' shape, how a client starts an entry, the fixes) is in
 * core/diagnose.ts; env files go through the validation `run` does (core/validate.ts
 * validateEnvFiles); every op call goes through the Context's `op`.
 */
import { type OptionsDef, parseOptions } from "../core/args.ts";
import { ENV_POLICIES, expandedCommand, serverEnvironment } from "../core/client-env.ts";
import { type Facts, shownName } from "../core/clients.ts";
import { maskArgs } from "../core/detect.ts";
import {
  type Add,
  accountOf,
  approvalFix,
  checkAccount,
  checkClientAuth,
  checkCodexTimeout,
  checkEnvBlock,
  checkEnvironmentEntry,
  clientCwd,
  clientTimeoutSec,
  codexEnvVars,
  configFindings,
  DEFAULT_CONNECT_TIMEOUT_SEC,
  type Diagnosis,
  disabledIn,
  entryTokenFile,
  type Finding,
  type Launch,
  MIN_OP_VERSION,
  ownCredentials,
  parseTimeout,
  pathName,
  plaintextFindings,
  render,
  subjectOf,
  tokenFileFix,
} from "../core/diagnose.ts";
import { versionAtLeast } from "../core/environments.ts";
import { type AuthMode, authMode, quoteArg } from "../core/plan.ts";
import { looksLikeReference } from "../core/reference.ts";
import { extendedPath, wellKnownDirs } from "../core/search-path.ts";
import { isCredentialVar } from "../core/signin.ts";
import { accountList } from "../effects/accounts.ts";
import { approvalOf, geminiRedaction } from "../effects/client-state.ts";
import { locateOp } from "../effects/executables.ts";
import { absolutePath, readTokenFile, TOKEN_FILE_VAR } from "../effects/files.ts";
import type { Op } from "../effects/op.ts";
import { facts, findingPlace, type RegisteredServer, scanServers } from "../effects/registry.ts";
import { EXIT, McpOpError, usageError } from "../errors.ts";
import { definedOnly, version } from "../runtime.ts";
import { checkRemoteEntry, helperLaunch } from "./_doctor-remote.ts";
import { checkEntryCommand, checkEnvFiles, found } from "./_entry-checks.ts";
import { type Context, defaultContext } from "./_shared.ts";

export type { Finding };

type Env = Readonly<Record<string, string | undefined>>;

/** One doctor run: a diagnosis under way, and how it asks op (through the command's Context). */
interface DoctorRun extends Diagnosis {
  /** The op found and the version it printed (for entries that load an Environment). */
  opVersion?: { path: string; version: string };
  /** doctor's op: 20 s a call, so that a hung op cannot stall the report for long. */
  op(opPath: string, env: Env, account?: string): Op;
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

/** Every finding, in order: op, authentication, client configs, each entry, references, --connect. */
export async function diagnose(options: DoctorOptions, { env, cwd, op }: Context): Promise<Finding[]> {
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
  const ctx: DoctorRun = {
    env,
    f,
    cf: { platform: process.platform, gemini: geminiRedaction(f) },
    add,
    canRead: false,
    shellCredentials: {},
    references: new Map(),
    op: (opPath, env, account) => op({ opPath, account, env: definedOnly(env), timeoutMs: 20_000 }),
  };
  // Scanned first: whether any entry signs in interactively decides how bad a failing sign-in is.
  const scan = scanAll(ctx.f);
  const servers = options.name === undefined ? scan.servers : scan.servers.filter((s) => s.name === options.name);
  if (options.name !== undefined && servers.length === 0) {
    throw usageError(`no registered server named "${shownName(options.name)}"`, "see: mcp-op list");
  }
  const opPath = checkOpPath(ctx, options.op);
  if (opPath) ctx.opPath = opPath;
  const accounts = opPath ? await accountList(opPath, env, op) : undefined;
  if (opPath) {
    await checkOpVersion(ctx, opPath);
    await checkAuth(ctx, opPath, accounts, servers);
  }
  configFindings(add, scan.errors, scan.servers.length);
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

// --- op and authentication -------------------------------------------------------------------

function checkOpPath({ env, add }: DoctorRun, opFlag: string | undefined): string | undefined {
  try {
    return locateOp(opFlag, env);
  } catch (error) {
    if (!(error instanceof McpOpError)) throw error;
    add("error", "op", error.message, error.hint);
    return undefined;
  }
}

async function checkOpVersion(ctx: DoctorRun, opPath: string): Promise<void> {
  const { env, add } = ctx;
  const v = await ctx.op(opPath, env).version();
  const version = v.ok ? v.version : "";
  if (!version) {
    add("error", "op", `${opPath} --version failed`, "reinstall the 1Password CLI");
    return;
  }
  ctx.opVersion = { path: opPath, version };
  const recent = versionAtLeast(version, MIN_OP_VERSION);
  if (recent === undefined) {
    add(
      "warning",
      "op",
      `${opPath} printed "${version}" as its version, which mcp-op cannot read`,
      "reinstall the 1Password CLI",
    );
  } else if (!recent) {
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
  ctx: DoctorRun,
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
async function checkToken(ctx: DoctorRun, opPath: string, mode: AuthMode, env: Env): Promise<void> {
  const r = await ctx.op(opPath, env).vaultList();
  if (r.ok) {
    ctx.add("ok", "auth", `${mode} works`);
    ctx.canRead = true;
  } else ctx.add("error", "auth", `${mode}: ${r.message}`, "check the token");
}

/**
 * Interactive sign-in, judged without a prompt. What `run` needs is the app integration: a
 * manual sign-in asks for a password on a terminal, which no MCP client gives (exit 77).
 */
async function checkSignin(ctx: DoctorRun, opPath: string, accounts: string[] | undefined): Promise<void> {
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
  const who = await ctx.op(opPath, env).whoami();
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
async function checkSession(ctx: DoctorRun, opPath: string): Promise<void> {
  const { env, add } = ctx;
  const sessions = Object.keys(env).filter((k) => k.startsWith("OP_SESSION_") && isCredentialVar(k) && env[k]);
  if (sessions.length > 0) {
    const without = Object.fromEntries(Object.entries(env).filter(([k]) => !sessions.includes(k)));
    const bare = await ctx.op(opPath, without).whoami();
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

/** A token file checked as `run` reads it; the token (never shown), or undefined after an error. */
function checkTokenFile({ f, add }: DoctorRun, subject: string, given: string, source: string): string | undefined {
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

// --- registered servers ------------------------------------------------------------------------

function checkServer(ctx: DoctorRun, s: RegisteredServer, accounts: readonly string[]): void {
  const subject = subjectOf(s);
  plaintextFindings(ctx, s, subject, (finding) => findingPlace(s, finding));
  // A copy a duplicate key hides never runs: its plaintext is named above, the duplicate itself
  // is an error of its file; nothing else about it matters.
  const remote = s.shadowed ? undefined : s.mcpOpRemote;
  if (remote) checkRemoteEntry(ctx, s, remote);
  // A helper runs where Claude Code runs (helper entries are user scope): relative paths from here.
  if (remote?.form === "helper") checkEnvFiles(ctx, s, subject, { command: "", args: [], env: {}, cwd: ctx.f.cwd });
  if ((!s.viaMcpOp && remote?.form !== "proxy") || s.shadowed) return;
  const launch = launchOf(ctx, s);
  checkEntryCommand(ctx, s, subject, launch);
  checkEnvFiles(ctx, s, subject, launch);
  checkEnvironmentEntry(ctx, s, subject, ctx.opVersion);
  checkEnvBlock(ctx, s, subject);
  const tokenFile = entryTokenFile(s);
  if (tokenFile) checkTokenFile(ctx, subject, tokenFile.given, tokenFile.source);
  const shellTokenFile = ctx.env[TOKEN_FILE_VAR];
  checkClientAuth(
    ctx,
    s,
    subject,
    launch,
    shellTokenFile ? absolutePath(shellTokenFile, ctx.f.home, ctx.f.cwd) : undefined,
  );
  checkOpThere(ctx, s, subject, launch);
  checkServerCommand(ctx, s, subject, launch);
  checkAccount(ctx, s, subject, accounts);
  checkCodexTimeout(ctx, s, subject);
}

function launchOf(ctx: DoctorRun, s: RegisteredServer): Launch {
  const client = s.loc.client;
  const raw = (typeof s.raw === "object" && s.raw !== null ? s.raw : {}) as Record<string, unknown>;
  const spec = s.spec ?? { command: "", args: [] };
  const envVars = client === "codex" ? codexEnvVars(raw.env_vars) : [];
  const { command, args } = expandedCommand(client, spec, ctx.env, ctx.cf.platform);
  const env = serverEnvironment(client, ctx.env, { ...(spec.env ? { env: spec.env } : {}), envVars }, ctx.cf);
  const own = typeof raw.cwd === "string" && raw.cwd !== "" ? absolutePath(raw.cwd, ctx.f.home, ctx.f.cwd) : "";
  return { command, args, env, cwd: own || clientCwd(s, ctx.f) };
}

/** `run` finds op on the PATH it gets, then in the well-known directories: under the client's environment. */
function checkOpThere(ctx: DoctorRun, s: RegisteredServer, subject: string, launch: Launch): void {
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
function checkServerCommand(ctx: DoctorRun, s: RegisteredServer, subject: string, launch: Launch): void {
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

// --- references, read through op only where that raises no prompt ------------------------------

/**
 * Each mcp-op entry's references read through `op read`, the value dropped at once: only where
 * no prompt can come of it (whoami works through the app, or a service-account or Connect token,
 * the entry's own included). Otherwise one line says how to check them.
 */
async function checkReferences(ctx: DoctorRun, opPath: string, servers: readonly RegisteredServer[]): Promise<void> {
  const cache = new Map<string, string | undefined>();
  let unchecked = false;
  for (const s of servers) {
    const refs = ctx.references.get(s) ?? [];
    if ((!s.viaMcpOp && !s.mcpOpRemote) || refs.length === 0) continue;
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
        const read = await ctx.op(opPath, own, account).read(r.value);
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
function ownEnv(ctx: DoctorRun, s: RegisteredServer): Record<string, string> | undefined {
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

// --- --connect ---------------------------------------------------------------------------------

async function connectAll(ctx: DoctorRun, servers: readonly RegisteredServer[], timeoutSec?: number): Promise<void> {
  const { connect } = await import("../effects/connect.ts");
  const v = await version();
  for (const s of servers) {
    const subject = subjectOf(s);
    const helper = !s.spec && s.mcpOpRemote ? helperLaunch(s.mcpOpRemote, ctx.env, ctx.cf) : undefined;
    if (!s.spec && !helper) {
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
    const launch = helper ? { ...helper, cwd: clientCwd(s, ctx.f) } : launchOf(ctx, s);
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
    const seconds = timeoutSec ?? clientTimeoutSec(ctx.env, s);
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
export async function run({ json, ...options }: DoctorOptions & { json: boolean }, ctx: Context): Promise<void> {
  const findings = await diagnose(options, ctx);
  if (json) ctx.stdout(`${JSON.stringify(findings, null, 2)}\n`);
  else for (const f of findings) ctx.stdout(render(f));
  if (findings.some((f) => f.level === "error")) throw McpOpError.reported(EXIT.FINDINGS);
}

export const main = (own: readonly string[], rest: readonly string[] | null) => run(parse(own, rest), defaultContext());

export default {
  meta: { name: "doctor", description: "Diagnose op, authentication, env files and every registered server" },
  args: doctorArgs,
};
