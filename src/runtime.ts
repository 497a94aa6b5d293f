/**
 * Facts about the process and the runtime, gathered in one place (std-env for the
 * environment facts). Nothing here runs anything.
 */
import { hasTTY, isCI, isDeno, platform, runtime } from "std-env";

declare const MCP_OP_VERSION: string | undefined;

/** Injected by scripts/build.ts; falls back to package.json when run from source. */
export async function version(): Promise<string> {
  if (typeof MCP_OP_VERSION === "string") return MCP_OP_VERSION;
  const pkg = await import("../package.json", { with: { type: "json" } });
  return `${pkg.default.version}-dev`;
}

export const facts = {
  platform: platform as NodeJS.Platform,
  runtime,
  hasTTY,
  isCI,
  isWindows: platform === "win32",
};

/** A copy of the environment as a plain record (`process.env` is an exotic object on Bun/Deno). */
export function environment(): Record<string, string | undefined> {
  return { ...process.env };
}

/**
 * How to start this same program again (for the internal stage): the compiled binary itself,
 * or the runtime plus this script when run from source.
 */
export function selfCommand(): string[] {
  const script = process.argv[1] ?? "";
  // Bun's compiled binaries report their embedded entry under /$bunfs (B:\~BUN on Windows).
  if (script.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN/.test(script)) return [process.execPath];
  if (isDeno) return [process.execPath, "run", "-A", script];
  return [process.execPath, script];
}
