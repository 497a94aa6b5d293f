/**
 * `--help` of every command through the compiled binary: snapshots (as nuxt/cli keeps them), and
 * the rules they follow: 80 columns, no trailing spaces, required arguments shown as required,
 * only the exit codes that command returns.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMMAND_EXITS, EXIT_TABLE } from "../../src/errors.ts";
import { binary, ROOT, run, sandbox } from "./helpers.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

const COMMANDS = ["run", "check", "add", "remove", "list", "doctor", "migrate", "headers", "proxy"];
const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

async function help(...args: string[]): Promise<string> {
  const r = await run([bin, ...args], { env: sandbox().env() });
  expect([r.code, r.stderr]).toEqual([0, ""]);
  // The snapshot does not change with each release.
  return r.stdout.replace(`mcp-op ${version}\n`, "mcp-op <version>\n");
}

/** The exit codes a help text lists, in order. */
const listedCodes = (text: string) =>
  [...(text.split("Exit codes:\n")[1] ?? "").matchAll(/^ {2}( {0,2}\d{1,3}) {2}/gm)].map((m) => Number(m[1]));

describe("help", () => {
  test("mcp-op --help", async () => {
    const text = await help("--help");
    expect(text).toMatchSnapshot();
    expect(listedCodes(text)).toEqual(EXIT_TABLE.map(([code]) => code));
  });

  for (const name of COMMANDS) {
    test(`mcp-op ${name} --help`, async () => {
      const text = await help(name, "--help");
      expect(text).toMatchSnapshot();
      expect(listedCodes(text)).toEqual([...(COMMAND_EXITS[name] ?? [])]);
    });
  }

  test("every line fits 80 columns and has no trailing space", async () => {
    for (const args of [["--help"], ...COMMANDS.map((c) => [c, "--help"])]) {
      for (const line of (await help(...args)).split("\n")) {
        expect({ args, line, length: line.length }).toEqual({ args, line, length: Math.min(line.length, 80) });
        expect(line).toBe(line.trimEnd());
      }
    }
  });

  test("required arguments are shown as required", async () => {
    expect(await help("add", "--help")).toContain("\nUsage: mcp-op add NAME [options] -- <command> [args...]\n");
    expect(await help("remove", "--help")).toContain("\nUsage: mcp-op remove NAME [options]\n");
    expect(await help("check", "--help")).toContain("\nUsage: mcp-op check FILE... [options]\n");
  });
});
