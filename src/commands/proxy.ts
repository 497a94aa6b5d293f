/**
 * `mcp-op proxy`: a stdio MCP server that forwards everything to a remote one (streamable HTTP,
 * or SSE), with the headers (and any `{{ }}` in the URL) resolved from 1Password: for clients
 * that have no header helper (Claude Desktop, Cursor, VS Code, Windsurf, Gemini CLI, Zed). It
 * stays running as long as the client talks to it.
 *
 * As `run` does: validate, sign in, then become `op run ... -- mcp-op __bridge ...` (with the
 * internal stage in front when a session or service-account token would otherwise reach the
 * bridge). The inner step puts the values in from its environment and starts the bridge
 * (effects/bridge.ts, loaded only here).
 */
import { checkUrlTemplate, resolveUrl, shownUrl } from "../core/bridge.ts";
import { parseStepPairs, placeholderNames, REMOTE_PREFIX, resolveHeaders } from "../core/headers.ts";
import { isCredentialVar } from "../core/signin.ts";
import { BRIDGE_STEP } from "../core/stage.ts";
import { canKeepAcrossExec } from "../effects/exec.ts";
import { EXIT, McpOpError, usageError } from "../errors.ts";
import { setVerbose } from "../logger.ts";
import { environment } from "../runtime.ts";
import { parseRemoteOptions, prepareRemote, type RemoteOptions, remoteArgs } from "./_remote.ts";
import { type Context, DEFAULT_SIGNIN_TIMEOUT, defaultContext, MAX_SIGNIN_TIMEOUT, signinTimeout } from "./_shared.ts";

const proxyArgs = {
  url: {
    type: "string",
    valueHint: "URL",
    description:
      "the remote MCP server (streamable HTTP; SSE if that is all it offers); may hold {{ }} templates, e.g. a token in the query",
  },
  ...remoteArgs,
  "signin-timeout": {
    type: "string",
    valueHint: "SECONDS",
    description: `limit for sign-in, lock wait included (default ${DEFAULT_SIGNIN_TIMEOUT})`,
  },
} as const;

const EXAMPLE = "e.g. mcp-op proxy --url https://mcp.example.com/mcp --headers-file ~/.config/mcp-op/example.headers";

export type ProxyOptions = RemoteOptions & { url: string };

/** proxy's arguments as options, or a usage error (64); no effects. */
export function parse(own: readonly string[], rest: readonly string[] | null): ProxyOptions {
  const timeout = signinTimeout(MAX_SIGNIN_TIMEOUT, DEFAULT_SIGNIN_TIMEOUT);
  const options = parseRemoteOptions("proxy", proxyArgs, own, rest, timeout);
  const { url } = options;
  if (url === undefined) throw usageError("--url is missing: the remote server to forward to", EXAMPLE);
  checkUrlTemplate(url);
  return { ...options, url };
}

/** Validate, sign in, and become `op run ... -- mcp-op __bridge` (ctx.exec): it never returns. */
export async function run(options: ProxyOptions, ctx: Context): Promise<never> {
  const files = (await canKeepAcrossExec()) ? "keep" : "paths";
  const { plan } = await prepareRemote(
    options,
    BRIDGE_STEP,
    { stage: true, timeoutMs: options.signinTimeout * 1000, files },
    ctx,
  );
  return ctx.exec({ file: plan.file, argv: plan.argv, env: plan.env, keep: plan.inherited.map((i) => i.fd) });
}

/**
 * The inner step, `mcp-op __bridge [-v] --url TEMPLATE -- Name template ...`, started by `op run`
 * with the values in its environment.
 */
export async function bridgeStep(own: readonly string[], rest: readonly string[] | null): Promise<never> {
  const bad = (why: string) =>
    new McpOpError(EXIT.USAGE, `internal step ${BRIDGE_STEP}: ${why} (it is started by mcp-op proxy, not by hand)`);
  let template: string | undefined;
  for (let i = 0; i < own.length; i++) {
    if (own[i] === "-v") setVerbose(true);
    else if (own[i] === "--url" && own[i + 1] !== undefined) template = own[++i];
    else throw bad(`unexpected argument "${own[i]}"`);
  }
  if (template === undefined) throw bad("no --url");
  const { names, values } = parseStepPairs(rest ?? [], BRIDGE_STEP);
  const env = environment();
  const url = resolveUrl(template, env);
  const headers = Object.fromEntries(resolveHeaders(names, values, env));
  const secrets = [template, ...values].flatMap(placeholderNames).flatMap((name) => env[name] ?? []);
  // The values are in hand: nothing this process might start gets them, nor the credentials
  // that `op run` passed on (the internal stage removed those when there were any).
  for (const name of Object.keys(process.env)) {
    if (name.startsWith(REMOTE_PREFIX) || isCredentialVar(name)) delete process.env[name];
  }
  const { runBridge } = await import("../effects/bridge.ts");
  return runBridge({ url, shown: shownUrl(template), headers, secrets });
}

export const main = (own: readonly string[], rest: readonly string[] | null) => run(parse(own, rest), defaultContext());

export default {
  meta: {
    name: "proxy",
    description: "Serve a remote MCP server over stdio, its headers' secrets from 1Password (stays running)",
  },
  args: proxyArgs,
};
