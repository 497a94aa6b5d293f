/**
 * doctor's part for the entries mcp-op registers for remote servers (core/remote-entry.ts):
 * Claude Code's `headersHelper` running `mcp-op headers`, and `mcp-op proxy` stdio entries. The
 * headers file is read and checked as `headers` and `proxy` check it (it exists, no one else can
 * write it, every line a `Name: value` whose value is a reference or template unless the entry
 * says `--allow-plain`); `--connect` reaches the server through `mcp-op proxy` with the entry's
 * own flags (a helper entry too: the headers are the same, and `proxy` tells why it fails).
 */
import { serverEnvironment } from "../core/client-env.ts";
import { type Diagnosis, subjectOf } from "../core/diagnose.ts";
import { checkHeaders, parseHeadersFile } from "../core/headers.ts";
import { looksLikeReference } from "../core/reference.ts";
import type { McpOpRemote } from "../core/remote-entry.ts";
import { locateCommand } from "../effects/executables.ts";
import { readEnvFile } from "../effects/files.ts";
import type { RegisteredServer } from "../effects/registry.ts";
import { McpOpError } from "../errors.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** A `{{ op://... }}` placeholder in a header's value (not a `\\{{` escape). */
const TEMPLATE = /(?<!\\)\{\{\s*(op:\/\/[^}]*?)\s*\}\}/g;

/**
 * The headers file of an mcp-op remote entry, and where a helper entry runs. The references in
 * its headers join the entry's others, for doctor's `op read` where that raises no prompt.
 */
export function checkRemoteEntry(d: Diagnosis, s: RegisteredServer, r: McpOpRemote): void {
  const { add, f } = d;
  const subject = subjectOf(s);
  const form = r.form === "helper" ? "its headersHelper" : "mcp-op proxy";
  if (r.form === "helper") {
    const [command] = r.self;
    try {
      locateCommand(command ?? "", "", f.env, f.home);
    } catch {
      add(
        "error",
        subject,
        `its headersHelper runs ${command}, which does not exist`,
        `install mcp-op, then mcp-op add --force ${s.name} --url ... writes its path`,
      );
    }
    if (s.loc.scope !== "user") {
      add(
        "warning",
        subject,
        `claude-code runs the headersHelper of a ${s.loc.scope}-scope entry only in a folder whose trust was accepted${s.loc.scope === "project" ? ", without credential variables" : ""}`,
        "register it at user scope (mcp-op add --scope user)",
      );
    }
  }
  if (r.headersFile === undefined) {
    if (r.form === "helper") add("error", subject, "its headersHelper names no --headers-file", undefined);
    return;
  }
  let text: string;
  let display: string;
  try {
    ({ text, display } = readEnvFile(r.headersFile, f.home, f.cwd, { kind: "headers" }));
  } catch (error) {
    if (!(error instanceof McpOpError)) throw error;
    add("error", subject, `${error.message} (the headers file ${form} reads)`, error.hint);
    return;
  }
  const parsed = parseHeadersFile(text, display);
  const problems = [...parsed.problems, ...checkHeaders(parsed.entries, r.allowPlain)];
  for (const p of problems) add("error", subject, `${p.where}: ${p.message}`, `correct the line in ${display}`);
  if (problems.length === 0) {
    const refs = d.references.get(s) ?? [];
    d.references.set(s, refs);
    for (const e of parsed.entries) {
      const found = looksLikeReference(e.value)
        ? [e.value]
        : [...e.value.matchAll(TEMPLATE)].map((m) => m[1] as string);
      for (const value of found) refs.push({ key: e.name, value, where: e.where, file: display });
    }
    const n = parsed.entries.length;
    add(
      "ok",
      subject,
      `${display}: ${n} header${n === 1 ? "" : "s"}${r.allowPlain ? "" : ", references and templates only"} (values not shown)`,
    );
  }
}

/**
 * How `--connect` starts a helper entry: `mcp-op proxy` with its URL and flags, under the
 * environment Claude Code gives a helper (its own, as for a stdio server).
 */
export function helperLaunch(
  r: McpOpRemote,
  env: Env,
  cf: Parameters<typeof serverEnvironment>[3],
): { command: string; args: string[]; env: Record<string, string> } | undefined {
  const [command, ...pre] = r.self;
  if (command === undefined || r.url === undefined) return undefined;
  return {
    command,
    args: [...pre, "proxy", "--url", r.url, ...r.flags],
    env: serverEnvironment("claude-code", env, {}, cf),
  };
}
