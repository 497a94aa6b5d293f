/**
 * effects/sys-linux.ts (libc) held to node:fs and node:path, call by call, on real files: the
 * same stats, the same bytes, and errors with the same code, errno, syscall and message. Through
 * both FFIs it takes: `Bun.FFI` (what run uses) and bun:ffi's wrapped functions. Linux under Bun
 * only (elsewhere sys.ts is node:fs itself).
 */

import * as ffi from "bun:ffi";
import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import fc from "fast-check";
import { loadedFfi, loadSys, nativeFfi, sysKind } from "../../src/effects/sys.ts";
import { type Ffi, linuxSys, openLibc, resolvePosix } from "../../src/effects/sys-linux.ts";

const onLinux = process.platform === "linux";
const dir = fs.mkdtempSync(join(tmpdir(), "mcp-op-sys-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const file = join(dir, "a.env");
fs.writeFileSync(file, "GITHUB_TOKEN=op://Private/GitHub/token\n", { mode: 0o600 });
const script = join(dir, "tool");
fs.writeFileSync(script, "#!/bin/sh\n", { mode: 0o755 });
const link = join(dir, "link");
fs.symlinkSync("a.env", link);
const dangling = join(dir, "dangling");
fs.symlinkSync("nowhere", dangling);

/** What a call gave: its value, or the error's identifying fields. */
function outcome(call: () => unknown): unknown {
  try {
    const value = call();
    // accessSync gives undefined in node:fs, null in Bun's: the same "no error".
    if (value === undefined || value === null) return "ok";
    if (value && typeof value === "object" && "isFile" in value) {
      const s = value as fs.Stats;
      return {
        dev: s.dev,
        ino: s.ino,
        mode: s.mode,
        uid: s.uid,
        size: s.size,
        isFile: s.isFile(),
        isDirectory: s.isDirectory(),
        isSymbolicLink: s.isSymbolicLink(),
      };
    }
    return value;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return {
      error: { name: e.name, message: e.message, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path },
    };
  }
}

const paths = [file, script, link, dangling, dir, "/", join(dir, "missing"), join(file, "below-a-file"), "a\0b"];

describe.skipIf(!onLinux)("sys.ts's choice here", () => {
  test("libc (statx present), through Bun.FFI", async () => {
    expect(nativeFfi()).toBeDefined();
    await loadSys();
    expect(sysKind()).toBe("libc");
    expect(loadedFfi()).toBe(nativeFfi());
  });
});

const ffis: Array<[string, Ffi | undefined]> = onLinux
  ? [
      ["Bun.FFI", nativeFfi()],
      ["bun:ffi", ffi as unknown as Ffi],
    ]
  : [];
for (const [name, through] of ffis) {
  const libc = through && linuxSys(through, openLibc(through));
  describe(`libc calls through ${name} agree with node:fs`, () => {
    test("libc is there (statx present)", () => {
      expect(libc?.kind).toBe("libc");
    });

    const nodeStat = { statSync: fs.statSync, lstatSync: fs.lstatSync };
    for (const call of ["statSync", "lstatSync"] as const) {
      test(`${call}: stats and errors, path by path`, () => {
        for (const path of paths) {
          expect({ path, got: outcome(() => libc?.[call](path)) }).toEqual({
            path,
            got: outcome(() => nodeStat[call](path)),
          });
        }
      });
    }

    test("readlinkSync and accessSync: values and errors", () => {
      for (const path of paths) {
        expect({ path, got: outcome(() => libc?.readlinkSync(path)) }).toEqual({
          path,
          got: outcome(() => fs.readlinkSync(path, "utf8")),
        });
        for (const mode of [fs.constants.R_OK, fs.constants.X_OK]) {
          expect({ path, mode, got: outcome(() => libc?.accessSync(path, mode)) }).toEqual({
            path,
            mode,
            got: outcome(() => fs.accessSync(path, mode)),
          });
        }
      }
    });

    test("openSync, fstatSync, readSync at positions, closeSync; a closed descriptor fails as in node:fs", () => {
      const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;
      const mine = libc?.openSync(file, flags) as number;
      const theirs = fs.openSync(file, flags);
      expect(outcome(() => libc?.fstatSync(mine))).toEqual(outcome(() => fs.fstatSync(theirs)));
      for (const [offset, length, position] of [
        [0, 64, 0],
        [3, 10, 5],
        [0, 64, 1000],
        [0, 0, 0],
      ] as const) {
        const a = new Uint8Array(64);
        const b = new Uint8Array(64);
        expect(libc?.readSync(mine, a, offset, length, position)).toBe(
          fs.readSync(theirs, b, offset, length, position),
        );
        expect(a).toEqual(b);
      }
      // The descriptor is close-on-exec, as node:fs opens every descriptor.
      const flagsLine = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${mine}`, "utf8"));
      expect(Number.parseInt(flagsLine?.[1] ?? "0", 8) & 0o2000000).toBe(0o2000000);
      libc?.closeSync(mine);
      fs.closeSync(theirs);
      expect(outcome(() => libc?.readSync(mine, new Uint8Array(4), 0, 4, 0))).toEqual(
        outcome(() => fs.readSync(theirs, new Uint8Array(4), 0, 4, 0)),
      );
      expect(outcome(() => libc?.openSync(join(dir, "missing"), flags))).toEqual(
        outcome(() => fs.openSync(join(dir, "missing"), flags)),
      );
    });

    test("writeSync: strings and byte ranges", () => {
      const out = join(dir, "out");
      const fd = fs.openSync(out, "w");
      expect(libc?.writeSync(fd, "héllo ")).toBe(7);
      expect(libc?.writeSync(fd, new TextEncoder().encode("xxworldxx"), 2, 5)).toBe(5);
      fs.closeSync(fd);
      expect(fs.readFileSync(out, "utf8")).toBe("héllo world");
    });

    test("getuid is process.getuid()", () => {
      expect(libc?.getuid()).toBe(process.getuid?.());
    });
  });
}

describe("resolvePosix is node:path's posix resolve", () => {
  test("for any segments of /, ., .., names and empty strings", () => {
    const segment = fc
      .array(fc.constantFrom("/", ".", "..", "a", "bc", "", "x/", "/y", "//"), { maxLength: 5 })
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), (segments) => {
        expect(resolvePosix(...segments)).toBe(posix.resolve(...segments));
      }),
      { numRuns: 2000 },
    );
  });
});
