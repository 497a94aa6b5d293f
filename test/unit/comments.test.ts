/**
 * Comments that can be checked mechanically: every document a comment cites is in the
 * repository (docs/ holds the facts about op, the MCP clients and Bun), and a doc comment sits
 * on the declaration it describes (two doc blocks in a row: the first describes something else).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ROOT } from "./support.ts";

const SKIP = new Set(["node_modules", ".git", "dist", "__snapshots__", "clients"]);
const TEXT = /\.(ts|md|c|sh|rb)$/;

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) ? [] : files(path);
    return TEXT.test(e.name) || path === join("test", "fixtures", "bin", "op") ? [path] : [];
  });
}

const scanned = ["src", "test", "scripts"].flatMap(files);
const everyName = new Set(
  [".", "docs", "src", "test", "scripts", ".github", ".ci"]
    .filter((d) => existsSync(join(ROOT, d)))
    .flatMap((d) => (d === "." ? readdirSync(ROOT) : files(d).map((f) => basename(f)))),
);

/**
 * Documents of other projects, cited with their repository and commit (scripts/asset-matching.md,
 * test/release/asset-names.test.ts): the source of a fact, as a URL would be.
 */
const ELSEWHERE = new Set([
  "Changes.md", // houseabsolute/ubi
  "docs/mise-cookbook/docker.md", // jdx/mise
  "docs/dev-tools/backends/github.md", // jdx/mise
  "docs/reference/registry-config/overrides.md", // aquaproj/aqua
  "assets/chezmoi.io/docs/reference/special-files/chezmoiexternal-format.md", // twpayne/chezmoi
  "assets/chezmoi.io/docs/user-guide/include-files-from-elsewhere.md", // twpayne/chezmoi
  "assets/chezmoi.io/docs/reference/templates/variables.md", // twpayne/chezmoi
]);

/** `.md` paths in a text, URLs left out. */
function citedDocuments(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\w.:/-])\/?[\w.-]+(?:\/[\w.-]+)*\.md\b/g)) {
    if (!text.slice(Math.max(0, (m.index ?? 0) - 8), m.index).includes("://")) out.push(m[0]);
  }
  return out;
}

describe("comments", () => {
  test("every document cited in src, test and scripts is in the repository (or another project's, by commit)", () => {
    const missing: string[] = [];
    for (const file of scanned) {
      for (const doc of citedDocuments(readFileSync(join(ROOT, file), "utf8"))) {
        if (ELSEWHERE.has(doc)) continue;
        const found = doc.startsWith("/")
          ? false // a path outside the repository
          : doc.includes("/")
            ? existsSync(join(ROOT, doc)) || existsSync(join(ROOT, dirname(file), doc))
            : everyName.has(doc);
        if (!found) missing.push(`${file}: ${doc}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test("no doc comment is followed by another one (it would describe the wrong declaration)", () => {
    const stacked: string[] = [];
    for (const file of scanned.filter((f) => f.endsWith(".ts"))) {
      const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
      lines.forEach((line, i) => {
        if (i > 0 && /^\s*\/\*\*/.test(line) && /\*\/\s*$/.test(lines[i - 1] as string)) {
          stacked.push(`${file}:${i + 1}`);
        }
      });
    }
    expect(stacked).toEqual([]);
  });
});
