/**
 * The suite's layers (README, Development): test/unit runs in-process, in seconds, with nothing
 * but Bun; test/e2e starts processes (the binary, the stand-in op, servers, client CLIs);
 * test/release builds and packages. This holds test/unit to it, reading files as text: no unit
 * file imports the e2e helpers or the build (directly or through a test-support module it
 * imports), nor node:child_process, nor spawns a process itself.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./support.ts";

/** Modules a unit file may not load: each needs a process, a compiler or a build. */
const FORBIDDEN_IMPORTS: Array<[RegExp, string]> = [
  [/^test\/e2e\//, "the end-to-end helpers (they build the binary and spawn)"],
  [/^test\/helpers\.ts$/, "the end-to-end helpers (they build the binary and spawn)"],
  [/^scripts\/build\.ts$/, "the build (it compiles)"],
  [/^(node:)?child_process$/, "child processes"],
];

/**
 * Calls that start a process, and how a finding names them. Neither may match this file's own
 * code: a `\` follows each name in a pattern, and the names are spelled another way.
 */
const FORBIDDEN_CALLS: Array<[RegExp, string]> = [
  [/\bBun\s*\.\s*spawnSync\b/, "Bun's spawnSync"],
  [/\bBun\s*\.\s*spawn\b/, "Bun's spawn"],
  [/\bBun\s*\.\s*\$/, "Bun's $ shell"],
  [/\bimport\s*\{[^}]*\$[^}]*\}\s*from\s*["']bun["']/, "the $ shell imported from bun"],
  [/\bspawnSync\s*\(/, "a spawnSync function"],
  [/\bexecve\s*\(/, "an execve function"],
];

/** A line that is all comment (for line numbers only: the check itself runs on code without comments). */
const COMMENT = /^\s*(\/\/|\/\*|\*)/;

// Type-only imports are dropped, as at run time.
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** A module's imports (static and dynamic): relative ones as paths from the root, the rest as written. */
function imports(file: string, source: string): string[] {
  return transpiler
    .scanImports(source)
    .map((i) => (i.path.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), i.path)) : i.path));
}

/**
 * What breaks the unit layer in `files` (paths from the root): one line per finding. Test-support
 * modules a file imports (anything under test/) are followed; src/ is the code under test and is not.
 */
function layerFindings(files: string[], read: (path: string) => string | undefined): string[] {
  const findings: string[] = [];
  const check = (file: string, via: string[], seen: Set<string>) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = read(file);
    if (source === undefined) return;
    const where = [file, ...via].reverse().join(", through ");
    for (const target of imports(file, source)) {
      const rule = FORBIDDEN_IMPORTS.find(([pattern]) => pattern.test(target));
      if (rule) findings.push(`${where} imports ${target}: ${rule[1]}`);
      else if (target.startsWith("test/")) check(target, [file, ...via], seen);
    }
    // Comments may name the calls; code (strings included) may not. The transpiler drops comments.
    const code = transpiler.transformSync(source);
    for (const [pattern, name] of FORBIDDEN_CALLS) {
      if (!pattern.test(code)) continue;
      const lines = source.split("\n").flatMap((line, i) => (pattern.test(line) && !COMMENT.test(line) ? [i + 1] : []));
      findings.push(
        `${where}${lines.length > 0 ? `:${lines.join(",")}` : ""} calls ${name}: unit tests start no process`,
      );
    }
  };
  for (const file of files) check(file, [], new Set());
  return findings;
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

const fromDisk = (path: string) => {
  const full = join(ROOT, path);
  return existsSync(full) ? readFileSync(full, "utf8") : undefined;
};

describe("test/unit stays in-process", () => {
  test("no unit file imports the e2e helpers, the build or child_process, or starts a process", () => {
    const files = tsFiles("test/unit");
    expect(files).toContain("test/unit/test-layers.test.ts");
    expect(layerFindings(files, fromDisk)).toEqual([]);
  });

  test("every test file is in a layer: test/unit, test/e2e or test/release", () => {
    const all = tsFiles("test").filter((f) => f.endsWith(".test.ts"));
    expect(all.filter((f) => !/^test\/(unit|e2e|release)\//.test(f))).toEqual([]);
    expect(all.length).toBeGreaterThan(50);
  });
});

describe("the checker finds each kind of breach (fake trees: test/fixtures/layers/)", () => {
  /** A fake tree: `//// <path>` lines start each file. */
  function fake(name: string): (path: string) => string | undefined {
    const files = new Map<string, string>();
    const text = readFileSync(join(ROOT, "test", "fixtures", "layers", name), "utf8");
    for (const part of text.split(/^\/\/\/\/ /m).slice(1)) {
      const newline = part.indexOf("\n");
      files.set(part.slice(0, newline), part.slice(newline + 1));
    }
    return (path) => files.get(path);
  }
  const findings = (name: string) => layerFindings(["test/unit/a.test.ts"], fake(name));
  const spawns = (where: string, name: string) => `${where} calls ${name}: unit tests start no process`;
  const e2e = "the end-to-end helpers (they build the binary and spawn)";

  test("clean: src may spawn (it is the code under test, not followed); comments may name the calls", () => {
    expect(findings("clean.txt")).toEqual([]);
  });

  test("forbidden imports, static and dynamic", () => {
    expect(findings("imports.txt")).toEqual([
      `test/unit/a.test.ts imports test/e2e/helpers.ts: ${e2e}`,
      "test/unit/a.test.ts imports scripts/build.ts: the build (it compiles)",
      "test/unit/a.test.ts imports node:child_process: child processes",
      "test/unit/a.test.ts imports child_process: child processes",
      `test/unit/a.test.ts imports test/helpers.ts: ${e2e}`,
    ]);
  });

  test("through test-support modules, however deep; an import cycle ends", () => {
    const via = "test/unit/a.test.ts, through test/unit/support.ts, through test/shared/more.ts";
    expect(findings("deep.txt")).toEqual([
      `${via} imports test/e2e/probe.ts: ${e2e}`,
      spawns(`${via}:3`, "Bun's spawnSync"),
      spawns(`${via}:3`, "a spawnSync function"),
    ]);
  });

  test("each way to start a process, with its lines", () => {
    const at = (lines: string) => `test/unit/a.test.ts:${lines}`;
    expect(findings("spawns.txt")).toEqual([
      spawns(at("3"), "Bun's spawnSync"),
      spawns(at("2"), "Bun's spawn"),
      spawns(at("4"), "Bun's $ shell"),
      spawns(at("1"), "the $ shell imported from bun"),
      spawns(at("3,6"), "a spawnSync function"),
      spawns(at("7"), "an execve function"),
    ]);
  });
});
