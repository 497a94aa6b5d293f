/** What each command's --help must list, checked against the command files (the help texts: test/e2e/help.e2e.test.ts). */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMMAND_EXITS, EXIT } from "../../src/errors.ts";
import { ROOT } from "./support.ts";

const COMMANDS = ["run", "check", "add", "remove", "list", "doctor", "migrate", "headers", "proxy"];

describe("help", () => {
  test("a code a command file raises itself is in that command's list", () => {
    // A cheap guard against drift (the effects a command calls are not followed).
    for (const name of COMMANDS) {
      const source = readFileSync(join(ROOT, "src", "commands", `${name}.ts`), "utf8");
      for (const [, key] of source.matchAll(/(?:McpOpError\(|reported\()\s*EXIT\.([A-Z]+)/g)) {
        const code = EXIT[key as keyof typeof EXIT];
        expect({ name, key, listed: COMMAND_EXITS[name]?.includes(code) }).toEqual({ name, key, listed: true });
      }
    }
  });
});
