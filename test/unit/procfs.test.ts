import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { fdinfoFlags, hasBlockedSignals, isNonBlocking } from "../../src/core/procfs.ts";

describe("fdinfo flags", () => {
  test("octal flags, O_NONBLOCK is 04000", () => {
    expect(fdinfoFlags("pos:\t0\nflags:\t0104002\nmnt_id:\t15\n")).toBe(0o104002);
    expect(isNonBlocking("pos:\t0\nflags:\t0104002\nmnt_id:\t15\n")).toBe(true);
    expect(isNonBlocking("pos:\t0\nflags:\t0100002\nmnt_id:\t15\n")).toBe(false);
    expect(isNonBlocking("flags:\t00\n")).toBe(false);
  });
  test("unreadable or malformed counts as non-blocking (libc then decides)", () => {
    expect(fdinfoFlags("")).toBeUndefined();
    expect(isNonBlocking("")).toBe(true);
    expect(isNonBlocking("flags:\t09\n")).toBe(true);
  });
  test("this process's own fdinfo parses", () => {
    if (process.platform !== "linux") return;
    expect(fdinfoFlags(readFileSync("/proc/self/fdinfo/2", "utf8"))).toBeNumber();
  });
});

describe("SigBlk", () => {
  test("zero mask: nothing blocked; any bit: blocked; absent: assume blocked", () => {
    expect(hasBlockedSignals("SigPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000001001000\n")).toBe(
      false,
    );
    expect(hasBlockedSignals("SigBlk:\t0000000000010000\n")).toBe(true);
    expect(hasBlockedSignals("SigBlk:\tfffffffe7ffbfeff\n")).toBe(true);
    expect(hasBlockedSignals("Name:\tx\n")).toBe(true);
  });
});

describe("field lookup", () => {
  test("a name inside another line or value is not a field", () => {
    expect(fdinfoFlags("pos:\t0 flags: 04000\nmnt_id:\t15\n")).toBeUndefined();
    expect(fdinfoFlags("xflags:\t04000\n")).toBeUndefined();
    expect(fdinfoFlags("flags:\t04000")).toBe(0o4000);
    expect(hasBlockedSignals("NotSigBlk:\t0\nSigBlk:\t0000000000000000\n")).toBe(false);
  });
});
