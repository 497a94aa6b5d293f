/**
 * The MCP SDK's transports cost about 1.35 MiB and 20-30 ms of start-up (their zod schemas:
 * docs/remote-servers.md (c)); only `proxy`'s bridge may load them. The bundle is split as
 * scripts/build.ts splits it (ESM chunks); a chunk loads at start-up when the entry imports it
 * statically, directly or through another chunk.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../unit/support.ts";

/** A string of the SDK's streamable HTTP transport that minifying keeps. */
const SDK = "Maximum reconnection attempts";

let dir: string;
let chunks: Map<string, string>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mcp-op-chunks-"));
  const result = await Bun.build({
    entrypoints: [join(ROOT, "src", "cli.ts")],
    outdir: dir,
    target: "bun",
    format: "esm",
    splitting: true,
    minify: true,
  });
  expect(result.success).toBe(true);
  chunks = new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The chunks a chunk imports statically (`import{a}from"./c.js"`, `import"./c.js"`, re-exports). */
function staticImports(text: string): string[] {
  return [...text.matchAll(/(?:import|export)(?:\{[^}]*\}from|\*as \w+ from|\*from)?"\.\/([^"]+)"/g)].map(
    (m) => m[1] as string,
  );
}

/** Everything that loads with `name`: itself and its static imports, transitively. */
function loadedWith(name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const next of staticImports(chunks.get(n) ?? "")) visit(next);
  };
  visit(name);
  return seen;
}

const holding = (text: string) => [...chunks].filter(([, t]) => t.includes(text)).map(([n]) => n);

describe("the SDK loads with the bridge only", () => {
  test("it is in the bundle, in a chunk the proxy command imports dynamically", () => {
    const sdk = holding(SDK);
    expect(sdk.length).toBe(1);
    const [proxy] = holding("(it is started by mcp-op proxy, not by hand)");
    expect(chunks.get(proxy as string)).toContain(`import("./${sdk[0]}")`);
  });

  test("start-up (run, the stage) does not load it", () => {
    const atStart = loadedWith("cli.js");
    expect([...atStart].filter((n) => chunks.get(n)?.includes(SDK))).toEqual([]);
  });

  test("headers (a helper run on every connect) does not load it", () => {
    const [headers] = holding("did not finish within");
    const loaded = loadedWith(headers as string);
    expect([...loaded].filter((n) => chunks.get(n)?.includes(SDK))).toEqual([]);
  });
});
