/** The in-process rules of the binary's other surfaces (the binary itself: test/e2e/cli.e2e.test.ts). */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT_TABLE, firstInTable, renderExitTable } from "../../src/errors.ts";
import { ROOT } from "./support.ts";

describe("help and version", () => {
  test("the README's exit-code table is the one in errors.ts", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(renderExitTable());
  });
});

describe("check", () => {
  test("firstInTable: the code listed first in the exit-code table wins", () => {
    const codes = EXIT_TABLE.map(([code]) => code);
    for (const [i, a] of codes.entries()) {
      expect(firstInTable(undefined, a)).toBe(a);
      for (const b of codes.slice(i)) {
        expect(firstInTable(a, b)).toBe(a);
        expect(firstInTable(b, a)).toBe(a);
      }
    }
  });
});

test("src/core is pure: no fs, process, network, runtime globals or logging", () => {
  const dir = join(ROOT, "src", "core");
  const forbidden =
    /from "node:(fs|child_process|net|os|process)"|from "bun|\bprocess\.|\bBun\.|\bDeno\.|logger|console\./;
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), "utf8");
    const hits = text
      .split("\n")
      .filter((l) => forbidden.test(l) && !l.trim().startsWith("*") && !l.trim().startsWith("//"));
    expect({ file, hits }).toEqual({ file, hits: [] });
  }
});
