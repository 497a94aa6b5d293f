/** The lock file against other processes: a dead holder, and workers racing (in-process cases: test/unit/lockfile.test.ts). */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockHolder, tryLockFile } from "../../src/effects/lockfile.ts";
import { ROOT } from "./helpers.ts";

const dir = () => mkdtempSync(join(tmpdir(), "mcp-op-lockfile-"));

describe("lock file (O_EXCL + pid)", () => {
  test("the lock of a dead process is taken over", async () => {
    const lock = join(dir(), "x.lock");
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    writeFileSync(lock, `${dead.pid}\n`);
    expect(tryLockFile(lock)).toBe(false); // this attempt removes the stale lock...
    expect(tryLockFile(lock)).toBe(true); // ...and the next one takes it
    expect(lockHolder(lock)).toBe(String(process.pid));
  });

  test("four processes incrementing one counter under the lock lose no update", async () => {
    const d = dir();
    const counter = join(d, "counter");
    writeFileSync(counter, "0");
    const worker = join(d, "worker.ts");
    writeFileSync(
      worker,
      `import { readFileSync, writeFileSync } from "node:fs";
import { tryLockFile, unlockFile } from ${JSON.stringify(join(ROOT, "src", "effects", "lockfile.ts"))};
const [lock, counter] = process.argv.slice(2);
for (let i = 0; i < 25; i++) {
  while (!tryLockFile(lock)) await new Promise((r) => setTimeout(r, 1));
  const n = Number(readFileSync(counter, "utf8"));
  Bun.sleepSync(1); // widen the read-modify-write window: without the lock, updates get lost
  writeFileSync(counter, String(n + 1));
  unlockFile(lock);
}
`,
    );
    const procs = Array.from({ length: 4 }, () =>
      Bun.spawn(["bun", worker, join(d, "counter.lock"), counter], { stderr: "inherit" }),
    );
    expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0, 0, 0]);
    expect(readFileSync(counter, "utf8")).toBe("100");
  });
});
