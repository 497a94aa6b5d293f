/**
 * The redactor behind `mcp-op run --redact`: a filter on the server's stdout (one JSON-RPC
 * message per line) and stderr that keeps resolved secrets out of the client, and so out of the
 * model's context. Pure: the caller does the reading, writing and warning.
 *
 * `op run`'s own masking is byte-level: it misses a secret the server prints JSON-escaped
 * (`\"`, `\\`, `\uXXXX`) or encoded, and it rewrites the protocol stream blindly. This one looks
 * inside JSON strings and rewrites only the string tokens that hold a secret.
 *
 * What counts as an occurrence of a secret (every form below is a "needle"):
 * - the raw value, and its JSON-escaped form (`JSON.stringify(value)` without the quotes);
 * - standard base64 and base64url of its UTF-8 bytes at each of the three byte alignments, i.e.
 *   the value embedded anywhere inside a larger blob: only the characters that depend on the
 *   value's bytes alone are kept (see {@link base64Fragments});
 * - percent-encoding as written by `encodeURIComponent`, by RFC 3986 (unreserved kept) and by
 *   `application/x-www-form-urlencoded` (`URLSearchParams`), each with upper- and lower-case hex
 *   and with `%20` or `+` for a space;
 * - hex of its UTF-8 bytes, lower and upper case.
 *
 * Encoded needles shorter than the raw value are dropped (no short false positives); for values
 * of {@link MIN_SECRET_LENGTH} or more none is. Text holding backslashes is also searched after
 * decoding its JSON escapes (`\uXXXX`, `\/`, ...), so a secret escaped in any way is found
 * (inside a JSON string this reaches one level of nesting: JSON text inside a JSON string).
 *
 * Policies:
 * - Short secrets: see {@link MIN_SECRET_LENGTH}; they are listed in `skipped`, never redacted.
 * - Overlaps: where occurrences overlap (one secret inside another, or two overlapping partly),
 *   the union of their spans is replaced by one marker named after the longest secret (the first
 *   configured one on a tie), so the longer match wins and no tail of either is left behind.
 *   Occurrences that merely touch get a marker each.
 *   Secrets are searched with `indexOf`: regex metacharacters in values mean nothing.
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
 * Secrets shorter than this (in Unicode code points) are not redacted as substrings: they are
 * listed in `skipped` so the caller can warn by name. A 3-character secret would match all over
 * ordinary text and base64 and shred the stream, and a value that short is guessable anyway; 6
 * is the shortest length for which every base64 fragment is at least as long as the value. There
 * is deliberately no exception for a JSON string whose whole value equals a short secret: that
 * would rewrite protocol fields (`"jsonrpc":"2.0"`, `"type":"text"`) whenever a secret is such a
 * common word.
 */
export const MIN_SECRET_LENGTH = 6;

/**
 * A stdout line longer than this (in UTF-16 code units of the decoded line, ~bytes) is not
 * scanned: it is withheld ({@link withheldLine}), whether or not secrets are configured, so
 * the filter's memory and latency stay bounded and an unscanned line never reaches the client.
 */
export const MAX_LINE_LENGTH = 10 * 1024 * 1024;

export interface Redactor {
  /**
   * One complete stdout line, without its trailing "\n". Returns the line to forward (without
   * "\n"); an empty result for a non-empty line means "forward nothing" (a withheld line that
   * could not be answered, see {@link withheldLine}).
   *
   * - Fast path: a line with no backslash and no needle is returned as is (`===`), untokenized.
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

interface Needle {
  text: string;
  name: string;
  /** Length of the secret it encodes: the longest secret wins an overlap. */
  rank: number;
}

interface Hit {
  start: number;
  end: number;
  name: string;
  rank: number;
}

/**
 * Build the redactor for a run's resolved secrets.
 * @example createRedactor([{ name: "TOKEN", value: "s3cr3t-value" }]).redactLine('{"a":"x s3cr3t-value"}') // '{"a":"x [redacted:TOKEN]"}'
 * @example createRedactor([{ name: "PIN", value: "1234" }]).skipped // ["PIN"]
 */
export function createRedactor(secrets: readonly Secret[]): Redactor {
  const skipped: string[] = [];
  const byText = new Map<string, Needle>();
  for (const { name, value } of secrets) {
    if (codePoints(value) < MIN_SECRET_LENGTH) {
      skipped.push(name);
      continue;
    }
    for (const text of [value, ...encodedForms(value)]) {
      const known = byText.get(text);
      if (!known || value.length > known.rank) byText.set(text, { text, name, rank: value.length });
    }
  }
  const needles = [...byText.values()];
  // A form that differs from the raw text only by JSON escapes holds a backslash, and a line
  // with a backslash takes the slow path anyway.
  const fastNeedles = needles.filter((n) => !n.text.includes("\\"));
  // Only forms holding `"` or `\` can be in a line's raw text but not in its decoded strings.
  const strayNeedles = needles.filter((n) => /["\\]/.test(n.text));

  // One pass of a (literal) alternation beats a dozen `indexOf` calls on short texts; on long
  // ones `includes` is faster.
  const alternation = new RegExp(needles.map((n) => n.text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"));
  const holdsNeedle = (text: string): boolean =>
    text.length > 65536 ? needles.some((n) => text.includes(n.text)) : alternation.test(text);

  const mask = (text: string): string => {
    if (needles.length === 0) return text;
    const hits = holdsNeedle(text) ? findHits(text, needles) : [];
    if (text.includes("\\")) {
      const decoded = unescapeView(text, false)?.text;
      const view = decoded !== undefined && holdsNeedle(decoded) ? unescapeView(text, true) : undefined;
      if (view) {
        for (const h of findHits(view.text, needles)) {
          hits.push({ ...h, start: view.starts[h.start] ?? 0, end: view.starts[h.end] ?? text.length });
        }
      }
    }
    return hits.length === 0 ? text : replaceHits(text, hits, (name) => marker(name));
  };

  const redactLine = (line: string): string => {
    if (line.length > MAX_LINE_LENGTH) {
      const answer = withheldLine(line);
      return answer === "" ? "" : redactLine(answer);
    }
    if (needles.length === 0) return line;
    const hasNeedle = fastNeedles.some((n) => line.includes(n.text));
    if (!hasNeedle && !line.includes("\\")) return line;

    // Where needles occur in the raw line: an unescaped token or a gap elsewhere holds none.
    const regions = hasNeedle ? mergeHits(findHits(line, fastNeedles)) : [];
    let r = 0;
    const touched = (from: number, to: number): boolean => {
      while ((regions[r]?.end ?? Number.POSITIVE_INFINITY) <= from) r++;
      return (regions[r]?.start ?? Number.POSITIVE_INFINITY) < to;
    };

    const edits: Array<[start: number, end: number, text: string]> = [];
    const gap = (from: number, to: number): boolean => {
      GAP.lastIndex = from;
      if (!GAP.test(line) || GAP.lastIndex !== to) return false;
      if (touched(from, to)) redactGap(line, from, to, needles, edits);
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
    return strayNeedles.some((n) => out.includes(n.text)) ? mask(line) : out;
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

// ---------------------------------------------------------------------------------------------
// Needles

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** Characters each percent-encoder writes as is: encodeURIComponent, RFC 3986, form encoding. */
const URL_KEPT = [`${ALNUM}-_.!~*'()`, `${ALNUM}-_.~`, `${ALNUM}*-._`].map((chars) => new Set(chars));

const utf8 = new TextEncoder();

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Every encoded form of `value` that is searched for, deduplicated, none shorter than `value`. */
function encodedForms(value: string): string[] {
  const bytes = utf8.encode(value);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  const forms = [JSON.stringify(value).slice(1, -1), hex, hex.toUpperCase()];
  for (const fragment of base64Fragments(bytes)) forms.push(fragment, fragment.replace(/\+/g, "-").replace(/\//g, "_"));
  for (const kept of URL_KEPT) {
    for (const upper of [true, false]) {
      for (const plus of [false, true]) forms.push(percentEncode(value, kept, upper, plus));
    }
  }
  return [...new Set(forms)].filter((f) => f !== value && f.length >= value.length);
}

/**
 * The base64 characters that depend on `bytes` alone when they sit at byte offset 0, 1 or 2 of a
 * larger blob: base64 of (k filler bytes + bytes), minus the leading characters touched by the
 * filler and the trailing one touched by whatever follows.
 * @example base64Fragments(new TextEncoder().encode("secret"))[0] // "c2VjcmV0" (all of base64("secret"))
 */
function base64Fragments(bytes: Uint8Array): string[] {
  const fragments: string[] = [];
  for (let k = 0; k < 3; k++) {
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
    fragments.push(out.slice(Math.ceil((8 * k) / 6)));
  }
  return fragments;
}

function percentEncode(value: string, kept: ReadonlySet<string>, upper: boolean, plusForSpace: boolean): string {
  let out = "";
  for (const ch of value) {
    if (kept.has(ch)) out += ch;
    else if (ch === " " && plusForSpace) out += "+";
    else {
      for (const byte of utf8.encode(ch)) {
        const h = byte.toString(16).padStart(2, "0");
        out += `%${upper ? h.toUpperCase() : h}`;
      }
    }
  }
  return out;
}

function marker(name: string): string {
  return `[redacted:${name}]`;
}

// ---------------------------------------------------------------------------------------------
// Search and replace

/** Every occurrence of every needle, overlapping ones included. */
function findHits(text: string, needles: readonly Needle[]): Hit[] {
  const hits: Hit[] = [];
  for (const { text: needle, name, rank } of needles) {
    for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) {
      hits.push({ start: i, end: i + needle.length, name, rank });
    }
  }
  return hits;
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

/**
 * `text` with its JSON escapes decoded (invalid ones kept literally), and, if asked for, for each
 * decoded code unit the index in `text` where it starts (`starts[view.length] === text.length`).
 * Undefined when nothing was decoded.
 */
function unescapeView(text: string, withStarts: boolean): { text: string; starts: Int32Array } | undefined {
  const starts = new Int32Array(withStarts ? text.length + 1 : 0);
  let out = "";
  let decodedAny = false;
  let d = 0;
  let i = 0;
  while (i < text.length) {
    const bs = text.indexOf("\\", i);
    const runEnd = bs === -1 ? text.length : bs;
    out += text.slice(i, runEnd);
    if (withStarts) for (let j = i; j < runEnd; j++) starts[d++] = j;
    if (bs === -1) break;
    const code = escapeAt(text, bs);
    out += code === undefined ? "\\" : String.fromCharCode(code);
    if (withStarts) starts[d++] = bs;
    i = bs + (code === undefined ? 1 : text.charCodeAt(bs + 1) === 0x75 ? 6 : 2);
    if (code !== undefined) decodedAny = true;
  }
  if (withStarts) starts[d] = text.length;
  return decodedAny ? { text: out, starts } : undefined;
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
function redactGap(
  line: string,
  from: number,
  to: number,
  needles: readonly Needle[],
  edits: Array<[number, number, string]>,
) {
  const text = line.slice(from, to);
  const hits = findHits(text, needles);
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
