/** The op version cache: one `op --version` per binary, asked again when the binary changes. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opVersion } from "../../src/effects/op-version.ts";
import { exitFailure, FakeOp } from "./fake-op.ts";

function setup() {
  const home = mkdtempSync(join(tmpdir(), "mcp-op-opversion-"));
  const opPath = join(home, "op");
  writeFileSync(opPath, "binary v1");
  const env = { HOME: home, XDG_STATE_HOME: join(home, "state") };
  return { home, opPath, env, cacheFile: join(home, "state", "mcp-op", "op-version.json") };
}

describe("opVersion", () => {
  test("asked once, then read from the cache until the binary changes", async () => {
    const { home, opPath, env, cacheFile } = setup();
    const op = new FakeOp({ version: "2.41.0" });
    expect(await opVersion(opPath, op, env, home)).toBe("2.41.0");
    expect(await opVersion(opPath, op, env, home)).toBe("2.41.0");
    expect(op.calls.filter((c) => c.method === "version").length).toBe(1);
    expect(JSON.parse(readFileSync(cacheFile, "utf8"))).toEqual([
      expect.objectContaining({ path: opPath, version: "2.41.0" }),
    ]);

    // op updated in place: a new mtime, so it is asked again.
    utimesSync(opPath, new Date(), new Date(Date.now() + 60_000));
    const updated = new FakeOp({ version: "2.42.0" });
    expect(await opVersion(opPath, updated, env, home)).toBe("2.42.0");
    expect(updated.calls.filter((c) => c.method === "version").length).toBe(1);
  });

  test("a failed op --version is not cached; a damaged cache is asked past", async () => {
    const { home, opPath, env, cacheFile } = setup();
    const failing = new FakeOp({ version: "2.41.0" });
    failing.fail("version", exitFailure("op --version", "boom"));
    expect(await opVersion(opPath, failing, env, home)).toBeUndefined();
    expect(() => readFileSync(cacheFile)).toThrow(); // nothing cached
    await opVersion(opPath, new FakeOp({ version: "2.40.0" }), env, home); // creates the cache
    writeFileSync(cacheFile, "{not json");
    const op = new FakeOp({ version: "2.41.1" });
    expect(await opVersion(opPath, op, env, home)).toBe("2.41.1");
  });
});
