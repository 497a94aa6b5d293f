#!/usr/bin/env bun
/**
 * Compile mcp-op into standalone binaries.
 *
 *   bun scripts/build.ts          this machine only: dist/mcp-op (dist/mcp-op.exe on Windows)
 *   bun scripts/build.ts --all    every release target, cross-compiled from this machine:
 *                                 dist/bin/<name>/mcp-op[.exe], dist/release/<name>.tar.gz|.zip,
 *                                 dist/release/checksums.txt (sha256sum format) and install.sh
 *
 * Every build: bytecode on, version injected (MCP_OP_VERSION overrides package.json), and the
 * runtime's autoload of `.env`/`bunfig.toml` from the user's working directory OFF: a compiled
 * Bun binary would otherwise load them (a bunfig `preload` runs arbitrary code inside mcp-op).
 * Darwin binaries are checked with scripts/macho.ts: a stale signature is stripped (x64) or
 * fails the build (arm64, which macOS refuses to run unsigned).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";
import { zipSync } from "fflate";
import pkg from "../package.json" with { type: "json" };
import { ensureReleasable } from "./macho.ts";

const root = join(import.meta.dir, "..");

export interface Target {
  /** Release asset name without extension: matched by mise, ubi, eget and aqua (see README). */
  name: string;
  /** Bun's --target. */
  bun: Bun.Build.CompileTarget;
  os: "darwin" | "linux" | "windows";
  arch: "x64" | "arm64";
  musl: boolean;
}

export const TARGETS: readonly Target[] = [
  { name: "mcp-op-darwin-arm64", bun: "bun-darwin-arm64", os: "darwin", arch: "arm64", musl: false },
  { name: "mcp-op-darwin-x64", bun: "bun-darwin-x64", os: "darwin", arch: "x64", musl: false },
  // `-gnu` on the glibc builds: with a bare name, ubi (which sorts candidates by name) would pick
  // `-musl` on glibc hosts, where Bun's musl builds cannot start (scripts/asset-matching.md).
  { name: "mcp-op-linux-x64-gnu", bun: "bun-linux-x64", os: "linux", arch: "x64", musl: false },
  { name: "mcp-op-linux-arm64-gnu", bun: "bun-linux-arm64", os: "linux", arch: "arm64", musl: false },
  { name: "mcp-op-linux-x64-musl", bun: "bun-linux-x64-musl", os: "linux", arch: "x64", musl: true },
  { name: "mcp-op-linux-arm64-musl", bun: "bun-linux-arm64-musl", os: "linux", arch: "arm64", musl: true },
  { name: "mcp-op-windows-x64", bun: "bun-windows-x64", os: "windows", arch: "x64", musl: false },
  { name: "mcp-op-windows-arm64", bun: "bun-windows-arm64", os: "windows", arch: "arm64", musl: false },
];

export const executableName = (t: Pick<Target, "os">) => (t.os === "windows" ? "mcp-op.exe" : "mcp-op");
export const archiveName = (t: Target) => `${t.name}${t.os === "windows" ? ".zip" : ".tar.gz"}`;

export interface BuildResult {
  outfile: string;
  version: string;
}

export function releaseVersion(): string {
  return process.env.MCP_OP_VERSION ?? pkg.version;
}

/**
 * One compile. `target` undefined means this machine. `entrypoint` is src/cli.ts but for the
 * benchmark's floor, a few lines compiled with these very options (scripts/bench/bench.ts).
 */
export async function build(
  outfile = join(root, "dist", process.platform === "win32" ? "mcp-op.exe" : "mcp-op"),
  target?: Bun.Build.CompileTarget,
  entrypoint = join(root, "src", "cli.ts"),
): Promise<BuildResult> {
  const version = releaseVersion();
  mkdirSync(join(outfile, ".."), { recursive: true });
  const result = await Bun.build({
    entrypoints: [entrypoint],
    compile: {
      outfile,
      ...(target ? { target } : {}),
      autoloadDotenv: false,
      autoloadBunfig: false,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
      // JIT tier-up thresholds x100 at start: `run` executes each function a few times and
      // then execs, and the compiler threads the JIT starts make that exec slower (about
      // 0.45 ms of start-up, scripts/bench/RESULTS.md). The long-running --redact filter
      // restores the normal policy.
      jitPolicy: 100,
    },
    bytecode: true,
    // ESM chunks: `run` loads only its own code; the client-config commands (jsonc-parser,
    // toml-patch, citty: most of the bundle) load when used. One CJS bundle costs `run`
    // about 0.5 ms more start-up (scripts/bench/RESULTS.md).
    format: "esm",
    splitting: true,
    minify: true,
    sourcemap: "none",
    define: { MCP_OP_VERSION: JSON.stringify(version) },
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`build failed${target ? ` for ${target}` : ""}`);
  }
  return { outfile, version };
}

export interface ReleaseArtifact {
  target: Target;
  binary: string;
  archive: string;
  sha256: string;
}

/** Every target, packed, with checksums.txt. Returns what was written. */
export async function buildRelease(
  dist = join(root, "dist"),
): Promise<{ version: string; artifacts: ReleaseArtifact[] }> {
  const releaseDir = join(dist, "release");
  rmSync(releaseDir, { recursive: true, force: true });
  mkdirSync(releaseDir, { recursive: true });
  const version = releaseVersion();
  const artifacts: ReleaseArtifact[] = [];
  for (const target of TARGETS) {
    const binary = join(dist, "bin", target.name, executableName(target));
    await build(binary, target.bun);
    if (target.os === "darwin") {
      const status = await ensureReleasable(binary, target.arch);
      console.error(`${target.name}: signature ${status.kind}`);
    }
    const archive = join(releaseDir, archiveName(target));
    pack(target, binary, archive);
    artifacts.push({ target, binary, archive, sha256: sha256File(archive) });
    console.error(`built ${archive}`);
  }
  const lines = artifacts.map((a) => `${a.sha256}  ${basename(a.archive)}`);
  writeFileSync(join(releaseDir, "checksums.txt"), `${lines.join("\n")}\n`);
  // The installer is a release asset too, so `.../releases/latest/download/install.sh | sh` works.
  writeFileSync(join(releaseDir, "install.sh"), readFileSync(join(root, "scripts", "install.sh")));
  chmodSync(join(releaseDir, "install.sh"), 0o755);
  return { version, artifacts };
}

// Fixed timestamps so the same inputs give the same archive bytes (and checksums).
const EPOCH = Number(process.env.SOURCE_DATE_EPOCH ?? 0);

/** binary + LICENSE + README.md at the archive root: tar.gz, or zip for Windows. */
function pack(target: Target, binary: string, archive: string): void {
  const extras = ["LICENSE", "README.md"].map((f) => [f, join(root, f)] as const);
  if (target.os === "windows") {
    const mtime = new Date(Math.max(EPOCH, 315532800) * 1000); // zip dates start in 1980
    const files: Record<string, [Uint8Array, { mtime: Date; level: 9 }]> = {};
    files[executableName(target)] = [readFileSync(binary), { mtime, level: 9 }];
    for (const [name, path] of extras) files[name] = [readFileSync(path), { mtime, level: 9 }];
    writeFileSync(archive, zipSync(files));
    return;
  }
  const staging = join(archive, "..", `.${target.name}.staging`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  writeFileSync(join(staging, "mcp-op"), readFileSync(binary));
  chmodSync(join(staging, "mcp-op"), 0o755);
  for (const [name, path] of extras) writeFileSync(join(staging, name), readFileSync(path));
  const names = ["mcp-op", "LICENSE", "README.md"];
  const gnu = /GNU tar/.test(spawnSync("tar", ["--version"], { encoding: "utf8" }).stdout ?? "");
  const deterministic = gnu ? ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", `--mtime=@${EPOCH}`] : [];
  const tar = spawnSync("tar", [...deterministic, "-cf", "-", "-C", staging, ...names], { maxBuffer: 1 << 30 });
  rmSync(staging, { recursive: true, force: true });
  if (tar.status !== 0) throw new Error(`tar failed for ${archive}: ${tar.stderr?.toString()}`);
  writeFileSync(archive, gzipSync(tar.stdout, { level: 9 }));
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

if (import.meta.main) {
  if (process.argv.includes("--all")) {
    const { version, artifacts } = await buildRelease();
    console.error(`mcp-op ${version}: ${artifacts.length} archives and checksums.txt in dist/release`);
  } else {
    const { outfile, version } = await build();
    console.error(`built ${outfile} (mcp-op ${version})`);
  }
}
