/**
 * A command's context for unit tests (src/commands/_shared.ts Context): a temp home, stdout
 * captured, a FakeOp for every op client, and an exec that records the program instead of
 * becoming it. In-process: nothing is spawned (test/unit/test-layers.test.ts).
 */
import { chmodSync, closeSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "../../src/commands/_shared.ts";
import type { Finished } from "../../src/effects/deadline.ts";
import type { Program } from "../../src/effects/exec.ts";
import type { OpClientOptions } from "../../src/effects/op.ts";
import { FakeOp } from "./fake-op.ts";

/** Thrown by the recording exec: where the real one would have become the program. */
export class Execed extends Error {
  constructor(readonly program: Program) {
    super(`exec ${program.file}`);
  }
}

export interface UnitContext {
  ctx: Context;
  home: string;
  /** What the command printed to stdout, in order. */
  out: string[];
  fake: FakeOp;
  /** The options each op client was made with (sign-in makes a second one with the session). */
  clients: OpClientOptions[];
  /** What runWithin was asked to run (headers), with its options. */
  spawned: Array<{ argv: readonly string[]; env: Record<string, string>; files: readonly number[] }>;
}

/** For a hand-built Context of a command that starts nothing: exec or runWithin fails the test. */
export const NO_PROCESSES: Pick<Context, "exec" | "runWithin"> = {
  exec: (program) => Promise.reject(new Execed(program)),
  runWithin: () => Promise.reject(new Error("runWithin called by a command that starts nothing")),
};

/** A private temp directory (realpath: /tmp may be a link), standing for HOME. */
export function tempHome(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-unit-")));
}

/** A file written with `mode` (env files must be private: 0600). */
export function writeFile(path: string, text: string, mode = 0o600): string {
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  return path;
}

/** An executable stand-in (never run: run only checks that it is there and executable). */
export function executable(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  return writeFile(join(dir, name), "#!/bin/sh\nexit 0\n", 0o755);
}

/**
 * `finished`: what runWithin answers (headers); undefined as when the deadline passed.
 * `env` is the whole environment the command sees (HOME is the temp home unless given).
 */
export function unitContext(
  options: { fake?: FakeOp; env?: Record<string, string>; home?: string; finished?: Finished | undefined } = {},
): UnitContext {
  const home = options.home ?? tempHome();
  const fake = options.fake ?? new FakeOp();
  const out: string[] = [];
  const clients: OpClientOptions[] = [];
  const spawned: UnitContext["spawned"] = [];
  const finished = "finished" in options ? options.finished : { code: 0, stderr: "" };
  const ctx: Context = {
    env: { HOME: home, PATH: "/usr/bin:/bin", ...options.env },
    cwd: home,
    stdout: (text) => {
      out.push(text);
    },
    op: (client) => {
      clients.push(client);
      return fake;
    },
    exec: async (program) => {
      throw new Execed(program);
    },
    runWithin: async (argv, o) => {
      spawned.push({ argv, env: o.env, files: o.files });
      return finished;
    },
  };
  return { ctx, home, out, fake, clients, spawned };
}

/** The program a command would have exec'd; its kept descriptors closed (they are this process's). */
export async function execedBy(promise: Promise<unknown>): Promise<Program> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Execed) {
      for (const fd of error.program.keep ?? []) closeSync(fd);
      return error.program;
    }
    throw error;
  }
  throw new Error("the command returned instead of exec'ing");
}

/** The McpOpError (or other error) a command threw. */
export async function thrownBy(promise: Promise<unknown>): Promise<{ exitCode?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Execed) throw new Error(`exec'd ${error.program.argv.join(" ")} instead of failing`);
    return error as { exitCode?: number; message: string };
  }
  throw new Error("the command succeeded");
}
