/**
 * The Mach-O signature checker against Bun's real darwin outputs (cross-compiled here, the
 * runtimes come from the npm registry): arm64 is signed ad hoc and valid, x64 keeps a stale
 * Developer ID signature. Mutations flip a byte in place and restore it, so no case copies
 * the ~90 MB binary.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  checkSignature,
  ensureReleasable,
  machHeader,
  type SignatureStatus,
  stripSignature,
} from "../../scripts/macho.ts";

const ROOT = join(import.meta.dir, "..", "..");
const SCRIPT = join(ROOT, "scripts", "macho.ts");
const ARCHS = ["arm64", "x64"] as const;
type Arch = (typeof ARCHS)[number];

let dir = "";
const built: Record<Arch, { path: string; bytes: Uint8Array }> = {
  arm64: { path: "", bytes: new Uint8Array() },
  x64: { path: "", bytes: new Uint8Array() },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mcp-op-macho-"));
  for (const arch of ARCHS) {
    const outfile = join(dir, `mcp-op-darwin-${arch}`);
    const result = await Bun.build({
      entrypoints: [join(ROOT, "src", "cli.ts")],
      compile: { target: `bun-darwin-${arch}`, outfile, autoloadDotenv: false, autoloadBunfig: false },
      bytecode: true,
      minify: true,
    });
    if (!result.success) throw new AggregateError(result.logs, `bun build for darwin-${arch} failed`);
    built[arch] = { path: outfile, bytes: new Uint8Array(await readFile(outfile)) };
  }
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// --- A second, minimal reader of the layout, independent of scripts/macho.ts, to aim mutations.

const le32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const be32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, false);

/** LC_CODE_SIGNATURE's data range and the primary CodeDirectory's fields (thin, 64-bit, LE). */
function layout(b: Uint8Array) {
  let at = 32;
  for (let i = 0; i < le32(b, 16); i++, at += le32(b, at + 4)) {
    if (le32(b, at) !== 0x1d) continue;
    const dataoff = le32(b, at + 8);
    const datasize = le32(b, at + 12);
    // SuperBlob index entry 0 is { type 0 = CodeDirectory, offset }.
    const cd = dataoff + be32(b, dataoff + 16);
    return {
      dataoff,
      datasize,
      cd,
      hashOffset: be32(b, cd + 16),
      nCode: be32(b, cd + 28),
      codeLimit: be32(b, cd + 32),
      pageSize: 2 ** (b[cd + 39] ?? 0),
    };
  }
  throw new Error("no LC_CODE_SIGNATURE");
}

/** Flips one byte for the duration of `fn`, then restores it. */
function withFlipped<T>(bytes: Uint8Array, offset: number, fn: () => T): T {
  const original = bytes[offset] ?? 0;
  bytes[offset] = original ^ 0xff;
  try {
    return fn();
  } finally {
    bytes[offset] = original;
  }
}

/** A universal binary (big-endian fat header, slices aligned to 2^14 like lipo does). */
function fat(slices: Array<{ cputype: number; bytes: Uint8Array }>): Uint8Array {
  const align = 14;
  const offsets: number[] = [];
  let end = 8 + slices.length * 20;
  for (const slice of slices) {
    end = Math.ceil(end / 2 ** align) * 2 ** align;
    offsets.push(end);
    end += slice.bytes.length;
  }
  const out = new Uint8Array(end);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xcafebabe);
  dv.setUint32(4, slices.length);
  slices.forEach((slice, i) => {
    const offset = offsets[i] ?? 0;
    dv.setUint32(8 + i * 20, slice.cputype);
    dv.setUint32(8 + i * 20 + 8, offset);
    dv.setUint32(8 + i * 20 + 12, slice.bytes.length);
    dv.setUint32(8 + i * 20 + 16, align);
    out.set(slice.bytes, offset);
  });
  return out;
}
const CPU_TYPE = { arm64: 0x0100000c, x64: 0x01000007 } as const;

/** A 64-byte ELF64 header (x86-64 executable): what Linux build outputs look like. */
const ELF = new Uint8Array(64);
ELF.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1, 0, 0, 0]);

/** Deterministic "random" bytes (xorshift32), so a failure reproduces. */
function noise(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe("Bun's darwin outputs", () => {
  test("arm64 carries a valid SHA-256 signature over every page", () => {
    const { nCode } = layout(built.arm64.bytes);
    expect(nCode).toBeGreaterThan(0);
    expect(checkSignature(built.arm64.bytes)).toEqual({ kind: "valid", pages: nCode, hash: "sha256" });
  });

  test("x64 carries a stale signature: its first page differs and it stops short of the signature", () => {
    const { codeLimit, dataoff } = layout(built.x64.bytes);
    expect(codeLimit).toBeLessThan(dataoff);
    const status = checkSignature(built.x64.bytes);
    expect(status.kind).toBe("stale");
    const reason = "reason" in status ? status.reason : "";
    expect(reason).toMatch(/^page 0 \(bytes 0\.\.4095\) does not match its sha256 hash \(\d+ of \d+ pages differ\); /);
    expect(reason).toEndWith(`; the signed range ends at byte ${codeLimit} but the signature starts at ${dataoff}`);
  });

  test("machHeader reads the CPU and MH_EXECUTE", () => {
    expect(machHeader(built.arm64.bytes)).toEqual({ cpu: "arm64", filetype: 2 });
    expect(machHeader(built.x64.bytes)).toEqual({ cpu: "x64", filetype: 2 });
  });
});

describe("stripSignature", () => {
  test("x64: unsigned afterwards, still an x64 executable, cut where the signature began", () => {
    const { dataoff } = layout(built.x64.bytes);
    const stripped = stripSignature(built.x64.bytes);
    expect(checkSignature(stripped)).toEqual({ kind: "unsigned" });
    expect(machHeader(stripped)).toEqual({ cpu: "x64", filetype: 2 });
    expect(stripped.length).toBe(dataoff);
    // Stripping an unsigned binary is a no-op that still returns a copy.
    const again = stripSignature(stripped);
    expect(again).not.toBe(stripped);
    expect(Buffer.from(again).equals(Buffer.from(stripped))).toBe(true);
  });

  test("a file that is not a Mach-O throws", () => {
    expect(() => stripSignature(ELF)).toThrow(/^cannot strip the code signature: /);
  });
});

describe("checkSignature: arm64 with one change", () => {
  type Case = {
    name: string;
    /** The changed bytes, built from the valid arm64 binary (in place when possible). */
    run: (bytes: Uint8Array, l: ReturnType<typeof layout>) => SignatureStatus;
    want: (l: ReturnType<typeof layout>) => { kind: SignatureStatus["kind"]; reason: RegExp };
  };
  const cases: Case[] = [
    {
      name: "a byte inside code page 1000",
      run: (b, l) => withFlipped(b, 1000 * l.pageSize + 123, () => checkSignature(b)),
      want: (l) => ({
        kind: "stale",
        reason: new RegExp(
          `^page 1000 \\(bytes 4096000\\.\\.4100095\\) does not match its sha256 hash \\(1 of ${l.nCode} page differs\\)$`,
        ),
      }),
    },
    {
      name: "the last byte of the short last page",
      run: (b, l) => withFlipped(b, l.codeLimit - 1, () => checkSignature(b)),
      want: (l) => ({
        kind: "stale",
        reason: new RegExp(`^page ${l.nCode - 1} \\(bytes ${(l.nCode - 1) * l.pageSize}\\.\\.${l.codeLimit - 1}\\) `),
      }),
    },
    {
      name: "the stored hash of page 5 (inside the signature, after the signed range)",
      run: (b, l) => withFlipped(b, l.cd + l.hashOffset + 5 * 32, () => checkSignature(b)),
      want: () => ({ kind: "stale", reason: /^page 5 \(bytes 20480\.\.24575\) does not match/ }),
    },
    {
      name: "the SuperBlob magic",
      run: (b, l) => withFlipped(b, l.dataoff, () => checkSignature(b)),
      want: () => ({ kind: "stale", reason: /^the code signature is not an embedded SuperBlob \(magic 0x5de0cc0\)$/ }),
    },
    {
      name: "a byte appended after the signature",
      run: (b) => {
        const longer = new Uint8Array(b.length + 1);
        longer.set(b);
        return checkSignature(longer);
      },
      want: () => ({ kind: "stale", reason: /^1 byte after the code signature is not signed$/ }),
    },
    {
      name: "the last byte cut off (truncated download)",
      run: (b) => checkSignature(b.subarray(0, b.length - 1)),
      want: (l) => ({
        kind: "not-macho",
        reason: new RegExp(
          `^truncated: the code signature spans bytes ${l.dataoff}\\.\\.${l.dataoff + l.datasize - 1} of a ${l.dataoff + l.datasize - 1}-byte file$`,
        ),
      }),
    },
    {
      name: "only the first page left",
      run: (b) => checkSignature(b.subarray(0, 4096)),
      want: () => ({ kind: "not-macho", reason: /^truncated: / }),
    },
    {
      name: "the Mach-O magic",
      run: (b) => withFlipped(b, 0, () => checkSignature(b)),
      want: () => ({ kind: "not-macho", reason: /^unknown magic 0x30faedfe$/ }),
    },
  ];
  for (const { name, run, want } of cases) {
    test(name, () => {
      const l = layout(built.arm64.bytes);
      const status = run(built.arm64.bytes, l);
      const { kind, reason } = want(l);
      expect(status.kind).toBe(kind);
      expect("reason" in status ? status.reason : "").toMatch(reason);
    });
  }

  test("every mutation above was undone", () => {
    expect(checkSignature(built.arm64.bytes).kind).toBe("valid");
  });
});

describe("checkSignature: not a Mach-O", () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["empty", new Uint8Array(), /^0 bytes is too short for a Mach-O header$/],
    ["an ELF header", ELF, /^ELF file \(magic 0x7f454c46\)$/],
    ["random bytes", noise(4096), /^unknown magic 0x/],
    ["a Windows executable", new TextEncoder().encode("MZ\x90\0"), /^PE\/Windows executable/],
    ["a shell script", new TextEncoder().encode("#!/bin/sh\necho hi\n"), /^script/],
    ["a Java class file (shares 0xcafebabe)", Uint8Array.of(0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x41), /Java class/],
    ["a bare 64-bit Mach-O magic", Uint8Array.of(0xcf, 0xfa, 0xed, 0xfe), /^truncated: 4 bytes is shorter/],
  ];
  for (const [name, bytes, reason] of cases) {
    test(name, () => {
      const status = checkSignature(bytes);
      expect(status.kind).toBe("not-macho");
      expect("reason" in status ? status.reason : "").toMatch(reason);
      expect(machHeader(bytes)).toBeUndefined();
    });
  }

  test("never throws on arbitrary bytes behind a Mach-O or fat magic", () => {
    const magics = [
      [0xcf, 0xfa, 0xed, 0xfe],
      [0xce, 0xfa, 0xed, 0xfe],
      [0xfe, 0xed, 0xfa, 0xcf],
      [0xca, 0xfe, 0xba, 0xbe],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 512 }), (magic, rest) => {
        const status = checkSignature(Uint8Array.from([...magic, ...rest]));
        return ["unsigned", "stale", "not-macho"].includes(status.kind);
      }),
    );
  });

  test("never throws when the load commands of a real header are garbled", () => {
    // The first 16 KiB of the arm64 binary: header and load commands, no signature in reach.
    const head = built.arm64.bytes.slice(0, 16384);
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 2047 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const bytes = head.slice();
        bytes[at] = value;
        return ["unsigned", "not-macho"].includes(checkSignature(bytes).kind);
      }),
    );
  });
});

describe("universal binaries", () => {
  test("each slice is checked and the worst one is reported, named by CPU", () => {
    const both = fat([
      { cputype: CPU_TYPE.arm64, bytes: built.arm64.bytes },
      { cputype: CPU_TYPE.x64, bytes: built.x64.bytes },
    ]);
    const status = checkSignature(both);
    expect(status.kind).toBe("stale");
    expect("reason" in status ? status.reason : "").toMatch(/^x64 slice: page 0 /);
    expect(machHeader(both)).toBeUndefined();
    // macho-unsign strips every slice.
    expect(checkSignature(stripSignature(both))).toEqual({ kind: "unsigned" });
  });

  test("all slices valid: valid, pages added up", () => {
    const { nCode } = layout(built.arm64.bytes);
    expect(checkSignature(fat([{ cputype: CPU_TYPE.arm64, bytes: built.arm64.bytes }]))).toEqual({
      kind: "valid",
      pages: nCode,
      hash: "sha256",
    });
  });

  test("a slice running past the end of the file", () => {
    const one = fat([{ cputype: CPU_TYPE.arm64, bytes: built.arm64.bytes }]);
    const status = checkSignature(one.subarray(0, one.length - 1));
    expect(status.kind).toBe("not-macho");
    expect("reason" in status ? status.reason : "").toMatch(/^truncated: slice 0 spans bytes 16384\.\./);
  });
});

describe("ensureReleasable", () => {
  /** A fresh directory per case, so leftover temp files would show. */
  async function copyOf(name: string, bytes: Uint8Array, mode = 0o644) {
    const sub = join(dir, `release-${name}`);
    mkdirSync(sub);
    const path = join(sub, "mcp-op");
    await writeFile(path, bytes, { mode });
    return { sub, path };
  }

  test("x64 with a stale signature: stripped in place, atomically, mode 0755", async () => {
    const { sub, path } = await copyOf("x64", built.x64.bytes);
    expect(await ensureReleasable(path, "x64")).toEqual({ kind: "unsigned" });
    expect(checkSignature(new Uint8Array(await readFile(path)))).toEqual({ kind: "unsigned" });
    expect(machHeader(new Uint8Array(await readFile(path)))).toEqual({ cpu: "x64", filetype: 2 });
    expect(statSync(path).mode & 0o777).toBe(0o755);
    expect(readdirSync(sub)).toEqual(["mcp-op"]);
    // Running it again finds nothing to do.
    expect(await ensureReleasable(path, "x64")).toEqual({ kind: "unsigned" });
  });

  test("arm64 with a valid signature: left alone", async () => {
    const { path } = await copyOf("arm64", built.arm64.bytes);
    const before = statSync(path);
    expect((await ensureReleasable(path, "arm64")).kind).toBe("valid");
    expect(statSync(path).mtimeMs).toBe(before.mtimeMs);
  });

  const failures: Array<[string, () => Uint8Array, Arch, RegExp]> = [
    [
      "arm64 with a changed code page",
      () => {
        const bytes = built.arm64.bytes.slice();
        bytes[4096 * 7] = (bytes[4096 * 7] ?? 0) ^ 1;
        return bytes;
      },
      "arm64",
      /: stale: page 7 \(bytes 28672\.\.32767\) does not match its sha256 hash .*; Apple Silicon will not run it/,
    ],
    [
      "arm64 without a signature",
      () => stripSignature(built.arm64.bytes),
      "arm64",
      /: unsigned; Apple Silicon will not run it/,
    ],
    [
      "an x64 binary where arm64 is expected",
      () => built.x64.bytes,
      "arm64",
      /: expected a darwin-arm64 binary, found x64$/,
    ],
    ["not a Mach-O", () => ELF, "x64", /: not a Mach-O: ELF file/],
  ];
  for (const [name, bytes, arch, message] of failures) {
    test(`throws, naming the file: ${name}`, async () => {
      const { path } = await copyOf(name.replaceAll(" ", "-"), bytes());
      const error = await ensureReleasable(path, arch).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      const text = (error as Error).message;
      expect(text.startsWith(`${path}: `)).toBe(true);
      expect(text).toMatch(message);
      expect(text).not.toContain("\n");
    });
  }
});

describe("CLI", () => {
  async function cli(...args: string[]) {
    const proc = Bun.spawn([process.execPath, SCRIPT, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { stdout, stderr, exitCode };
  }
  const files = { arm64: "", x64: "", x64Unsigned: "", arm64Unsigned: "", elf: "" };
  const reason = (status: SignatureStatus) => ("reason" in status ? status.reason : "");

  beforeAll(async () => {
    const sub = join(dir, "cli");
    mkdirSync(sub);
    files.arm64 = built.arm64.path;
    files.x64 = built.x64.path;
    files.x64Unsigned = join(sub, "x64-unsigned");
    files.arm64Unsigned = join(sub, "arm64-unsigned");
    files.elf = join(sub, "linux-binary");
    await writeFile(files.x64Unsigned, stripSignature(built.x64.bytes));
    await writeFile(files.arm64Unsigned, stripSignature(built.arm64.bytes));
    await writeFile(files.elf, ELF);
  });

  const pages = () => layout(built.arm64.bytes).nCode;
  const cases: Array<[string, () => string[], number, () => string[], RegExp?]> = [
    ["valid arm64", () => [files.arm64], 0, () => [`${files.arm64}: valid (${pages()} pages, sha256)`]],
    [
      "valid arm64 + unsigned x64",
      () => [files.arm64, files.x64Unsigned],
      0,
      () => [`${files.arm64}: valid (${pages()} pages, sha256)`, `${files.x64Unsigned}: unsigned`],
    ],
    ["stale x64", () => [files.x64], 1, () => [`${files.x64}: stale: ${reason(checkSignature(built.x64.bytes))}`]],
    ["not a Mach-O", () => [files.elf], 1, () => [`${files.elf}: not a Mach-O: ELF file (magic 0x7f454c46)`]],
    [
      "unsigned arm64",
      () => [files.arm64Unsigned],
      1,
      () => [`${files.arm64Unsigned}: unsigned`],
      /arm64-unsigned: an arm64 binary must be signed/,
    ],
    ["a missing file", () => [join(dir, "nope")], 1, () => [], /nope: ENOENT/],
  ];
  for (const [name, args, exitCode, lines, stderr] of cases) {
    test(`verify: ${name} -> exit ${exitCode}`, async () => {
      const r = await cli("verify", ...args());
      expect({ exitCode: r.exitCode, lines: r.stdout.split("\n").filter(Boolean) }).toEqual({
        exitCode,
        lines: lines(),
      });
      if (stderr) expect(r.stderr).toMatch(stderr);
      else expect(r.stderr).toBe("");
    });
  }

  test("usage errors exit 2", async () => {
    for (const args of [[], ["verify"], ["sign", files.arm64]]) {
      const r = await cli(...args);
      expect({ exitCode: r.exitCode, stdout: r.stdout }).toEqual({ exitCode: 2, stdout: "" });
      expect(r.stderr).toMatch(/^usage: /);
    }
  });

  test("strip rewrites a stale x64 in place; verify then passes", async () => {
    const path = join(dir, "cli", "x64-to-strip");
    await copyFile(files.x64, path);
    const stripped = await cli("strip", path);
    expect(stripped.exitCode).toBe(0);
    expect(stripped.stdout).toBe(`${path}: stripped (was stale: ${reason(checkSignature(built.x64.bytes))})\n`);
    const verified = await cli("verify", path);
    expect({ exitCode: verified.exitCode, stdout: verified.stdout }).toEqual({
      exitCode: 0,
      stdout: `${path}: unsigned\n`,
    });
  });
});
