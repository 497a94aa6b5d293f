/**
 * `mcp-op add <name> [--client C]... [--scope S] [--account A] [--environment ID]
 * [--env KEY=op://...]... [--env-file F]... [--token-file F] [--allow-plain] [--force] [--dry-run]
 * -- <command> [args...]`, or, for a remote server,
 * `mcp-op add <name> --url URL [--header 'Name: value']... [...]`.
 *
 * Writes the server's env file (references only), then registers
 * `mcp-op run [--environment ID] --env-file <abs> -- <command>` in each chosen client (default:
 * every client whose config exists). Claude Code goes through `claude mcp add-json` when its CLI
 * is installed. A project-scope entry is shared with the team (core/shared-config.ts): plain
 * `mcp-op`, and an env file of references only inside the project, named relative to it.
 * With `--url`, the headers go into a headers file beside the env file and the entries are the
 * remote ones of core/remote-entry.ts (see commands/_add-remote.ts).
 */
import { type OptionsDef, parseOptions } from "../core/args.ts";
import { ENV_POLICIES, lostCredentials, serverEnvironment, whyDropped } from "../core/client-env.ts";
import {
  CLIENT_IDS,
  type ClientId,
  type ConfigLocation,
  configLocation,
  type Facts,
  type Scope,
} from "../core/clients.ts";
import { validServerName } from "../core/config-edit.ts";
import { parseEnvFile } from "../core/env-file.ts";
import { ENVIRONMENTS_SINCE, environmentOption } from "../core/environments.ts";
import { envFileDir, envValue as envVar, joinPath } from "../core/paths.ts";
import { authMode, quoteArg } from "../core/plan.ts";
import { describeBadReference, looksLikeReference, parseReference } from "../core/reference.ts";
import { registeredSpec, registrationPlan } from "../core/register.ts";
import { candidatePaths, type Env } from "../core/search-path.ts";
import {
  insideDir,
  projectDirOf,
  SHARED_COMMAND,
  SHARED_ENV_DIR,
  sharedEnvFile,
  sharedPath,
} from "../core/shared-config.ts";
import { hasTemplate, parseArgTemplates } from "../core/template.ts";
import { validateEnvFiles } from "../core/validate.ts";
import { accountKnown, opAccounts } from "../effects/accounts.ts";
import { geminiRedaction } from "../effects/client-state.ts";
import { load } from "../effects/config-file.ts";
import { runSteps } from "../effects/edit-loop.ts";
import { isExecutableFile } from "../effects/executables.ts";
import { absolutePath, readEnvFiles, readTokenFile, TOKEN_FILE_VAR } from "../effects/files.ts";
import { claudeCli, editBackupDir, facts, presentLocations, scanServers, stableCommand } from "../effects/registry.ts";
import { EXIT, McpOpError, usageError } from "../errors.ts";
import { logger } from "../logger.ts";
import { checkUrl, remotePlanInput, warnRemote } from "./_add-remote.ts";
import { parseClients, parseScope } from "./_clients.ts";
import { type Context, defaultContext, reportProblems } from "./_shared.ts";

const addArgs = {
  name: { type: "positional", description: "the server's name in the clients" },
  client: {
    type: "string",
    multiple: true,
    valueHint: CLIENT_IDS.join("|"),
    description: "client to register in (repeatable; default: every client whose config exists)",
  },
  scope: {
    type: "string",
    valueHint: "user|local|project",
    description:
      "config scope (default: user); project: an entry to commit, with plain mcp-op and .mcp-op/NAME.env (references only) in the project",
  },
  account: { type: "string", valueHint: "ACCOUNT", description: "1Password account the entry passes to op" },
  environment: {
    type: "string",
    once: true,
    valueHint: "ID",
    description: `1Password Environment the entry loads too (run --environment; op ${ENVIRONMENTS_SINCE} or later)`,
  },
  env: {
    type: "string",
    multiple: true,
    valueHint: "KEY=op://vault/item/field",
    description: "a secret reference for the env file (repeatable)",
  },
  "env-file": {
    type: "string",
    multiple: true,
    valueHint: "FILE",
    description: "use this existing env file instead of writing one (repeatable, as for run)",
  },
  "token-file": {
    type: "string",
    valueHint: "FILE",
    description:
      "service-account token file (only you can read it) the entry passes to run; the token stays out of the entry",
  },
  url: {
    type: "string",
    valueHint: "URL",
    description:
      "a remote (streamable HTTP or SSE) server instead of a command: Claude Code gets a headersHelper entry, the others mcp-op proxy",
  },
  header: {
    type: "string",
    multiple: true,
    valueHint: "'NAME: VALUE'",
    description:
      "with --url: an HTTP header, its value a reference or a template such as 'Bearer {{ op://vault/item/field }}' (repeatable)",
  },
  "allow-plain": { type: "boolean", description: "accept --env and --header values that are not secret references" },
  force: { type: "boolean", description: "replace an existing entry (and env file) of the same name" },
  "dry-run": { type: "boolean", description: "print the exact change per file; change nothing" },
  server: { type: "positional", description: "after --: the MCP server command and its arguments" },
} as const satisfies OptionsDef;

/**
 * `--env KEY=VALUE` flags to env-file text; values must be references unless allowPlain. The
 * preview (for --dry-run) shows plain values by length only: they may be tokens.
 */
function envFileText(flags: readonly string[], allowPlain: boolean, shared = false): { text: string; preview: string } {
  const lines = ["# Written by mcp-op add: 1Password secret references, resolved by `op run` at start."];
  const preview = [...lines];
  const seen = new Set<string>();
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    const key = eq === -1 ? "" : flag.slice(0, eq);
    const value = eq === -1 ? "" : flag.slice(eq + 1);
    // Never echo the flag: it may be a pasted token.
    if (eq === -1) throw usageError('--env takes KEY=op://vault/item/field; this one has no "="');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw usageError('--env takes KEY=op://vault/item/field; the part before "=" is not a variable name');
    if (seen.has(key)) throw usageError(`--env ${key} is given twice`);
    seen.add(key);
    if (looksLikeReference(value)) {
      const r = parseReference(value);
      if (!r.ok) throw new McpOpError(EXIT.DATAERR, `--env ${key}: ${describeBadReference(value, r.reason)}`);
    } else if (!allowPlain) {
      // The value may be a pasted token: it is not repeated here.
      throw new McpOpError(
        EXIT.DATAERR,
        `--env ${key}: not a secret reference (op://vault/item/field); refusing to write a plain value`,
        shared
          ? "store it in 1Password and pass its reference: a project entry's env file is committed, so it holds references only"
          : "store it in 1Password and pass its reference, or pass --allow-plain",
      );
    }
    const line = `${key}=${envValue(key, value)}`;
    lines.push(line);
    preview.push(looksLikeReference(value) ? line : `${key}=<plain value, ${value.length} chars, not shown>`);
  }
  return { text: `${lines.join("\n")}\n`, preview: `${preview.join("\n")}\n` };
}

export interface AddOptions {
  name: string;
  /** The server command and its arguments (after `--`). */
  command: string;
  args: string[];
  scope: Scope;
  /** The chosen clients; every client whose config exists when empty. */
  clients: ClientId[];
  dryRun: boolean;
  force: boolean;
  /** `--env KEY=op://...` flags, for the env file add writes. */
  env: string[];
  /** `--env-file`: existing env files, instead of one written from --env. */
  envFiles: string[];
  /** `--environment ID`: a 1Password Environment, its ID checked. */
  environment: string | undefined;
  tokenFile: string | undefined;
  account: string | undefined;
  allowPlain: boolean;
  /** `--url`: a remote server (command is then ""). */
  url?: string | undefined;
  /** `--header 'Name: value'` flags, with --url. */
  headers?: string[];
}

const USAGE = "usage: mcp-op add <name> [--client C]... [--env KEY=op://...]... -- <command> [args...]";
/** A remote server's form, for the usage errors of --url and --header. */
const URL_USAGE = "usage: mcp-op add <name> --url URL [--header 'Name: value']... [--client C]...";

/** add's arguments as options, or a usage error (64); no effects. */
export function parse(own: readonly string[], rest: readonly string[] | null): AddOptions {
  const { values, positionals } = parseOptions("add", addArgs, own, { serverAfter: 1 });
  const [name, extra] = positionals;
  if (!name) throw usageError("no server name", USAGE);
  if (extra !== undefined) throw usageError(`unexpected argument "${extra}": put the server command after "--"`, USAGE);
  const problem = validServerName(name);
  if (problem) throw usageError(problem); // it names the server name
  const [command, ...args] = rest ?? [];
  const url = values.url;
  if (url !== undefined && command) throw usageError('give --url or a server command after "--", not both', URL_USAGE);
  if (url === undefined && values.header.length)
    throw usageError("--header is for a remote server: give --url", URL_USAGE);
  if (url === undefined && !command) throw usageError('no server command after "--"', USAGE);
  // `{{ }}` in server arguments is mcp-op's template syntax: a form `run` would refuse at every
  // start (a literal Go template, say) is refused now, with the escape to write instead. The
  // variables a `{{ NAME }}` uses may come from the client's environment: not checked here.
  if (hasTemplate(args)) parseArgTemplates(args, () => true);
  const scope = parseScope(values.scope);
  // A project entry is committed and shared (core/shared-config.ts); a remote one names a headers
  // file under this user's config directory, which a teammate does not have.
  if (url !== undefined && scope === "project")
    throw usageError(
      "--url with --scope project is not supported yet: register a remote server at user or local scope",
      URL_USAGE,
    );
  const clients = parseClients(values.client);
  if (values.env.length && values["env-file"].length) throw usageError("give --env or --env-file, not both");
  return {
    name,
    command: command ?? "",
    args,
    scope,
    clients,
    dryRun: values["dry-run"],
    force: values.force,
    env: values.env,
    envFiles: values["env-file"],
    environment: environmentOption(values.environment),
    tokenFile: values["token-file"],
    account: values.account,
    allowPlain: values["allow-plain"],
    ...(url === undefined ? {} : { url: checkUrl(url, values["allow-plain"]), headers: values.header }),
  };
}

export const main = (own: readonly string[], rest: readonly string[] | null) => run(parse(own, rest), defaultContext());

export default {
  meta: { name: "add", description: "Register a server in MCP clients, running through mcp-op" },
  args: addArgs,
};

/** Write the env file (from --env), then register the entry in each client; all or nothing. */
export async function run(options: AddOptions, ctx: Context): Promise<void> {
  const { name, command, args, scope, clients, dryRun, force } = options;
  const envFlags = options.env;
  const givenEnvFiles = options.envFiles;
  const { env } = ctx;
  const f = facts(env, ctx.cwd);
  // A project entry is committed: where it goes decides where its env file goes (step 1).
  const shared = scope === "project" ? sharedProject(options, clients, f) : undefined;
  // 1. The env file: written from --env, or existing ones validated.
  let envFile: string | undefined;
  const envFiles: string[] = [];
  let envText: { text: string; preview: string } | undefined;
  // The variables a header's or the URL's `{{ NAME }}` may use: the keys of every env file, as validated.
  const envKeys = new Set<string>();
  const addKeys = (files: ReadonlyArray<{ entries: ReadonlyArray<{ key: string }> }>) => {
    for (const file of files) for (const e of file.entries) envKeys.add(e.key);
  };
  if (envFlags.length) {
    envText = envFileText(envFlags, options.allowPlain, shared !== undefined);
    envFile = shared
      ? joinPath(process.platform, shared.dir, sharedEnvFile(name))
      : joinPath(process.platform, envFileDir(env, f.home, process.platform), `${name}.env`);
    envFiles.push(envFile);
    // What run would warn about at every start (PATH, NODE_OPTIONS...), said once now.
    const written = validateEnvFiles([{ display: envFile, text: envText.text }], env);
    reportProblems(written.problems);
    addKeys(written.files);
  }
  // Existing env files, validated as run validates them: every problem of every file.
  const reads = readEnvFiles(givenEnvFiles, f.home, f.cwd);
  const validated = validateEnvFiles(reads, env);
  reportProblems(validated.problems);
  for (const read of reads) if ("path" in read) envFiles.push(read.path);
  if (shared) {
    for (const [i, read] of reads.entries()) sharedFileProblem(read.display, validated.files[i]?.entries ?? []);
  }
  addKeys(validated.files);
  // The token file is checked as run reads it (private, one token); only its path goes in.
  const tokenFlag = options.tokenFile;
  const tokenFile = tokenFlag === undefined ? undefined : absolutePath(tokenFlag, f.home, f.cwd);
  if (tokenFlag !== undefined) readTokenFile(tokenFlag, f.home, f.cwd);

  // 2. Which account: clients strip OP_ACCOUNT, so with several accounts the entry must say.
  const { account } = options;
  if (account) {
    if ((await accountKnown(account, env, ctx.op)) === false) {
      const known = await opAccounts(env, undefined, ctx.op);
      throw usageError(
        `--account ${account}: op has no such account`,
        known.length ? `one of: ${known.join(", ")}` : "see `op account list`",
      );
    }
  } else {
    const accounts = await opAccounts(env, undefined, ctx.op);
    if (accounts.length > 1) {
      throw usageError(
        `you have ${accounts.length} 1Password accounts and clients do not pass OP_ACCOUNT: choose one with --account`,
        `one of: ${accounts.join(", ")}`,
      );
    }
  }

  // 3. The entry: this mcp-op by a stable path, running the server through op. Shared: plain
  // mcp-op, and each env file by its path in the project, as the client names it.
  const server = [command, ...args];
  const { environment } = options;
  const spec = shared
    ? (loc: ConfigLocation) =>
        registeredSpec([SHARED_COMMAND], {
          account,
          environment,
          envFiles: envFiles.map((file) =>
            sharedPath(loc.client, insideDir(file, shared.dir, process.platform) ?? file),
          ),
          server,
        })
    : registeredSpec(stableCommand(env), { account, environment, envFiles, tokenFile, server });
  // A remote server: `mcp-op headers` or `mcp-op proxy`, with the headers file.
  const self = stableCommand(env);
  const remote =
    options.url === undefined
      ? undefined
      : remotePlanInput(options.url, options.headers ?? [], options.allowPlain, {
          name,
          self,
          account,
          envFiles,
          tokenFile,
          dir: envFileDir(env, f.home, process.platform),
          platform: process.platform,
          defined: (n) => env[n] !== undefined || envKeys.has(n),
        });

  // 4. Where: the chosen clients, or every client whose config exists.
  const locations: ConfigLocation[] = shared?.locations ?? targets(clients, scope, f, options.name);
  if (!tokenFile) warnDroppedCredentials(locations, env, f);
  if (remote) warnRemote(locations, remote.headersFile !== undefined);

  // 5. The plan, from every target as it is now: a config that does not parse or already has
  // this name (without --force) stops the whole add, env file included. A dry run prints it; else
  // the edit loop checks every config writable, then carries it out, all or nothing.
  const plan = registrationPlan({
    name,
    spec,
    force,
    envFile: envFile && envText ? { path: envFile, ...envText } : undefined,
    ...(remote ?? {}),
    configs: locations.map((loc) => load(loc)),
    claude: claudeCli(env) !== undefined,
  });
  if (dryRun) {
    ctx.stdout(plan.preview());
    return;
  }
  if (shared) warnPlainMcpOp(env);
  await runSteps(plan.steps, {
    env,
    cwd: f.cwd,
    home: f.home,
    backupDir: (loc) => editBackupDir(env, f.home, loc),
    report: (done) => {
      const { step } = done;
      if (step.kind === "env-file") {
        if (done.replaced && step.format !== "headers") warnSharedEnvFile(step.path, name, locations, f);
        return;
      }
      const { loc } = step;
      ctx.stdout(
        done.via === "claude"
          ? `added ${name} to claude-code (${loc.scope}) through the claude CLI\n`
          : `added ${name} to ${loc.client} (${loc.scope}): ${loc.path}${done.backup ? ` (backup: ${done.backup})` : ""}\n`,
      );
    },
  });
  if (shared) {
    const files = [...new Set([...envFiles, ...locations.map((l) => l.path)])];
    const shown = files.map((file) => insideDir(file, shared.dir, process.platform) ?? file);
    ctx.stdout(
      `to share it, commit ${shown.join(", ")}; each teammate needs mcp-op on PATH, op signed in, and access to the vault\n`,
    );
  }
}

/** The chosen clients' configs of this scope, or every one that exists; 78 when there is none. */
function targets(clients: readonly ClientId[], scope: Scope, f: Facts, name: string): ConfigLocation[] {
  const locations = clients.length
    ? clients.map((c) => configLocation(c, scope, f, name))
    : presentLocations([], f, scope, name);
  if (locations.length === 0) {
    throw new McpOpError(
      EXIT.CONFIG,
      "no MCP client config found for this scope",
      `pass --client (${CLIENT_IDS.join(", ")})`,
    );
  }
  return locations;
}

/**
 * A project entry is committed with the project: one project directory for every chosen
 * config (its env file goes there), no plain value (even with --allow-plain) and no token file
 * (a private file of one user) in it.
 */
function sharedProject(
  options: AddOptions,
  clients: readonly ClientId[],
  f: Facts,
): { dir: string; locations: ConfigLocation[] } {
  if (options.allowPlain) {
    throw usageError(
      "--allow-plain does not go with --scope project: the entry and its env file are committed, and a plain value there is shared with everyone who clones the project",
      "store the value in 1Password and pass its reference with --env",
    );
  }
  if (options.tokenFile !== undefined) {
    throw usageError(
      "--token-file does not go with --scope project: the token file is yours alone, and teammates would get an entry naming a file they do not have",
      "leave it out (each teammate signs in, or sets MCP_OP_TOKEN_FILE), or add the entry with --scope local",
    );
  }
  const locations = targets(clients, "project", f, options.name);
  const dirs = [...new Set(locations.map(projectDirOf))];
  const [dir] = dirs;
  if (dir === undefined || dirs.length > 1) {
    const each = locations.map((l) => `${l.client}: ${projectDirOf(l)}`).join(", ");
    throw usageError(
      `--scope project: the chosen clients keep this project's servers in different directories (${each})`,
      "run mcp-op add in the project's root directory",
    );
  }
  for (const file of options.envFiles) {
    const path = absolutePath(file, f.home, f.cwd);
    if (insideDir(path, dir, process.platform) === undefined) {
      throw usageError(
        `--env-file ${file}: outside the project (${dir}); teammates would not have it`,
        `move it into the project (e.g. ${joinPath(process.platform, dir, SHARED_ENV_DIR)}), or use --env`,
      );
    }
  }
  return { dir, locations };
}

/** A committed env file holds references only: a plain value would be shared with everyone. */
function sharedFileProblem(file: string, entries: readonly { key: string; value: string; line: number }[]): void {
  const plain = entries.find((e) => !looksLikeReference(e.value));
  if (plain) {
    throw new McpOpError(
      EXIT.DATAERR,
      `${file}:${plain.line}: ${plain.key} is not a secret reference: a project entry's env file is committed, so it holds references only`,
      "store the value in 1Password and write its reference (op://vault/item/field) there",
    );
  }
}

/** A shared entry runs mcp-op by name: said when this PATH does not find it (the entry is still right for others). */
function warnPlainMcpOp(env: Env): void {
  const path = envVar(env, process.platform, "PATH") ?? "";
  if (!candidatePaths(SHARED_COMMAND, path, env, process.platform).some((f) => isExecutableFile(f))) {
    logger.warn(
      "mcp-op is not on your PATH: the project entry runs it by name; put mcp-op on PATH for clients to start it",
    );
  }
}

/**
 * A value as op's env-file syntax keeps it: plain when nothing in it is special, else single
 * quotes (no `$` expansion). Checked by parsing it back; newlines and `'` are refused.
 */
function envValue(key: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new McpOpError(EXIT.DATAERR, `--env ${key}: a value cannot span lines here`);
  const plain = /^[^\s"'$\\#]*$/.test(value) ? value : undefined;
  // Single quotes keep everything literal but cannot hold a '; double quotes can, as long as
  // nothing in the value is special inside them ($ expands, \ and " escape or end).
  const doubled = value.includes("'") && !/["$\\]/.test(value) ? `"${value}"` : undefined;
  if (plain === undefined && doubled === undefined && value.includes("'")) {
    throw new McpOpError(EXIT.DATAERR, `--env ${key}: a plain value with ' and one of " $ \\ cannot be written safely`);
  }
  const written = plain ?? doubled ?? `'${value}'`;
  if (parseEnvFile(`${key}=${written}\n`).entries[0]?.value !== value) {
    throw new McpOpError(EXIT.DATAERR, `--env ${key}: the value would not read back unchanged`);
  }
  return written;
}

/**
 * One env file per server name: with --force, new references reach every entry that names the
 * file, also in clients not chosen this time. Say which, so that is no surprise.
 */
function warnSharedEnvFile(envFile: string, name: string, chosen: readonly ConfigLocation[], f: Facts): void {
  const others = scanServers(f, [], () => {})
    .filter((s) => s.envFiles.includes(envFile))
    .filter((s) => !(s.name === name && chosen.some((c) => c.path === s.loc.path && c.scope === s.loc.scope)))
    .map((s) => `${s.name} (${s.loc.client}, ${s.loc.scope})`);
  if (others.length) logger.warn(`${envFile} is also used by ${others.join(", ")}: they get the new references too`);
}

/**
 * The shell authenticates with a service account or Connect, and a chosen client would not pass
 * that on to the entry (core/client-env.ts): then mcp-op there signs in instead. Said once per
 * client, with the flag that fixes it.
 */
function warnDroppedCredentials(locations: readonly ConfigLocation[], env: Env, f: Facts): void {
  const shellMode = env[TOKEN_FILE_VAR] ? "service-account" : authMode({ noSignin: false }, env);
  if (shellMode !== "service-account" && shellMode !== "connect") return;
  const cf = { platform: f.platform, gemini: geminiRedaction(f) };
  const hint = env[TOKEN_FILE_VAR]
    ? `pass --token-file ${quoteArg(env[TOKEN_FILE_VAR] as string)}`
    : "pass --token-file FILE (a file only you can read, holding the service-account token)";
  for (const client of new Set(locations.map((l) => l.client))) {
    const there = serverEnvironment(client, env, {}, cf);
    const lost = lostCredentials(env, there);
    const [first] = lost;
    if (first === undefined || authMode({ noSignin: false }, there) !== "interactive" || there[TOKEN_FILE_VAR])
      continue;
    const names = lost.join(", ");
    logger.warn(
      ENV_POLICIES[client].certain
        ? `${client} does not pass ${names} to MCP servers (${whyDropped(client, first, env, cf)}): mcp-op there would sign in instead; ${hint}`
        : `${client} starts servers with its own environment, not this shell's: ${names} may not reach mcp-op there; ${hint}`,
    );
  }
}
