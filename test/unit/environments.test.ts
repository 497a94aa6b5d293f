/** 1Password Environments: the ID's form, op's version, the version cache's records. */
import { describe, expect, test } from "bun:test";
import {
  cachedVersion,
  ENVIRONMENTS_SINCE,
  environmentIdProblem,
  versionAtLeast,
  withVersion,
} from "../../src/core/environments.ts";

describe("environmentIdProblem", () => {
  test("26 lowercase letters and digits is an ID", () => {
    expect(environmentIdProblem("abcdefghijklmnopqrstuvwxy0")).toBeUndefined();
  });
  test.each([
    ["", "an Environment ID is 26 letters and digits, not 0 characters"],
    ["abc", "an Environment ID is 26 letters and digits, not 3 characters"],
    [
      "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
      "an Environment ID holds lowercase letters and digits only (copy it from the 1Password app)",
    ],
    [
      "abcdefghijklmnopqrstuvwxy-",
      "an Environment ID holds lowercase letters and digits only (copy it from the 1Password app)",
    ],
    [
      "abcdefghijklmnopqrstuvwxyé",
      "an Environment ID holds lowercase letters and digits only (copy it from the 1Password app)",
    ],
  ])("%p is refused", (id, message) => {
    expect(environmentIdProblem(id)).toBe(message);
  });
});

describe("versionAtLeast", () => {
  test.each([
    ["2.41.0", true],
    ["2.41.1", true],
    ["2.100.0", true],
    ["3.0.0", true],
    ["2.40.9", false],
    ["2.32.0", false],
    ["2.41.0-beta.01", false], // the betas before 2.41.0 had `op environment read` only
    ["2.33.0-beta.02", false],
    ["2.42.0-beta.01", true],
    ["2.41.0\n", true],
  ])("%p >= 2.41.0 is %p", (version, expected) => {
    expect(versionAtLeast(version, ENVIRONMENTS_SINCE)).toBe(expected);
  });
  test.each(["", "op version 2", "2", "2.x.0", "v2.41.0"])("%p cannot be read", (version) => {
    expect(versionAtLeast(version, ENVIRONMENTS_SINCE)).toBeUndefined();
  });
});

describe("the version cache", () => {
  const record = { path: "/usr/local/bin/op", mtimeMs: 1700000000000, size: 1234, version: "2.41.0" };
  test("found only for the same path, size and mtime", () => {
    const cache = withVersion(undefined, record);
    expect(cachedVersion(cache, record.path, record.mtimeMs, record.size)).toBe("2.41.0");
    expect(cachedVersion(cache, record.path, record.mtimeMs + 1, record.size)).toBeUndefined(); // op updated
    expect(cachedVersion(cache, record.path, record.mtimeMs, record.size + 1)).toBeUndefined();
    expect(cachedVersion(cache, "/opt/homebrew/bin/op", record.mtimeMs, record.size)).toBeUndefined();
  });
  test("a newer record replaces the path's old one; a damaged cache is no cache", () => {
    const updated = withVersion(withVersion([], record), { ...record, mtimeMs: 5, version: "2.42.0" });
    expect(updated).toEqual([{ ...record, mtimeMs: 5, version: "2.42.0" }]);
    expect(cachedVersion({ not: "a list" }, record.path, record.mtimeMs, record.size)).toBeUndefined();
    expect(cachedVersion([null, 3, "x"], record.path, record.mtimeMs, record.size)).toBeUndefined();
  });
  test("it keeps a few binaries at most", () => {
    let cache: unknown = [];
    for (let i = 0; i < 20; i++) cache = withVersion(cache, { ...record, path: `/op${i}` });
    expect((cache as unknown[]).length).toBe(8);
  });
});
