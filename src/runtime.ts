/**
 * Facts about the process and the runtime. std-env supplies the environment facts, loaded only
 * where they are needed: importing it reads `process.stdout.isTTY`, which in Bun creates the
 * stdout stream (about 6 ms at start-up, measured by `bun run bench`), and stdout is the
 * server's in `run`.
 */

declare const MCP_OP_VERSION: string | undefined;

/** Injected by scripts/build.ts; falls back to package.json when run from source. */
export async function version(): Promise<string> {
  if (typeof MCP_OP_VERSION === "string") return MCP_OP_VERSION;
  const pkg = await import("../package.json", { with: { type: "json" } });
  return `${pkg.default.version}-dev`;
}

/** std-env's view of the terminal and CI; for human-facing output only, never in `run`. */
export async function terminalFacts(): Promise<{ color: boolean; isCI: boolean; hasTTY: boolean }> {
  const env = await import("std-env");
  return { color: env.isColorSupported, isCI: env.isCI, hasTTY: env.hasTTY };
}

const isDeno = "Deno" in globalThis;

/** A copy of the environment as a plain record (`process.env` is an exotic object on Bun/Deno). */
export function environment(): Record<string, string | undefined> {
  return { ...process.env };
}

/** The same environment without unset entries, as spawn and exec take it. */
export function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
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
