import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  describeBadReference,
  enclosedReferences,
  maskTokens,
  nearMissReference,
  parseReference,
} from "../../src/core/reference.ts";

const good: Array<[string, object]> = [
  ["op://Private/GitHub/token", { vault: "Private", item: "GitHub", field: "token" }],
  ["op://Private/GitHub/api/token", { vault: "Private", item: "GitHub", section: "api", field: "token" }],
  ["op://Employee/my token/credential", { vault: "Employee", item: "my token", field: "credential" }],
  ["op://dev-vault/db_main.v2/pass-word", { vault: "dev-vault", item: "db_main.v2", field: "pass-word" }],
  ["op://x3j6mdsn7oqrfgbq2ae5xmkrsm/gh/token", { vault: "x3j6mdsn7oqrfgbq2ae5xmkrsm", item: "gh", field: "token" }],
  ["op://Privé/Ünïcode/feld", { vault: "Privé", item: "Ünïcode", field: "feld" }],
  ["op://v/i/f?attribute=otp", { vault: "v", item: "i", field: "f", query: "attribute=otp" }],
  ["op://v/i/key?ssh-format=openssh", { vault: "v", item: "i", field: "key", query: "ssh-format=openssh" }],
];

const bad: Array<[string, string]> = [
  ["op://Private/gh", "it needs vault, item and field"],
  ["op://", "it needs vault, item and field"],
  ["op://a/b/c/d/e", "too many '/': the form is op://vault/item/[section/]field (names with '/' must use the ID)"],
  ["op:///item/field", "the vault is empty"],
  ["op://v//field", "the item is empty"],
  ["op://v/i/", "the field is empty"],
  ["op://v/i/s/", "the field is empty"],
  [
    "op://v/GitHub (work)/token",
    'the item "GitHub (work)" has characters a reference cannot hold: refer to it by its ID',
  ],
  [
    "op://v/i/token # comment",
    'the field "token # comment" has characters a reference cannot hold: refer to it by its ID',
  ],
  ["op://v/ i/f", 'the item " i" starts or ends with a space'],
  ["op://v/i/f?", "the query after '?' is empty"],
  ["op://v/i/f?foo=bar", 'unknown query parameter "foo" (known: attribute, ssh-format)'],
  [
    "op://v/i/f?attribute=nope",
    '"attribute" takes one of type|value|id|purpose|otp|totp|content|size|name, not "nope"',
  ],
  ["https://v/i/f", 'it must start with "op://"'],
  ["op://v/i/f\nmore", "it spans lines (a quoted value keeps its line breaks)"],
  ["op://v/i/f\r", "it spans lines (a quoted value keeps its line breaks)"],
  ["op://v/i\u2028x/f", "it spans lines (a quoted value keeps its line breaks)"],
  ["op://v/i\tx/f", "it holds a control character"],
  ["op://v/\u001b[31mi/f", "it holds a control character"],
];

describe("parseReference", () => {
  for (const [text, ref] of good)
    test(`ok: ${text}`, () => expect(parseReference(text)).toEqual({ ok: true, ref } as never));
  for (const [text, reason] of bad)
    test(`bad: ${text}`, () => expect(parseReference(text)).toEqual({ ok: false, reason }));
  test("never throws", () => {
    fc.assert(
      fc.property(fc.string(), (s) => void parseReference(`op://${s}`)),
      { numRuns: 3000 },
    );
  });
  test("any three or four well-formed names parse", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_.-][A-Za-z0-9 _.-]{0,8}[A-Za-z0-9_.-]$/);
    fc.assert(
      fc.property(fc.array(name, { minLength: 3, maxLength: 4 }), (parts) => {
        expect(parseReference(`op://${parts.join("/")}`).ok).toBe(true);
      }),
    );
  });
});

describe("describeBadReference: one line, nothing after a line break", () => {
  test("a quoted value spanning lines is cut at the break", () => {
    const text = "op://v/i/f\nghp_pastedTokenOnTheNextLine";
    const r = parseReference(text);
    expect(r.ok).toBe(false);
    expect(describeBadReference(text, (r as { reason: string }).reason)).toBe(
      '"op://v/i/f…" is not a secret reference: it spans lines (a quoted value keeps its line breaks)',
    );
  });
  test("other control characters are escaped", () => {
    expect(describeBadReference("op://v/\u001b[2Ji\t/f", "x")).toBe(
      '"op://v/\\x1b[2Ji\\x09/f" is not a secret reference: x',
    );
  });
  test("any rejected reference is described on one line, without control characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const r = parseReference(`op://${s}`);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: what the message must not hold
        if (!r.ok) expect(describeBadReference(`op://${s}`, r.reason)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("nearMissReference: mistyped references, told by their prefix only", () => {
  const cases: Array<[string, string | undefined]> = [
    ["OP://V/i/f", 'it starts with "OP://", not "op://"'],
    ["Op://V/i/f", 'it starts with "Op://", not "op://"'],
    ["op:/V/i/f", 'it starts with "op:/", not "op://"'],
    ["op//V/i/f", 'it starts with "op//", not "op://"'],
    ["op:///V/i/f", undefined], // a reference (with an empty vault): parseReference's to reject
    ["op:\\\\V\\i\\f", 'it starts with "op:\\\\", not "op://"'],
    [" op://V/i/f", 'it starts with whitespace before "op://"'],
    ["\top://V/i/f", 'it starts with whitespace before "op://"'],
    ["  OP:/V/i/f", 'it starts with whitespace and "OP:/", not "op://"'],
    ["op://V/i/f", undefined],
    ["op/bin", undefined], // a path
    ["op:", undefined],
    ["ops://x", undefined],
    ["top://V/i/f", undefined],
    ["", undefined],
    ["o", undefined],
  ];
  for (const [value, reason] of cases) {
    test(JSON.stringify(value), () => expect(nearMissReference(value)).toBe(reason));
  }
});

describe("maskTokens: token-shaped runs shown by public prefix and length", () => {
  const cases: Array<[string, string]> = [
    ["f#ghp_0123456789abcdefghijABCDEFGHIJ012345", "f#ghp_… (40 chars)"],
    ["xoxb-1234567890-0987654321-AbCdEfGhIjKl", "xoxb-… (39 chars)"],
    ["AKIA0123456789ABCDEF", "… (20 chars)"],
    // names stay: no digits, or too short
    ["Private/GitHub/personal-access-token", "Private/GitHub/personal-access-token"],
    ["op://v/item2024/f", "op://v/item2024/f"],
    ["attribute=sk-0123456789abcdefghijKLMN", "attribute=sk-… (27 chars)"],
  ];
  for (const [text, shown] of cases) test(text, () => expect(maskTokens(text)).toBe(shown));
});

describe("enclosedReferences: {{ op://... }} inside a value (1Password template syntax)", () => {
  const cases: Array<[string, string[]]> = [
    ["Bearer {{ op://Private/GitHub/token }}", ["op://Private/GitHub/token"]],
    ["{{op://a/b/c}}:{{  op://d/e/f  }}", ["op://a/b/c", "op://d/e/f"]],
    ["{{ NAME }} and {{ op://a/b/c", []],
    ["op://a/b/c", []],
    ["{{ x {{ op://a/b/c }}", ["op://a/b/c"]],
  ];
  for (const [value, refs] of cases) test(value, () => expect(enclosedReferences(value)).toEqual(refs));
});
