/**
 * Env files and token files are read the way ssh's StrictModes reads ~/.ssh/config: the file
 * and every directory on the way to it, symbolic links followed, belong to you or root and no
 * one else can write them (a sticky directory like /tmp excepted). Each refusal is one line
 * naming the offending directory and the fix, exit 77.
 */
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  closeSync,
  fstatSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  readSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEnvFile, readTokenFile } from "../../src/effects/files.ts";
import { McpOpError } from "../../src/errors.ts";

const uid = process.getuid?.() ?? 0;
/** Someone else: only root can hand a directory to them (CI runs as root). */
const OTHER = 12345;
const canChown = uid === 0;
if (!canChown) console.warn("notice: not root, skipping the tests of directories owned by another user");

/** A private scratch directory (mode 0700, in /tmp: sticky, root's). */
const scratch = () => realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-files-")));

function dir(path: string, mode = 0o700): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode);
  return path;
}

function put(path: string, text: string): string {
  writeFileSync(path, text);
  chmodSync(path, 0o600);
  return path;
}

type Reader = (path: string) => unknown;
const readers: Array<[string, string, Reader]> = [
  ["env file", "refusing an env file", (p) => readEnvFile(p, undefined, "/")],
  ["headers file", "refusing a headers file", (p) => readEnvFile(p, undefined, "/", { kind: "headers" })],
  ["token file", "refusing a token file", (p) => readTokenFile(p, undefined, "/")],
];
const start = (kind: string, path: string) => (kind === "token file" ? `token file ${path}:` : `${path}:`);

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

describe.skipIf(!posix).each(readers)("%s: every directory on the way is checked", (kind, refusing, read) => {
  const content = "A=op://Private/GitHub/token\n";
  const text = kind === "token file" ? "ops_token\n" : content;

  test("a group-writable parent", () => {
    const parent = dir(join(scratch(), "shared"), 0o770);
    const file = put(join(parent, "f"), text);
    expect(refusal(() => read(file))).toEqual([
      77,
      `${start(kind, file)} ${refusing} in a directory its group can write to (${parent}, mode 0770): its group's members could replace it; fix: chmod go-w ${parent}, or move the file`,
    ]);
  });

  test("a world-writable grandparent, the parent private", () => {
    const grand = dir(join(scratch(), "open"), 0o777);
    const parent = dir(join(grand, "mine"), 0o700);
    const file = put(join(parent, "f"), text);
    expect(refusal(() => read(file))).toEqual([
      77,
      `${start(kind, file)} ${refusing} in a directory anyone can write to (${grand}, mode 0777): anyone could replace it; fix: chmod go-w ${grand}, or move the file`,
    ]);
  });

  test("a symbolic link through a world-writable directory: a linked directory, and a linked file", () => {
    const base = scratch();
    const open = dir(join(base, "open"), 0o777);
    const sub = dir(join(open, "sub"), 0o700);
    put(join(sub, "f"), text);
    const private_ = dir(join(base, "private"), 0o700);
    symlinkSync(sub, join(private_, "linked-dir"));
    symlinkSync(join(sub, "f"), join(private_, "linked-file"));
    for (const path of [join(private_, "linked-dir", "f"), join(private_, "linked-file")]) {
      expect(refusal(() => read(path))).toEqual([
        77,
        `${start(kind, path)} ${refusing} in a directory anyone can write to (${open}, mode 0777): anyone could replace it; fix: chmod go-w ${open}, or move the file`,
      ]);
    }
  });

  test("a relative link climbing out with ..: the directories it reaches are checked", () => {
    const base = scratch();
    const open = dir(join(base, "open"), 0o777);
    put(join(open, "f"), text);
    const private_ = dir(join(base, "private", "deep"), 0o700);
    symlinkSync("../../open/f", join(private_, "link"));
    expect(refusal(() => read(join(private_, "link")))[1]).toContain(`(${open}, mode 0777)`);
  });

  test("sticky directories (as /tmp is) are fine, owned by root or by you", () => {
    const sticky = dir(join(scratch(), "sticky"), 0o1777);
    const file = put(join(sticky, "f"), text);
    expect(() => read(file)).not.toThrow();
  });

  test.skipIf(!canChown)("a parent owned by another user, even private to them", () => {
    const parent = dir(join(scratch(), "theirs"), 0o755);
    const file = put(join(parent, "f"), text);
    chownSync(parent, OTHER, OTHER);
    expect(refusal(() => read(file))).toEqual([
      77,
      `${start(kind, file)} ${refusing} in a directory owned by another user (${parent}, uid ${OTHER}): that user could replace it; fix: move the file to a directory of yours, or (as root) chown ${uid} ${parent}`,
    ]);
  });

  test.skipIf(!canChown)("a sticky directory of another user: they can replace what is in it", () => {
    const sticky = dir(join(scratch(), "sticky"), 0o1777);
    const file = put(join(sticky, "f"), text);
    chownSync(sticky, OTHER, OTHER);
    expect(refusal(() => read(file))[1]).toContain(`in a directory owned by another user (${sticky}, uid ${OTHER})`);
  });

  test.skipIf(!canChown)("a symbolic link owned by another user in a sticky directory", () => {
    const base = scratch();
    const file = put(join(dir(join(base, "private")), "f"), text);
    const sticky = dir(join(base, "sticky"), 0o1777);
    const link = join(sticky, "link");
    symlinkSync(file, link);
    lchownSync(link, OTHER, OTHER);
    expect(refusal(() => read(link))).toEqual([
      77,
      `${start(kind, link)} ${refusing} reached through a symbolic link owned by another user (${link}, uid ${OTHER}): that user could point it elsewhere; fix: name the file itself, or replace ${link} with a link of your own`,
    ]);
  });
});

describe.skipIf(!posix)("readEnvFile: the descriptor handed to op", () => {
  test("keepOpen returns the descriptor the text was read from, its offset still 0 (macOS shares it)", () => {
    const file = put(join(scratch(), "gh.env"), "A=op://Private/GitHub/token\n");
    const read = readEnvFile(file, undefined, "/", { keepOpen: true });
    expect(read.text).toBe("A=op://Private/GitHub/token\n");
    const fd = read.fd as number;
    expect(fstatSync(fd).ino).toBe(statSync(file).ino);
    // A read at the current offset (what op's open of /dev/fd/N gets on macOS) starts at byte 0.
    const buf = Buffer.alloc(64);
    expect(buf.subarray(0, readSync(fd, buf, 0, buf.length, null)).toString()).toBe(read.text);
    closeSync(fd);
  });
  test("without keepOpen, nothing stays open", () => {
    const file = put(join(scratch(), "gh.env"), "A=1\n");
    expect(readEnvFile(file, undefined, "/").fd).toBeUndefined();
  });
});
