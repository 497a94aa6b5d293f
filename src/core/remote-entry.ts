/**
 * The entries mcp-op registers for a remote MCP server (`add --url`, `migrate`), and how list,
 * doctor and migrate recognise them again: Claude Code gets its native `http` entry with a
 * `headersHelper` running `mcp-op headers`; every other client a stdio entry running
 * `mcp-op proxy` (docs/remote-servers.md, "Remote entries per client"). The header templates
 * live in a headers file beside the env file, named in the entry, so no argument of an entry
 * holds a space (Cursor and Claude Desktop on Windows split arguments at spaces: same document,
 * section (d)). Pure: the caller writes the files.
 */
import { type ClientId, entryFor, type ServerSpec } from "./clients.ts";
import { parseHeadersFile } from "./headers.ts";
import { quoteArg } from "./plan.ts";

/** What a remote entry passes to `mcp-op headers` / `mcp-op proxy`: paths and flags, never a value. */
export interface RemoteRegistration {
  url: string;
  /** The server's headers file (absent: no headers). */
  headersFile?: string | undefined;
  envFiles: readonly string[];
  account?: string | undefined;
  tokenFile?: string | undefined;
  /** The headers file holds values that are not templates (migrate keeps a non-secret header). */
  allowPlain?: boolean;
}

/** The flags both commands take, in the order add writes them. */
function commonFlags(r: RemoteRegistration): string[] {
  return [
    ...(r.account ? ["--account", r.account] : []),
    ...(r.headersFile ? ["--headers-file", r.headersFile] : []),
    ...r.envFiles.flatMap((file) => ["--env-file", file]),
    ...(r.tokenFile ? ["--token-file", r.tokenFile] : []),
    ...(r.allowPlain ? ["--allow-plain"] : []),
  ];
}

/** The stdio entry of every client but Claude Code: `mcp-op proxy --url URL ...`. */
function proxySpec(self: readonly string[], r: RemoteRegistration): ServerSpec {
  const [command, ...selfArgs] = self;
  return { command: command as string, args: [...selfArgs, "proxy", "--url", r.url, ...commonFlags(r)] };
}

/**
 * One word for the shell that runs Claude Code's helper: `/bin/sh -c` on POSIX, `cmd.exe /d /s
 * /c` on Windows (docs/remote-servers.md, "How it is run"). POSIX: single quotes; cmd.exe has
 * no escape inside double quotes, so a `"` there is refused by the caller (paths cannot hold one).
 */
function shellWord(arg: string, platform: NodeJS.Platform): string {
  if (platform !== "win32") return quoteArg(arg);
  return /^[\w@+=:,./\\-]+$/.test(arg) ? arg : `"${arg}"`;
}

/** The `headersHelper` command line: `mcp-op headers --headers-file F ...`, each word quoted. */
export function helperCommand(self: readonly string[], r: RemoteRegistration, platform: NodeJS.Platform): string {
  return [...self, "headers", ...commonFlags(r)].map((a) => shellWord(a, platform)).join(" ");
}

/**
 * Whether Claude Code gets the helper entry: a helper cannot put a value into the URL, so a URL
 * holding a `{{ }}` template gets the proxy entry there too; one without headers needs no helper.
 */
function usesHelper(client: ClientId, r: RemoteRegistration): boolean {
  return client === "claude-code" && r.headersFile !== undefined && !r.url.includes("{{");
}

/** The entry to store for `client` (the `type` of an existing Claude Code entry, `http` or `sse`, kept). */
export function remoteEntryFor(
  client: ClientId,
  self: readonly string[],
  r: RemoteRegistration,
  platform: NodeJS.Platform,
  type: "http" | "sse" = "http",
): Record<string, unknown> {
  if (client === "claude-code" && !r.url.includes("{{")) {
    return usesHelper(client, r)
      ? { type, url: r.url, headersHelper: helperCommand(self, r, platform) }
      : { type, url: r.url };
  }
  return entryFor(client, proxySpec(self, r));
}

/** The text of a headers file: one `Name: value` line each (templates or references only). */
export function headersFileText(headers: ReadonlyArray<readonly [string, string]>, by: "add" | "migrate"): string {
  const lines = [
    `# Written by mcp-op ${by}: HTTP headers of a remote MCP server, as 1Password references or {{ }} templates.`,
    ...headers.map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Two headers files with the same headers (names and values, in order), whatever their comments. */
export function sameHeaders(a: string, b: string): boolean {
  const x = parseHeadersFile(a, "a");
  const y = parseHeadersFile(b, "b");
  if (x.problems.length || y.problems.length || x.entries.length !== y.entries.length) return false;
  return x.entries.every((e, i) => e.name === y.entries[i]?.name && e.value === y.entries[i]?.value);
}

/**
 * Words of a POSIX shell command line as mcp-op writes one (plain words, single quotes, double
 * quotes, backslash escapes); undefined for anything else (`$`, `;`, a pipe...).
 */
export function shellWords(line: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === " " || c === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close === -1) return undefined;
      word = (word ?? "") + line.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      const close = line.indexOf('"', i + 1);
      if (close === -1) return undefined;
      const inner = line.slice(i + 1, close);
      if (/[$`\\]/.test(inner)) return undefined;
      word = (word ?? "") + inner;
      i = close;
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[i + 1];
      i++;
    } else if (/[$`;&|<>()*?~#\n]/.test(c) && word === undefined) {
      return undefined;
    } else if (/[$`;&|<>()*?\n]/.test(c)) {
      return undefined;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** An entry mcp-op registered for a remote server, as read back. */
export interface McpOpRemote {
  form: "helper" | "proxy";
  /** The mcp-op the entry runs, and its words before `headers`/`proxy` (a runtime and script from source). */
  self: string[];
  /** The words after `headers`/`proxy`: what doctor --connect hands to `mcp-op proxy`. */
  flags: string[];
  url: string | undefined;
  headersFile: string | undefined;
  envFiles: string[];
  tokenFile: string | undefined;
  account: string | undefined;
  allowPlain: boolean;
}

const isMcpOp = (command: string) => /^mcp-op(\.exe)?$/.test(command.split(/[\\/]/).pop() ?? "");

/** Values of `--name V` and `--name=V`, in order. */
function values(words: readonly string[], name: string): string[] {
  const flag = `--${name}`;
  return words.flatMap((a, i) => {
    if (a === flag) return words[i + 1] !== undefined ? [words[i + 1] as string] : [];
    return a.startsWith(`${flag}=`) ? [a.slice(flag.length + 1)] : [];
  });
}

/** The form mcp-op's own words take: `[self..., sub, flags...]`, sub `headers` or `proxy`. */
function fromWords(words: readonly string[], sub: "headers" | "proxy", url?: string): McpOpRemote | undefined {
  // mcp-op itself, or a runtime running its source (`bun src/cli.ts`, or a test's own file),
  // then the subcommand right after it.
  const me = words.findIndex((w) => isMcpOp(w) || /\.ts$/.test(w));
  const at = me + 1;
  if (me === -1 || words[at] !== sub) return undefined;
  const self = words.slice(0, at);
  const flags = words.slice(at + 1);
  if (flags.includes("--")) return undefined;
  return {
    form: sub === "headers" ? "helper" : "proxy",
    self,
    flags,
    url: url ?? values(flags, "url").at(-1),
    headersFile: values(flags, "headers-file").at(-1),
    envFiles: values(flags, "env-file"),
    tokenFile: values(flags, "token-file").at(-1),
    account: values(flags, "account").at(-1),
    allowPlain: flags.includes("--allow-plain"),
  };
}

/**
 * The remote entry an entry is, if mcp-op wrote it (or one like it): a stdio entry running
 * `mcp-op proxy`, or an entry with a URL whose `headersHelper` runs `mcp-op headers`.
 */
export function mcpOpRemoteOf(raw: unknown, spec: ServerSpec | undefined): McpOpRemote | undefined {
  if (spec) return fromWords([spec.command, ...spec.args], "proxy");
  if (typeof raw !== "object" || raw === null) return undefined;
  const entry = raw as Record<string, unknown>;
  if (typeof entry.url !== "string" || typeof entry.headersHelper !== "string") return undefined;
  const words = shellWords(entry.headersHelper);
  return words ? fromWords(words, "headers", entry.url) : undefined;
}

/** Every argument (and the helper's command line words) of an entry that holds whitespace. */
export function spacedArguments(entry: Record<string, unknown>): string[] {
  const args = Array.isArray(entry.args) ? entry.args.filter((a): a is string => typeof a === "string") : [];
  const words = typeof entry.headersHelper === "string" ? (shellWords(entry.headersHelper) ?? []) : [];
  const command = typeof entry.command === "string" ? [entry.command] : [];
  return [...command, ...args, ...words].filter((a) => /\s/.test(a));
}
