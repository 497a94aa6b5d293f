/**
 * `mcp-op add <name> [--client C]... [--scope S] [--account A] [--env KEY=op://...]...
 * [--env-file F]... [--token-file F] [--allow-plain] [--force] [--dry-run] -- <command> [args...]`
 * or, for a remote server, `mcp-op add <name> --url URL [--header 'Name: value']... [...]`.
 *
 * Writes the server's env file (references only), then registers
 * `mcp-op run --env-file <abs> -- <command>` in each chosen client (default: every client whose
 * config exists). Claude Code goes through `claude mcp add-json` when its CLI is installed.
 * With `--url`, the headers go into a headers file beside it and the entries are the remote ones
 * of core/remote-entry.ts (see commands/_add-remote.ts).
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
import { envFileDir, joinPath } from "../core/paths.ts";
import { authMode, quoteArg } from "../core/plan.ts";
import { describeBadReference, looksLikeReference, parseReference } from "../core/reference.ts";
import { registeredSpec, registrationPlan } from "../core/register.ts";
import type { Env } from "../core/search-path.ts";
import { hasTemplate, parseArgTemplates } from "../core/template.ts";
import { validateEnvFiles } from "../core/validate.ts";
import { accountKnown, opAccounts } from "../effects/accounts.ts";
import { geminiRedaction } from "../effects/client-state.ts";
import { load } from "../effects/config-file.ts";
import { runSteps } from "../effects/edit-loop.ts";
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
  scope: { type: "string", valueHint: "user|local|project", description: "config scope (default: user)" },
  account: { type: "string", valueHint: "ACCOUNT", description: "1Password account the entry passes to op" },
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
export function envFileText(flags: readonly string[], allowPlain: boolean): { text: string; preview: string } {
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
        "store it in 1Password and pass its reference, or pass --allow-plain",
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
  // 1. The env file: written from --env, or existing ones validated.
  let envFile: string | undefined;
  const envFiles: string[] = [];
  let envText: { text: string; preview: string } | undefined;
  if (envFlags.length) {
    envText = envFileText(envFlags, options.allowPlain);
    envFile = joinPath(process.platform, envFileDir(env, f.home, process.platform), `${name}.env`);
    envFiles.push(envFile);
    // What run would warn about at every start (PATH, NODE_OPTIONS...), said once now.
    reportProblems(validateEnvFiles([{ display: envFile, text: envText.text }], env).problems);
  }
  // Existing env files, validated as run validates them: every problem of every file.
  const reads = readEnvFiles(givenEnvFiles, f.home, f.cwd);
  reportProblems(validateEnvFiles(reads, env).problems);
  for (const read of reads) if ("path" in read) envFiles.push(read.path);
  // The variables a header's or the URL's `{{ NAME }}` may use.
  const envKeys = new Set(
    [envText?.text ?? "", ...reads.map((r) => ("text" in r ? r.text : ""))].flatMap((t) =>
      parseEnvFile(t).entries.map((e) => e.key),
    ),
  );
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

  // 3. The entry: this mcp-op by a stable path, running the server through op (a remote
  // server: `mcp-op headers` or `mcp-op proxy`, with the headers file).
  const self = stableCommand(env);
  const spec = registeredSpec(self, { account, envFiles, tokenFile, server: [command, ...args] });
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
  const locations: ConfigLocation[] = clients.length
    ? clients.map((c) => configLocation(c, scope, f))
    : presentLocations([], f, scope);
  if (locations.length === 0) {
    throw new McpOpError(
      EXIT.CONFIG,
      "no MCP client config found for this scope",
      `pass --client (${CLIENT_IDS.join(", ")})`,
    );
  }

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
