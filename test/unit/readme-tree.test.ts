/** The README's Architecture tree names every file in src/, and no file that is gone. */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./support.ts";

/** The tree's src/ block: `src/` then indented `path  description` lines, up to the next top-level name. */
function treeFiles(readme: string): string[] {
  const lines = readme.split("\n");
  const start = lines.indexOf("src/");
  const files: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("  ")) break;
    const name = line.trim().split(/\s+/)[0] as string;
    if (name.endsWith(".ts")) files.push(name);
  }
  return files;
}

test("every src file is in the README's tree, and every file there exists", () => {
  const actual = (readdirSync(join(ROOT, "src"), { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.split("\\").join("/"))
    .sort();
  const listed = treeFiles(readFileSync(join(ROOT, "README.md"), "utf8"));
  expect(listed.length).toBeGreaterThan(50); // the block was found
  expect(actual.filter((f) => !listed.includes(f))).toEqual([]);
  expect(listed.filter((f) => !actual.includes(f))).toEqual([]);
});
