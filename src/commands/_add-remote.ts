/**
 * `add --url`: the remote server's part of add's plan. The `--header` flags are checked as
 * `mcp-op headers` checks them (a plain value refused unless `--allow-plain`, as `--env` is) and
 * go into a headers file beside the env file (`<name>.headers`, 0600), which each entry names:
 * no argument of an entry holds a space (docs/remote-servers.md, section (d)). The entries are
 * core/remote-entry.ts's: Claude Code's `headersHelper`, every other client's `mcp-op proxy`.
 */
import type { ConfigLocation } from "../core/clients.ts";
import { detectSecrets } from "../core/detect.ts";
import { checkHeaders, type HeaderEntry, parseHeaderFlag, remoteTemplates } from "../core/headers.ts";
import { joinPath } from "../core/paths.ts";
import { looksLikeReference } from "../core/reference.ts";
import { headersFileText, type RemoteRegistration, remoteEntryFor } from "../core/remote-entry.ts";
import { EXIT, McpOpError, usageError } from "../errors.ts";
import { logger } from "../logger.ts";
import { reportProblems } from "./_shared.ts";

/**
 * The URL as the entry stores it: http or https, no whitespace (a client would split the
 * argument there: write `{{NAME}}` without spaces, its reference in --env), and no plaintext
 * secret unless `--allow-plain` (never quoted: it may be the token).
 */
export function checkUrl(url: string, allowPlain: boolean): string {
  if (/\s/.test(url)) {
    throw new McpOpError(
      EXIT.DATAERR,
      "--url holds whitespace, which clients split arguments at",
      "for a secret in the URL write {{NAME}} (no spaces) and give its reference with --env NAME=op://vault/item/field",
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError("--url is not a URL", "e.g. --url https://mcp.example.com/mcp");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw usageError(`--url: ${parsed.protocol} is not http: or https:`);
  }
  const found = detectSecrets({ args: [url] })[0];
  if (found && !allowPlain) {
    throw new McpOpError(
      EXIT.DATAERR,
      `--url holds what looks like a secret (${found.display}, ${found.reason}); refusing to write it into client configs`,
      "store it in 1Password, write {{NAME}} in its place and give --env NAME=op://vault/item/field; or pass --allow-plain",
    );
  }
  return url;
}

const isTemplated = (value: string) => looksLikeReference(value) || value.includes("{{");

/** The plan's remote part: the headers file (when there are headers) and each client's entry. */
export function remotePlanInput(
  url: string,
  headerFlags: readonly string[],
  allowPlain: boolean,
  o: {
    name: string;
    self: readonly string[];
    account: string | undefined;
    envFiles: readonly string[];
    tokenFile: string | undefined;
    /** The directory env files go into: the headers file goes beside them. */
    dir: string;
    platform: NodeJS.Platform;
    /** Whether a `{{ NAME }}` variable is defined by the env files or the environment. */
    defined: (name: string) => boolean;
  },
): {
  headersFile: { path: string; text: string; preview: string } | undefined;
  entry: (loc: ConfigLocation) => Record<string, unknown>;
} {
  const entries: HeaderEntry[] = headerFlags.map((text, i) => parseHeaderFlag(text, i));
  reportProblems(checkHeaders(entries, allowPlain));
  for (const e of entries) {
    // One line per header in the file: a line break would start another header.
    if (/[\r\n]/.test(e.value)) throw new McpOpError(EXIT.DATAERR, `${e.where}: ${e.name}: a value cannot span lines`);
  }
  remoteTemplates(url, entries, o.defined); // every reference well-formed, every {{ NAME }} defined
  const pairs = entries.map((e) => [e.name, e.value] as const);
  const path = joinPath(o.platform, o.dir, `${o.name}.headers`);
  const headersFile = entries.length
    ? {
        path,
        text: headersFileText(pairs, "add"),
        preview: headersFileText(
          pairs.map(([n, v]) => [n, isTemplated(v) ? v : `<plain value, ${v.length} chars, not shown>`] as const),
          "add",
        ),
      }
    : undefined;
  const r: RemoteRegistration = {
    url,
    headersFile: headersFile?.path,
    envFiles: o.envFiles,
    account: o.account,
    tokenFile: o.tokenFile,
    allowPlain: entries.some((e) => !isTemplated(e.value)),
  };
  const spaced = [...o.self, ...(headersFile ? [path] : []), ...o.envFiles, ...(o.tokenFile ? [o.tokenFile] : [])];
  const space = spaced.find((a) => /\s/.test(a));
  if (space !== undefined) {
    logger.warn(
      `the entry's argument ${space} holds a space: Cursor and Claude Desktop on Windows split arguments at spaces (use paths without spaces there)`,
    );
  }
  return { headersFile, entry: (loc) => remoteEntryFor(loc.client, o.self, r, o.platform) };
}

/**
 * Claude Code runs the helper of a local or project entry only in a folder with persisted trust,
 * and a project helper gets no credential variables (docs/remote-servers.md, "Trust"): said once.
 */
export function warnRemote(locations: readonly ConfigLocation[], headers: boolean): void {
  const claude = locations.find((l) => l.client === "claude-code" && l.scope !== "user");
  if (claude && headers) {
    logger.warn(
      `claude-code runs the headersHelper of a ${claude.scope}-scope entry only in a folder whose trust was accepted${claude.scope === "project" ? ", without credential variables" : ""}: --scope user avoids both`,
    );
  }
}
