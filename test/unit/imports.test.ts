/**
 * Who imports what. `run`'s fast path loads exactly the modules its import budget in src/cli.ts
 * lists (static imports from cli.ts: what a compiled binary loads before it execs op); the
 * layers import one way (core: nothing from effects or commands, and no logging; effects:
 * nothing from commands).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./support.ts";

// Type-only imports are left out, as the bundler leaves them out.
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** A module's static imports: relative ones resolved to paths from the root, the rest as written. */
function staticImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), "utf8").replace(/^#!.*/, "");
  return transpiler
    .scanImports(source)
    .filter((i) => i.kind === "import-statement")
    .map((i) => (i.path.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), i.path)) : i.path));
}

/** Every module reached from `entry` through static imports, `entry` included. */
function staticGraph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (module: string) => {
    if (seen.has(module)) return;
    seen.add(module);
    if (module.startsWith("src/")) for (const next of staticImports(module)) visit(next);
  };
  visit(entry);
  return [...seen].sort();
}

/** The modules the import budget in src/cli.ts lists: ` *   <module>  <what it is>`. */
function budget(): string[] {
  const cli = readFileSync(join(ROOT, "src", "cli.ts"), "utf8");
  const start = cli.indexOf("Import budget of `run`'s fast path");
  const block = cli.slice(start, cli.indexOf("*/", start));
  return [...block.matchAll(/^ \* {3}(\S+) {2,}\S/gm)].map((m) => m[1] as string).sort();
}

describe("run's import budget", () => {
  test("the budget lists modules (the block is found and parsed)", () => {
    expect(budget()).toContain("src/commands/run.ts");
    expect(budget().length).toBeGreaterThan(10);
  });

  test("cli.ts's static import graph is exactly the modules its import budget lists", () => {
    const graph = staticGraph("src/cli.ts");
    const listed = budget();
    // Both ways: a module that joined the path, and a line left for one that went.
    expect({
      loadedButNotListed: graph.filter((m) => !listed.includes(m)),
      listedButNotLoaded: listed.filter((m) => !graph.includes(m)),
    }).toEqual({ loadedButNotListed: [], listedButNotLoaded: [] });
  });
});

describe("layers", () => {
  const modules = (dir: string) =>
    readdirSync(join(ROOT, "src", dir))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `src/${dir}/${f}`);
  const imported = (file: string) =>
    readFileSync(join(ROOT, file), "utf8")
      .matchAll(/(?:from|import\()\s*"(\.[^"]+)"/g)
      .map((m) => relative(ROOT, resolve(ROOT, dirname(file), m[1] as string)))
      .toArray();

  test("core imports nothing from effects or commands, nor the logger or the runtime (it is pure)", () => {
    const wrong = modules("core").flatMap((f) =>
      imported(f)
        .filter((m) => /^src\/(effects|commands)\/|^src\/(logger|runtime)\.ts$/.test(m))
        .map((m) => `${f} -> ${m}`),
    );
    expect(wrong).toEqual([]);
  });

  test("effects import nothing from commands", () => {
    const wrong = modules("effects").flatMap((f) =>
      imported(f)
        .filter((m) => m.startsWith("src/commands/"))
        .map((m) => `${f} -> ${m}`),
    );
    expect(wrong).toEqual([]);
  });
});
