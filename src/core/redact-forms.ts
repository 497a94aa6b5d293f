/**
 * What `--redact` looks for (the overview is in redact.ts): the characters that never count
 * (whitespace, controls, default-ignorable code points), every form of a secret (its text,
 * percent-encoded as the common encoders write it, hex, base64 and base64url fragments), and the
 * normalized view of a text (those characters dropped, percent escapes decoded), each unit
 * mapped back to where it came from. Pure.
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

// ---------------------------------------------------------------------------------------------
// Characters that never count: whitespace, control characters, default-ignorable code points

/**
 * Unicode White_Space ∪ Cc ∪ Default_Ignorable_Code_Point (Unicode 16, as `\p{...}` in Bun 1.4;
 * test/unit/redact.test.ts checks the list against the runtime's tables).
 */
export const GAP_RANGES: ReadonlyArray<readonly [number, number]> = [
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

export const GAP_BMP = new Uint8Array(0x10000);
for (const [from, to] of GAP_RANGES) for (let cp = from; cp <= Math.min(to, 0xffff); cp++) GAP_BMP[cp] = 1;

export const u4 = (n: number) => `\\u${n.toString(16).padStart(4, "0")}`;
/** The BMP gap characters as a regex class body (no `u` flag: faster on two-byte strings). */
export const GAP_CLASS = GAP_RANGES.filter(([from]) => from < 0x10000)
  .map(([from, to]) => (from === to ? u4(from) : `${u4(from)}-${u4(to)}`))
  .join("");
/** High surrogates of the astral gap characters (tag characters etc.). */
export const ASTRAL_GAP_LEADS = "\\ud82f\\ud834\\udb40-\\udb43";
/** A character that the view would drop, or a `%` it might decode: the text is not its own view. */
export const NOT_PLAIN = new RegExp(`[%${GAP_CLASS}${ASTRAL_GAP_LEADS}]`);

export function dropGaps(text: string): string {
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

export interface FormBase {
  text: string;
  name: string;
  rank: number;
  /** Only in the plain view, or only in the percent-decoded one (undefined: both). */
  only?: "plain" | "decoded";
}
export type Form =
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
export function secretForms({ name, value }: Secret, latin1: boolean): Form[] | undefined {
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

export interface View {
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
export function percentCodePoint(text: string, at: number, latin1: boolean): [cp: number, length: number] | undefined {
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
export function normalize(text: string, latin1: boolean, percent: boolean): View {
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
