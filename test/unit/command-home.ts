/**
 * A temporary home for running add, remove and migrate in-process (parse, then run with a
 * Context): XDG directories inside it, PATH empty (no claude CLI: configs are edited directly),
 * an `op` file that is found but never started (its calls go to a FakeOp), and what the command
 * printed. Nothing here starts a process (test-layers.test.ts).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Context, defaultContext } from "../../src/commands/_shared.ts";
import type { Op } from "../../src/effects/op.ts";
import { McpOpError } from "../../src/errors.ts";
import { FakeOp } from "./fake-op.ts";

export interface CommandHome {
  home: string;
  env: Record<string, string>;
  /** The `op` the commands locate (MCP_OP_SEARCH_DIRS): a file that fails if ever run. */
  opPath: string;
  fake: FakeOp;
  /** Everything the command wrote to ctx.stdout. */
  stdout: string[];
  ctx: Context;
  /** Write a file under home (directories made), returning its path. */
  write(path: string, text: string): string;
  read(path: string): string;
}

export function commandHome(fake = new FakeOp()): CommandHome {
  const home = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-unit-cmd-")));
  const bin = join(home, "bin");
  mkdirSync(bin);
  const opPath = join(bin, "op");
  writeFileSync(opPath, "#!/bin/sh\nexit 99\n");
  chmodSync(opPath, 0o755);
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_STATE_HOME: join(home, ".local", "state"),
    PATH: "",
    MCP_OP_SEARCH_DIRS: bin,
  };
  const stdout: string[] = [];
  const ops: Op[] = [];
  return {
    home,
    env,
    opPath,
    fake,
    stdout,
    ctx: {
      // The rest of a real context (none of add, remove and migrate starts a process).
      ...defaultContext(),
      env,
      cwd: home,
      stdout: (text) => stdout.push(text),
      op: () => {
        ops.push(fake);
        return fake;
      },
    },
    write(path, text) {
      const full = join(home, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
      return full;
    },
    read(path) {
      return readFileSync(join(home, path), "utf8");
    },
  };
}

/** The McpOpError a command failed with (anything else is rethrown; success fails the test). */
export async function failure(p: Promise<unknown>): Promise<McpOpError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof McpOpError) return error;
    throw error;
  }
  throw new Error("no failure");
}
