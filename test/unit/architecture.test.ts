/**
 * The commands layer's shape, read from the sources: a command (src/commands/*.ts not starting
 * with `_`) imports no other command (shared pieces live in `_`-prefixed modules), and does its
 * effects through named effects modules: no `node:*` import, nor effects/native.ts (libc and the
 * spawn helper). Each known exception below says why it is one; an exception that no longer
 * applies fails too, so the list only shrinks.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const COMMANDS = join(ROOT, "src", "commands");

/** Where a `node:` import or effects/native.ts is still used, until it moves (issue 15). */
const KNOWN: Record<string, string[]> = {};

const commands = readdirSync(COMMANDS)
  .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
  .map((f) => `src/commands/${f}`);

/** Every module a file names in an import or export (type-only ones too), resolved from the root. */
function imports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), "utf8");
  const specifiers = [
    ...source.matchAll(/(?:^|\s)(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gm),
    ...source.matchAll(/(?:^|\s)import\s+"([^"]+)"/gm),
    ...source.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ].map((m) => m[1] as string);
  return specifiers.map((s) => (s.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), s)) : s));
}

/** What a command may not import: another command, `node:*`, effects/native.ts. */
function forbidden(file: string): string[] {
  return imports(file).filter(
    (m) =>
      m.startsWith("node:") ||
      m === "src/effects/native.ts" ||
      (m.startsWith("src/commands/") && !basename(m).startsWith("_") && m !== file),
  );
}

describe("commands", () => {
  test("the commands are found", () => {
    expect(commands).toContain("src/commands/run.ts");
    expect(commands).toContain("src/commands/add.ts");
    expect(commands).not.toContain("src/commands/_shared.ts");
  });

  test("the import scan sees every form of import", () => {
    // Held to a file whose imports are known, so that a scan that finds nothing cannot pass.
    expect(imports("src/commands/list.ts")).toEqual(
      expect.arrayContaining(["src/core/args.ts", "src/commands/_clients.ts", "src/commands/_shared.ts"]),
    );
    expect(imports("src/cli.ts")).toEqual(expect.arrayContaining(["src/effects/sys.ts", "src/commands/check.ts"]));
    expect(imports("src/effects/signin-prompt.ts")).toEqual(
      expect.arrayContaining(["node:fs", "src/effects/lockfile.ts"]),
    );
  });

  test("no command imports another command, node:* or effects/native.ts (but the known exceptions)", () => {
    const wrong = commands.flatMap((file) =>
      forbidden(file)
        .filter((m) => !(KNOWN[file] ?? []).includes(m))
        .map((m) => `${file} -> ${m}`),
    );
    expect(wrong).toEqual([]);
  });

  test("every known exception still applies (remove it from the list when it does not)", () => {
    const stale = Object.entries(KNOWN).flatMap(([file, allowed]) =>
      allowed.filter((m) => !forbidden(file).includes(m)).map((m) => `${file} -> ${m}`),
    );
    expect(stale).toEqual([]);
  });

  test("each command exports parse, run and main, and its help definition", async () => {
    const missing: string[] = [];
    for (const file of commands.filter((f) => f !== "src/commands/stage.ts")) {
      const m = (await import(join(ROOT, file))) as Record<string, unknown>;
      for (const name of ["parse", "run", "main", "default"]) {
        if (m[name] === undefined) missing.push(`${file}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test("help says (repeatable) exactly for the flags declared multiple", async () => {
    // The parser collects a flag's every value only when its definition says `multiple`; help
    // reads the description: the two must agree, or help promises what the parser drops.
    const wrong: string[] = [];
    for (const file of commands.filter((f) => f !== "src/commands/stage.ts")) {
      const { default: command } = (await import(join(ROOT, file))) as {
        default: { args: Record<string, { type: string; multiple?: boolean; description?: string }> };
      };
      for (const [name, arg] of Object.entries(command.args)) {
        const says = arg.description?.includes("repeatable") === true;
        if (says !== (arg.multiple === true)) wrong.push(`${file}: --${name}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
