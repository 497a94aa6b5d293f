/**
 * `run`'s fast path tests characters instead of using RegExp (the first RegExp a process runs
 * costs start-up time and memory). Each test holds a replacement to the RegExp it replaced.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { isVariableName, parseEnvFile, splitLines } from "../../src/core/env-file.ts";
import { nearMissReference, parseReference, printable } from "../../src/core/reference.ts";
import { isCredentialVar } from "../../src/core/signin.ts";
import { isGenerated } from "../../src/core/stage.ts";

const runs = { numRuns: 2000 };
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters printable() escapes
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
// Strings mixing the interesting ASCII characters with arbitrary (also non-ASCII) ones.
const text = (chars: string) =>
  fc
    .array(fc.oneof(fc.constantFrom(...chars), fc.string({ maxLength: 1, unit: "grapheme" })), { maxLength: 12 })
    .map((parts) => parts.join(""));

describe("character tests agree with the RegExp they replace", () => {
  test("variable names: [A-Za-z_][A-Za-z0-9_]*", () => {
    fc.assert(
      fc.property(text("aZ_09$-é"), (s) => {
        expect(isVariableName(s)).toBe(/^[A-Za-z_][A-Za-z0-9_]*$/.test(s));
      }),
      runs,
    );
  });

  test("lines: split at \\n or \\r\\n", () => {
    fc.assert(
      fc.property(text("a\r\n"), (s) => {
        expect(splitLines(s)).toEqual(s.split(/\r?\n/));
      }),
      runs,
    );
  });

  test('the "export " prefix: any whitespace \\s matches', () => {
    fc.assert(
      fc.property(text("exportX \t\u00a0\u2028\ufeff_="), (key) => {
        const flagged = parseEnvFile(`${key}=1\n`).diagnostics.some((d) => d.message.includes('"export "'));
        const trimmed = key.trim();
        expect(flagged).toBe(trimmed !== "" && /^export\s/.test(trimmed) && !key.includes("\n"));
      }),
      runs,
    );
  });

  test("generated variables: ^MCP_OP_ARG_\\d+$", () => {
    const names = fc.oneof(
      text("09a_\n٣").map((s) => `MCP_OP_ARG_${s}`),
      text("MCP_OARG19"),
      fc.constantFrom("MCP_OP_ARG_", "MCP_OP_ARG_1", "MCP_OP_ARG_12\n", "xMCP_OP_ARG_1"),
    );
    fc.assert(
      fc.property(names, (name) => {
        expect(isGenerated(name)).toBe(/^MCP_OP_ARG_\d+$/.test(name));
      }),
      runs,
    );
  });

  test("credential variables", () => {
    const old = /^(OP_SESSION_\w+|OP_SERVICE_ACCOUNT_TOKEN|OP_CONNECT_TOKEN|OP_CONNECT_HOST|MCP_OP_TOKEN_FILE)$/;
    const names = fc.oneof(
      fc.constantFrom("OP_SERVICE_ACCOUNT_TOKEN", "OP_CONNECT_TOKEN", "OP_CONNECT_HOST", "MCP_OP_TOKEN_FILE"),
      text("OP_SESSION_ab9-é").map((s) => `OP_SESSION_${s}`),
      text("OP_SESINTKabé"),
    );
    fc.assert(
      fc.property(names, (name) => {
        expect(isCredentialVar(name)).toBe(old.test(name));
      }),
      runs,
    );
  });

  test("mistyped references: whitespace, o/p in any case, a colon and a slash or two slashes", () => {
    const oracle = (s: string) => {
      const sep = /^\s*[oO][pP]([:/\\]*)/.exec(s)?.[1];
      if (sep === undefined || s.startsWith("op://")) return false;
      return /[/\\]/.test(sep) && (sep.includes(":") || /[/\\].*[/\\]/.test(sep));
    };
    fc.assert(
      fc.property(text("oOpP:/\\ \t\u00a0\u2028\ufeffx"), (s) => {
        expect(nearMissReference(s) !== undefined).toBe(oracle(s));
      }),
      runs,
    );
  });

  test("printable: cut at a line break, control characters escaped", () => {
    const oracle = (s: string) => {
      const [first = "", ...rest] = s.split(/[\n\r\u2028\u2029]/);
      const escaped = first.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
      return rest.length > 0 ? `${escaped}…` : escaped;
    };
    fc.assert(
      fc.property(text("a\n\r\t\u0000\u001b\u007f\u0085\u009f\u00a0\u2028\u2029"), (s) => {
        expect(printable(s)).toBe(oracle(s));
      }),
      runs,
    );
  });

  test("reference names: letters and digits of any script, - _ . and space", () => {
    const name = /^[\p{L}\p{N}\-_. ]+$/u;
    fc.assert(
      // One segment: a generated "/" or "?" would change the reference's shape, not the name.
      fc.property(
        text("aZ09-_. é٣!@").filter((p) => !p.includes("/") && !p.includes("?")),
        (part) => {
          const trimmedOk = part !== "" && part === part.trim();
          expect(parseReference(`op://${part}/item/field`).ok).toBe(trimmedOk && name.test(part));
        },
      ),
      runs,
    );
  });
});
