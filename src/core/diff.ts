/**
 * The unified diff `--dry-run` prints for a config change: 3 lines of context, "\ No newline at
 * end of file" where it applies, and for a change given as edits only the lines around them.
 * Pure.
 */
import { applyEdits, type Edit, shifted } from "./config-doc.ts";

const NO_EOL = "\u0000no-eol";

function diffLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (text.endsWith("\n")) lines.pop();
  else lines[lines.length - 1] += NO_EOL;
  return lines;
}

interface DiffOp {
  tag: " " | "-" | "+";
  line: string;
  /** Lines of before/after passed when this op starts. */
  a: number;
  b: number;
}

function diffOps(a: readonly string[], b: readonly string[]): DiffOp[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const n = a.length - pre - suf;
  const m = b.length - pre - suf;
  const ops: DiffOp[] = [];
  for (let i = 0; i < pre; i++) ops.push({ tag: " ", line: a[i] as string, a: i, b: i });
  let i = 0;
  let j = 0;
  if (n > 0 && m > 0 && n * m <= 4_000_000) {
    // LCS lengths of the suffixes of the changed middle.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let x = n - 1; x >= 0; x--) {
      for (let y = m - 1; y >= 0; y--) {
        lcs[x * w + y] =
          a[pre + x] === b[pre + y]
            ? (lcs[(x + 1) * w + y + 1] ?? 0) + 1
            : Math.max(lcs[(x + 1) * w + y] ?? 0, lcs[x * w + y + 1] ?? 0);
      }
    }
    while (i < n && j < m) {
      if (a[pre + i] === b[pre + j]) {
        ops.push({ tag: " ", line: a[pre + i] as string, a: pre + i, b: pre + j });
        i++;
        j++;
      } else if ((lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0)) {
        ops.push({ tag: "-", line: a[pre + i] as string, a: pre + i, b: pre + j });
        i++;
      } else {
        ops.push({ tag: "+", line: b[pre + j] as string, a: pre + i, b: pre + j });
        j++;
      }
    }
  }
  for (; i < n; i++) ops.push({ tag: "-", line: a[pre + i] as string, a: pre + i, b: pre + j });
  for (; j < m; j++) ops.push({ tag: "+", line: b[pre + j] as string, a: pre + n, b: pre + j });
  for (let k = 0; k < suf; k++) {
    ops.push({ tag: " ", line: a[pre + n + k] as string, a: pre + n + k, b: pre + m + k });
  }
  return ops;
}

/**
 * A unified diff (3 lines of context) of `before` -> `after`; "" when they are equal. With
 * `edits` (the change as edits of `before`), only the lines around them are compared and
 * `after` is not read: a 67 MB config differs in a few lines.
 */
export function unifiedDiff(path: string, before: string, after: string, edits?: readonly Edit[]): string {
  const context = 3;
  let lineOffset = 0;
  if (edits !== undefined && edits.length > 0) {
    let from = Math.min(...edits.map((e) => e.offset));
    let to = Math.max(...edits.map((e) => e.offset + e.length));
    const lineStartOf = (pos: number) => (pos <= 0 ? 0 : before.lastIndexOf("\n", pos - 1) + 1);
    from = lineStartOf(from);
    for (let k = 0; k < context + 1 && from > 0; k++) from = lineStartOf(from - 1);
    for (let k = 0; k < context + 1 && to < before.length; k++) {
      const nl = before.indexOf("\n", k === 0 ? to : to + 1);
      to = nl === -1 ? before.length : nl;
    }
    if (to < before.length) to++; // the line break of the last line kept
    for (let i = before.indexOf("\n"); i !== -1 && i < from; i = before.indexOf("\n", i + 1)) lineOffset++;
    const middle = before.slice(from, to);
    return diffText(path, middle, applyEdits(middle, shifted(edits, -from)), lineOffset, context);
  }
  return diffText(path, before, after, 0, context);
}

function diffText(path: string, before: string, after: string, lineOffset: number, context: number): string {
  if (before === after) return "";
  const ops = diffOps(diffLines(before), diffLines(after)).map((o) => ({
    ...o,
    a: o.a + lineOffset,
    b: o.b + lineOffset,
  }));
  const out = [`--- ${path}`, `+++ ${path}`];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]?.tag === " ") {
      i++;
      continue;
    }
    const start = Math.max(0, i - context);
    let end = i + 1;
    let j = i + 1;
    while (j < ops.length) {
      if (ops[j]?.tag !== " ") {
        end = ++j;
        continue;
      }
      let k = j;
      while (k < ops.length && ops[k]?.tag === " ") k++;
      if (k < ops.length && k - j <= 2 * context) j = k;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const first = hunk[0] as DiffOp;
    const oldCount = hunk.filter((o) => o.tag !== "+").length;
    const newCount = hunk.filter((o) => o.tag !== "-").length;
    out.push(`@@ -${oldCount ? first.a + 1 : first.a},${oldCount} +${newCount ? first.b + 1 : first.b},${newCount} @@`);
    for (const op of hunk) {
      const noEol = op.line.endsWith(NO_EOL);
      const line = noEol ? op.line.slice(0, -NO_EOL.length) : op.line;
      out.push(`${op.tag}${line.endsWith("\r") ? line.slice(0, -1) : line}`);
      if (noEol) out.push("\\ No newline at end of file");
    }
    i = stop;
  }
  return `${out.join("\n")}\n`;
}
