import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  createRedactor,
  MAX_LINE_LENGTH,
  MIN_SECRET_LENGTH,
  type Secret,
  UNSCANNABLE,
  withheldLine,
} from "../../src/core/redact.ts";
import { isGap } from "../../src/core/redact-forms.ts";

// --- Independent encoders (Buffer-based, not the module's own) -------------------------------

const bytesOf = (value: string) => Buffer.from(value, "utf8");

/** The base64 characters of `value` that depend on its bytes alone at byte alignment k. */
function b64Fragment(value: string, k: number, url = false): string {
  const n = bytesOf(value).length;
  const full = Buffer.concat([Buffer.alloc(k), bytesOf(value)])
    .toString(url ? "base64url" : "base64")
    .replace(/=+$/, "");
  return full.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + n)) / 6));
}

const hexOf = (value: string) => bytesOf(value).toString("hex");
const lowerPercent = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const formEncode = (value: string) => new URLSearchParams({ q: value }).toString().slice(2);

/** Every form of a secret the redactor promises to remove. */
function formsOf(value: string): string[] {
  const forms = [
    value,
    JSON.stringify(value).slice(1, -1),
    hexOf(value),
    hexOf(value).toUpperCase(),
    encodeURIComponent(value),
    lowerPercent(encodeURIComponent(value)),
    encodeURIComponent(value).replace(/%20/g, "+"),
    formEncode(value),
    lowerPercent(formEncode(value)),
  ];
  for (const k of [0, 1, 2]) forms.push(b64Fragment(value, k), b64Fragment(value, k, true));
  return [...new Set(forms)].filter((f) => f.length >= value.length);
}

/** A simple JSON-unescape of arbitrary text (left to right, invalid escapes kept). */
const unescapeAll = (text: string) =>
  text.replace(/\\(u[0-9a-fA-F]{4}|["\\/bfnrt])/g, (_, e: string) =>
    e.startsWith("u") ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : JSON.parse(`"\\${e}"`),
  );

function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  }
  return out;
}

/** The forms of `value` found in `text`: raw, after unescaping, and in every decoded JSON string. */
function leaks(text: string, value: string): string[] {
  const places = [text, unescapeAll(text)];
  try {
    // Decoded strings, and once more unescaped: JSON text inside a JSON string.
    for (const s of stringsIn(JSON.parse(text))) places.push(s, unescapeAll(s));
  } catch {}
  return formsOf(value).filter((form) => places.some((p) => p.includes(form)));
}

/** Structure equal except strings (keys included) that held a secret, which now hold a marker. */
function sameExceptRedacted(
  input: unknown,
  output: unknown,
  secrets: readonly Secret[],
  oracle: (text: string, value: string) => string[] = leaks,
): void {
  const held = (s: string) => secrets.some(({ value }) => oracle(s, value).length > 0);
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (typeof a === "string") {
      expect(typeof b).toBe("string");
      if (held(a)) expect(String(b)).toContain("[redacted:");
      else expect(b).toBe(a);
    } else if (Array.isArray(a)) {
      expect(Array.isArray(b)).toBe(true);
      expect((b as unknown[]).length).toBe(a.length);
      for (const [i, v] of a.entries()) walk(v, (b as unknown[])[i], `${path}[${i}]`);
    } else if (a && typeof a === "object") {
      const ea = Object.entries(a);
      const eb = Object.entries(b as object);
      expect(eb.length).toBe(ea.length);
      for (const [i, [k, v]] of ea.entries()) {
        const [kb, vb] = eb[i] ?? ["", undefined];
        if (held(k)) expect(kb).toContain("[redacted:");
        else expect(kb).toBe(k);
        walk(v, vb, `${path}.${k}`);
      }
    } else expect(b).toEqual(a);
  };
  walk(input, output, "$");
}

// --- Ways a server writes a secret into a JSON-RPC line --------------------------------------

const response = (text: string) =>
  JSON.stringify({ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text }] } });
/** A JSON string token with every UTF-16 code unit written as \uXXXX. */
const uEscaped = (s: string) =>
  `"${Array.from({ length: s.length }, (_, i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, "0")}`).join("")}"`;
const fill = (n: number, seed: number) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + seed * 31 + 7) & 255));
const blob = (value: string, k: number, encoding: "base64" | "base64url") =>
  Buffer.concat([fill(3 + k, k), bytesOf(value), fill(5, 9)]).toString(encoding);

const writings: Array<[string, (v: string) => string]> = [
  ["plainly inside a larger string", (v) => response(`before ${v} after`)],
  ["as the whole string", (v) => response(v)],
  ["with every char as \\uXXXX", (v) => `{"jsonrpc":"2.0","id":1,"result":{"text":${uEscaped(v)}}}`],
  [
    "with \\/ and non-ASCII escaped",
    (v) =>
      response(`<${v}>`)
        .replace(/\//g, "\\/")
        .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
  ],
  ["as an object key", (v) => JSON.stringify({ jsonrpc: "2.0", id: 1, result: { [v]: "value" } })],
  ["as a key and value in JSON text inside a string", (v) => response(JSON.stringify({ [v]: v }))],
  ["JSON text with \\u escapes inside a string", (v) => response(`{"k":${uEscaped(v)}}`)],
  ...[0, 1, 2].flatMap(
    (k): Array<[string, (v: string) => string]> => [
      [`base64 at alignment ${k} inside a blob`, (v) => response(`data:${blob(v, k, "base64")}`)],
      [`base64url at alignment ${k} inside a blob`, (v) => response(blob(v, k, "base64url"))],
    ],
  ),
  ["URL-encoded (encodeURIComponent)", (v) => response(`https://x.test/?token=${encodeURIComponent(v)}&a=1`)],
  ["URL-encoded (form, + for space)", (v) => response(`a=1&token=${formEncode(v)}`)],
  ["URL-encoded (lower-case hex)", (v) => response(`?t=${lowerPercent(encodeURIComponent(v))}`)],
  ["hex, lower case", (v) => response(`0x${hexOf(v)}ff`)],
  ["hex, upper case", (v) => response(`0X${hexOf(v).toUpperCase()}`)],
];

const tricky: Secret[] = [
  { name: "QUOTES", value: 'pa"ss"word' },
  { name: "BACKSLASH", value: "C:\\secret\\key\\" },
  { name: "UNICODE", value: "clé-😀-secrète" },
  { name: "REGEX", value: ".*+?()[]{}|^$" },
  { name: "CONTROL", value: "line1\nline2\tend\r" },
  { name: "SPACES", value: "correct horse battery staple" },
  { name: "ALL_QUOTES", value: '""""""' },
  { name: "ALL_BACKSLASHES", value: "\\\\\\\\\\\\" },
];

describe("redactLine: every way of writing a secret", () => {
  for (const secret of tricky) {
    const r = createRedactor([secret]);
    for (const [how, write] of writings) {
      test(`${secret.name} ${how}`, () => {
        const line = write(secret.value);
        expect(leaks(line, secret.value).length).toBeGreaterThan(0); // the case really holds the secret
        const out = r.redactLine(line);
        expect(leaks(out, secret.value)).toEqual([]);
        expect(out).toContain(`[redacted:${secret.name}]`);
        sameExceptRedacted(JSON.parse(line), JSON.parse(out), [secret]);
      });
    }
  }
  test("all secrets configured at once, all written in one line", () => {
    const r = createRedactor(tricky);
    const line = JSON.stringify({ parts: tricky.flatMap((s) => writings.map(([, w]) => JSON.parse(w(s.value)))) });
    const out = r.redactLine(line);
    for (const s of tricky) expect(leaks(out, s.value)).toEqual([]);
    sameExceptRedacted(JSON.parse(line), JSON.parse(out), tricky);
  });
});

// --- Each encoding issues 13 and 14 named: the secret, what the server prints, the exact line out ---

const GH = { name: "GITHUB_TOKEN", value: "ghp_16C7e42F292c6912E7710c838347Ae178B4a" };
const API = { name: "API_KEY", value: "sk-proj-a1b2c3d4e5f6g7h8i9j0" };
const PW = { name: "PW", value: "p@ss/wörd:key 42!" };
const FR = { name: "FR", value: "clé-secrète-42" };
const QB = { name: "QB", value: 'pa"ss\\word-42' };

/** [what, secret, the line the server prints, the line the client gets] */
const encodingRows: Array<[string, Secret, string, string]> = [
  [
    "hex in mixed case",
    API,
    '{"h":"0x736B2d70726F6a2D6131623263336434653566366737683869396a30"}',
    '{"h":"0x[redacted:API_KEY]"}',
  ],
  [
    "hex bytes separated by spaces",
    API,
    '{"h":"73 6b 2d 70 72 6f 6a 2d 61 31 62 32 63 33 64 34 65 35 66 36 67 37 68 38 69 39 6a 30 ok"}',
    '{"h":"[redacted:API_KEY] ok"}',
  ],
  [
    "percent-encoding of some characters only",
    PW,
    '{"u":"?pw=p@ss%2Fwörd:key 42%21&a=1"}',
    '{"u":"?pw=[redacted:PW]&a=1"}',
  ],
  [
    "percent-encoding of every character (lower-case hex)",
    PW,
    '{"u":"%70%40%73%73%2f%77%c3%b6%72%64%3a%6b%65%79%20%34%32%21"}',
    '{"u":"[redacted:PW]"}',
  ],
  ["encodeURI output", PW, '{"u":"https://x.test/p@ss/w%C3%B6rd:key%2042!"}', '{"u":"https://x.test/[redacted:PW]"}'],
  ["Python quote output", PW, '{"u":"/login/p%40ss/w%C3%B6rd%3Akey%2042%21"}', '{"u":"/login/[redacted:PW]"}'],
  ["a lowered hex digit in one percent escape", PW, '{"u":"p%40ss%2fw%C3%B6rd%3Akey%2042!"}', '{"u":"[redacted:PW]"}'],
  ["+ for space, other characters kept", PW, '{"q":"a=1&pw=p@ss/w%C3%B6rd:key+42!"}', '{"q":"a=1&pw=[redacted:PW]"}'],
  [
    "encodeURI output of a secret with a + (kept as is)",
    { name: "PLUS", value: "key+wörd-123" },
    '{"u":"/k/key+w%C3%B6rd-123/x"}',
    '{"u":"/k/[redacted:PLUS]/x"}',
  ],
  [
    "base64 in MIME lines (76 columns, \\r\\n inside one JSON string)",
    GH,
    '{"t":"LS0tLS1oZWxsbywgYSBibG9iIHdpdGggYSB0b2tlbjogZ2hwXzE2QzdlNDJGMjkyYzY5MTJFNzcx\\r\\nMGM4MzgzNDdBZTE3OEI0YSBhbmQgbW9yZSBieXRlcyBhZnRlciB0aGUgdG9rZW4sIHRvIGZpbGwg\\r\\nYSBmZXcgbGluZXMgb2YgYmFzZTY0Lg=="}',
    '{"t":"LS0tLS1oZWxsbywgYSBibG9iIHdpdGggYSB0b2tlbjog[redacted:GITHUB_TOKEN]bmQgbW9yZSBieXRlcyBhZnRlciB0aGUgdG9rZW4sIHRvIGZpbGwg\\r\\nYSBmZXcgbGluZXMgb2YgYmFzZTY0Lg=="}',
  ],
  [
    "base64 in PEM lines (64 columns, \\n)",
    GH,
    '{"t":"LS0tLS1oZWxsbywgYSBibG9iIHdpdGggYSB0b2tlbjogZ2hwXzE2QzdlNDJGMjky\\nYzY5MTJFNzcxMGM4MzgzNDdBZTE3OEI0YSBhbmQgbW9yZSBieXRlcyBhZnRlciB0\\naGUgdG9rZW4sIHRvIGZpbGwgYSBmZXcgbGluZXMgb2YgYmFzZTY0Lg=="}',
    '{"t":"LS0tLS1oZWxsbywgYSBibG9iIHdpdGggYSB0b2tlbjog[redacted:GITHUB_TOKEN]bmQgbW9yZSBieXRlcyBhZnRlciB0\\naGUgdG9rZW4sIHRvIGZpbGwgYSBmZXcgbGluZXMgb2YgYmFzZTY0Lg=="}',
  ],
  [
    "base64url in indented lines, secret at byte offset 2 mod 3",
    GH,
    '{"t":"LS0tLWhlbGxvLCBhIGJsb2Igd2l0aCBhIHRva2VuOiBnaHBfMTZDN2U0MkYy\\n  OTJjNjkxMkU3NzEwYzgzODM0N0FlMTc4QjRhIGFuZCBtb3JlIGJ5dGVzIGFm\\n  dGVyIHRoZSB0b2tlbiwgdG8gZmlsbCBhIGZldyBsaW5lcyBvZiBiYXNlNjQu"}',
    '{"t":"LS0tLWhlbGxvLCBhIGJsb2Igd2l0aCBhIHRva2Vu[redacted:GITHUB_TOKEN]IGFuZCBtb3JlIGJ5dGVzIGFm\\n  dGVyIHRoZSB0b2tlbiwgdG8gZmlsbCBhIGZldyBsaW5lcyBvZiBiYXNlNjQu"}',
  ],
  [
    "base64 of the secret alone: padding goes with it (issue 13)",
    GH,
    '{"t":"Z2hwXzE2QzdlNDJGMjkyYzY5MTJFNzcxMGM4MzgzNDdBZTE3OEI0YQ=="}',
    '{"t":"[redacted:GITHUB_TOKEN]"}',
  ],
  [
    "JSON-escaped three levels deep, Python style (\\u00e9)",
    FR,
    '{"jsonrpc":"2.0","id":1,"result":{"text":"{\\"a\\":\\"{\\\\\\"b\\\\\\":\\\\\\"cl\\\\\\\\u00e9-secr\\\\\\\\u00e8te-42\\\\\\"}\\"}"}}',
    '{"jsonrpc":"2.0","id":1,"result":{"text":"{\\"a\\":\\"{\\\\\\"b\\\\\\":\\\\\\"[redacted:FR]\\\\\\"}\\"}"}}',
  ],
  [
    "JSON-escaped four levels deep",
    QB,
    '{"t":"{\\"a\\":\\"{\\\\\\"b\\\\\\":\\\\\\"{\\\\\\\\\\\\\\"c\\\\\\\\\\\\\\":\\\\\\\\\\\\\\"pa\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"ss\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\word-42\\\\\\\\\\\\\\"}\\\\\\"}\\"}"}',
    '{"t":"{\\"a\\":\\"{\\\\\\"b\\\\\\":\\\\\\"{\\\\\\\\\\\\\\"c\\\\\\\\\\\\\\":\\\\\\\\\\\\\\"[redacted:QB]\\\\\\\\\\\\\\"}\\\\\\"}\\"}"}',
  ],
  [
    "a zero-width space inside",
    GH,
    '{"t":"ghp_16C7e42F\u200b292c6912E7710c838347Ae178B4a."}',
    '{"t":"[redacted:GITHUB_TOKEN]."}',
  ],
  [
    "a soft hyphen inside",
    GH,
    '{"t":"ghp_16C7e42F292c6912E77\u00ad10c838347Ae178B4a"}',
    '{"t":"[redacted:GITHUB_TOKEN]"}',
  ],
  ["\\u0000 inside", GH, '{"t":"ghp_16C7e42F292c\\u00006912E7710c838347Ae178B4a"}', '{"t":"[redacted:GITHUB_TOKEN]"}'],
  [
    "an escaped \\u200b inside",
    GH,
    '{"t":"x ghp_16C7e\\u200b42F292c6912E7710c838347Ae178B4a"}',
    '{"t":"x [redacted:GITHUB_TOKEN]"}',
  ],
  [
    "a tag character (U+E0067) inside",
    GH,
    '{"t":"ghp_16C7e42F292c6912E7710c83\u{e0067}8347Ae178B4a"}',
    '{"t":"[redacted:GITHUB_TOKEN]"}',
  ],
  // Lines that are not JSON are masked as plain text, in every encoding.
  [
    "not JSON: hex in mixed case",
    API,
    "key=736B2D70726f6A2d6131623263336434653566366737683869396A30;",
    "key=[redacted:API_KEY];",
  ],
  [
    "not JSON: Python quote output",
    PW,
    "GET /login/p%40ss/w%C3%B6rd%3Akey%2042%21 200",
    "GET /login/[redacted:PW] 200",
  ],
  [
    "not JSON: base64 with \\r\\n escapes",
    GH,
    'log "ZGF0YTogZ2hwXzE2QzdlNDJGMjkyYzY5MT\\r\\nJFNzcxMGM4MzgzNDdBZTE3OEI0YQ==" done',
    'log "ZGF0YTog[redacted:GITHUB_TOKEN]" done',
  ],
  [
    "not JSON: a zero-width space inside",
    GH,
    "token ghp_16C7e42F292c6912E\u200b7710c838347Ae178B4a!",
    "token [redacted:GITHUB_TOKEN]!",
  ],
  [
    "not JSON: JSON-escaped three levels deep in a log line",
    FR,
    'sent {"a":"{\\"b\\":\\"cl\\\\u00e9-secr\\\\u00e8te-42\\"}" (truncated',
    'sent {"a":"{\\"b\\":\\"[redacted:FR]\\"}" (truncated',
  ],
];

describe("each encoding the issues named", () => {
  for (const [what, secret, line, expected] of encodingRows) {
    test(what, () => {
      expect(createRedactor([secret]).redactLine(line)).toBe(expected);
      if (what.startsWith("not JSON")) expect(createRedactor([secret]).maskText(line)).toBe(expected);
    });
  }
});

describe("redactLine: only the affected token changes", () => {
  const r = createRedactor([{ name: "TOKEN", value: "ghp_s3cr3tValue" }]);
  const cases: Array<[string, string, string]> = [
    [
      "big integers, odd whitespace, key order, escapes of untouched strings",
      '{ "z":12345678901234567890123 ,\t"a" : "keep\\u00e9\\/x" , "t":"x ghp_s3cr3tValue y","n":1.0e+400 }',
      '{ "z":12345678901234567890123 ,\t"a" : "keep\\u00e9\\/x" , "t":"x [redacted:TOKEN] y","n":1.0e+400 }',
    ],
    [
      "a redacted token is re-encoded minimally (non-ASCII kept, control chars escaped)",
      '{"t":"\\u00e9\\u0009ghp_s3cr3tValue\\/"}',
      '{"t":"é\\t[redacted:TOKEN]/"}',
    ],
    ["a key", '{"ghp_s3cr3tValue":{"ghp_s3cr3tValue":1}}', '{"[redacted:TOKEN]":{"[redacted:TOKEN]":1}}'],
    ["CRLF line end kept", '{"t":"ghp_s3cr3tValue"}\r', '{"t":"[redacted:TOKEN]"}\r'],
    ["escaped secret", '["ghp_s3cr3t\\u0056alue"]', '["[redacted:TOKEN]"]'],
  ];
  for (const [name, line, expected] of cases) test(name, () => expect(r.redactLine(line)).toBe(expected));

  const clean = [
    '{"jsonrpc":"2.0","id":12345678901234567890123,"result":{"b":1,"a":[1e400,-0.0,true,null]}}',
    '  {"z" :  1 , "a":"\\u0067hp_s3cr3t", "e":"\\ud83d\\ude00 \\/ \\" \\\\" }  ',
    '{"text":"ghp_s3cr3tValu","x":"hp_s3cr3tValue"}',
    "",
    "not json at all",
    '{"truncated":"json',
  ];
  for (const line of clean) {
    test(`no secret: ${JSON.stringify(line)} passes through identical`, () => expect(r.redactLine(line)).toBe(line));
  }
});

describe("redactLine: secrets outside strings, overlaps, short secrets", () => {
  test("a numeric secret printed as a number becomes a string marker", () => {
    const r = createRedactor([{ name: "PIN", value: "98765432" }]);
    expect(r.redactLine('{"a": 98765432, "b":[1,-98765432.5e3], "c":"98765432"}')).toBe(
      '{"a": "[redacted:PIN]", "b":[1,"[redacted:PIN]"], "c":"[redacted:PIN]"}',
    );
  });
  test("a secret that is a substring of another: the longer wins, both configured in either order", () => {
    const inner = { name: "INNER", value: "abcdef123" };
    const outer = { name: "OUTER", value: "xx-abcdef123-yy" };
    for (const secrets of [
      [inner, outer],
      [outer, inner],
    ]) {
      const r = createRedactor(secrets);
      expect(r.redactLine('{"a":"1 xx-abcdef123-yy 2 abcdef123 3"}')).toBe(
        '{"a":"1 [redacted:OUTER] 2 [redacted:INNER] 3"}',
      );
      expect(r.maskText("xx-abcdef123-yy/abcdef123")).toBe("[redacted:OUTER]/[redacted:INNER]");
    }
  });
  test("overlapping secrets: the union is replaced, named after the longer (first on a tie)", () => {
    const r = createRedactor([
      { name: "A", value: "abcdefgh" },
      { name: "B", value: "efghijkl" },
      { name: "C", value: "klmnopqrstuv" },
    ]);
    expect(r.redactLine('["abcdefghijkl", "abcdefghijklmnopqrstuv"]')).toBe('["[redacted:A]", "[redacted:C]"]');
  });
  test("adjacent and repeated occurrences each get a marker", () => {
    const r = createRedactor([{ name: "S", value: "secret" }]);
    expect(r.redactLine('{"a":"secretsecret secret"}')).toBe('{"a":"[redacted:S][redacted:S] [redacted:S]"}');
    expect(r.maskText("aaaaaaa")).toBe("aaaaaaa");
  });
  test("short secrets are skipped and named, never redacted, even as a whole value", () => {
    const r = createRedactor([
      { name: "VERSION", value: "2.0" },
      { name: "EMPTY", value: "" },
      { name: "FIVE", value: "ab😀cd" },
      { name: "OK", value: "abcdef" },
    ]);
    expect(r.skipped).toEqual(["VERSION", "EMPTY", "FIVE"]);
    expect(MIN_SECRET_LENGTH).toBe(6);
    const line = '{"jsonrpc":"2.0","id":1,"result":{"text":"ab😀cd","v":""}}';
    expect(r.redactLine(line)).toBe(line);
  });
  test('a secret with `\\` or `"` written unescaped into JSON text (templated by hand) is caught', () => {
    const r = createRedactor([
      { name: "BS", value: "p\\nassword" },
      { name: "Q", value: 'ab","cd' },
    ]);
    // Valid JSON whose decoded strings do not hold the values, but whose bytes do.
    expect(r.redactLine('{"a":"p\\nassword"}')).toBe('{"a":"[redacted:BS]"}');
    expect(r.redactLine('{"x":"ab","cd":1}')).toBe('{"x":"[redacted:Q]":1}');
  });
  test("with no usable secret, lines pass through", () => {
    const r = createRedactor([{ name: "X", value: "abc" }]);
    expect(r.redactLine('{"a":"abc\\n"}')).toBe('{"a":"abc\\n"}');
    expect(r.maskText("abc")).toBe("abc");
  });
});

describe("malformed lines never leak", () => {
  for (const secret of tricky) {
    const r = createRedactor([secret]);
    const v = secret.value;
    const lines = [
      `plain text ${v} and more`,
      `log: ${JSON.stringify(v)} then ${uEscaped(v)}`,
      response(`x ${v} y`).slice(0, -4),
      `{"jsonrpc":"2.0","id":1,"result":{"text":${uEscaped(v)}`.slice(0, -1),
      `{"a":"${v}"`,
      `{"a": ${v}}`,
      `Authorization: Basic ${Buffer.from(`user:${v}`).toString("base64")}`,
      `GET /?t=${encodeURIComponent(v)} 200, hex ${hexOf(v).toUpperCase()}`,
      `{"a":"\\x ${JSON.stringify(v).slice(1, -1)}"}`,
    ];
    for (const line of lines) {
      test(`${secret.name}: ${JSON.stringify(line).slice(0, 60)}`, () => {
        expect(leaks(line, v).length).toBeGreaterThan(0);
        const out = r.redactLine(line);
        expect(leaks(out, v)).toEqual([]);
        expect(out).toContain(`[redacted:${secret.name}]`);
        expect(leaks(r.maskText(line), v)).toEqual([]);
      });
    }
  }
});

describe("oversize lines", () => {
  const secret = { name: "TOKEN", value: "ghp_s3cr3tValue" };
  const r = createRedactor([secret]);
  const big = `${"x".repeat(MAX_LINE_LENGTH)} ${secret.value}`;
  const cases: Array<[string, string, string | undefined]> = [
    ["number id", `{"jsonrpc":"2.0","id":42,"result":{"text":"${big}"}}`, "42"],
    ["string id with escapes", `{"jsonrpc":"2.0","id":"req-\\"7\\"","result":{"text":"${big}"}}`, '"req-\\"7\\""'],
    ["id after result (TypeScript SDK order)", `{"result":{"id":1,"text":"${big}"},"jsonrpc":"2.0","id":9}`, "9"],
    ["big number id kept exactly", `{"id":12345678901234567890123,"result":"${big}"}`, "12345678901234567890123"],
    [
      "request from the server: nothing",
      `{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":"${big}"}`,
      undefined,
    ],
    [
      "notification: nothing",
      `{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"${big}"}}`,
      undefined,
    ],
    ["no id: nothing", `{"jsonrpc":"2.0","result":"${big}"}`, undefined],
    ["not JSON: nothing", big, undefined],
  ];
  for (const [name, line, id] of cases) {
    test(name, () => {
      expect(line.length).toBeGreaterThan(MAX_LINE_LENGTH);
      const out = r.redactLine(line);
      expect(out).toBe(withheldLine(line));
      expect(out).not.toContain(secret.value);
      if (id === undefined) return void expect(out).toBe("");
      const parsed = JSON.parse(out);
      expect(out).toContain(`"id":${id},`);
      expect(parsed).toMatchObject({ jsonrpc: "2.0", error: { code: -32603 } });
      expect(parsed.error.message).toContain("withheld");
    });
  }
  test("a line of exactly the limit is still scanned", () => {
    const line = `"${"y".repeat(MAX_LINE_LENGTH - 2)}"`;
    expect(r.redactLine(line)).toBe(line);
  });
  test("withheldLine never echoes a secret held in the id", () => {
    const out = r.redactLine(`{"id":"${secret.value}","result":"${big}"}`);
    expect(out).not.toContain(secret.value);
    expect(JSON.parse(out).id).toBe("[redacted:TOKEN]");
  });
  test("withheldLine on small lines", () => {
    expect(JSON.parse(withheldLine('{"jsonrpc":"2.0","id":-1.5e3,"result":{}}')).id).toBe(-1500);
    expect(JSON.parse(withheldLine('{"id":null,"error":{}}')).id).toBe(null);
    expect(withheldLine('{"id":{"a":1},"result":{}}')).toBe("");
    expect(withheldLine('{"id":true,"result":{}}')).toBe("");
    expect(withheldLine('[{"id":1,"result":{}}]')).toBe("");
    expect(withheldLine('{"result":{"id":1}}')).toBe("");
    expect(withheldLine('{"result":"')).toBe("");
  });
});

describe("maskText (stderr)", () => {
  const r = createRedactor(tricky);
  for (const secret of tricky) {
    const v = secret.value;
    const texts = [
      `error: bad token ${v}!`,
      `env: TOKEN=${JSON.stringify(v)}`,
      `sent ${uEscaped(v)}`,
      `basic ${Buffer.concat([fill(1, 1), bytesOf(v)]).toString("base64")}`,
      `url ${formEncode(v)} ${lowerPercent(encodeURIComponent(v))}`,
      `hex ${hexOf(v)} ${hexOf(v).toUpperCase()}`,
    ];
    for (const text of texts) {
      test(`${secret.name}: ${JSON.stringify(text).slice(0, 50)}`, () => {
        const out = r.maskText(text);
        expect(leaks(out, v)).toEqual([]);
        expect(out).toContain(`[redacted:${secret.name}]`);
      });
    }
  }
  test("text with no secret is unchanged", () => {
    const text = "INFO listening on :8080 \\u00e9 %20 done";
    expect(r.maskText(text)).toBe(text);
  });
});

// --- Properties --------------------------------------------------------------------------------

const specials = [
  '"',
  "\\",
  "/",
  "\n",
  "\t",
  "\u0000",
  "é",
  "😀",
  "+",
  "%",
  " ",
  ".",
  "*",
  "(",
  "[",
  "{",
  "|",
  "^",
  "$",
];
const secretValue = fc
  .oneof(
    fc.string({ unit: "binary", minLength: MIN_SECRET_LENGTH, maxLength: 24 }),
    fc.string({ unit: fc.constantFrom(...specials, "a", "Z", "0"), minLength: MIN_SECRET_LENGTH, maxLength: 16 }),
    fc.string({ unit: "binary-ascii", minLength: MIN_SECRET_LENGTH, maxLength: 24 }),
  )
  // A value inside the marker text shows up in every marker (documented), not a leak to test for;
  // and a value of fewer than 6 characters besides whitespace and invisible ones is not redacted.
  .filter((v) => !"[redacted:S]".includes(v) && createRedactor([{ name: "S", value: v }]).skipped.length === 0);

type Encoding = "raw" | "base64" | "base64url" | "hex" | "HEX" | "url" | "form";
const encode = (v: string, how: Encoding, pre: Buffer, post: Buffer): string => {
  const bytes = Buffer.concat([pre, bytesOf(v), post]);
  switch (how) {
    case "raw":
      return v;
    case "base64":
    case "base64url":
      return bytes.toString(how);
    case "hex":
      return bytes.toString("hex");
    case "HEX":
      return bytes.toString("hex").toUpperCase();
    case "url":
      return encodeURIComponent(v);
    case "form":
      return formEncode(v);
  }
};

/** A JSON string token for `s`, with the code units picked by `mask` written as \uXXXX. */
const tokenWithEscapes = (s: string, mask: readonly boolean[]) =>
  `"${Array.from({ length: s.length }, (_, i) => {
    const c = s.charAt(i);
    if (mask[i % Math.max(mask.length, 1)]) return `\\u${s.charCodeAt(i).toString(16).padStart(4, "0")}`;
    return JSON.stringify(c).slice(1, -1);
  }).join("")}"`;

describe("properties", () => {
  test("an embedded secret never survives in any encoding; the line stays equivalent JSON", () => {
    fc.assert(
      fc.property(
        secretValue,
        fc.string(),
        fc.string(),
        fc.constantFrom<Encoding>("raw", "base64", "base64url", "hex", "HEX", "url", "form"),
        fc.uint8Array({ maxLength: 5 }),
        fc.uint8Array({ maxLength: 5 }),
        fc.array(fc.boolean(), { maxLength: 8 }),
        fc.jsonValue(),
        (v, before, after, how, pre, post, escapes, other) => {
          const secret = { name: "S", value: v };
          const text = before + encode(v, how, Buffer.from(pre), Buffer.from(post)) + after;
          const line = `{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":${tokenWithEscapes(text, escapes)}}],"other":${JSON.stringify(other)}}}`;
          const out = createRedactor([secret]).redactLine(line);
          expect(leaks(out, v)).toEqual([]);
          expect(out).toContain("[redacted:S]");
          sameExceptRedacted(JSON.parse(line), JSON.parse(out), [secret]);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test("a line with no secret is returned identical (===)", () => {
    const withBigInts = fc
      .tuple(fc.json(), fc.bigInt({ min: 2n ** 53n, max: 2n ** 90n }))
      .map(([json, big]) => `{"n": ${big} , "v":${json}}`);
    fc.assert(
      fc.property(fc.array(secretValue, { maxLength: 3 }), fc.oneof(fc.json(), withBigInts), (values, line) => {
        const secrets = values.map((value, i) => ({ name: `S${i}`, value }));
        fc.pre(secrets.every(({ value }) => leaks(line, value).length === 0 && !line.includes(value)));
        expect(createRedactor(secrets).redactLine(line)).toBe(line);
      }),
      { numRuns: 1500 },
    );
  });

  test("malformed lines (truncations, plain text) never leak", () => {
    fc.assert(
      fc.property(
        secretValue,
        fc.string(),
        fc.nat(),
        fc.array(fc.boolean(), { maxLength: 4 }),
        (v, text, cut, escapes) => {
          const secret = { name: "S", value: v };
          const full = `{"a":${tokenWithEscapes(`${text}${v}`, escapes)},"b":"${text}"}`;
          const line = full.slice(0, full.length - (cut % 12));
          const out = createRedactor([secret]).redactLine(line);
          expect(leaks(out, v)).toEqual([]);
          expect(leaks(createRedactor([secret]).maskText(`${text}${v}${text}`), v)).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// --- The encodings of issue 14, as properties, with an oracle of their own -------------------

/** Every character the redactor ignores, by Unicode's own tables. */
const IGNORABLE = /[\p{White_Space}\p{Cc}\p{Default_Ignorable_Code_Point}]/gu;
const ZERO_WIDTH = ["\u200b", "\u00ad", "\u0000", "\ufeff", "\u2060", "\u{e0041}", "\u180e"];
/** `%XX` runs decoded as UTF-8 bytes (invalid sequences become U+FFFD, the rest survives). */
const percentDecoded = (t: string) =>
  t.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ""), "hex").toString("utf8"));

/** Every level of JSON escapes in `text` (the oracle's own decoder: a regex, left to right). */
function escapeLevels(text: string): string[] {
  const levels = [text];
  for (let i = 0; i < 8; i++) {
    const next = unescapeAll(levels[levels.length - 1] as string);
    if (next === levels[levels.length - 1]) break;
    levels.push(next);
  }
  return levels;
}

/** Where `value` shows in `out` in any encoding of issue 14: a list of what was found. */
function deepLeaks(out: string, value: string): string[] {
  const texts = [out];
  try {
    texts.push(...stringsIn(JSON.parse(out)));
  } catch {}
  const bytes = bytesOf(value);
  const plain = value.replace(IGNORABLE, "");
  const fragments = [0, 1, 2].flatMap((k) => [b64Fragment(value, k), b64Fragment(value, k, true)]);
  const found: string[] = [];
  for (const level of texts.flatMap(escapeLevels)) {
    // Form encoding writes a space as `+`.
    const views = [level, percentDecoded(level), percentDecoded(level.replace(/\+/g, " "))];
    for (const view of views.map((t) => t.replace(IGNORABLE, ""))) {
      if (view.includes(plain)) found.push("raw");
      if (view.toLowerCase().includes(bytes.toString("hex"))) found.push("hex");
      for (const f of fragments) if (f.length >= MIN_SECRET_LENGTH && view.includes(f)) found.push(`base64 ${f}`);
    }
  }
  return found;
}

type Deep = "hexMixed" | "percentSome" | "percentAll" | "base64Lines" | "base64urlLines" | "zeroWidth";
/** One of the encodings of issue 14 of `v` inside the bytes `pre` + v + `post`, picked by `seed`. */
function deepEncode(v: string, how: Deep, pre: Buffer, post: Buffer, seed: readonly number[]): string {
  const bit = (i: number) => ((seed[i % Math.max(seed.length, 1)] ?? 0) >> (i % 7)) & 1;
  const bytes = Buffer.concat([pre, bytesOf(v), post]);
  const lines = (s: string) => {
    const width = 4 + ((seed[0] ?? 0) % 77);
    const breaks = ["\n", "\r\n", "\n  ", " "][(seed[1] ?? 0) % 4] as string;
    return (s.match(new RegExp(`.{1,${width}}`, "g")) ?? []).join(breaks);
  };
  switch (how) {
    case "hexMixed":
      return [...bytes.toString("hex")].map((c, i) => (bit(i) ? c.toUpperCase() : c)).join("");
    case "percentSome":
    case "percentAll":
      return [...v]
        .map((ch, i) => {
          if (how === "percentSome" && bit(i) && !"%+".includes(ch)) return ch;
          if (ch === " " && bit(i + 1)) return "+";
          const hex = bytesOf(ch).toString("hex");
          return hex.replace(/../g, (b, j) => `%${bit(i + j) ? b.toUpperCase() : b}`);
        })
        .join("");
    case "base64Lines":
      return lines(bytes.toString("base64"));
    case "base64urlLines":
      return lines(bytes.toString("base64url"));
    case "zeroWidth":
      return [...v]
        .map((ch, i) => (bit(i) && i > 0 ? (ZERO_WIDTH[i % ZERO_WIDTH.length] as string) + ch : ch))
        .join("");
  }
}

/** `text` as a JSON string inside JSON text, `depth` times over. */
const nest = (text: string, depth: number): string =>
  depth === 0 ? text : nest(JSON.stringify({ [`level${depth}`]: text }), depth - 1);

describe("properties: the encodings of issue 14", () => {
  const encodings = fc.constantFrom<Deep>(
    "hexMixed",
    "percentSome",
    "percentAll",
    "base64Lines",
    "base64urlLines",
    "zeroWidth",
  );
  test("in a JSON line, nested 0-5 levels deep: never left, everything else unchanged", () => {
    fc.assert(
      fc.property(
        secretValue,
        // No `%`: a stray one just before a partly encoded secret can take its first characters
        // as hex digits (a limit the literal forms of the common encoders cover only for them).
        fc.string({ maxLength: 8 }).filter((t) => !t.includes("%")),
        encodings,
        fc.uint8Array({ maxLength: 5 }),
        fc.uint8Array({ maxLength: 5 }),
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 8 }),
        fc.nat(5),
        (v, around, how, pre, post, seed, depth) => {
          const secret = { name: "S", value: v };
          const text = nest(
            `${around}${deepEncode(v, how, Buffer.from(pre), Buffer.from(post), seed)}${around}`,
            depth,
          );
          const line = JSON.stringify({ jsonrpc: "2.0", id: 7, result: { text } });
          expect(deepLeaks(line, v).length).toBeGreaterThan(0); // the case really holds the secret
          const out = createRedactor([secret]).redactLine(line);
          expect(deepLeaks(out, v)).toEqual([]);
          expect(out).toContain("[redacted:S]");
          sameExceptRedacted(JSON.parse(line), JSON.parse(out), [secret], deepLeaks);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("in a line that is not JSON: never left", () => {
    fc.assert(
      fc.property(
        secretValue,
        fc.string({ maxLength: 8 }),
        encodings,
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 8 }),
        fc.nat(3),
        (v, around, how, seed, depth) => {
          const secret = { name: "S", value: v };
          const line =
            `log: ${nest(deepEncode(v, how, Buffer.alloc(0), Buffer.alloc(0), seed), depth)} ${around}`.slice(0, -1);
          fc.pre(deepLeaks(line, v).length > 0);
          for (const out of [createRedactor([secret]).redactLine(line), createRedactor([secret]).maskText(line)]) {
            expect(deepLeaks(out, v)).toEqual([]);
          }
        },
      ),
      { numRuns: 600 },
    );
  });
});

// --- Pathological lines: the work is linear in the line's length ------------------------------

describe("pathological lines finish", () => {
  const r = createRedactor([GH, API, QB]);
  const big = (n: number, unit: string) => unit.repeat(Math.floor(n / unit.length));
  test("10 MiB of base64 in one string, without and with line breaks", () => {
    const b64 = Buffer.from(Array.from({ length: 7_000_000 }, (_, i) => (i * 2654435761) >>> 24)).toString("base64");
    const line = `{"d":"${b64.slice(0, MAX_LINE_LENGTH - 16)}"}`;
    expect(r.redactLine(line)).toBe(line);
    const wrapped = `{"d":"${b64.slice(0, 9_000_000).replace(/(.{76})/g, "$1\\r\\n")}"}`;
    expect(r.redactLine(wrapped)).toBe(wrapped);
  });
  test("near-misses everywhere: the secret's head repeated, spaced out", () => {
    const line = JSON.stringify({ t: big(4_000_000, `${[...GH.value.slice(0, -1)].join(" ")} `) });
    expect(r.redactLine(line)).toBe(line);
  });
  test("a secret of one repeated character in a long run of it: one marker", () => {
    const rr = createRedactor([{ name: "A", value: "aaaaaa" }]);
    expect(rr.redactLine(JSON.stringify({ t: "a".repeat(5_000_000) }))).toBe('{"t":"[redacted:A]"}');
  });
  test("a secret JSON-escaped 20 levels deep (3 Mi backslashes): decoded to the bottom", () => {
    let text = QB.value;
    for (let i = 0; i < 20; i++) text = JSON.stringify(text).slice(1, -1);
    expect(r.redactLine(`{"t":"${text}"}`)).toBe('{"t":"[redacted:QB]"}');
  });
  test("a \\u005c chain (one level per 5 characters) past the budget: the string is withheld as a whole", () => {
    const chain = `\\u005c${"u005c".repeat(1_000_000)}`;
    const line = JSON.stringify({ t: chain, keep: "this" });
    // One level per 5 characters: the levels would add up to 5e6²/10 characters; LEVEL_BUDGET stops them.
    expect(r.redactLine(line)).toBe(`{"t":${JSON.stringify(UNSCANNABLE)},"keep":"this"}`);
  });
  test("a short \\u005c chain (a level per 5 characters) is followed to the secret", () => {
    const line = JSON.stringify({
      t: `${"\\u005c".repeat(1)}${"u005c".repeat(40)}u0067hp_16C7e42F292c6912E7710c838347Ae178B4a`,
    });
    expect(r.redactLine(line)).toBe('{"t":"[redacted:GITHUB_TOKEN]"}');
  });
});

describe("the characters the redactor ignores", () => {
  test("are exactly Unicode's White_Space, Cc and Default_Ignorable_Code_Point", () => {
    const unicode = /[\p{White_Space}\p{Cc}\p{Default_Ignorable_Code_Point}]/u;
    const wrong: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (isGap(cp) !== unicode.test(String.fromCodePoint(cp))) wrong.push(cp);
    }
    expect(wrong).toEqual([]);
  });
});

// --- Throughput (printed, never asserted) -----------------------------------------------------

test("benchmark: 1 MiB lines, 3 secrets", () => {
  const r = createRedactor([
    { name: "GITHUB_TOKEN", value: "ghp_16C7e42F292c6912E7710c838347Ae178B4a" },
    { name: "DB_PASSWORD", value: 'p@ss"w0rd\\with-quote' },
    { name: "API_KEY", value: "sk-proj-a1b2c3d4e5f6g7h8i9j0" },
  ]);
  const mib = 1 << 20;
  const prose = "The quick brown fox jumps over the lazy dog; 0123456789 ".repeat(mib / 32).slice(0, mib);
  const b64 = Buffer.from(Array.from({ length: (mib * 3) / 4 }, (_, i) => (i * 2654435761) >>> 24)).toString("base64");
  const withNewlines = prose.replace(/; /g, ";\n");
  const items = Array.from({ length: 9000 }, (_, i) => ({
    path: `C:\\Users\\me\\f${i}.txt`,
    size: i * 1e9,
    t: "a\nb",
  }));
  const lines: Array<[string, string]> = [
    ["prose, no secret (fast path)", response(prose)],
    ["base64 image, no secret (fast path)", response(b64)],
    ["prose with \\n escapes, no secret (tokenized)", response(withNewlines)],
    [
      "9000 small objects with escapes, no secret (tokenized)",
      JSON.stringify({ jsonrpc: "2.0", id: 1, result: { items } }),
    ],
    [
      "prose with a secret (tokenized, redacted)",
      response(`${prose.slice(0, mib / 2)}ghp_16C7e42F292c6912E7710c838347Ae178B4a${prose.slice(mib / 2)}`),
    ],
  ];
  for (const [name, line] of lines) {
    r.redactLine(line);
    const runs = 20;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) r.redactLine(line);
    const ms = (performance.now() - t0) / runs;
    console.log(`redact ${name}: ${((line.length / 1e6 / ms) * 1000).toFixed(0)} MB/s (${ms.toFixed(2)} ms/line)`);
  }
});
