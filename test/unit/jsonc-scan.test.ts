/**
 * The fast JSON(C) scanner against jsonc-parser: it accepts exactly the texts jsonc-parser
 * parses without error (with the options client configs are read with), and what it expands
 * holds the values jsonc-parser reads, every duplicate key included.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type ParseError, parseTree } from "jsonc-parser";
import { type JsonNode, MAX_DEPTH, scanJsonc } from "../../src/core/jsonc-scan.ts";

const OPTIONS = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true } as const;

function jsoncAccepts(text: string): boolean {
  const errors: ParseError[] = [];
  parseTree(text, errors, OPTIONS);
  return errors.length === 0;
}

/** The value of an expanded node, duplicates as JSON.parse keeps them (the last wins). */
function readValue(node: JsonNode): unknown {
  if (node.type === "object") {
    const out: Record<string, unknown> = {};
    for (const m of node.members ?? [])
      Object.defineProperty(out, m.key, {
        value: readValue(m.value),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    return out;
  }
  if (node.type === "array") return (node.items ?? []).map(readValue);
  return node.value;
}

// Pieces a JSONC text is made of, valid and not: fast-check strings them together so that
// most texts are nearly valid and the errors sit anywhere.
const piece = fc.oneof(
  fc.constantFrom(
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    " ",
    "\n",
    "\r\n",
    "\t",
    "// c\n",
    "/* c */",
    "/*",
    "/",
    "*/",
    "true",
    "false",
    "null",
    "tru",
    "nul",
    "True",
    "0",
    "-0",
    "01",
    "1.5",
    "1.",
    ".5",
    "-",
    "1e5",
    "1E+2",
    "1e",
    "-1.5e-3",
    '"a"',
    '"b"',
    '""',
    '"\\n"',
    '"\\u00e9"',
    '"\\u00g9"',
    '"\\x"',
    '"\\"',
    '"a\nb"',
    '"a\tb"',
    '"\u0001"',
    '"é日"',
    '"__proto__"',
    '"mcpServers"',
    "\u00a0",
    "\ufeff",
    "x",
    "'a'",
    "NaN",
  ),
  fc.string({ maxLength: 3 }),
);
const jsoncish = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join(""));
/** A valid JSON value (as JSON.stringify writes it, re-spaced), for the value comparison. */
const validJson = fc
  .jsonValue({ maxDepth: 4 })
  .chain((v) => fc.constantFrom(JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, null, "\t")));

describe("accepts exactly what jsonc-parser accepts", () => {
  test("random JSONC-ish texts", () => {
    fc.assert(
      fc.property(jsoncish, (text) => {
        expect(scanJsonc(text, []).ok).toBe(jsoncAccepts(text));
      }),
      { numRuns: 20_000 },
    );
  });

  test("valid JSON with one character changed", () => {
    fc.assert(
      fc.property(validJson, fc.nat(), fc.constantFrom(...'{}[],:"\\/ \n0a-.e*'), (text, at, c) => {
        const i = text.length === 0 ? 0 : at % text.length;
        const mutated = text.slice(0, i) + c + text.slice(i + 1);
        expect(scanJsonc(mutated, []).ok).toBe(jsoncAccepts(mutated));
      }),
      { numRuns: 20_000 },
    );
  });

  for (const text of [
    "",
    "  // only a comment\n",
    "{}",
    '{"a": 1,}',
    "[1, 2,]",
    "{,}",
    "[,]",
    '{"a" 1}',
    '{"a": }',
    "{a: 1}",
    "1 2",
    "/* open",
    '"\\u12"',
    '"a',
    "tru",
    "-",
    "1.e5",
    "[1]/",
    "[1]/**/",
  ]) {
    test(`edge case ${JSON.stringify(text)}`, () => {
      expect(scanJsonc(text, []).ok).toBe(jsoncAccepts(text));
    });
  }
});

describe("what it keeps", () => {
  test("an expanded path holds the values jsonc-parser reads", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 })), (servers) => {
        const text = JSON.stringify({ before: [1, { x: 2 }], mcpServers: servers, after: "z" }, null, 2);
        const r = scanJsonc(text, [["mcpServers"]]);
        expect(r.ok).toBe(true);
        if (!r.ok || r.root === undefined) return;
        const member = r.root.members?.find((m) => m.key === "mcpServers");
        // JSON.parse as the reference: jsonc-parser's parse assigns keys, so a nested "__proto__"
        // (fast-check generates it) would set a prototype instead of being read as a key.
        expect(readValue(member?.value as JsonNode)).toEqual(JSON.parse(text).mcpServers);
        // Off the path: extent only.
        const before = r.root.members?.find((m) => m.key === "before")?.value;
        expect(before?.expanded).toBe(false);
        expect(text.slice(before?.offset, (before?.offset ?? 0) + (before?.length ?? 0))).toBe(
          '[\n    1,\n    {\n      "x": 2\n    }\n  ]',
        );
      }),
      { numRuns: 5000 },
    );
  });

  test("every member, duplicates and __proto__ included, in order", () => {
    const text = '{"mcpServers": {"a": {"env": {"T": "1"}}, "__proto__": {"x": 1}, "a": {"env": {"T": "2"}}}}';
    const r = scanJsonc(text, [["mcpServers"]]);
    if (!r.ok) throw new Error("not ok");
    const servers = r.root?.members?.[0]?.value;
    expect(servers?.members?.map((m) => [m.key, text.slice(m.offset, m.offset + 3)])).toEqual([
      ["a", '"a"'],
      ["__proto__", '"__'],
      ["a", '"a"'],
    ]);
  });

  test("a wildcard expands every key at its place", () => {
    const text = '{"projects": {"/p1": {"history": [1], "mcpServers": {}}, "/p2": {"mcpServers": {"s": {}}}}}';
    const r = scanJsonc(text, [["projects", "*", "mcpServers"]]);
    if (!r.ok) throw new Error("not ok");
    const projects = r.root?.members?.[0]?.value.members ?? [];
    expect(projects.map((p) => p.value.members?.map((m) => [m.key, m.value.expanded]))).toEqual([
      [
        ["history", false],
        ["mcpServers", true],
      ],
      [["mcpServers", true]],
    ]);
  });

  test(`nesting deeper than ${MAX_DEPTH} is refused, inside or outside an expanded path, without overflowing the stack`, () => {
    for (const text of [
      `{"x": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
      `{"mcpServers": {"a": {"args": ${"[".repeat(100_000)}${"]".repeat(100_000)}}}}`,
      "[".repeat(MAX_DEPTH + 1) + "]".repeat(MAX_DEPTH + 1),
    ]) {
      const r = scanJsonc(text, [["mcpServers"]]);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toBe("depth");
    }
    expect(scanJsonc("[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH), []).ok).toBe(true);
  });

  test("a base path scans a piece of a document as if it sat there", () => {
    const r = scanJsonc('{"s": {"args": [1]}}', [["projects", "*", "mcpServers"]], ["projects", "/p", "mcpServers"]);
    if (!r.ok || r.root === undefined) throw new Error("not ok");
    expect(readValue(r.root)).toEqual({ s: { args: [1] } });
  });
});
