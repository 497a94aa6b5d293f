#!/usr/bin/env bun
/**
 * Compile mcp-op into a standalone binary for this machine: `bun scripts/build.ts`
 * (output: dist/mcp-op). Bytecode on, version injected, and the runtime's autoload of
 * `.env`/`bunfig.toml` from the user's working directory OFF: a compiled Bun binary would
 * otherwise load them (a bunfig `preload` runs arbitrary code inside mcp-op).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };

const root = join(import.meta.dir, "..");

export interface BuildResult {
  outfile: string;
  version: string;
}

export async function build(outfile = join(root, "dist", "mcp-op")): Promise<BuildResult> {
  const version = process.env.MCP_OP_VERSION ?? pkg.version;
  mkdirSync(join(outfile, ".."), { recursive: true });
  const result = await Bun.build({
    entrypoints: [join(root, "src", "cli.ts")],
    compile: {
      outfile,
      autoloadDotenv: false,
      autoloadBunfig: false,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
    },
    bytecode: true,
    minify: true,
    sourcemap: "none",
    define: { MCP_OP_VERSION: JSON.stringify(version) },
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error("build failed");
  }
  return { outfile, version };
}

if (import.meta.main) {
  const { outfile, version } = await build();
  console.error(`built ${outfile} (mcp-op ${version})`);
}
