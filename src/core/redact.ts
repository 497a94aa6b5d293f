/**
 * The redactor behind `mcp-op run --redact`: a filter on the server's stdout (one JSON-RPC
 * message per line) and stderr that keeps resolved secrets out of the client, and so out of the
 * model's context. Pure: the caller does the reading, writing and warning.
 *
 * `op run`'s own masking is byte-level: it misses a secret the server prints JSON-escaped
 * (`\"`, `\\`, `\uXXXX`) or encoded, and it rewrites the protocol stream blindly. This one looks
 * inside JSON strings and rewrites only the string tokens that hold a secret.
 *
 * How a text is searched (a string token's value, or a whole line that is not JSON):
 * 1. Levels: the text itself, then the text with its JSON escapes decoded, then decoded again,
 *    and so on while escapes are left (JSON inside a JSON string inside a JSON string, to any
 *    depth; see {@link LEVEL_BUDGET} for the bound on the work).
 * 2. Views of each level, where each character remembers where it came from: the plain view,
 *    with whitespace, control characters and Unicode default-ignorable code points (U+200B,
 *    U+00AD, U+FEFF, tag characters...) dropped; and, for a text with a `%`, the decoded view:
 *    percent escapes decoded too (`%XX`, any case, any subset of the characters, as UTF-8),
 *    with what they decode to dropped the same way, and `+` dropped as the space it means.
 * 3. In the views, every form of every secret (see {@link secretForms}): its value (also with
 *    `+` for spaces, and literally as the common percent-encoders write it), the hex of its
 *    bytes in any mix of case, and the base64 and base64url characters that depend on its bytes
 *    alone at each of the three byte alignments inside a larger blob. Line breaks and
 *    indentation inside a base64 run are gone from the views, and a base64 occurrence is widened
 *    to whole 4-character quanta, padding included, so no character that carries a bit of the
 *    secret is left next to the marker.
 * Building views costs a JavaScript loop over every character, so each level first goes through
 * a check that is never wrong in the "no" direction ({@link Detector.maybe}, native scans only):
 * `includes` when the text has nothing to drop or decode, else one regular expression over the
 * last {@link WINDOW} characters of every form with the droppable characters allowed between
 * them; for a text with `%XX` escapes, the same on a copy decoded by `decodeURIComponent`.
 * Where that says "maybe", the plain view is checked form by form at each place the regex
 * matches, in the text itself (no view built); the decoded view is built only where its check
 * said "maybe", and both views only for a text with a tag character (rare).
 *
 * Out of scope (the limit of `--redact`, in the README too): a secret split across separate
 * messages or separate JSON string tokens, and transforms other than the encodings above
 * (compression, encryption, base32, reversal, double percent-encoding...). One known gap: a
 * stray `%` just before a secret that is percent-encoded in part and starts with hex digits
 * ("50%" + "ab12%2F...") reads as an escape; the exact output of the common encoders is still
 * found there, as it is also searched literally.
 *
 * Policies:
 * - Short secrets: see {@link MIN_SECRET_LENGTH}; they are listed in `skipped`, never redacted.
 * - Whitespace and invisible characters never count, in the secret or in the text: a secret
 *   `abc def` is also found as `abcdef`, and in percent-encoded text a `+` counts as a space
 *   (a few more characters redacted, never fewer).
 * - Overlaps: where occurrences overlap (one secret inside another, or two overlapping partly),
 *   the union of their spans is replaced by one marker named after the longest secret (the first
 *   configured one on a tie), so the longer match wins and no tail of either is left behind.
 *   Occurrences that merely touch get a marker each. Regex metacharacters in values mean nothing.
 * - Malformed lines: see {@link Redactor.redactLine}: masked byte-agnostically with `maskText`.
 * - Oversize lines: see {@link MAX_LINE_LENGTH} and {@link withheldLine}.
 * - A value that occurs in the marker text itself (say "redacted") shows up in every marker:
 *   markers say which secret was removed, they cannot hide that word.
 */

/** A resolved secret: `name` (the environment variable) appears in markers and warnings, `value` never. */
export interface Secret {
  name: string;
  value: string;
}

/**
 * Secrets shorter than this (in Unicode code points, not counting whitespace and invisible
 * characters) are not redacted as substrings: they are listed in `skipped` so the caller can
 * warn by name. A 3-character secret would match all over ordinary text and base64 and shred the
 * stream, and a value that short is guessable anyway; 6 is the shortest length for which every
 * base64 fragment is at least as long as the value. There is deliberately no exception for a
 * JSON string whose whole value equals a short secret: that would rewrite protocol fields
 * (`"jsonrpc":"2.0"`, `"type":"text"`) whenever a secret is such a common word.
 */
export const MIN_SECRET_LENGTH = 6;

/**
 * A stdout line longer than this (in UTF-16 code units of the decoded line, ~bytes) is not
 * scanned: it is withheld ({@link withheldLine}), whether or not secrets are configured, so
 * the filter's memory and latency stay bounded and an unscanned line never reaches the client.
 */
export const MAX_LINE_LENGTH = 10 * 1024 * 1024;

/**
 * Decoding JSON escapes level by level costs the length of each level. A text whose levels add
 * up to more than this many times its own length, plus 64 Ki characters, is not searched further:
 * natural nesting halves the escapes at each level (an `"` nested 20 deep is a million
 * backslashes), so only contrived input (`\u005cu005cu005c...`, one level per 5 characters)
 * gets there. Such a text is replaced as a whole by {@link UNSCANNABLE}, never passed on.
 */
export const LEVEL_BUDGET = 16;

/** What replaces a text whose escapes nest too deep to search within {@link LEVEL_BUDGET}. */
export const UNSCANNABLE = "[redacted: escapes nested too deep to scan]";

export interface Redactor {
  /**
   * One complete stdout line, without its trailing "\n". Returns the line to forward (without
   * "\n"); an empty result for a non-empty line means "forward nothing" (a withheld line that
   * could not be answered, see {@link withheldLine}).
   *
   * - Fast path: a line with no backslash that cannot hold a secret (see the module comment) is
   *   returned as is (`===`), untokenized.
   * - JSON-like line (every string token terminated and strictly decodable, and only JSON
   *   punctuation, whitespace, numbers and `true`/`false`/`null` between them; full validity is
   *   not checked): each string token, keys included, is decoded; if the decoded text holds a
   *   secret in any form, each occurrence becomes `[redacted:NAME]` and the token is re-encoded
   *   with `JSON.stringify` (minimal escaping, non-ASCII kept). Every other byte is passed through:
   *   big numbers, key order, whitespace and the escaping of untouched strings all survive. A
   *   secret outside strings (a numeric secret printed as a number) is replaced, together with the
   *   number or literal it sits in, by the marker as a JSON string. If the result still holds
   *   a secret's raw or JSON-escaped form (a value with `"` or `\` the server wrote unescaped,
   *   templating JSON by hand: it spans tokens or reads as escapes), the line counts as malformed.
   * - Malformed line (anything else: plain text, truncated JSON): masked byte-agnostically with
   *   `maskText`, which may leave the line even less valid but never leaks.
   * - Oversize line (over {@link MAX_LINE_LENGTH}): `withheldLine(line)` (itself redacted).
   */
  redactLine(line: string): string;
  /**
   * Free text (a stderr line): every occurrence, in every form above, replaced by
   * `[redacted:NAME]`, also where the text spells it with JSON escapes.
   * @example createRedactor([{ name: "T", value: "hunter22" }]).maskText("pw=\\u0068unter22") // "pw=[redacted:T]"
   */
  maskText(text: string): string;
  /** Secrets not redacted by policy (too short), for a warning that names them (never values). */
  readonly skipped: readonly string[];
}

export interface RedactorOptions {
  /**
   * The texts are bytes decoded as latin1 (a line that is not valid UTF-8), and so are the
   * secrets: a character is a byte, for percent escapes, hex and base64 alike.
   */
  latin1?: boolean;
}

interface Hit {
  start: number;
  end: number;
  name: string;
  /** Length of the secret: the longest secret wins an overlap. */
  rank: number;
}

/**
 * Build the redactor for a run's resolved secrets.
 * @example createRedactor([{ name: "TOKEN", value: "s3cr3t-value" }]).redactLine('{"a":"x s3cr3t-value"}') // '{"a":"x [redacted:TOKEN]"}'
 * @example createRedactor([{ name: "PIN", value: "1234" }]).skipped // ["PIN"]
 */
export function createRedactor(secrets: readonly Secret[], options: RedactorOptions = {}): Redactor {
  const latin1 = options.latin1 ?? false;
  const skipped: string[] = [];
  const forms: Form[] = [];
  const strayForms: Form[] = [];
  for (const secret of secrets) {
    const own = secretForms(secret, latin1);
    if (!own) {
      skipped.push(secret.name);
      continue;
    }
    forms.push(...own);
    // A value with `"` or `\` can be in a line's raw text but in none of its decoded strings.
    if (/["\\]/.test(secret.value)) {
      for (const text of [secret.value, JSON.stringify(secret.value).slice(1, -1)]) {
        strayForms.push({ kind: "text", text: dropGaps(text), name: secret.name, rank: secret.value.length });
      }
    }
  }
  const detector = new Detector(forms, latin1);
  const stray = strayForms.length > 0 ? new Detector(strayForms, latin1) : undefined;

  /** The text with every occurrence replaced, at every level of JSON escapes. */
  const mask = (text: string): string => {
    if (detector.empty) return text;
    const hits = detector.find(text, true);
    if (hits === undefined) return UNSCANNABLE;
    return hits.length === 0 ? text : replaceHits(text, hits, marker);
  };

  const redactLine = (line: string): string => {
    if (line.length > MAX_LINE_LENGTH) {
      const answer = withheldLine(line);
      return answer === "" ? "" : redactLine(answer);
    }
    if (detector.empty) return line;
    const maybe = detector.maybe(line);
    if (!maybe && !line.includes("\\")) return line;

    // Where secrets may show in the raw line: an unescaped token or a gap elsewhere holds none.
    const regions = maybe ? detector.candidates(line) : [];
    let r = 0;
    const touched = (from: number, to: number): boolean => {
      while ((regions[r]?.end ?? Number.POSITIVE_INFINITY) <= from) r++;
      return (regions[r]?.start ?? Number.POSITIVE_INFINITY) < to;
    };

    const edits: Array<[start: number, end: number, text: string]> = [];
    const gap = (from: number, to: number): boolean => {
      GAP.lastIndex = from;
      if (!GAP.test(line) || GAP.lastIndex !== to) return false;
      if (touched(from, to)) redactGap(line, from, to, detector, edits);
      return true;
    };
    const cursor: Cursor = { backslash: -1, escaped: false };
    let pos = 0;
    for (;;) {
      const open = line.indexOf('"', pos);
      if (!gap(pos, open === -1 ? line.length : open)) return mask(line);
      if (open === -1) break;
      const close = stringEnd(line, open, cursor);
      if (close === -1) return mask(line);
      if (cursor.escaped || touched(open, close)) {
        const raw = line.slice(open, close);
        const decoded = cursor.escaped ? parseString(raw) : raw.slice(1, -1);
        if (decoded === undefined) return mask(line);
        const masked = mask(decoded);
        if (masked !== decoded) edits.push([open, close, JSON.stringify(masked)]);
      }
      pos = close;
    }
    const out = applyEdits(line, edits);
    // A secret written unescaped (across tokens, or read as escapes): the line is not what it seems.
    return stray && (stray.find(out, false) as Hit[]).length > 0 ? mask(line) : out;
  };

  return { redactLine, maskText: mask, skipped };
}

/**
 * What to send instead of an oversize line. For a response (a top-level `"id"` and no
 * `"method"`), a JSON-RPC error response with that id, its raw text kept (big numbers, string
 * escapes), so the client's request fails instead of hanging. Otherwise the empty string, meaning
 * "send nothing": a line with no usable id cannot be answered, and a request or notification from
 * the server cannot be answered to the client (an error response would carry an id the client
 * never sent); no substitute notification is invented. The whole top level is searched, not only
 * the start of the line: the TypeScript SDK writes `{"result":...,"jsonrpc":"2.0","id":1}`.
 * @example withheldLine('{"jsonrpc":"2.0","id":7,"result":{"big":"..."}}') // '{"jsonrpc":"2.0","id":7,"error":{"code":-32603,...}}'
 * @example withheldLine('{"jsonrpc":"2.0","method":"notifications/message","params":{}}') // ""
 */
export function withheldLine(line: string, length = line.length): string {
  // `line` may be only the head of the line (the stream filter keeps 4 KiB): `length` is the whole.
  const { id, method } = topLevelIdAndMethod(line);
  if (id === undefined || method) return "";
  const message =
    `mcp-op withheld this response: the line is ${length} long, more than the ` +
    `${MAX_LINE_LENGTH} --redact scans for secrets`;
  const data = `{"length":${length},"limit":${MAX_LINE_LENGTH}}`;
  return `{"jsonrpc":"2.0","id":${id},"error":{"code":-32603,"message":${JSON.stringify(message)},"data":${data}}}`;
}

function marker(name: string): string {
  return `[redacted:${name}]`;
}

// ---------------------------------------------------------------------------------------------
// Characters that never count: whitespace, control characters, default-ignorable code points

/**
 * Unicode White_Space ∪ Cc ∪ Default_Ignorable_Code_Point (Unicode 16, as `\p{...}` in Bun 1.4;
 * test/redact.test.ts checks the list against the runtime's tables).
 */
const GAP_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0, 0x20],
  [0x7f, 0xa0],
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x61c, 0x61c],
  [0x115f, 0x1160],
  [0x1680, 0x1680],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x2000, 0x200f],
  [0x2028, 0x202f],
  [0x205f, 0x206f],
  [0x3000, 0x3000],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff0, 0xfff8],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
];

/** Whether a code point is dropped from the normalized view (exported for the test of the table). */
export function isGap(cp: number): boolean {
  if (cp < 0x10000) return GAP_BMP[cp] === 1;
  for (const [from, to] of GAP_RANGES) if (cp >= from && cp <= to) return true;
  return false;
}

const GAP_BMP = new Uint8Array(0x10000);
for (const [from, to] of GAP_RANGES) for (let cp = from; cp <= Math.min(to, 0xffff); cp++) GAP_BMP[cp] = 1;

const u4 = (n: number) => `\\u${n.toString(16).padStart(4, "0")}`;
/** The BMP gap characters as a regex class body (no `u` flag: faster on two-byte strings). */
const GAP_CLASS = GAP_RANGES.filter(([from]) => from < 0x10000)
  .map(([from, to]) => (from === to ? u4(from) : `${u4(from)}-${u4(to)}`))
  .join("");
/** High surrogates of the astral gap characters (tag characters etc.). */
const ASTRAL_GAP_LEADS = "\\ud82f\\ud834\\udb40-\\udb43";
/** A character that the view would drop, or a `%` it might decode: the text is not its own view. */
const NOT_PLAIN = new RegExp(`[%${GAP_CLASS}${ASTRAL_GAP_LEADS}]`);

function dropGaps(text: string): string {
  let out = "";
  for (const ch of text) if (!isGap(ch.codePointAt(0) as number)) out += ch;
  return out;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Forms of a secret

interface FormBase {
  text: string;
  name: string;
  rank: number;
  /** Only in the plain view, or only in the percent-decoded one (undefined: both). */
  only?: "plain" | "decoded";
}
type Form =
  | (FormBase & { kind: "text" })
  | (FormBase & { kind: "hex" })
  | (FormBase & {
      kind: "base64";
      /** Byte alignment of the secret in the blob (0-2) and its length in bytes. */
      k: number;
      bytes: number;
      url: boolean;
    });

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const utf8 = new TextEncoder();

/**
 * Every form of a secret the view is searched for, each without gap characters; undefined when
 * the secret is too short to redact ({@link MIN_SECRET_LENGTH}).
 */
function secretForms({ name, value }: Secret, latin1: boolean): Form[] | undefined {
  const plain = dropGaps(value);
  if (codePoints(plain) < MIN_SECRET_LENGTH) return undefined;
  const rank = value.length;
  const bytes = latin1 ? Uint8Array.from(value, (c) => c.charCodeAt(0) & 0xff) : utf8.encode(value);
  const forms: Form[] = [{ kind: "text", text: plain, name, rank }];
  // Spaces as a form encoder writes them when nothing else is escaped ("correct+horse").
  const plus = dropGaps(value.replaceAll(" ", "+"));
  // The value as the percent-decoded view reads it: its own `%XX` decoded, a `+` (which encodeURI
  // keeps, and which means a space in form encoding) dropped like a space.
  const decoded = normalize(value, latin1, true).text;
  // And, literally, what the common encoders write: the decoded view reads it too, except where a
  // stray `%` just before it takes its first characters as hex digits ("50%" + "ab12%2F...").
  const encoded = URL_KEPT.flatMap((kept) =>
    [true, false].flatMap((upper) =>
      [false, true].map((plusForSpace) => percentEncode(value, kept, upper, plusForSpace, latin1)),
    ),
  );
  const seen = new Set([plain]);
  for (const [text, only] of [
    [plus, "plain"],
    [decoded, "decoded"],
    ...encoded.map((e) => [e, "plain"] as const),
  ] as const) {
    if (seen.has(text) || codePoints(text) < MIN_SECRET_LENGTH) continue;
    seen.add(text);
    forms.push({ kind: "text", text, name, rank, only });
  }
  forms.push({ kind: "hex", text: [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(""), name, rank });
  for (let k = 0; k < 3; k++) {
    const text = base64Fragment(bytes, k);
    const url = text.replace(/\+/g, "-").replace(/\//g, "_");
    forms.push({ kind: "base64", text, name, rank, k, bytes: bytes.length, url: false });
    if (url !== text) forms.push({ kind: "base64", text: url, name, rank, k, bytes: bytes.length, url: true });
  }
  return forms;
}

/** Characters each percent-encoder writes as is: encodeURIComponent, RFC 3986, form encoding. */
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const URL_KEPT = [`${ALNUM}-_.!~*'()`, `${ALNUM}-_.~`, `${ALNUM}*-._`].map((chars) => new Set(chars));

function percentEncode(
  value: string,
  kept: ReadonlySet<string>,
  upper: boolean,
  plusForSpace: boolean,
  latin1: boolean,
): string {
  let out = "";
  for (const ch of value) {
    if (kept.has(ch)) out += ch;
    else if (ch === " " && plusForSpace) out += "+";
    else {
      for (const byte of latin1 ? [ch.charCodeAt(0) & 0xff] : utf8.encode(ch)) {
        const h = byte.toString(16).padStart(2, "0");
        out += `%${upper ? h.toUpperCase() : h}`;
      }
    }
  }
  return out;
}

/**
 * The base64 characters that depend on `bytes` alone when they sit at byte offset `k` (0-2) of
 * a larger blob: base64 of (k filler bytes + bytes), minus the leading characters touched by the
 * filler and the trailing one touched by whatever follows.
 * @example base64Fragment(new TextEncoder().encode("secret"), 0) // "c2VjcmV0" (all of base64("secret"))
 */
function base64Fragment(bytes: Uint8Array, k: number): string {
  let out = "";
  let acc = 0;
  let bits = 8 * k; // k zero bytes of filler
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += BASE64.charAt((acc >> bits) & 63);
    }
  }
  return out.slice(Math.ceil((8 * k) / 6));
}

// ---------------------------------------------------------------------------------------------
// The normalized view

interface View {
  text: string;
  /** For each code unit of the view, where its source starts and ends in the searched text (undefined: the same). */
  starts: Int32Array | undefined;
  ends: Int32Array | undefined;
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;
  HEX_VALUE["0123456789ABCDEF".charCodeAt(i)] = i;
}
const utf16 = new TextDecoder("utf-16le");

/** The byte a `%XX` escape at `text[at]` stands for, or -1. */
function percentByte(text: string, at: number): number {
  if (text.charCodeAt(at) !== 0x25) return -1;
  const hi = HEX_VALUE[text.charCodeAt(at + 1)] ?? -1;
  const lo = HEX_VALUE[text.charCodeAt(at + 2)] ?? -1;
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

/**
 * The code point a run of percent escapes at `text[at]` spells (one UTF-8 sequence, or one byte
 * when `latin1`) and how many characters it takes, or undefined (then the `%` is literal).
 */
function percentCodePoint(text: string, at: number, latin1: boolean): [cp: number, length: number] | undefined {
  const b0 = percentByte(text, at);
  if (b0 < 0) return undefined;
  if (latin1 || b0 < 0x80) return [b0, 3];
  const n = b0 >= 0xc2 && b0 < 0xe0 ? 2 : b0 >= 0xe0 && b0 < 0xf0 ? 3 : b0 >= 0xf0 && b0 < 0xf5 ? 4 : 0;
  if (n === 0) return undefined;
  let cp = b0 & (0x7f >> n);
  for (let i = 1; i < n; i++) {
    const b = percentByte(text, at + 3 * i);
    if (b < 0 || (b & 0xc0) !== 0x80) return undefined;
    cp = (cp << 6) | (b & 0x3f);
  }
  const min = n === 2 ? 0x80 : n === 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
  return [cp, 3 * n];
}

/**
 * `text` with gap characters dropped (and, if asked, percent escapes decoded and `+` dropped as
 * the space it stands for in form encoding), each unit mapped to its source. One pass over the
 * text: linear in its length. A text with nothing to drop or decode is its own view.
 */
function normalize(text: string, latin1: boolean, percent: boolean): View {
  if (!NOT_PLAIN.test(text) && !(percent && text.includes("+"))) return { text, starts: undefined, ends: undefined };
  const n = text.length;
  // One byte per unit when every unit fits (a one-byte string is what the runtime searches
  // fastest); chosen up front so that the loop below sees one array type.
  const wide = (percent && text.includes("%")) || NOT_LATIN1.test(text);
  const out = wide ? new Uint16Array(n) : new Uint8Array(n);
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  let o = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c !== 0x25 && c < 0xd800 && GAP_BMP[c] !== 1 && !(c === 0x2b && percent)) {
      out[o] = c;
      starts[o] = i;
      ends[o++] = ++i;
      continue;
    }
    let cp = c;
    let length = 1;
    if (c === 0x2b) {
      // In the percent-decoded view a literal `+` counts as the space it means in form encoding.
      i++;
      continue;
    }
    if (c === 0x25 && percent) {
      const decoded = percentCodePoint(text, i, latin1);
      if (decoded) [cp, length] = decoded;
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) [cp, length] = [0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00), 2];
    }
    if (!isGap(cp)) {
      if (cp > 0xffff) {
        out[o] = 0xd800 + ((cp - 0x10000) >> 10);
        starts[o] = i;
        ends[o++] = i + length;
        cp = 0xdc00 + ((cp - 0x10000) & 0x3ff);
      }
      out[o] = cp;
      starts[o] = i;
      ends[o++] = i + length;
    }
    i += length;
  }
  const units = out.subarray(0, o);
  // Units 0x80-0x9f (where latin1 and windows-1252 decoders differ) are gaps: never in a view.
  const view = units instanceof Uint8Array ? latin1Decoder.decode(units) : utf16.decode(units);
  return { text: view, starts: starts.subarray(0, o), ends: ends.subarray(0, o) };
}

const NOT_LATIN1 = /[^\0-\xff]/;
const latin1Decoder = new TextDecoder("latin1");

// ---------------------------------------------------------------------------------------------
// Search

/** How many characters at the end of each form the prefilter regexes spell out. */
const WINDOW = 16;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

const bmpClass = (keep: (from: number) => boolean) =>
  GAP_RANGES.filter(([from]) => from < 0x10000 && keep(from))
    .map(([from, to]) => (from === to ? u4(from) : `${u4(from)}-${u4(to)}`))
    .join("");
/** Any gap character of the BMP; one beyond ASCII whitespace and controls (NBSP, U+200B...). */
const ANY_GAP = new RegExp(`[${GAP_CLASS}]`);
const WIDE_GAP = new RegExp(`[${bmpClass((from) => from > 0x20)}]`);
const ASTRAL_GAP = new RegExp(`[${ASTRAL_GAP_LEADS}]`);
const PERCENT_ESCAPE = /%[0-9a-fA-F]{2}/;

/** `text` with its `%XX` escapes decoded (as UTF-8 sequences, or latin1 bytes) and its literal `+` dropped: the percent-decoded view before gap characters are dropped. */
function percentDecoded(text: string, latin1: boolean): string {
  const noPlus = text.replaceAll("+", "");
  if (!latin1) {
    try {
      // One native call for the whole text, its stray `%` escaped first; throws on invalid UTF-8.
      return decodeURIComponent(noPlus.replace(/%(?![0-9a-fA-F]{2})/g, "%25"));
    } catch {
      // decoded run by run below
    }
  }
  return noPlus.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    if (latin1) return run.replace(/%(..)/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    try {
      return decodeURIComponent(run);
    } catch {
      // An invalid UTF-8 sequence in the run: decode what is valid, keep the rest literally.
      let out = "";
      for (let i = 0; i < run.length; ) {
        const decoded = percentCodePoint(run, i, false);
        if (decoded) {
          out += String.fromCodePoint(decoded[0]);
          i += decoded[1];
        } else {
          out += run.charAt(i);
          i++;
        }
      }
      return out;
    }
  });
}

/** What makes a text more than its own plain view. */
interface TextInfo {
  /** 0: no gap character; 1: only ASCII whitespace and controls; 2: other BMP gap characters too. */
  gaps: 0 | 1 | 2;
  /** An astral gap character (tag characters...): only the normalized views know those. */
  astral: boolean;
  /** A `%`: the encoders' literal outputs may be in it. */
  percent: boolean;
  /** A `%XX` escape: the percent-decoded view is not the plain one. */
  escapes: boolean;
}
const PLAIN: TextInfo = { gaps: 0, astral: false, percent: false, escapes: false };

/** The forms searched in the plain view, with the last WINDOW code points of each as a regex. */
class Windows {
  /** Where each form's window starts (a code unit index into its text). */
  readonly start: number[];
  private readonly patterns: string[][];
  private readonly compiled = new Map<string, RegExp>();

  constructor(readonly forms: readonly Form[]) {
    const windows = forms.map((f) => [...f.text].slice(-WINDOW));
    this.start = forms.map((f, k) => f.text.length - (windows[k] as string[]).join("").length);
    this.patterns = forms.map((f, k) =>
      (windows[k] as string[]).map((ch) =>
        f.kind === "hex" && /[a-f]/.test(ch) ? `[${ch}${ch.toUpperCase()}]` : escapeRegex(ch),
      ),
    );
  }

  /**
   * The windows as one alternation with the gap characters of a text's class between their
   * characters, global or not. Compiled on first use: a few ms each at the filter's start, and
   * most never needed.
   */
  regex(gaps: 0 | 1 | 2, global: boolean): RegExp {
    const key = `${gaps}${global}`;
    let regex = this.compiled.get(key);
    if (!regex) {
      const gap = ["", "[\\0- ]*", `[${GAP_CLASS}]*`][gaps] as string;
      const source = [...new Set(this.patterns.map((chars) => chars.join(gap)))].join("|") || "(?!)";
      regex = new RegExp(source, global ? "g" : "");
      this.compiled.set(key, regex);
    }
    return regex;
  }
}

/** Every form of every secret, searched at every level of a text. */
class Detector {
  readonly empty: boolean;
  /** The plain view's forms without a `%` (all a text without `%` can hold), and all of them. */
  private readonly plain: Windows;
  private readonly withPercent: Windows;
  private readonly literal: string[];
  private readonly hex: RegExp | undefined;
  /** Per hex form: a case-insensitive global regex for the exact search. */
  private readonly hexExact = new Map<string, RegExp>();
  /** The forms the percent-decoded view is searched for. */
  private readonly decodedForms: readonly Form[];
  private readonly decodedWindows: Windows;
  private lastText: string | undefined;
  private lastInfo: TextInfo = PLAIN;

  constructor(
    private readonly forms: readonly Form[],
    private readonly latin1: boolean,
  ) {
    this.empty = forms.length === 0;
    const plainView = forms.filter((f) => f.only !== "decoded");
    this.withPercent = new Windows(plainView);
    this.plain = new Windows(plainView.filter((f) => !f.text.includes("%")));
    this.literal = [...new Set(this.plain.forms.filter((f) => f.kind !== "hex").map((f) => f.text))];
    const hex = forms.filter((f) => f.kind === "hex").map((f) => f.text);
    this.hex = hex.length ? new RegExp(hex.join("|"), "i") : undefined;
    for (const h of hex) this.hexExact.set(h, new RegExp(h, "gi"));
    // Nobody percent-encodes hex digits.
    this.decodedForms = forms.filter((f) => f.only !== "plain" && f.kind !== "hex");
    this.decodedWindows = new Windows(this.decodedForms);
  }

  /** What a text holds (the last one is remembered: a line is often asked about twice). */
  private classify(text: string): TextInfo {
    if (text !== this.lastText) {
      this.lastText = text;
      const percent = text.includes("%");
      this.lastInfo = !NOT_PLAIN.test(text)
        ? PLAIN
        : {
            gaps: !ANY_GAP.test(text) ? 0 : !WIDE_GAP.test(text) ? 1 : 2,
            astral: ASTRAL_GAP.test(text),
            percent,
            escapes: percent && PERCENT_ESCAPE.test(text),
          };
    }
    return this.lastInfo;
  }

  /**
   * Whether the percent-decoded view may hold a form: the text decoded natively (no map), then
   * the same check as for a plain view. A tag character that an escape spelled: a maybe.
   */
  private maybeDecoded(text: string): boolean {
    const decoded = percentDecoded(text, this.latin1);
    if (ASTRAL_GAP.test(decoded)) return true;
    const gaps = !ANY_GAP.test(decoded) ? 0 : !WIDE_GAP.test(decoded) ? 1 : 2;
    return this.decodedWindows.regex(gaps, false).test(decoded);
  }

  /**
   * False only when no view of the text can hold any form: native scans only. A text that is
   * its own plain view: `includes` of each form (on short texts the window alternation: one
   * pass beats many calls). Otherwise the window regex for its gap characters (the short class
   * of ASCII whitespace and controls runs about three times faster than all of them), and for
   * a text with `%XX` escapes the decoded view's. A tag character (rare) is always a maybe.
   */
  maybe(text: string): boolean {
    if (this.empty) return false;
    const info = this.classify(text);
    if (info.astral) return true;
    const windows = info.percent ? this.withPercent : this.plain;
    if (info.gaps === 0 && !info.percent && text.length > 65536) {
      if (this.literal.some((f) => text.includes(f)) || (this.hex?.test(text) ?? false)) return true;
    } else if (windows.regex(info.gaps, false).test(text)) return true;
    return info.escapes && this.maybeDecoded(text);
  }

  /**
   * Spans of `text` that hold a window of every occurrence of a form in its views, in order.
   * Cheaper than `find` on a long line, where only the tokens these touch are searched exactly.
   */
  candidates(text: string): Array<{ start: number; end: number }> {
    const info = this.classify(text);
    if (info.astral) return mergeHits(this.find(text, false, true) ?? []);
    const spans: Hit[] = [];
    const scan = (regex: RegExp) => {
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m; m = regex.exec(text)) {
        spans.push({ start: m.index, end: m.index + m[0].length, name: "", rank: 0 });
        regex.lastIndex = m.index + 1;
      }
    };
    // Where the decoded view may hold a form, its places are not the text's: the exact search.
    if (info.escapes && this.maybeDecoded(text)) return mergeHits(this.find(text, false, true) ?? []);
    scan((info.percent ? this.withPercent : this.plain).regex(info.gaps, true));
    return mergeHits(spans);
  }

  /**
   * Every occurrence of every form in `text` (and, with `levels`, in each level of its JSON
   * escapes), as spans of `text`; undefined when the levels exceed {@link LEVEL_BUDGET}.
   * `checked`: the caller already knows `maybe(text)`.
   */
  find(text: string, levels: boolean, checked?: boolean): Hit[] | undefined {
    const hits: Hit[] = [];
    // Level texts; their maps to `text` are computed only for a level that is searched exactly.
    const chain = [text];
    const maps: Array<Int32Array | undefined> = [undefined];
    let again = true;
    const mapOf = (depth: number): Int32Array | undefined => {
      for (let d = maps.length; d <= depth; d++)
        maps.push(unescapeLevel(chain[d - 1] as string, maps[d - 1], true).starts);
      return maps[depth];
    };
    let budget = LEVEL_BUDGET * text.length + 65536;
    for (let depth = 0; ; depth++) {
      const current = chain[depth] as string;
      if (depth === 0 && checked !== undefined ? checked : this.maybe(current))
        this.collect(current, mapOf(depth), hits);
      if (!levels || (depth > 0 && !again) || !current.includes("\\")) return hits;
      budget -= current.length;
      if (budget < 0) return undefined;
      const next = unescapeLevel(current, undefined, false);
      if (next.text === current) return hits;
      again = next.again;
      chain.push(next.text);
    }
  }

  /**
   * The exact search of one level, hits mapped back to the original text through `level`.
   * The plain view: a text without gap characters is its own (`indexOf`); otherwise each place
   * where a window matches is checked for every form, skipping gaps, in the text itself (no
   * view to build: a line holding a secret costs one more regex pass). The percent-decoded view
   * is built, where the text has escapes and its window regex matches: decoding in the plain
   * view would break up a hex or base64 form that merely follows a `%` ("%" + "2121..." reads
   * as "!" + "21..."). A text with a tag character gets both views built.
   */
  private collect(text: string, level: Int32Array | undefined, hits: Hit[]): void {
    const info = this.classify(text);
    if (info.astral) {
      this.search(normalize(text, this.latin1, false), level, false, hits);
      if (info.percent) this.search(normalize(text, this.latin1, true), level, true, hits);
      return;
    }
    if (info.gaps === 0) this.search({ text, starts: undefined, ends: undefined }, level, false, hits);
    else {
      const original = (i: number) => level?.[i] ?? i;
      const windows = info.percent ? this.withPercent : this.plain;
      const last: Array<Hit | undefined> = [];
      const regex = windows.regex(info.gaps, true);
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m; m = regex.exec(text)) {
        const at = m.index;
        regex.lastIndex = at + 1;
        for (const [k, form] of windows.forms.entries()) {
          const span = matchAround(text, at, form, windows.start[k] as number);
          if (span) last[k] = addHit(hits, last[k], form, original(span[0]), original(span[1]));
        }
      }
    }
    if (info.escapes && this.maybeDecoded(text)) {
      this.search(normalize(text, this.latin1, true), level, true, hits);
    }
  }

  /** Every form of a view (indexOf; hex case-insensitively), hits mapped back through the view and `level`. */
  private search(view: View, level: Int32Array | undefined, decoded: boolean, hits: Hit[]): void {
    const original = (i: number) => level?.[i] ?? i;
    for (const form of decoded ? this.decodedForms : this.forms) {
      if (form.only === "decoded" && !decoded) continue;
      let last: Hit | undefined;
      const add = (a: number, b: number) => {
        if (form.kind === "base64") [a, b] = wholeQuanta(view.text, a, b, form);
        last = addHit(hits, last, form, original(view.starts?.[a] ?? a), original(view.ends?.[b - 1] ?? b));
      };
      const regex = this.hexExact.get(form.text);
      if (form.kind === "hex" && regex) {
        regex.lastIndex = 0;
        for (let m = regex.exec(view.text); m; m = regex.exec(view.text)) {
          add(m.index, m.index + form.text.length);
          regex.lastIndex = m.index + 1;
        }
      } else {
        for (let i = view.text.indexOf(form.text); i !== -1; i = view.text.indexOf(form.text, i + 1)) {
          add(i, i + form.text.length);
        }
      }
    }
  }
}

/**
 * A new hit, or the last hit of the same form extended: overlapping occurrences of one form (a
 * secret like "aaaaaa" in "aaaaaaaa") make one hit, so their number stays below the text's length
 * divided by the form's.
 */
function addHit(hits: Hit[], last: Hit | undefined, form: Form, start: number, end: number): Hit {
  if (last && start < last.end) {
    last.end = Math.max(last.end, end);
    return last;
  }
  const hit = { start, end, name: form.name, rank: form.rank };
  hits.push(hit);
  return hit;
}

const isGapUnit = (text: string, i: number) => GAP_BMP[text.charCodeAt(i)] === 1;

/** Whether a unit of the text is the form's unit (hex digits in either case). */
function sameUnit(unit: number, formUnit: number, hex: boolean): boolean {
  return unit === formUnit || (hex && formUnit >= 0x61 && formUnit <= 0x66 && unit === formUnit - 32);
}

/**
 * The span of `text` where `form` occurs with its window starting at `at`, BMP gap characters
 * allowed between its units (none before the first or after the last); a base64 form widened
 * to whole quanta. Undefined when it does not occur there.
 */
function matchAround(text: string, at: number, form: Form, windowStart: number): [number, number] | undefined {
  const f = form.text;
  const hex = form.kind === "hex";
  let i = at;
  for (let q = windowStart; q < f.length; q++) {
    if (q > windowStart) while (i < text.length && isGapUnit(text, i)) i++;
    if (i >= text.length || !sameUnit(text.charCodeAt(i), f.charCodeAt(q), hex)) return undefined;
    i++;
  }
  let start = at;
  for (let q = windowStart - 1; q >= 0; q--) {
    start--;
    while (start >= 0 && isGapUnit(text, start)) start--;
    if (start < 0 || !sameUnit(text.charCodeAt(start), f.charCodeAt(q), hex)) return undefined;
  }
  if (form.kind !== "base64") return [start, i];
  // Whole quanta, counting only the alphabet's characters (gaps are skipped, never counted).
  const { before, after, alphabet } = quanta(form);
  let end = i;
  for (let n = 0, j = start - 1; n < before; n++, j--) {
    while (j >= 0 && isGapUnit(text, j)) j--;
    if (j < 0 || !alphabet.test(text.charAt(j))) break;
    start = j;
  }
  for (let n = 0, j = end; n < after; n++, j++) {
    while (j < text.length && isGapUnit(text, j)) j++;
    if (j >= text.length || !(alphabet.test(text.charAt(j)) || text.charAt(j) === "=")) break;
    end = j + 1;
  }
  return [start, end];
}

/** How many characters before and after a base64 form complete its first and last quanta. */
function quanta(form: Extract<Form, { kind: "base64" }>): { before: number; after: number; alphabet: RegExp } {
  const total = form.k + form.bytes;
  return {
    before: Math.ceil((8 * form.k) / 6),
    after: 4 * Math.ceil(total / 3) - Math.floor((8 * total) / 6),
    alphabet: form.url ? /[A-Za-z0-9_-]/ : /[A-Za-z0-9+/]/,
  };
}

/**
 * A base64 occurrence `[a, b)` of the view widened to the 4-character quanta it touches (padding
 * included), as far as the view's characters are of that alphabet.
 */
function wholeQuanta(view: string, a: number, b: number, form: Extract<Form, { kind: "base64" }>): [number, number] {
  const { before, after, alphabet } = quanta(form);
  for (let n = 0; n < before && a > 0 && alphabet.test(view.charAt(a - 1)); n++) a--;
  for (let n = 0; n < after && b < view.length && (alphabet.test(view.charAt(b)) || view.charAt(b) === "="); n++) b++;
  return [a, b];
}

const SIMPLE_ESCAPES: Record<string, number> = { '"': 34, "\\": 92, "/": 47, b: 8, f: 12, n: 10, r: 13, t: 9 };
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** The code unit a JSON escape at `text[at]` (a backslash) stands for, if it is a valid one. */
function escapeAt(text: string, at: number): number | undefined {
  const c = text.charAt(at + 1);
  if (c === "u") {
    const digits = text.slice(at + 2, at + 6);
    return HEX4.test(digits) ? Number.parseInt(digits, 16) : undefined;
  }
  return SIMPLE_ESCAPES[c];
}

/**
 * The next level of a text: its JSON escapes decoded once, left to right (invalid ones kept
 * literally); the same text when there are none. With `withMap`, each unit (and one past the
 * end) mapped to the original text through `previous`, the map of this level. `again`: the new
 * level may hold escapes still, because a backslash came out of one (`\\` or `\u005c`), or an
 * invalid `\u` escape has another escape inside its four digits (`\u00\u0034\u0031`). A
 * backslash kept from any other invalid escape stays in front of the same character, invalid.
 */
function unescapeLevel(
  text: string,
  previous: Int32Array | undefined,
  withMap: boolean,
): { text: string; starts: Int32Array | undefined; again: boolean } {
  const starts = withMap ? new Int32Array(text.length + 1) : undefined;
  let out = "";
  let again = false;
  let d = 0;
  let i = 0;
  while (i < text.length) {
    const bs = text.indexOf("\\", i);
    const runEnd = bs === -1 ? text.length : bs;
    out += text.slice(i, runEnd);
    if (starts) {
      if (previous) starts.set(previous.subarray(i, runEnd), d);
      else for (let j = i; j < runEnd; j++) starts[d + j - i] = j;
      d += runEnd - i;
    }
    if (bs === -1) break;
    const code = escapeAt(text, bs);
    if (code === undefined) {
      out += "\\";
      if (text.charCodeAt(bs + 1) === 0x75 && text.slice(bs + 2, bs + 6).includes("\\")) again = true;
    } else {
      out += String.fromCharCode(code);
      if (code === 0x5c) again = true;
    }
    if (starts) starts[d++] = previous?.[bs] ?? bs;
    i = bs + (code === undefined ? 1 : text.charCodeAt(bs + 1) === 0x75 ? 6 : 2);
  }
  if (starts) starts[d] = previous?.[text.length] ?? text.length;
  return { text: out.length === text.length ? text : out, starts: starts?.subarray(0, d + 1), again };
}

/** Overlapping hits merged into their union, each named after its highest-ranked hit, in order. */
function mergeHits(hits: Hit[]): Hit[] {
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Hit[] = [];
  for (const hit of hits) {
    const last = merged[merged.length - 1];
    if (last && hit.start < last.end) {
      if (hit.end > last.end) last.end = hit.end;
      if (hit.rank > last.rank) {
        last.rank = hit.rank;
        last.name = hit.name;
      }
    } else merged.push({ ...hit });
  }
  return merged;
}

/** `text` with each merged hit replaced by `render(name)`. */
function replaceHits(text: string, hits: Hit[], render: (name: string) => string): string {
  let out = "";
  let pos = 0;
  for (const { start, end, name } of mergeHits(hits)) {
    out += text.slice(pos, start) + render(name);
    pos = end;
  }
  return out + text.slice(pos);
}

// ---------------------------------------------------------------------------------------------
// JSON tokens

/** What may stand between string tokens of a JSON-like line: punctuation, whitespace, numbers, literals. */
const GAP = /(?:[ \t\r\n{}[\]:,]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)*/y;
/** Characters of a number or literal, to which a secret found between strings is widened. */
const SCALAR = /[0-9eE+\-.truefalsn]/;

interface Cursor {
  /** Index of the next backslash at or after the last search, or the text's length if none (-1: unknown). */
  backslash: number;
  /** Whether the string token just scanned holds an escape. */
  escaped: boolean;
}

/** Index just after the closing quote of the string opening at `open`, or -1 if unterminated. */
function stringEnd(text: string, open: number, cursor: Cursor): number {
  let i = open + 1;
  let quote = text.indexOf('"', i);
  cursor.escaped = false;
  for (;;) {
    if (quote === -1) return -1;
    if (cursor.backslash < i) {
      const bs = text.indexOf("\\", i);
      cursor.backslash = bs === -1 ? text.length : bs;
    }
    if (cursor.backslash > quote) return quote + 1;
    cursor.escaped = true;
    i = cursor.backslash + 2;
    if (i > quote) quote = text.indexOf('"', i);
  }
}

/** The value of a JSON string token, or undefined if it is not a valid one. */
function parseString(token: string): string | undefined {
  try {
    const value: unknown = JSON.parse(token);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Redact secrets between string tokens: each hit, widened to its numbers/literals, becomes a quoted marker. */
function redactGap(line: string, from: number, to: number, detector: Detector, edits: Array<[number, number, string]>) {
  const text = line.slice(from, to);
  const hits = detector.find(text, false) ?? [];
  if (hits.length === 0) return;
  for (const hit of hits) {
    while (hit.start > 0 && SCALAR.test(text.charAt(hit.start - 1))) hit.start--;
    while (hit.end < text.length && SCALAR.test(text.charAt(hit.end))) hit.end++;
  }
  for (const m of mergeHits(hits)) edits.push([from + m.start, from + m.end, JSON.stringify(marker(m.name))]);
}

function applyEdits(line: string, edits: Array<[number, number, string]>): string {
  if (edits.length === 0) return line;
  edits.sort((a, b) => a[0] - b[0]);
  let out = "";
  let pos = 0;
  for (const [start, end, text] of edits) {
    out += line.slice(pos, start) + text;
    pos = end;
  }
  return out + line.slice(pos);
}

const ID_LITERAL = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|null)$/;
const ID_END = /[\s,}\]]/;
const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r";

/** The raw text of the top-level `"id"` member's value (number, string or null; last one wins) and whether a `"method"` member exists. */
function topLevelIdAndMethod(line: string): { id: string | undefined; method: boolean } {
  const cursor: Cursor = { backslash: -1, escaped: false };
  let id: string | undefined;
  let method = false;
  let depth = 0;
  let key: string | undefined; // a top-level member whose value comes next
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (c === '"') {
      const end = stringEnd(line, i, cursor);
      if (end === -1) break;
      if (depth === 1) {
        if (key !== undefined) {
          if (key === "id") id = parseString(line.slice(i, end)) === undefined ? undefined : line.slice(i, end);
          key = undefined;
        } else {
          let j = end;
          while (isSpace(line.charAt(j))) j++;
          if (line.charAt(j) === ":") {
            key = parseString(line.slice(i, end)) ?? "";
            if (key === "method") method = true;
            i = j + 1;
            continue;
          }
        }
      }
      i = end;
      continue;
    }
    if (depth === 1 && key !== undefined && !isSpace(c)) {
      if (c === "{" || c === "[") {
        if (key === "id") id = undefined;
      } else {
        let j = i;
        while (j < line.length && !ID_END.test(line.charAt(j))) j++;
        if (key === "id") {
          const raw = line.slice(i, j);
          id = ID_LITERAL.test(raw) ? raw : undefined;
        }
        key = undefined;
        i = j;
        continue;
      }
      key = undefined;
    }
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    i++;
  }
  return { id, method };
}
