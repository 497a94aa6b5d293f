/**
 * Parser for the env files `op run --env-file` reads (rules in docs/op-cli.md). It never throws:
 * every problem becomes a diagnostic with a line number, so `run` and `check` can report all
 * of them and refuse to start anything.
 *
 * Values may be plaintext secrets (op allows plain values), so no diagnostic quotes a value
 * unless it is a secret reference.
 */

export type Quote = "none" | "single" | "double";

export interface EnvEntry {
  key: string;
  /** After quote removal and `$VAR` expansion: what `op run` will see. */
  value: string;
  quote: Quote;
  /** 1-based line where the entry starts. */
  line: number;
  /** Variables referenced with `$VAR`/`${VAR}` that were not defined. */
  undefinedVars: string[];
}

export interface Diagnostic {
  line: number;
  severity: "error" | "warning";
  message: string;
}

export interface ParsedEnvFile {
  entries: EnvEntry[];
  diagnostics: Diagnostic[];
}

// Character tests instead of RegExp: this runs on every `mcp-op run`, and the first RegExp a
// process uses costs about 0.1 ms and 1.3 MB of memory (scripts/bench/RESULTS.md).
export function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
export const isNameChar = (c: number) => isAsciiAlnum(c) || c === 95;

/** `[A-Za-z_][A-Za-z0-9_]*`: a variable name op accepts. */
export function isVariableName(s: string): boolean {
  if (s === "" || !isNameStart(s.charCodeAt(0))) return false;
  for (let i = 1; i < s.length; i++) if (!isNameChar(s.charCodeAt(i))) return false;
  return true;
}

/** Lines split at `\n` or `\r\n` (a `\r` elsewhere is kept, as `op` does). */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i] as string;
    if (line.endsWith("\r")) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/**
 * Parse an env file's text. `env` is the environment `$VAR` expands from (keys defined
 * earlier in the file take precedence, as in `op run`).
 * @example parseEnvFile('TOKEN = op://Private/GitHub/token\n', {}).entries[0].value // "op://Private/GitHub/token"
 */
export function parseEnvFile(text: string, env: Readonly<Record<string, string | undefined>> = {}): ParsedEnvFile {
  const entries: EnvEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  const defined = new Map<string, string>();
  const firstLine = new Map<string, number>(); // where each key was first set, for the warning
  const lookup = (name: string) => defined.get(name) ?? env[name];

  const lines = splitLines(text.startsWith("\uFEFF") ? text.slice(1) : text);
  let i = 0;
  while (i < lines.length) {
    const lineNo = i + 1;
    const line = lines[i] ?? "";
    i++;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;

    const eq = line.indexOf("=");
    if (eq === -1) {
      diagnostics.push({ line: lineNo, severity: "error", message: 'expected KEY=VALUE, found no "="' });
      continue;
    }
    const key = line.slice(0, eq).trim();
    if (key === "") {
      diagnostics.push({ line: lineNo, severity: "error", message: 'the variable name before "=" is empty' });
      continue;
    }
    // `export FOO`: "export" and whitespace (what String#trim removes is what \s matches).
    if (key.startsWith("export") && key.length > 6 && (key[6] as string).trim() === "") {
      diagnostics.push({
        line: lineNo,
        severity: "error",
        message: 'the "export " prefix is not part of op\'s env-file syntax: remove it',
      });
      continue;
    }
    if (!isVariableName(key)) {
      diagnostics.push({
        line: lineNo,
        severity: "error",
        message: "invalid variable name: use letters, digits and _ (not starting with a digit)",
      });
      continue;
    }

    let rest = line.slice(eq + 1).trimStart();
    const open = rest[0];
    if (open === '"' || open === "'") {
      // A quoted value runs to the matching quote, possibly across lines.
      let body = "";
      let closedAt = -1;
      let scan = rest.slice(1);
      for (;;) {
        closedAt = findClosingQuote(scan, open);
        if (closedAt !== -1) {
          body += scan.slice(0, closedAt);
          rest = scan.slice(closedAt + 1);
          break;
        }
        if (i >= lines.length) break;
        body += `${scan}\n`;
        scan = lines[i] ?? "";
        i++;
      }
      if (closedAt === -1) {
        diagnostics.push({
          line: lineNo,
          severity: "error",
          message: `unterminated ${open === '"' ? "double" : "single"} quote`,
        });
        continue;
      }
      if (rest.trim() !== "" && !rest.trim().startsWith("#")) {
        diagnostics.push({
          line: lineNo,
          severity: "error",
          message: "unexpected text after the closing quote",
        });
        continue;
      }
      const quote: Quote = open === '"' ? "double" : "single";
      const undefinedVars: string[] = [];
      const value =
        quote === "single" ? body : expand(unescapeDouble(body), lookup, undefinedVars, lineNo, diagnostics);
      push(key, value, quote, lineNo, undefinedVars);
    } else {
      const undefinedVars: string[] = [];
      const value = expand(rest.trim(), lookup, undefinedVars, lineNo, diagnostics);
      push(key, value, "none", lineNo, undefinedVars);
    }
  }
  return { entries, diagnostics };

  function push(key: string, value: string, quote: Quote, line: number, undefinedVars: string[]) {
    const previous = firstLine.get(key);
    if (previous === undefined) firstLine.set(key, line);
    else {
      diagnostics.push({
        line,
        severity: "warning",
        message: `${key} is already set on line ${previous}; this later value wins`,
      });
    }
    defined.set(key, value);
    entries.push({ key, value, quote, line, undefinedVars });
  }
}

/** Index of the closing quote in `s`, skipping backslash-escaped ones in double quotes. */
function findClosingQuote(s: string, quote: string): number {
  for (let j = 0; j < s.length; j++) {
    if (quote === '"' && s[j] === "\\") {
      j++;
      continue;
    }
    if (s[j] === quote) return j;
  }
  return -1;
}

// Only \" and \\ are unescaped here; `\$` is handled by expand() so it can stay literal.
function unescapeDouble(s: string): string {
  return s.replace(/\\(["\\])/g, "$1");
}

/** Expand `$VAR` and `${VAR}`; `\$` keeps a literal dollar. */
function expand(
  s: string,
  lookup: (name: string) => string | undefined,
  undefinedVars: string[],
  line: number,
  diagnostics: Diagnostic[],
): string {
  let out = "";
  for (let j = 0; j < s.length; j++) {
    const c = s[j] as string;
    if (c === "\\" && s[j + 1] === "$") {
      out += "$";
      j++;
      continue;
    }
    if (c !== "$") {
      out += c;
      continue;
    }
    let name = "";
    if (s[j + 1] === "{") {
      const close = s.indexOf("}", j + 2);
      const inner = close === -1 ? "" : s.slice(j + 2, close);
      if (close === -1 || !isVariableName(inner)) {
        diagnostics.push({
          line,
          severity: "error",
          message: "malformed ${...}: expected ${NAME} with letters, digits and _",
        });
        return out;
      }
      name = inner;
      j = close;
    } else if (j + 1 < s.length && isNameStart(s.charCodeAt(j + 1))) {
      let k = j + 1;
      while (k < s.length && isNameChar(s.charCodeAt(k))) k++;
      name = s.slice(j + 1, k);
      j = k - 1;
    } else {
      out += c;
      continue;
    }
    const value = lookup(name);
    if (value === undefined) undefinedVars.push(name);
    out += value ?? "";
  }
  return out;
}

/**
 * True when two env files give `op run` the same variables: compared as parsed (later lines win,
 * as in op), not byte for byte. A file that does not parse cleanly is never the same.
 */
export function sameEntries(a: string, b: string): boolean {
  const effective = (text: string) => {
    const parsed = parseEnvFile(text);
    if (parsed.diagnostics.some((d) => d.severity === "error")) return undefined;
    const map = new Map<string, string>();
    for (const e of parsed.entries) map.set(e.key, e.value);
    return map;
  };
  const x = effective(a);
  const y = effective(b);
  if (!x || !y || x.size !== y.size) return false;
  for (const [k, v] of x) if (y.get(k) !== v) return false;
  return true;
}
