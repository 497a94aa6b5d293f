/**
 * The sign-in lock directory taken by another user: the warning goes to fd 2, so it is seen from a
 * child process (the in-process cases: test/unit/signin-lock.test.ts).
 */
import { describe, expect, test } from "bun:test";
import { chownSync, mkdirSync, mkdtempSync, realpathSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";

const uid = process.getuid?.() ?? 0;
const base = () => realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-lock-")));

describe("lockDir", () => {
  // Handing a directory to another user needs root: CI runs as root, elsewhere this may skip.
  const canChown = uid === 0 || process.env.CI === "true";
  if (!canChown) console.warn("notice: not root, skipping the test of a lock directory taken by another user");
  test.skipIf(!canChown)("taken by another user first: the next candidate, with one warning naming the owner", () => {
    const squatted = join(base(), "mcp-op-0");
    mkdirSync(squatted, { mode: 0o700 });
    chownSync(squatted, 65534, 65534);
    const fallback = join(base(), ".cache", "mcp-op");
    // In a child process: the warning goes to fd 2.
    const script = `import { lockDir } from ${JSON.stringify(join(ROOT, "src", "effects", "signin-prompt.ts"))};
        process.stdout.write(lockDir(${JSON.stringify([squatted, fallback])}, ${uid}));`;
    const r = Bun.spawnSync([process.execPath, "-e", script], { env: { ...process.env, NO_COLOR: "1" } });
    expect(r.stdout.toString()).toBe(fallback);
    expect(r.stderr.toString()).toBe(
      `[warn] [mcp-op] ${squatted} belongs to uid 65534, not to this user (uid ${uid}): another user created it first; the sign-in lock is in ${fallback} instead\n`,
    );
    expect(statSync(fallback).mode & 0o777).toBe(0o700);
  });
});
