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
 * 3. In the views, every form of every secret (see secretForms in redact-forms.ts): its value
 *    (also with `+` for spaces, and literally as the common percent-encoders write it), the hex
 *    of its bytes in any mix of case, and the base64 and base64url characters that depend on its
 *    bytes alone at each of the three byte alignments inside a larger blob. Line breaks and
 *    indentation inside a base64 run are gone from the views, and a base64 occurrence is widened
 *    to whole 4-character quanta, padding included, so no character that carries a bit of the
 *    secret is left next to the marker.
 * Building views costs a JavaScript loop over every character, so each level first goes through
 * a check that is never wrong in the "no" direction (Detector.maybe in redact-search.ts, native
 * scans only): `includes` when the text has nothing to drop or decode, else one regular
 * expression over the last WINDOW (16) characters of every form with the droppable characters
 * allowed between them; for a text with `%XX` escapes, the same on a copy decoded by
 * `decodeURIComponent`. Where that says "maybe", the plain view is checked form by form at each
 * place the regex matches, in the text itself (no view built); the decoded view is built only
 * where its check said "maybe", and both views only for a text with a tag character (rare).
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
 *
 * Files: redact-forms.ts (the characters that never count, a secret's forms, the views),
 * redact-search.ts (the prefilter, the exact search, the levels of escapes, hits), and this one
 * (the API, and the line redactor: JSON string tokens and what lies between them).
 */

import { dropGaps, type Form, type Secret, secretForms } from "./redact-forms.ts";
import { Detector, type Hit, mergeHits, replaceHits } from "./redact-search.ts";

export { MIN_SECRET_LENGTH, type Secret } from "./redact-forms.ts";
export { LEVEL_BUDGET } from "./redact-search.ts";

/**
 * A stdout line longer than this (in UTF-16 code units of the decoded line, ~bytes) is not
 * scanned: it is withheld ({@link withheldLine}), whether or not secrets are configured, so
 * the filter's memory and latency stay bounded and an unscanned line never reaches the client.
 */
export const MAX_LINE_LENGTH = 10 * 1024 * 1024;

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
