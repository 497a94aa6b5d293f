/**
 * The release, built here with one command (`bun scripts/build.ts --all`): every target, packed
 * and checksummed, smoke-tested as far as this Linux machine can: the linux-x64 binary runs for
 * real, linux-arm64 under qemu-user, the others by their ELF/PE/Mach-O headers and (darwin) code
 * signatures. Then the Homebrew formula, checked with `ruby -c` and a stub of Homebrew's DSL.
 *
 * Tools from Debian (ruby, qemu-user, libc6-arm64-cross) are installed by .ci/run; on a
 * developer machine without them those tests print a notice and skip, in CI they fail.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { unzipSync } from "fflate";
import {
  archiveName,
  buildRelease,
  executableName,
  type ReleaseArtifact,
  sha256File,
  TARGETS,
} from "../../scripts/build.ts";
import { parseChecksums, renderFormula } from "../../scripts/formula.ts";
import { checkSignature, machHeader } from "../../scripts/macho.ts";
import { NODE, ROOT, run, SECRETS, sandbox } from "../e2e/helpers.ts";

const CI = process.env.CI === "true";
const VERSION = "0.1.0-test.1";

/** A Debian tool the test needs: in CI its absence fails the test, elsewhere it skips it. */
function tool(name: string): string | undefined {
  const path = Bun.which(name);
  if (!path && CI) throw new Error(`${name} is not installed: .ci/run must install it`);
  if (!path) console.warn(`notice: ${name} not installed, skipping the tests that need it`);
  return path ?? undefined;
}

let artifacts: ReleaseArtifact[];
const dist = join(ROOT, "dist");
const releaseDir = join(dist, "release");
const artifact = (name: string) => {
  const a = artifacts.find((x) => x.target.name === name);
  if (!a) throw new Error(`no artifact ${name}`);
  return a;
};

beforeAll(async () => {
  const previous = process.env.MCP_OP_VERSION;
  process.env.MCP_OP_VERSION = VERSION;
  try {
    artifacts = (await buildRelease(dist)).artifacts;
  } finally {
    if (previous === undefined) delete process.env.MCP_OP_VERSION;
    else process.env.MCP_OP_VERSION = previous;
  }
}, 900_000);

describe("bun scripts/build.ts --all", () => {
  test("every target: one archive with the binary, LICENSE and README.md; checksums.txt lists each", () => {
    expect(artifacts.map((a) => basename(a.archive))).toEqual(TARGETS.map(archiveName));
    const sums = parseChecksums(readFileSync(join(releaseDir, "checksums.txt"), "utf8"));
    expect([...sums.keys()]).toEqual(TARGETS.map(archiveName));
    for (const a of artifacts) {
      expect(sums.get(basename(a.archive))).toBe(sha256File(a.archive));
      const names =
        a.target.os === "windows"
          ? Object.keys(unzipSync(readFileSync(a.archive))).sort()
          : spawnSync("tar", ["-tzf", a.archive], { encoding: "utf8" }).stdout.trim().split("\n").sort();
      expect(names).toEqual([executableName(a.target), "LICENSE", "README.md"].sort());
    }
  }, 120_000);

  test("checksums.txt verifies with sha256sum itself", () => {
    const sha256sum = tool("sha256sum");
    if (!sha256sum) return;
    const r = spawnSync(sha256sum, ["--check", "--strict", "checksums.txt"], { cwd: releaseDir, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(TARGETS.length);
  });

  test("the tar.gz binary keeps its executable bit", () => {
    const listing = spawnSync("tar", ["-tvzf", artifact("mcp-op-linux-x64-gnu").archive], { encoding: "utf8" }).stdout;
    expect(listing).toMatch(/^-rwxr-xr-x .* mcp-op$/m);
  });
});

describe("smoke tests of what runs here", () => {
  test("linux-x64: --version, and run resolves a secret through the stand-in op", async () => {
    const bin = artifact("mcp-op-linux-x64-gnu").binary;
    expect(spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout).toBe(`${VERSION}\n`);
    const s = sandbox();
    const file = s.envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    const script = `process.stdout.write(String(process.env.GITHUB_TOKEN === ${JSON.stringify(SECRETS.github)}))`;
    const r = await run([bin, "run", "--env-file", file, "--", NODE, "-e", script], { env: s.env() });
    expect(r).toEqual({ code: 0, stdout: "true", stderr: "" });
  });

  test("linux-arm64 under qemu-user: --version, and run execs op", async () => {
    const qemu = tool("qemu-aarch64");
    if (!qemu) return;
    const sysroot = "/usr/aarch64-linux-gnu";
    if (!existsSync(join(sysroot, "lib", "ld-linux-aarch64.so.1"))) {
      if (CI) throw new Error("libc6-arm64-cross is not installed: .ci/run must install it");
      return;
    }
    const bin = artifact("mcp-op-linux-arm64-gnu").binary;
    const v = spawnSync(qemu, ["-L", sysroot, bin, "--version"], { encoding: "utf8" });
    expect(v.stdout).toBe(`${VERSION}\n`);
    const s = sandbox();
    const file = s.envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    const script = `process.stdout.write(String(process.env.GITHUB_TOKEN === ${JSON.stringify(SECRETS.github)}))`;
    const r = await run(
      [qemu, "-L", sysroot, bin, "run", "--no-signin", "--env-file", file, "--", NODE, "-e", script],
      {
        env: s.env(),
      },
    );
    expect(r).toEqual({ code: 0, stdout: "true", stderr: "" });
    // The env file reaches op as the descriptor mcp-op checked: libc's fcntl and execve, under qemu too.
    expect(s.opCalls()).toEqual([
      ["run", "--env-file", expect.stringMatching(/^\/dev\/fd\/\d+$/), "--no-masking", "--", NODE, "-e", script],
    ]);
  });

  const elf: Array<[string, number, string]> = [
    ["mcp-op-linux-x64-gnu", 62, "/lib64/ld-linux-x86-64.so.2"],
    ["mcp-op-linux-arm64-gnu", 183, "/lib/ld-linux-aarch64.so.1"],
    ["mcp-op-linux-x64-musl", 62, "/lib/ld-musl-x86_64.so.1"],
    ["mcp-op-linux-arm64-musl", 183, "/lib/ld-musl-aarch64.so.1"],
  ];
  for (const [name, machine, interpreter] of elf) {
    test(`${name}: ELF for machine ${machine}, interpreter ${interpreter}`, () => {
      expect(elfFacts(readFileSync(artifact(name).binary))).toEqual({ machine, interpreter });
    });
  }

  const pe: Array<[string, number]> = [
    ["mcp-op-windows-x64", 0x8664],
    ["mcp-op-windows-arm64", 0xaa64],
  ];
  for (const [name, machine] of pe) {
    test(`${name}: a PE console executable for machine 0x${machine.toString(16)}`, () => {
      // Subsystem 3 is the console; a GUI-subsystem exe would have no stdio for MCP.
      expect(peFacts(readFileSync(artifact(name).binary))).toEqual({ machine, subsystem: 3 });
    });
  }

  const macho: Array<[string, "arm64" | "x64", string[]]> = [
    ["mcp-op-darwin-arm64", "arm64", ["valid"]],
    ["mcp-op-darwin-x64", "x64", ["valid", "unsigned"]],
  ];
  for (const [name, cpu, allowed] of macho) {
    test(`${name}: Mach-O for ${cpu}, signature ${allowed.join(" or ")} (never stale)`, () => {
      const bytes = readFileSync(artifact(name).binary);
      expect(machHeader(bytes)?.cpu).toBe(cpu);
      expect(allowed).toContain(checkSignature(bytes).kind);
    });
  }
});

describe("Homebrew formula", () => {
  test("ruby -c, and every platform's url and sha256 match a real archive in checksums.txt", () => {
    const ruby = tool("ruby");
    if (!ruby) return;
    const checksums = parseChecksums(readFileSync(join(releaseDir, "checksums.txt"), "utf8"));
    const formulaPath = join(dist, "mcp-op.rb");
    writeFileSync(formulaPath, renderFormula({ version: VERSION, repo: "mcp-op/mcp-op", checksums }));
    const syntax = spawnSync(ruby, ["-c", formulaPath], { encoding: "utf8" });
    expect(syntax.stdout.trim()).toBe("Syntax OK");
    const stub = spawnSync(ruby, [join(ROOT, "test", "fixtures", "homebrew", "formula_stub.rb"), formulaPath], {
      encoding: "utf8",
    });
    expect(stub.stderr).toBe("");
    const seen = JSON.parse(stub.stdout) as {
      platforms: Record<string, { url: string; sha256: string }>;
      meta: Record<string, string>;
      installed: string[];
      has_test: boolean;
      caveats: string;
      class: string;
    };
    expect(Object.keys(seen.platforms).sort()).toEqual(["linux-arm", "linux-intel", "macos-arm", "macos-intel"]);
    const expected: Record<string, string> = {
      "macos-arm": "mcp-op-darwin-arm64.tar.gz",
      "macos-intel": "mcp-op-darwin-x64.tar.gz",
      "linux-arm": "mcp-op-linux-arm64-gnu.tar.gz",
      "linux-intel": "mcp-op-linux-x64-gnu.tar.gz",
    };
    for (const [platform, { url, sha256 }] of Object.entries(seen.platforms)) {
      const asset = expected[platform] as string;
      expect(url).toBe(`https://github.com/mcp-op/mcp-op/releases/download/v${VERSION}/${asset}`);
      expect(sha256).toBe(sha256File(join(releaseDir, asset)));
    }
    expect(seen.class).toBe("McpOp");
    expect(seen.meta.version).toBe(VERSION);
    expect(seen.installed).toEqual(["mcp-op"]);
    expect(seen.has_test).toBe(true);
    expect(seen.caveats).toContain("brew install --cask 1password-cli");
  });

  test("a checksums.txt missing a platform is refused", () => {
    expect(() => renderFormula({ version: VERSION, repo: "o/r", checksums: new Map() })).toThrow(
      "checksums.txt has no mcp-op-darwin-arm64.tar.gz",
    );
  });
});

/** e_machine and the PT_INTERP path of a 64-bit little-endian ELF file. */
function elfFacts(b: Buffer): { machine: number; interpreter: string } {
  expect(b.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  expect(b[4]).toBe(2); // ELFCLASS64
  const machine = b.readUInt16LE(18);
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (b.readUInt32LE(ph) === 3) {
      const offset = Number(b.readBigUInt64LE(ph + 8));
      const size = Number(b.readBigUInt64LE(ph + 32));
      return {
        machine,
        interpreter: b
          .subarray(offset, offset + size)
          .toString("latin1")
          .replace(/\0+$/, ""),
      };
    }
  }
  return { machine, interpreter: "" };
}

/** COFF machine and optional-header subsystem of a PE32+ file. */
function peFacts(b: Buffer): { machine: number; subsystem: number } {
  expect(b.subarray(0, 2).toString("latin1")).toBe("MZ");
  const pe = b.readUInt32LE(0x3c);
  expect(b.subarray(pe, pe + 4).toString("latin1")).toBe("PE\0\0");
  const machine = b.readUInt16LE(pe + 4);
  const optional = pe + 24;
  expect(b.readUInt16LE(optional)).toBe(0x20b); // PE32+
  return { machine, subsystem: b.readUInt16LE(optional + 68) };
}
