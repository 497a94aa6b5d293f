/**
 * How `--redact` searches a text (the overview is in redact.ts): a prefilter that is never wrong
 * in the "no" direction, native scans only ({@link Detector.maybe}); where it says "maybe", the
 * exact search of every form in the plain view, and in the percent-decoded view where the text
 * has escapes; each level of JSON escapes in turn, within {@link LEVEL_BUDGET}; the hits mapped
 * back to the text and merged. Pure.
 */
import {
  ASTRAL_GAP_LEADS,
  type Form,
  GAP_BMP,
  GAP_CLASS,
  GAP_RANGES,
  NOT_PLAIN,
  normalize,
  percentCodePoint,
  u4,
  type View,
} from "./redact-forms.ts";

/**
 * Decoding JSON escapes level by level costs the length of each level. A text whose levels add
 * up to more than this many times its own length, plus 64 Ki characters, is not searched further:
 * natural nesting halves the escapes at each level (an `"` nested 20 deep is a million
 * backslashes), so only contrived input (`\u005cu005cu005c...`, one level per 5 characters)
 * gets there. Such a text is replaced as a whole by redact.ts's UNSCANNABLE, never passed on.
 */
export const LEVEL_BUDGET = 16;

export interface Hit {
  start: number;
  end: number;
  name: string;
  /** Length of the secret: the longest secret wins an overlap. */
  rank: number;
}

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
export class Detector {
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
export function mergeHits(hits: Hit[]): Hit[] {
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
export function replaceHits(text: string, hits: Hit[], render: (name: string) => string): string {
  let out = "";
  let pos = 0;
  for (const { start, end, name } of mergeHits(hits)) {
    out += text.slice(pos, start) + render(name);
    pos = end;
  }
  return out + text.slice(pos);
}
