/** The one atomic file writer (effects/atomic-write.ts): files on disk after success and failure. */
import { describe, expect, test } from "bun:test";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../src/effects/atomic-write.ts";

const fresh = () => realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-atomic-")));
const posix = process.platform !== "win32";

describe("writeFileAtomic", () => {
  test("a new file: the bytes, mode 0600, no temporary file left", () => {
    const dir = fresh();
    const path = join(dir, "a.json");
    expect(writeFileAtomic(path, "héllo 😀\n")).toBe(path);
    expect(readFileSync(path, "utf8")).toBe("héllo 😀\n");
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["a.json"]);
  });

  test.skipIf(!posix)("a replaced file keeps its mode; an explicit mode wins", () => {
    const dir = fresh();
    const path = join(dir, "a.json");
    writeFileSync(path, "old", { mode: 0o640 });
    writeFileAtomic(path, new TextEncoder().encode("new"));
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(statSync(path).mode & 0o777).toBe(0o640);
    writeFileAtomic(path, "newer", { mode: 0o600 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test("text in pieces, surrogate pairs and chunks over 1M characters included", () => {
    const dir = fresh();
    const path = join(dir, "big.json");
    // 1.4M UTF-16 units, more than one chunk, with a pair across the first chunk's end (1M units).
    const big = `x${"😀".repeat(700_000)}`;
    writeFileAtomic(path, ["a", big, "", "z"]);
    expect(readFileSync(path, "utf8")).toBe(`a${big}z`);
  });

  test.skipIf(!posix)("a symbolic link stays a link: the bytes go to its target", () => {
    const dir = fresh();
    mkdirSync(join(dir, "dotfiles"));
    const target = join(dir, "dotfiles", "a.json");
    writeFileSync(target, "old", { mode: 0o600 });
    symlinkSync(target, join(dir, "a.json"));
    expect(writeFileAtomic(join(dir, "a.json"), "new")).toBe(target);
    expect(lstatSync(join(dir, "a.json")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, "a.json"))).toBe(target);
    expect(readFileSync(target, "utf8")).toBe("new");
    expect(readdirSync(join(dir, "dotfiles"))).toEqual(["a.json"]);
  });

  test("beforeRename throwing: the old file stays, no temporary file left", () => {
    const dir = fresh();
    const path = join(dir, "a.json");
    writeFileSync(path, "old");
    expect(() =>
      writeFileAtomic(path, "new", {
        beforeRename: () => {
          throw new Error("changed meanwhile");
        },
      }),
    ).toThrow("changed meanwhile");
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["a.json"]);
  });

  test("a missing directory: the file system's error (ENOENT), nothing created", () => {
    const dir = fresh();
    expect(() => writeFileAtomic(join(dir, "no", "a.json"), "x")).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(readdirSync(dir)).toEqual([]);
  });
});
