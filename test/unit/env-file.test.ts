import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseEnvFile } from "../../src/core/env-file.ts";

type Case = { name: string; text: string; env?: Record<string, string>; want: Record<string, string> };

// Every rule of op's env-file syntax in docs/op-cli.md, plus the encodings users' editors produce.
const valid: Case[] = [
  { name: "KEY=VALUE", text: "A=op://v/i/f\n", want: { A: "op://v/i/f" } },
  { name: "spaces around =", text: "DB_USER = op://app/db/user\n", want: { DB_USER: "op://app/db/user" } },
  { name: "blank lines and comments skipped", text: "\n# comment\n  # indented\nA=1\n\n", want: { A: "1" } },
  { name: "empty value", text: "EMPTY=\n", want: { EMPTY: "" } },
  { name: "unquoted values are trimmed", text: "A=   x y  \t\n", want: { A: "x y" } },
  { name: "double quotes removed, whitespace kept", text: 'A="  x  "\n', want: { A: "  x  " } },
  { name: "single quotes removed, whitespace kept", text: "A='  x  '\n", want: { A: "  x  " } },
  { name: "inner quotes kept", text: `A=it's "fine"\n`, want: { A: `it's "fine"` } },
  { name: "multiline double-quoted", text: 'A="line1\nline2"\nB=2\n', want: { A: "line1\nline2", B: "2" } },
  { name: "multiline single-quoted", text: "A='l1\n\nl3'\n", want: { A: "l1\n\nl3" } },
  {
    name: "$VAR from the environment",
    text: "A=op://$ENV/db/pw\n",
    env: { ENV: "prod" },
    want: { A: "op://prod/db/pw" },
  },
  {
    name: "${VAR} from the environment",
    text: "A=op://${ENV}/db/pw\n",
    env: { ENV: "prod" },
    want: { A: "op://prod/db/pw" },
  },
  {
    name: "earlier key wins over environment",
    text: "ENV=dev\nA=op://$ENV/db/pw\n",
    env: { ENV: "prod" },
    want: { ENV: "dev", A: "op://dev/db/pw" },
  },
  { name: "\\$ escapes", text: "A=cost \\$5\n", want: { A: "cost $5" } },
  { name: "single-quoted is not expanded", text: "A='$HOME'\n", env: { HOME: "/h" }, want: { A: "$HOME" } },
  { name: "double-quoted is expanded", text: 'A="$HOME/x"\n', env: { HOME: "/h" }, want: { A: "/h/x" } },
  { name: "undefined variable expands to empty", text: "A=x$NOPE.y\n", want: { A: "x.y" } },
  { name: "lone $ kept", text: "A=5$ and $1\n", want: { A: "5$ and $1" } },
  { name: "CRLF line endings", text: "A=1\r\nB=op://v/i/f\r\n", want: { A: "1", B: "op://v/i/f" } },
  { name: "UTF-8 BOM", text: "\uFEFFA=1\n", want: { A: "1" } },
  { name: "no trailing newline", text: "A=1", want: { A: "1" } },
  { name: "= inside the value", text: "A=a=b=c\n", want: { A: "a=b=c" } },
  { name: "comment after closing quote", text: 'A="x" # note\n', want: { A: "x" } },
  { name: "escaped quote inside double quotes", text: 'A="say \\"hi\\""\n', want: { A: 'say "hi"' } },
  { name: "template syntax in values", text: "A=Bearer {{ op://v/i/f }}\n", want: { A: "Bearer {{ op://v/i/f }}" } },
  { name: "unicode value", text: "A=ünïcødé ✓\n", want: { A: "ünïcødé ✓" } },
];

describe("parseEnvFile: valid", () => {
  for (const c of valid) {
    test(c.name, () => {
      const parsed = parseEnvFile(c.text, c.env ?? {});
      expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(Object.fromEntries(parsed.entries.map((e) => [e.key, e.value]))).toEqual(c.want);
    });
  }
  test("entries carry their starting line", () => {
    const parsed = parseEnvFile('# c\nA=1\nB="x\ny"\nC=3\n');
    expect(parsed.entries.map((e) => [e.key, e.line])).toEqual([
      ["A", 2],
      ["B", 3],
      ["C", 5],
    ]);
  });
  test("undefined variables are recorded", () => {
    expect(parseEnvFile("A=op://$NOPE/i/f\n").entries[0]?.undefinedVars).toEqual(["NOPE"]);
  });
});

const invalid: Array<[string, string, number, string]> = [
  ["no =", "A=1\nJUST_A_WORD\n", 2, 'expected KEY=VALUE, found no "="'],
  ["empty key", "=value\n", 1, 'the variable name before "=" is empty'],
  ["bad key", "1A=x\n", 1, "invalid variable name: use letters, digits and _ (not starting with a digit)"],
  ["key with space", "MY KEY=x\n", 1, "invalid variable name: use letters, digits and _ (not starting with a digit)"],
  ["export prefix", "export A=x\n", 1, `the "export " prefix is not part of op's env-file syntax: remove it`],
  ["unterminated double quote", 'A="abc\nB=1\n', 1, "unterminated double quote"],
  ["unterminated single quote", "A='abc\n", 1, "unterminated single quote"],
  ["text after quote", 'A="x" y\n', 1, "unexpected text after the closing quote"],
  ["malformed ${", "A=${NOPE\n", 1, "malformed ${...}: expected ${NAME} with letters, digits and _"],
];

describe("parseEnvFile: errors name the line", () => {
  for (const [name, text, line, message] of invalid) {
    test(name, () => {
      const errors = parseEnvFile(text).diagnostics.filter((d) => d.severity === "error");
      expect(errors).toEqual([{ line, severity: "error", message }]);
    });
  }
  test("a duplicate key is a warning, later wins", () => {
    const parsed = parseEnvFile("A=1\nA=2\n");
    expect(parsed.diagnostics).toEqual([
      { line: 2, severity: "warning", message: "A is already set on line 1; this later value wins" },
    ]);
  });
  test("every later duplicate names the line that first set it", () => {
    expect(parseEnvFile("A=1\nB=2\nA=3\nA=4\n").diagnostics.map((d) => [d.line, d.message])).toEqual([
      [3, "A is already set on line 1; this later value wins"],
      [4, "A is already set on line 1; this later value wins"],
    ]);
  });
  test("no diagnostic quotes a plaintext value", () => {
    const secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    const text = `${secret}\nA="${secret}\nexport B=${secret}\nC="${secret}" trailing\n`;
    for (const d of parseEnvFile(text).diagnostics) expect(d.message).not.toContain(secret.slice(4, 12));
  });
});

describe("parseEnvFile: properties", () => {
  test("never throws; diagnostics are in range", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.dictionary(fc.string(), fc.string()), (text, env) => {
        const parsed = parseEnvFile(text, env);
        const lines = text.split(/\r?\n/).length;
        for (const d of parsed.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines);
        }
      }),
      { numRuns: 2000 },
    );
  });
  test("never throws on env-file-shaped input", () => {
    const piece = fc.constantFrom("A", "=", '"', "'", "$", "{", "}", "\\", "#", " ", "\n", "\r\n", "op://", "/", "x");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        parseEnvFile(parts.join(""), { A: "1" });
      }),
      { numRuns: 3000 },
    );
  });
  test("KEY=value round-trips for simple unquoted values", () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/);
    const value = fc.stringMatching(/^[^\s"'$\\#][^\n\r$\\]{0,20}[^\s$\\]$/);
    fc.assert(
      fc.property(key, value, (k, v) => {
        const parsed = parseEnvFile(`${k}=${v}\n`);
        expect(parsed.entries).toHaveLength(1);
        expect(parsed.entries[0]?.value).toBe(v);
      }),
    );
  });
});
