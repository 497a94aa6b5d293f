import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createRedactor, MAX_LINE_LENGTH, MIN_SECRET_LENGTH, type Secret, withheldLine } from "../src/core/redact.ts";

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
function sameExceptRedacted(input: unknown, output: unknown, secrets: readonly Secret[]): void {
  const held = (s: string) => secrets.some(({ value }) => leaks(s, value).length > 0);
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
  // A value inside the marker text shows up in every marker (documented), not a leak to test for.
  .filter((v) => !"[redacted:S]".includes(v));

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
