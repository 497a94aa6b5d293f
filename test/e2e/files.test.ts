/** Env and token files: a FIFO in place of the file (made with mkfifo; the rest: test/unit/files.test.ts). */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEnvFile, readTokenFile } from "../../src/effects/files.ts";
import { McpOpError } from "../../src/errors.ts";

/** A private scratch directory (mode 0700, in /tmp: sticky, root's). */
const scratch = () => realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-files-")));

type Reader = (path: string) => unknown;
const readers: Array<[string, string, Reader]> = [
  ["env file", "refusing an env file", (p) => readEnvFile(p, undefined, "/")],
  ["headers file", "refusing a headers file", (p) => readEnvFile(p, undefined, "/", { kind: "headers" })],
  ["token file", "refusing a token file", (p) => readTokenFile(p, undefined, "/")],
];

/** The one line `run` prints for the error: message; hint. */
function refusal(read: () => unknown): [number, string] {
  try {
    read();
  } catch (error) {
    if (!(error instanceof McpOpError)) throw error;
    return [error.exitCode, error.hint ? `${error.message}; ${error.hint}` : error.message];
  }
  throw new Error("it was accepted");
}

// POSIX owners and modes: Windows has neither (files.ts checks nothing there).
const posix = process.platform !== "win32";

describe.skipIf(!posix).each(readers)("%s: every directory on the way is checked", (kind, _refusing, read) => {
  test("a FIFO in place of the file: refused at once, not waited on", () => {
    const fifo = join(scratch(), "fifo");
    Bun.spawnSync(["mkfifo", "-m", "600", fifo]);
    expect(refusal(() => read(fifo))).toEqual([
      66,
      `${kind === "token file" ? "token file " : ""}${fifo}: not a regular file`,
    ]);
  });
});
