/**
 * One pass over a JSON(C) text that validates all of it and builds a tree only where asked:
 * `~/.claude.json` can be 67 MB, nearly all of it prompt history nobody here needs, and
 * jsonc-parser's `parseTree` builds a node for every value (1.5 s and 660 MB for 67 MB;
 * its `visit` still 0.85 s and 420 MB, as every token becomes a string). This scanner takes
 * ~0.2 s and allocates nothing for the parts it only checks.
 *
 * It accepts exactly what jsonc-parser accepts with `{ allowTrailingComma: true,
 * allowEmptyContent: true }` and comments (a differential property test holds it to that), and
 * reports where it stopped; json-read.ts asks jsonc-parser for the message then. Every member
 * of an expanded object is kept, a duplicate key included: JSON.parse and jsonc-parser keep
 * only the last, and a shadowed copy (a plaintext token in it) would be invisible.
 * Pure: text in, tree out; iterative, so no nesting depth overflows the stack (a limit refuses
 * absurd depths instead).
 */

export interface JsonNode {
  type: "object" | "array" | "string" | "number" | "boolean" | "null";
  offset: number;
  length: number;
  /** Whether the content was kept (objects and arrays on an asked path, and everything inside one). */
  expanded: boolean;
  /** An expanded object's members in order, duplicate keys included. */
  members?: JsonMember[];
  /** An expanded array's items. */
  items?: JsonNode[];
  /** An expanded leaf's value. */
  value?: string | number | boolean | null;
}

export interface JsonMember {
  key: string;
  /** Offset of the key's opening quote; the member ends where its value ends. */
  offset: number;
  value: JsonNode;
}

/**
 * Which objects to expand, as key paths from the root ("*" matches any key): every object on
 * a path, and everything at or below its end, e.g. [["mcpServers"], ["projects", "*", "mcpServers"]].
 */
export type Patterns = readonly (readonly string[])[];

/** Refused beyond this depth: real configs nest a dozen levels; 100,000 is an attack. */
export const MAX_DEPTH = 1000;

export type ScanResult =
  | { ok: true; root: JsonNode | undefined }
  | { ok: false; offset: number; reason: "syntax" | "depth" };

// Character codes.
const QUOTE = 34;
const BACKSLASH = 92;
const SLASH = 47;
const STAR = 42;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;
const DOT = 46;
const LF = 10;
const CR = 13;
const TAB = 9;
const SPACE = 32;

const HEX4 = /[0-9a-fA-F]{4}/y;

const isDigit = (c: number) => c >= 48 && c <= 57;

/** jsonc-parser reads a word up to one of these (then only true, false and null are words). */
function endsWord(c: number): boolean {
  return (
    c === SPACE ||
    c === TAB ||
    c === LF ||
    c === CR ||
    c === CLOSE_BRACE ||
    c === CLOSE_BRACKET ||
    c === OPEN_BRACE ||
    c === OPEN_BRACKET ||
    c === QUOTE ||
    c === COLON ||
    c === COMMA ||
    c === SLASH ||
    Number.isNaN(c)
  );
}

const OBJECT = 1;
const ARRAY = 2;
/** What a container expects next: its first member or its end; a comma or its end; a member or its end. */
const START = 0;
const AFTER_VALUE = 1;
const AFTER_COMMA = 2;

/**
 * The text and a cursor. A plain loop over charCodeAt is the fastest way through a string here
 * (67 MB: 0.17 s against 0.23 s for indexOf of the quote plus a check of what it skipped, and
 * 0.5 s for cached indexOf of each character a string may not hold).
 */
class Cursor {
  pos = 0;
  failAt = -1;
  failReason: "syntax" | "depth" = "syntax";
  readonly len: number;
  constructor(readonly text: string) {
    this.len = text.length;
  }

  fail(at: number, reason: "syntax" | "depth" = "syntax"): false {
    this.failAt = at;
    this.failReason = reason;
    return false;
  }

  /** Index just after the string whose quote is at `start`, or -1 (an error). */
  stringEnd(start: number): number {
    const text = this.text;
    const len = this.len;
    let p = start + 1;
    while (p < len) {
      const c = text.charCodeAt(p);
      if (c === QUOTE) return p + 1;
      if (c < 32) return -1; // a control character, a line break included
      if (c === BACKSLASH) {
        const e = text.charCodeAt(p + 1);
        if (e === 117) {
          HEX4.lastIndex = p + 2;
          if (!HEX4.test(text)) return -1;
          p += 6;
        } else if (
          e === QUOTE ||
          e === BACKSLASH ||
          e === SLASH ||
          e === 98 ||
          e === 102 ||
          e === 110 ||
          e === 114 ||
          e === 116
        ) {
          p += 2;
        } else return -1;
      } else p++;
    }
    return -1;
  }

  /** Skip whitespace and comments from `pos`; false on a block comment that is not closed. */
  trivia(): boolean {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === SPACE || c === LF || c === TAB || c === CR) pos++;
      else if (c === SLASH && text.charCodeAt(pos + 1) === SLASH) {
        pos += 2;
        while (pos < this.len) {
          const d = text.charCodeAt(pos);
          if (d === LF || d === CR) break;
          pos++;
        }
      } else if (c === SLASH && text.charCodeAt(pos + 1) === STAR) {
        const end = text.indexOf("*/", pos + 2);
        if (end === -1) return this.fail(pos);
        pos = end + 2;
      } else {
        this.pos = pos;
        return true;
      }
    }
  }

  /** Skip the leaf value (string, number, literal) at `pos`. */
  leaf(): boolean {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (c === QUOTE) {
      const end = this.stringEnd(start);
      if (end === -1) return this.fail(start);
      this.pos = end;
      return true;
    }
    let pos = start;
    if (c === MINUS || isDigit(c)) {
      // jsonc-parser's scanNumber.
      if (c === MINUS) {
        pos++;
        if (!isDigit(text.charCodeAt(pos))) return this.fail(start);
      }
      if (text.charCodeAt(pos) === 48) pos++;
      else while (isDigit(text.charCodeAt(pos))) pos++;
      if (text.charCodeAt(pos) === DOT) {
        pos++;
        if (!isDigit(text.charCodeAt(pos))) return this.fail(start);
        while (isDigit(text.charCodeAt(pos))) pos++;
      }
      const e = text.charCodeAt(pos);
      if (e === 69 || e === 101) {
        pos++;
        const sign = text.charCodeAt(pos);
        if (sign === 43 || sign === MINUS) pos++;
        if (!isDigit(text.charCodeAt(pos))) return this.fail(start);
        while (isDigit(text.charCodeAt(pos))) pos++;
      }
      this.pos = pos;
      return true;
    }
    while (pos < this.len && !endsWord(text.charCodeAt(pos))) pos++;
    const n = pos - start;
    const ok =
      (n === 4 && text.startsWith("true", start)) ||
      (n === 5 && text.startsWith("false", start)) ||
      (n === 4 && text.startsWith("null", start));
    if (!ok) return this.fail(start);
    this.pos = pos;
    return true;
  }

  // The containers nobody asked for (nearly all of a big file) are checked with a typed stack,
  // allocating nothing.
  private kinds = new Uint8Array(MAX_DEPTH + 1);
  private states = new Uint8Array(MAX_DEPTH + 1);

  /** Skip the object or array at `pos`, which sits `depth` containers deep. */
  container(depth: number): boolean {
    const text = this.text;
    const kinds = this.kinds;
    const states = this.states;
    let top = 0;
    kinds[0] = text.charCodeAt(this.pos) === OPEN_BRACE ? OBJECT : ARRAY;
    states[0] = START;
    this.pos++;
    for (;;) {
      if (!this.trivia()) return false;
      const c = text.charCodeAt(this.pos);
      const kind = kinds[top];
      if (c === (kind === OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) {
        this.pos++;
        if (top === 0) return true;
        top--;
        continue;
      }
      if (states[top] === AFTER_VALUE) {
        if (c !== COMMA) return this.fail(this.pos);
        this.pos++;
        states[top] = AFTER_COMMA;
        continue;
      }
      states[top] = AFTER_VALUE;
      if (kind === OBJECT) {
        if (c !== QUOTE) return this.fail(this.pos);
        const end = this.stringEnd(this.pos);
        if (end === -1) return this.fail(this.pos);
        this.pos = end;
        if (!this.trivia()) return false;
        if (text.charCodeAt(this.pos) !== COLON) return this.fail(this.pos);
        this.pos++;
        if (!this.trivia()) return false;
      }
      const v = text.charCodeAt(this.pos);
      if (v === OPEN_BRACE || v === OPEN_BRACKET) {
        if (depth + top + 1 >= MAX_DEPTH) return this.fail(this.pos, "depth");
        top++;
        kinds[top] = v === OPEN_BRACE ? OBJECT : ARRAY;
        states[top] = START;
        this.pos++;
      } else if (!this.leaf()) return false;
    }
  }

  /** The string between the quotes at `start` and `end - 1`, escapes decoded. */
  decode(start: number, end: number): string {
    const raw = this.text.slice(start + 1, end - 1);
    return raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
  }
}

interface Frame {
  node: JsonNode;
  kind: typeof OBJECT | typeof ARRAY;
  state: number;
  /** At or below the end of an asked path: everything is kept. */
  inside: boolean;
  /** Asked paths that continue below this object. */
  live: Patterns;
  /** Length of this node's key path (= containers around its content). */
  depth: number;
}

/**
 * Scan `text` (no BOM) as one JSON(C) value at key path `base` (the root: []), expanding what
 * `patterns` ask for. Members of an expanded object are all listed; the values of those off
 * the asked paths only by type and extent.
 * @example scanJsonc('{"a": {"b": 1}, "c": [2]}', [["a"]])
 *   // root: object, members a (expanded, member b = 1) and c (an array: extent only)
 */
export function scanJsonc(text: string, patterns: Patterns, base: readonly string[] = []): ScanResult {
  const cur = new Cursor(text);
  const stack: Frame[] = [];

  /**
   * Read the value at the cursor, `depth` containers deep: a leaf whole, an opaque container
   * skipped, an expanded one opened (its frame pushed: the loop below reads its content).
   */
  const readValue = (inside: boolean, live: Patterns, depth: number): JsonNode | undefined => {
    const start = cur.pos;
    const c = text.charCodeAt(start);
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth >= MAX_DEPTH) {
        cur.fail(start, "depth");
        return undefined;
      }
      const kind = c === OPEN_BRACE ? OBJECT : ARRAY;
      const type = kind === OBJECT ? "object" : "array";
      // Arrays are kept only inside an asked path (server arguments); objects also on the way there.
      if (!(inside || (kind === OBJECT && live.length > 0))) {
        if (!cur.container(depth)) return undefined;
        return { type, offset: start, length: cur.pos - start, expanded: false };
      }
      const node: JsonNode = { type, offset: start, length: 0, expanded: true };
      if (kind === OBJECT) node.members = [];
      else node.items = [];
      cur.pos++;
      stack.push({ node, kind, state: START, inside, live, depth });
      return node;
    }
    if (!cur.leaf()) return undefined;
    const type = c === QUOTE ? "string" : c === MINUS || isDigit(c) ? "number" : c === 110 ? "null" : "boolean";
    const node: JsonNode = { type, offset: start, length: cur.pos - start, expanded: inside };
    if (inside) {
      const raw = text.slice(start, cur.pos);
      node.value =
        type === "string"
          ? cur.decode(start, cur.pos)
          : type === "number"
            ? Number(raw)
            : type === "null"
              ? null
              : raw === "true";
    }
    return node;
  };

  const done = (root?: JsonNode): ScanResult =>
    cur.failAt === -1 ? { ok: true, root } : { ok: false, offset: cur.failAt, reason: cur.failReason };

  if (!cur.trivia()) return done();
  if (cur.pos >= text.length) return done();
  const matching = patterns.filter((p) => base.every((k, i) => p[i] === undefined || p[i] === "*" || p[i] === k));
  const root = readValue(
    matching.some((p) => p.length <= base.length),
    matching.filter((p) => p.length > base.length),
    base.length,
  );
  if (root === undefined) return done();

  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (!cur.trivia()) return done();
    const c = text.charCodeAt(cur.pos);
    if (c === (frame.kind === OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) {
      cur.pos++;
      frame.node.length = cur.pos - frame.node.offset;
      stack.pop();
      continue;
    }
    if (frame.state === AFTER_VALUE) {
      if (c !== COMMA) {
        cur.fail(cur.pos);
        return done();
      }
      cur.pos++;
      frame.state = AFTER_COMMA;
      continue;
    }
    frame.state = AFTER_VALUE;
    if (frame.kind === ARRAY) {
      const item = readValue(true, [], frame.depth + 1);
      if (item === undefined) return done();
      (frame.node.items as JsonNode[]).push(item);
      continue;
    }
    const keyStart = cur.pos;
    const keyEnd = c === QUOTE ? cur.stringEnd(keyStart) : -1;
    if (keyEnd === -1) {
      cur.fail(keyStart);
      return done();
    }
    cur.pos = keyEnd;
    const key = cur.decode(keyStart, keyEnd);
    if (!cur.trivia()) return done();
    if (text.charCodeAt(cur.pos) !== COLON) {
      cur.fail(cur.pos);
      return done();
    }
    cur.pos++;
    if (!cur.trivia()) return done();
    let inside = frame.inside;
    const live: (readonly string[])[] = [];
    if (!inside) {
      for (const p of frame.live) {
        const k = p[frame.depth];
        if (k !== "*" && k !== key) continue;
        if (p.length === frame.depth + 1) inside = true;
        else live.push(p);
      }
    }
    const value = readValue(inside, live, frame.depth + 1);
    if (value === undefined) return done();
    (frame.node.members as JsonMember[]).push({ key, offset: keyStart, value });
  }
  if (!cur.trivia()) return done();
  if (cur.pos < text.length) cur.fail(cur.pos);
  return done(root);
}
