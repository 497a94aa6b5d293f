/**
 * `mcp-op list [--json]`: which clients run which servers, whether through mcp-op, and which
 * entries still carry plaintext-looking values (shown only as public prefix and length).
 */
import { type OptionsDef, parseOptions } from "../core/args.ts";
import { type ClientId, locationLabel, shownName } from "../core/clients.ts";
import { maskArgs } from "../core/detect.ts";
import { quoteArg } from "../core/plan.ts";
import type { McpOpRemote } from "../core/remote-entry.ts";
import { facts, findingPlace, type RegisteredServer, scanServers } from "../effects/registry.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { logger } from "../logger.ts";
import { parseClients } from "./_clients.ts";
import { type Context, defaultContext } from "./_shared.ts";

const listArgs = {
  client: { type: "string", multiple: true, valueHint: "CLIENT", description: "only these clients (repeatable)" },
  json: { type: "boolean", description: "machine-readable output" },
} as const satisfies OptionsDef;

export interface ListOptions {
  /** Only these clients; every client when empty. */
  clients: ClientId[];
  json: boolean;
}

/** list's arguments as options, or a usage error (64); no effects. */
export function parse(own: readonly string[], _rest: readonly string[] | null): ListOptions {
  const { values } = parseOptions("list", listArgs, own);
  return { clients: parseClients(values.client), json: values.json };
}

export async function run(options: ListOptions, ctx: Context): Promise<void> {
  // A broken config does not hide the others: they are listed, it is named, and list exits 78.
  const broken: McpOpError[] = [];
  const servers = scanServers(facts(ctx.env, ctx.cwd), options.clients, (e) => broken.push(e), {
    otherProjects: true,
    shadowed: true,
  });
  try {
    show(ctx, servers, options.json, broken.length > 0);
  } finally {
    for (const e of broken) logger.error(e.hint ? `${e.message}; ${e.hint}` : e.message);
  }
  if (broken.length) throw McpOpError.reported(EXIT.CONFIG);
}

export const main = (own: readonly string[], rest: readonly string[] | null) => run(parse(own, rest), defaultContext());

export default {
  meta: { name: "list", description: "List the MCP servers registered in each client" },
  args: listArgs,
};

/** An mcp-op remote entry: which form, the URL (masked) and the headers file. */
function remoteWhat(r: McpOpRemote): string {
  const form = r.form === "helper" ? "mcp-op headers (headersHelper)" : "mcp-op proxy";
  const files = [...(r.headersFile ? [r.headersFile] : []), ...r.envFiles];
  return `remote through ${form}${files.length ? ` (${files.join(", ")})` : ""}: ${maskArgs([r.url ?? ""])[0]}`;
}

function show(ctx: Context, servers: RegisteredServer[], json: boolean, someUnread: boolean): void {
  if (json) {
    const rows = servers.map((s) => ({
      client: s.loc.client,
      scope: s.loc.scope,
      ...(s.loc.project ? { project: s.loc.project } : {}),
      file: s.loc.path,
      name: s.name,
      ...(s.shadowed ? { hiddenDuplicate: { line: s.shadowed.line } } : {}),
      viaMcpOp: s.viaMcpOp || s.mcpOpRemote !== undefined,
      ...(s.mcpOpRemote ? { remoteEntry: s.mcpOpRemote.form, headersFile: s.mcpOpRemote.headersFile ?? null } : {}),
      envFiles: s.envFiles,
      server: maskArgs(s.server),
      ...(s.remote || s.mcpOpRemote?.url ? { url: maskArgs([s.remote?.url ?? s.mcpOpRemote?.url ?? ""])[0] } : {}),
      plaintext: [...s.findings, ...(s.remote?.findings ?? [])].map((f) => ({
        where: s.remote ? findingPlace(s, f).split(" ")[0] : f.where,
        key: f.key,
        reason: f.reason,
        value: f.display,
      })),
    }));
    ctx.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (servers.length === 0) {
    ctx.stdout(`no MCP servers registered in any client config ${someUnread ? "that could be read" : "found"}\n`);
    return;
  }
  for (const s of servers) {
    const how = s.viaMcpOp ? `mcp-op${s.envFiles.length ? ` (${s.envFiles.join(", ")})` : ""}` : "directly";
    const what = s.mcpOpRemote
      ? remoteWhat(s.mcpOpRemote)
      : s.remote
        ? `remote: ${maskArgs([s.remote.url])[0]}`
        : `${how}: ${maskArgs(s.server).map(quoteArg).join(" ")}`;
    // Names come from config files, some from cloned repositories: no control characters pass.
    // A copy a duplicate key hides: the client never runs it, but its plaintext is in the file.
    const hidden = s.shadowed ? ` (hidden duplicate${s.shadowed.line ? ` at line ${s.shadowed.line}` : ""})` : "";
    ctx.stdout(`${locationLabel(s.loc)} ${shownName(s.name)}${hidden}: ${what}\n`);
    for (const f of [...s.findings, ...(s.remote?.findings ?? [])]) {
      ctx.stdout(`  plaintext ${findingPlace(s, f)}: ${f.display} (${f.reason})\n`);
    }
  }
}
