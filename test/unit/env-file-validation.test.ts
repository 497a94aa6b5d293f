/**
 * One env-file validation (core/validate.ts validateEnvFiles) for run, check and add, in-process:
 * the same bad files give the same lines on stderr and the same exit code from each, and each
 * refuses before anything else happens (no op call, nothing written). doctor's findings for them
 * are in doctor.test.ts.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "../../src/commands/_shared.ts";
import * as add from "../../src/commands/add.ts";
import * as check from "../../src/commands/check.ts";
import * as run from "../../src/commands/run.ts";
import { McpOpError } from "../../src/errors.ts";
import { loggedErrors } from "../../src/logger.ts";
import { NO_PROCESSES } from "./context.ts";
import { FakeOp } from "./fake-op.ts";

let dir: string;
let fake: FakeOp;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mcp-op-envfiles-"));
  fake = new FakeOp();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function ctx(): Context {
  return {
    env: { HOME: dir, XDG_CONFIG_HOME: join(dir, ".config"), XDG_STATE_HOME: join(dir, ".state"), PATH: "" },
    cwd: dir,
    ...NO_PROCESSES,
    stdout: () => {},
    op: () => fake,
  };
}

/** The exit code a command's run fails with, and the error lines it logged. */
async function refused(go: () => Promise<unknown>): Promise<{ code: number; errors: string[] }> {
  const before = loggedErrors().length;
  try {
    await go();
  } catch (error) {
    if (!(error instanceof McpOpError)) throw error;
    return { code: error.exitCode, errors: loggedErrors().slice(before) };
  }
  throw new Error("not refused");
}

function envFile(name: string, text: string, mode = 0o600): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

describe("the same env files, refused alike by run, check and add", () => {
  test("every problem of every file, in order; the exit code first in the table whatever the order", async () => {
    const open = envFile("open.env", "A=1\n", 0o666);
    const bad = envFile("bad.env", "A=op://V/i\nNOT A LINE\n");
    const missing = join(dir, "missing.env");
    const files = [open, bad, missing];
    const expected = [
      `${open}: refusing an env file writable by group or others (mode 0666): anyone who can edit it controls the server; fix: chmod go-w ${open}`,
      `${bad}:1: "op://V/i" is not a secret reference: it needs vault, item and field`,
      `${bad}:2: expected KEY=VALUE, found no "="`,
      `${missing}: no such file`,
    ];
    const byRun = await refused(() =>
      run.run(
        run.parse(
          files.flatMap((f) => ["--env-file", f]),
          ["srv"],
        ),
        ctx(),
      ),
    );
    const byCheck = await refused(() => check.run(check.parse(files, null), ctx()));
    const byAdd = await refused(() =>
      add.run(add.parse(["gh", "--client", "cursor", ...files.flatMap((f) => ["--env-file", f])], ["srv"]), ctx()),
    );
    for (const r of [byRun, byCheck, byAdd]) expect(r).toEqual({ code: 65, errors: expected });
    expect(byRun.errors).toEqual(byCheck.errors);
    expect(byAdd.errors).toEqual(byCheck.errors);
    // Without the file of bad lines, the code is 66 (missing) before 77 (insecure), in any order.
    const reversed = [missing, open];
    expect(
      (await refused(() => add.run(add.parse(["gh", ...reversed.flatMap((f) => ["--env-file", f])], ["srv"]), ctx())))
        .code,
    ).toBe(66);
    expect(
      (
        await refused(() =>
          run.run(
            run.parse(
              reversed.flatMap((f) => ["--env-file", f]),
              ["srv"],
            ),
            ctx(),
          ),
        )
      ).code,
    ).toBe(66);
    expect(fake.calls).toEqual([]);
    expect(existsSync(join(dir, ".cursor"))).toBe(false);
  });
});
