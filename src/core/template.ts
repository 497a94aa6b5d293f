/**
 * Secrets in server arguments, with 1Password's own template syntax (as in `op inject`):
 * `{{ op://vault/item/field }}` or `{{ NAME }}` for a variable the env files or the environment
 * define. Clients expand `${VAR}` and `$VAR` in args themselves (Claude's .mcp.json, Gemini, VS
 * Code's `${env:...}`), so the placeholder has to be one no client touches. `\{{` keeps a
 * literal `{{`.
 *
 * The outer stage turns each `{{ op://... }}` into a generated variable that `op run` resolves;
 * the internal stage substitutes the values into the arguments, removes the generated variables
 * and execs the server, so no secret passes through mcp-op's outer process or an earlier argv.
 */
import { EXIT, McpOpError } from "../errors.ts";
import { isVariableName } from "./env-file.ts";
import { describeBadReference, looksLikeReference, parseReference } from "./reference.ts";
import { isCredentialVar } from "./signin.ts";

/** Prefix of the variables the outer stage generates for `{{ op://... }}` placeholders. */
export const GENERATED_PREFIX = "MCP_OP_ARG_";

/** Split one argument into literal text and `{{ NAME-or-reference }}` placeholders. */
function pieces(arg: string, where: string): Array<{ text: string } | { inner: string }> {
  const out: Array<{ text: string } | { inner: string }> = [];
  let text = "";
  let i = 0;
  while (i < arg.length) {
    if (arg.startsWith("\\{{", i)) {
      text += "{{";
      i += 3;
      continue;
    }
    if (arg.startsWith("{{", i)) {
      const close = arg.indexOf("}}", i + 2);
      if (close === -1) throw bad(where, "an unclosed {{ (write \\{{ for a literal {{)");
      if (text) out.push({ text });
      text = "";
      out.push({ inner: arg.slice(i + 2, close).trim() });
      i = close + 2;
      continue;
    }
    text += arg[i];
    i++;
  }
  if (text) out.push({ text });
  return out;
}

function bad(where: string, problem: string): McpOpError {
  return new McpOpError(EXIT.DATAERR, `${where}: ${problem}`);
}

export function hasTemplate(args: readonly string[]): boolean {
  // A loop, not args.some: `run`'s fast path (src/cli.ts, asksHelp).
  for (const arg of args) if (arg.includes("{{")) return true;
  return false;
}

/** How messages name an argument, and the prefix of generated variables (`mcp-op proxy` uses its own). */
export interface TemplateOptions {
  /** `server argument 2` by default. */
  where?: (index: number) => string;
  prefix?: string;
}

const argumentAt = (index: number) => `server argument ${index + 1}`;

export interface ArgTemplates {
  /** The arguments for the internal stage: every placeholder as `{{ NAME }}`, escapes kept. */
  args: string[];
  /** Generated variables: name -> the `op://` reference `op run` resolves into it. */
  generated: Record<string, string>;
  /** Every variable name the arguments use (generated ones included). */
  names: string[];
}

/**
 * Validate and rewrite the server arguments of the outer stage. `defined` says whether a
 * `{{ NAME }}` variable will exist (env files or environment); an undefined one is exit 65.
 * @example parseArgTemplates(["--token", "{{ op://Private/GitHub/token }}"], () => false)
 *   // { args: ["--token", "{{ MCP_OP_ARG_1 }}"], generated: { MCP_OP_ARG_1: "op://Private/GitHub/token" }, ... }
 */
export function parseArgTemplates(
  args: readonly string[],
  defined: (name: string) => boolean,
  options: TemplateOptions = {},
): ArgTemplates {
  const { where: at = argumentAt, prefix = GENERATED_PREFIX } = options;
  const generated: Record<string, string> = {};
  const byReference = new Map<string, string>();
  const names: string[] = [];
  const out = args.map((arg, index) => {
    if (!arg.includes("{{")) return arg;
    const where = at(index);
    let rewritten = "";
    for (const p of pieces(arg, where)) {
      if ("text" in p) {
        rewritten += p.text.replaceAll("{{", "\\{{");
        continue;
      }
      let name: string;
      if (looksLikeReference(p.inner)) {
        const r = parseReference(p.inner);
        if (!r.ok) throw bad(where, describeBadReference(p.inner, r.reason));
        name = byReference.get(p.inner) ?? `${prefix}${byReference.size + 1}`;
        byReference.set(p.inner, name);
        generated[name] = p.inner;
      } else if (isVariableName(p.inner)) {
        // What the internal stage scrubs from the server's environment must not reach its argv,
        // which every local user can read (`ps`): a session or service-account token opens the
        // whole account. Refused whether it is set or not (a --token-file token is not, yet).
        if (isCredentialVar(p.inner)) {
          throw bad(
            where,
            `{{ ${p.inner} }} names a 1Password credential, a key to the whole account: mcp-op never hands one to a server, least of all in its arguments, which any local user can read`,
          );
        }
        if (!defined(p.inner)) {
          throw bad(where, `{{ ${p.inner} }} names a variable that neither the env files nor the environment define`);
        }
        name = p.inner;
      } else {
        throw bad(where, "{{ }} holds neither an op:// reference nor a variable name (write \\{{ for a literal {{)");
      }
      if (!names.includes(name)) names.push(name);
      rewritten += `{{ ${name} }}`;
    }
    return rewritten;
  });
  return { args: out, generated, names };
}

/** The internal stage's side: put the values in. Throws 65 if a variable is missing. */
export function substituteArgs(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  where: (index: number) => string = argumentAt,
): string[] {
  return args.map((arg, index) => {
    if (!arg.includes("{{")) return arg;
    let out = "";
    for (const p of pieces(arg, where(index)) as Array<{ text: string } | { inner: string }>) {
      if ("text" in p) {
        out += p.text;
        continue;
      }
      const value = isVariableName(p.inner) ? env[p.inner] : undefined;
      if (value === undefined) throw bad(where(index), `{{ ${p.inner} }} has no value`);
      out += value;
    }
    return out;
  });
}
