/**
 * Our GitHub Release asset names against the asset pickers of four installers we cannot run here:
 * mise's `github:` backend, ubi, eget and aqua. Each picker is re-implemented below as a small pure
 * function that follows the upstream source cited next to every regex (paths are in the upstream
 * repositories; scripts/asset-matching.md has the commits, the reasoning and the risks). No network.
 *
 * "Exactly one match" means: the tool's own rules single out one asset (mise: one asset with the
 * top score; ubi: decided before its "sort by name, take the first" fallback; eget: a direct match,
 * no "please select manually" prompt; aqua: the rendered template names an asset that exists).
 * One documented exception: ubi on a glibc host has no glibc rule, so its name sort decides between
 * `-gnu` and `-musl`; `-gnu` sorts first ('g' < 'm'), which is why the glibc assets carry `-gnu`.
 * The chezmoi external in the doc is checked too: its template must render our exact names.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RELEASE_ARCHIVES, ROOT } from "../unit/support.ts";

/** What a release publishes, exactly. */
const ASSETS: readonly string[] = [...RELEASE_ARCHIVES, "checksums.txt"];

/** The names before the rename: bare glibc Linux names (kept to pin why they changed). */
const LEGACY_ASSETS: readonly string[] = ASSETS.map((a) => a.replace(/-gnu\.tar\.gz$/, ".tar.gz"));

type Os = "darwin" | "linux" | "windows";
type Arch = "x64" | "arm64";
type Libc = "gnu" | "musl";

interface Platform {
  /** Also the asset stem after "mcp-op-". */
  id: string;
  os: Os;
  arch: Arch;
  /** The host's libc on Linux; null elsewhere. */
  libc: Libc | null;
}

const PLATFORMS: readonly Platform[] = [
  { id: "darwin-arm64", os: "darwin", arch: "arm64", libc: null },
  { id: "darwin-x64", os: "darwin", arch: "x64", libc: null },
  { id: "linux-x64-gnu", os: "linux", arch: "x64", libc: "gnu" },
  { id: "linux-arm64-gnu", os: "linux", arch: "arm64", libc: "gnu" },
  { id: "linux-x64-musl", os: "linux", arch: "x64", libc: "musl" },
  { id: "linux-arm64-musl", os: "linux", arch: "arm64", libc: "musl" },
  { id: "windows-x64", os: "windows", arch: "x64", libc: null },
  { id: "windows-arm64", os: "windows", arch: "arm64", libc: null },
];

const expectedAsset = (p: Platform) => `mcp-op-${p.id}.${p.os === "windows" ? "zip" : "tar.gz"}`;
const platform = (id: string): Platform => {
  const p = PLATFORMS.find((x) => x.id === id);
  if (!p) throw new Error(`no platform ${id}`);
  return p;
};
const isGlibcLinux = (p: Platform) => p.libc === "gnu";
const isMuslLinux = (p: Platform) => p.libc === "musl";

/** Rust's `str::cmp` / Go string order (bytewise); ASCII-only names, so UTF-16 order is the same. */
const byteCompare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ─────────────────────────────────────────────────────────────────────────────────────────────
// mise `github:` backend: jdx/mise src/backend/asset_matcher.rs (AssetPicker), called from
// src/backend/github.rs resolve_github_asset_url_for_target() with
// .with_preferred_name(repo name) when no `asset_pattern` is set.
// ─────────────────────────────────────────────────────────────────────────────────────────────

type MiseOs = "android" | "linux" | "macos" | "windows";
type MiseArch = "x64" | "arm64" | "x86" | "arm" | "riscv64" | "loongarch64";
type MiseLibc = "msvc" | "gnu" | "musl";

// asset_matcher.rs OS_PATTERNS, in order (the first pattern that matches decides).
const MISE_OS_PATTERNS: readonly [MiseOs, RegExp][] = [
  ["android", /(?:\b|_)(?:android)(?:\b|_)/i],
  [
    "linux",
    /(?:\b|_)(?:linux|manylinux(?:[0-9_]+)?|musllinux(?:[0-9_]+)?|ubuntu|debian|fedora|centos|rhel|alpine|arch)(?:\b|_|32|64|-)/i,
  ],
  ["macos", /(?:\b|_)(?:darwin|mac(?:osx?)?|osx)(?:\b|_)/i],
  ["windows", /(?:\b|_)(?:mingw-w64|win(?:32|64|dows)?)(?:\b|_)/i],
];
// asset_matcher.rs ARCH_PATTERNS, in order.
const MISE_ARCH_PATTERNS: readonly [MiseArch, RegExp][] = [
  ["x64", /(?:\b|_)(?:x86[_-]64|x64|amd64)(?:\b|_)/i],
  ["arm64", /(?:\b|_)(?:aarch_?64|arm_?64)(?:\b|_)/i],
  ["x86", /(?:\b|_)(?:x86|i386|i686)(?:\b|_)/i],
  ["arm", /(?:\b|_)arm(?:v[0-7])?(?:\b|_)/i],
  ["riscv64", /(?:\b|_)riscv_?64(?:gc)?(?:\b|_)/i],
  ["loongarch64", /(?:\b|_)loong(?:arch)?_?64(?:\b|_)/i],
];
// asset_matcher.rs LIBC_PATTERNS, in order.
const MISE_LIBC_PATTERNS: readonly [MiseLibc, RegExp][] = [
  ["msvc", /(?:\b|_)(?:msvc)(?:\b|_)/i],
  ["gnu", /(?:\b|_)(?:gnu|glibc|manylinux(?:[0-9_]+)?)(?:\b|_)/i],
  ["musl", /(?:\b|_)(?:musl|musllinux(?:[0-9_]+)?)(?:\b|_)/i],
];
// asset_matcher.rs AssetOs/AssetArch::matches_target.
const MISE_OS_TARGETS: Record<MiseOs, readonly string[]> = {
  android: ["android"],
  linux: ["linux"],
  macos: ["macos", "darwin"],
  windows: ["windows"],
};
const MISE_ARCH_TARGETS: Record<MiseArch, readonly string[]> = {
  x64: ["x86_64", "amd64", "x64"],
  arm64: ["aarch64", "arm64"],
  x86: ["x86", "i386", "i686"],
  arm: ["arm"],
  riscv64: ["riscv64", "riscv64gc"],
  loongarch64: ["loongarch64", "loong64"],
};
// asset_matcher.rs AssetLibc::matches_target (target split on '-').
const MISE_LIBC_TARGETS: Record<MiseLibc, readonly string[]> = {
  msvc: ["msvc"],
  gnu: ["gnu", "glibc"],
  musl: ["musl"],
};
// src/backend/platform_tokens.rs: tokens allowed after the tool name for the preferred-name bonus.
const MISE_NAME_TOKENS = new Set([
  // BINARY_OS_TOKENS
  ...["linux", "manylinux", "musllinux", "darwin", "macos", "osx", "windows", "win", "freebsd", "openbsd"],
  ...["netbsd", "android", "unknown"],
  // BINARY_ARCH_TOKENS
  ...["x86_64", "aarch64", "ppc64le", "ppc64", "armv7", "armv6", "arm64", "amd64", "mipsel", "riscv64", "s390x"],
  ...["i686", "i386", "x64", "mips", "arm", "x86"],
  // PREFERRED_NAME_OS_TOKENS, PREFERRED_NAME_ARCH_TOKENS, QUALIFIER_TOKENS
  ...["ubuntu", "debian", "fedora", "centos", "rhel", "alpine", "arch", "mac", "macosx", "win32", "win64"],
  ...["mingw", "mingw32", "mingw64", "w64", "64", "gnu", "glibc", "musl", "msvc", "pc", "apple"],
]);

/** mise's target: crates/mise-util/src/platform.rs Platform::current() (os = "macos", arch x64/arm64,
 * qualifier Some("musl") on a musl host or with MISE_LIBC=musl, else None). */
interface MiseTarget {
  os: "macos" | "linux" | "windows";
  arch: Arch;
  qualifier: "musl" | null;
}
const miseTarget = (p: Platform): MiseTarget => ({
  os: p.os === "darwin" ? "macos" : p.os,
  arch: p.arch,
  qualifier: p.libc === "musl" ? "musl" : null,
});

// AssetPicker::platform_part: strip the tool name so its letters are not read as platform tokens.
function misePlatformPart(asset: string, preferred: string): string {
  if (asset.slice(0, preferred.length).toLowerCase() !== preferred.toLowerCase()) return asset;
  const rest = asset.slice(preferred.length);
  const c = rest.charAt(0);
  return c === "" || c === "-" || c === "_" || c === "." || /[0-9]/.test(c) ? rest : asset;
}

// platform_tokens.rs is_platform_or_version_token
function miseIsPlatformOrVersionToken(token: string): boolean {
  if (token === "") return true;
  if (token.startsWith("manylinux") || token.startsWith("musllinux") || MISE_NAME_TOKENS.has(token)) return true;
  if (/^v[0-9]/.test(token)) return true;
  return /^[0-9]/.test(token);
}

// asset_matcher.rs asset_matches_preferred_name + asset_name_stem
function miseMatchesPreferredName(asset: string, preferred: string): boolean {
  let stem = (asset.split("/").pop() ?? asset).toLowerCase();
  const suffixes = [".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst", ".tgz", ".tar", ".zip", ".gz", ".xz", ".bz2"];
  const suffix = [...suffixes, ".zst", ".phar", ".jar", ".pyz", ".exe", ".msi"].find((s) => stem.endsWith(s));
  if (suffix) stem = stem.slice(0, -suffix.length);
  const name = (preferred.split("/").pop() ?? preferred).toLowerCase();
  if (stem === name) return true;
  if (!stem.startsWith(name)) return false;
  const rest = stem.slice(name.length);
  if (!/^[-_.]/.test(rest)) return false;
  return rest.slice(1).split(/[-_.]/).every(miseIsPlatformOrVersionToken);
}

function miseOsScore(asset: string, t: MiseTarget, preferred: string): number {
  const part = misePlatformPart(asset, preferred);
  for (const [os, re] of MISE_OS_PATTERNS) {
    if (re.test(part)) return MISE_OS_TARGETS[os].includes(t.os) ? 100 : -100;
  }
  const lower = part.toLowerCase();
  return (lower.endsWith(".msi") || lower.endsWith(".exe")) && t.os !== "windows" ? -100 : 0;
}

function miseArchScore(asset: string, t: MiseTarget, preferred: string): number {
  const part = misePlatformPart(asset, preferred);
  for (const [arch, re] of MISE_ARCH_PATTERNS) {
    if (!re.test(part)) continue;
    if (MISE_ARCH_TARGETS[arch].includes(t.arch)) return 50;
    if (arch === "x86" && MISE_ARCH_TARGETS.x64.includes(t.arch)) return 5;
    return -150; // mismatch: disqualifying (has_arch_mismatch)
  }
  return 0;
}

function miseLibcScore(asset: string, targetLibc: string, preferred: string): number {
  const part = misePlatformPart(asset, preferred);
  for (const [libc, re] of MISE_LIBC_PATTERNS) {
    if (re.test(part)) return targetLibc.split("-").some((x) => MISE_LIBC_TARGETS[libc].includes(x)) ? 25 : -10;
  }
  return 0;
}

// score_format_preferences (only the formats we and our neighbours ship are modelled).
function miseFormatScore(asset: string, t: MiseTarget): number {
  const lower = asset.toLowerCase();
  if (lower.endsWith(".zip")) return t.os === "windows" ? 15 : 5;
  if ([".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar.zst", ".tar"].some((e) => lower.endsWith(e))) return 10;
  if ([".phar", ".jar", ".pyz"].some((e) => lower.endsWith(e))) return 10;
  return 0;
}

// score_build_penalties
function miseBuildPenalties(asset: string, t: MiseTarget): number {
  const a = asset.toLowerCase();
  let penalty = 0;
  if (a.includes("debug") || a.includes("test")) penalty -= 20;
  if (a.endsWith(".artifactbundle") || a.includes(".artifactbundle.")) penalty -= 30;
  if (a.includes(".app.") && t.os !== "macos") penalty -= 100;
  if (a.endsWith(".vsix")) penalty -= 100;
  const metadata = [".asc", ".sig", ".sign", ".sha256", ".sha512", ".sha1", ".md5", ".json", ".txt", ".xml"];
  const more = [".sbom", ".spdx", ".intoto", ".attestation", ".pem", ".cert", ".cer", ".crt", ".key", ".pub"];
  if ([...metadata, ...more, ".manifest"].some((e) => a.endsWith(e))) penalty -= 100;
  if (a.includes("release-info") || a.includes("changelog")) penalty -= 50;
  return penalty;
}

// is_package_or_installer_asset
const MISE_PACKAGE_EXTS = ["apk", "appx", "appxbundle", "deb", "dmg", "mpkg", "msi", "msix", "msixbundle", "pkg"];
const miseIsPackage = (asset: string) =>
  asset
    .toLowerCase()
    .split(".")
    .some((e) => [...MISE_PACKAGE_EXTS, "rpm"].includes(e));

// AssetPicker::score_asset
function miseScore(asset: string, t: MiseTarget, preferred: string): number {
  const targetLibc = t.qualifier ?? (t.os === "windows" ? "msvc" : "gnu"); // AssetPicker::with_libc default
  let score = miseOsScore(asset, t, preferred) + miseArchScore(asset, t, preferred);
  if (t.os === "linux" || t.os === "windows") score += miseLibcScore(asset, targetLibc, preferred);
  score += miseFormatScore(asset, t);
  score += miseMatchesPreferredName(asset, preferred) ? 20 : 0; // PREFERRED_NAME_BONUS
  score += miseBuildPenalties(asset, t);
  return score;
}

interface Pick {
  picked: string | undefined;
  /** The assets the tool's rules leave tied at the decision point (exactly one = unambiguous). */
  tied: string[];
}

// AssetPicker::pick_best_asset: keep score > 0, no arch mismatch, no package/installer; best score,
// then shortest name, then name. `tied` is everything sharing the best score.
function misePick(assets: readonly string[], t: MiseTarget, preferred = "mcp-op"): Pick {
  const eligible = assets
    .map((asset) => ({ asset, score: miseScore(asset, t, preferred) }))
    .filter((x) => x.score > 0 && miseArchScore(x.asset, t, preferred) >= 0 && !miseIsPackage(x.asset))
    .sort((a, b) => b.score - a.score || a.asset.length - b.asset.length || byteCompare(a.asset, b.asset));
  const best = eligible[0];
  return { picked: best?.asset, tied: eligible.filter((x) => x.score === best?.score).map((x) => x.asset) };
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// ubi: houseabsolute/ubi ubi/src/picker.rs (AssetPicker::pick_asset, newest stored version),
// ubi/src/os.rs, ubi/src/arch.rs, ubi/src/extension.rs; is_musl from ubi/src/builder.rs
// platform_is_musl() (`ldd $(which ls)` mentions "musl").
// ─────────────────────────────────────────────────────────────────────────────────────────────

// os.rs (regexes are `(?i:...)`)
const UBI_OS: Record<Os, RegExp> = {
  linux: /(?:\b|_)linux(?:\b|_|32|64)/i, // linux_re
  darwin: /(?:\b|_)(?:darwin|mac(?:os)?|osx)(?:\b|_)/i, // macos_re
  windows: /(?:\b|_)win(?:32|64|dows)?(?:\b|_)/i, // windows_re
};
const UBI_OTHER_OSES = [/(?:\b|_)freebsd(?:\b|_)/i, /(?:\b|_)fuchsia(?:\b|_)/i, /(?:\b|_)illumos(?:\b|_)/i];
const UBI_ALL_OSES = [...Object.values(UBI_OS), ...UBI_OTHER_OSES, /(?:\b|_)(?:netbsd|solaris)(?:\b|_)/i];
// arch.rs (`(?ix)` verbose regexes, whitespace and comments removed)
const UBI_X86_64 = /(?:\b|_)(?:386|i586|i686|x86[_-]32|x86[_-]64|x64|amd64|linux64|win64)(?:\b|_)/i; // x86_64_re
const UBI_AARCH64 = /(?:\b|_)(?:aarch_?64|arm_?64)(?:\b|_)/i; // aarch64_re
// macos_aarch64_and_x86_64_re (the arch matcher on macOS ARM: Rosetta can run x86-64).
const UBI_MACOS_ARM_AND_X86_64 = /(?:\b|_)(?:aarch_?64|arm_?64|arm|x86[_-]64|x64|amd64|all)(?:\b|_)/i;
// macos_aarch64_only_re: its body is not in the stored source; Changes.md 0.7.4 says macOS ARM looks
// for "arm", not just "arm64", so this is aarch64_re plus "arm". Our names give the same pick either way.
const UBI_MACOS_ARM_ONLY = /(?:\b|_)(?:aarch_?64|arm_?64|arm)(?:\b|_)/i;
const UBI_ALL_ARCHES = [
  UBI_AARCH64,
  /(?:\b|_)arm(?:v[0-7])?(?:\b|_)/i, // arm_re
  /(?:\b|_)mips(?:el|le)?(?:\b|_)/i, // mipsle_re, mips_re
  /(?:\b|_)mips_?64(?:el|le)?(?:\b|_)/i, // mips64le_re, mips64_re
  /(?:\b|_)(?:(?:powerpc64|ppc64)(?:be|le)?|(?:powerpc|ppc)(?:be|le)?(?:_?64)?)(?:\b|_)/i, // ppc*_re
  /(?:\b|_)riscv(_?64)?(?:\b|_)/i, // riscv64_re
  /(?:\b|_)s390x?(?:_?64)?(?:\b|_)/i, // s390x_re
  /(?:\b|_)sparc(?:_?64)?(?:\b|_)/i, // sparc64_re
  /(?:\b|_)(?:386|i586|i686|x86[_-]32|win32)(?:\b|_)/i, // x86_32_re
  UBI_X86_64,
];
// extension.rs Extension::extension(), longest first; plus .7z/.py/.sh/.zst/.tar.zst, which Changes.md
// 0.7.3/0.7.4 add (not yet in the stored extension.rs). That lets install.sh through to the OS filter.
const UBI_EXTENSIONS = [".tar.bz2", ".AppImage", ".tar.gz", ".tar.xz", ".tar.bz", ".phar", ".tar", ".tbz", ".tgz"]
  .concat([".txz", ".bat", ".bz2", ".exe", ".jar", ".pyz", ".zip", ".bz", ".gz", ".xz"])
  .concat([".7z", ".py", ".sh", ".zst", ".tar.zst"])
  .sort((a, b) => b.length - a.length);

// picker.rs filter_by_extension + extension.rs Extension::from_path / matches_platform.
function ubiExtensionOk(asset: string, os: Os): boolean {
  const dot = asset.lastIndexOf(".");
  if (dot <= 0) return true; // no extension: Ok(None), kept
  const ext = UBI_EXTENSIONS.find((e) => asset.endsWith(e));
  if (ext) {
    if (ext === ".exe" || ext === ".bat") return os === "windows";
    if (ext === ".AppImage") return os === "linux";
    return true;
  }
  const extStr = asset.slice(dot + 1);
  const versionPart = /[0-9]+\.([0-9]+[^.]*)$/.exec(asset)?.[1]; // extension_is_part_of_version
  if (/^[0-9]+/.test(extStr) && versionPart === extStr) return true;
  if ([...UBI_ALL_OSES, ...UBI_ALL_ARCHES].some((re) => re.test(extStr))) return true; // extension_is_platform
  return false; // UnknownExtension: skipped (e.g. checksums.txt)
}

interface UbiOptions {
  /** `--matching` */
  matching?: string;
  /** `--matching-regex` (ubi >= 0.7.0), applied before OS/arch matching. */
  matchingRegex?: RegExp;
  /** Model ubi 0.8.3's "prefer an explicit musl asset on a musl host" (Changes.md; the same filter as
   * maybe_filter_for_musl_platform in the older picker.rs). Not in the newest stored picker.rs. */
  preferMusl?: boolean;
  /** What builder.rs platform_is_musl() concluded; default: the host's real libc. `false` on a musl
   * host models one where `ldd $(which ls)` cannot run (no ldd or ls on PATH). */
  isMusl?: boolean;
}

interface UbiPick extends Pick {
  /** "rules": OS/arch/libc/option filters left one asset; "name-sort": ubi's fallback of sorting the
   * remaining names and taking the first ("cannot disambiguate multiple asset names"). */
  decidedBy: "rules" | "name-sort";
}

function ubiPick(assets: readonly string[], p: Platform, opts: UbiOptions = {}): UbiPick {
  const one = (asset: string): UbiPick => ({ picked: asset, tied: [asset], decidedBy: "rules" });
  let pool = assets.filter((a) => ubiExtensionOk(a, p.os));
  if (opts.matchingRegex) {
    const re = opts.matchingRegex;
    pool = pool.filter((a) => re.test(a));
  }
  if (pool.length === 0) throw new Error("ubi: no asset after extension/regex filters");
  if (pool.length === 1 && pool[0]) return one(pool[0]);

  // os_matches (the android_re exclusion is not modelled: none of our names says "android")
  const osMatches = pool.filter((a) => UBI_OS[p.os].test(a));
  if (osMatches.length === 0) throw new Error(`ubi: could not find a release asset for this OS (${p.os})`);

  // arch_matches
  const macosArm = p.os === "darwin" && p.arch === "arm64";
  const archRe = macosArm ? UBI_MACOS_ARM_AND_X86_64 : p.arch === "x64" ? UBI_X86_64 : UBI_AARCH64;
  const anyArch = (a: string) => UBI_ALL_ARCHES.some((re) => re.test(a));
  let matches: string[];
  if (osMatches.length === 1) {
    matches = osMatches.filter((a) => archRe.test(a) || !anyArch(a));
  } else {
    matches = osMatches.filter((a) => archRe.test(a));
    if (matches.length === 0) matches = osMatches.filter((a) => !anyArch(a));
  }
  if (matches.length === 0) throw new Error(`ubi: no asset for ${p.os}/${p.arch}`);

  // libc_matches: on a musl host, drop names saying -gnu/-glibc; on glibc nothing is filtered.
  const isMusl = opts.isMusl ?? isMuslLinux(p);
  if (isMusl) matches = matches.filter((a) => !(a.includes("-gnu") || a.includes("-glibc")));
  if (matches.length === 0) throw new Error("ubi: no asset for this libc (musl)");

  // pick_asset_from_matches
  if (matches.length === 1 && matches[0]) return one(matches[0]);
  if (opts.matching) {
    const m = opts.matching;
    matches = matches.filter((a) => a.includes(m));
    if (matches.length === 0) throw new Error(`ubi: no asset contains --matching "${m}"`);
  }
  if (macosArm) {
    const arm = matches.find((a) => UBI_MACOS_ARM_ONLY.test(a));
    if (arm) return one(arm);
  }
  if (opts.preferMusl && isMusl && matches.some((a) => a.includes("musl"))) {
    matches = matches.filter((a) => a.includes("musl"));
  }
  // maybe_filter_for_64_bit_arch (our targets are all 64-bit)
  if (matches.some((a) => a.includes("64"))) matches = matches.filter((a) => a.includes("64"));
  if (matches.length === 1 && matches[0]) return one(matches[0]);
  const sorted = [...matches].sort(byteCompare);
  return { picked: sorted[0], tied: matches, decidedBy: "name-sort" };
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// eget: zyedidia/eget detect.go (SystemDetector, SingleAssetDetector, DetectorChain); eget.go main()
// prompts "please select manually" whenever Detect returns candidates with an error.
// ─────────────────────────────────────────────────────────────────────────────────────────────

interface EgetOs {
  regex: RegExp;
  anti?: RegExp;
  priority?: RegExp;
}
// detect.go OSDarwin / OSWindows / OSLinux (Go regexp, unanchored)
const EGET_OS: Record<Os, EgetOs> = {
  darwin: { regex: /(darwin|mac.?(os)?|osx)/i },
  windows: { regex: /([^r]win|windows)/i },
  linux: { regex: /(linux|ubuntu)/i, anti: /(android)/i, priority: /\.appimage$/ },
};
// detect.go ArchAMD64 / ArchArm64; eget maps runtime.GOARCH amd64/arm64 onto them.
const EGET_ARCH: Record<Arch, RegExp> = {
  x64: /(x64|amd64|x86(-|_)?64)/i,
  arm64: /(arm64|armv8|aarch64)/i,
};

interface EgetResult {
  /** A direct match: eget downloads it. */
  choice?: string;
  /** Returned with an error: eget asks the user to pick (and dies on EOF when not interactive). */
  candidates: string[];
  error?: string;
}

// detect.go SystemDetector.Detect
function egetSystemDetect(assets: readonly string[], p: Platform): EgetResult {
  const os = EGET_OS[p.os];
  const priority: string[] = [];
  const matches: string[] = [];
  const candidates: string[] = [];
  const all: string[] = [];
  for (const a of assets) {
    if (a.endsWith(".sha256") || a.endsWith(".sha256sum")) continue;
    const anti = os.anti?.test(a) ?? false;
    const osMatch = !anti && os.regex.test(a);
    if (!anti && os.priority?.test(a)) priority.push(a);
    if (osMatch && EGET_ARCH[p.arch].test(a)) matches.push(a);
    if (osMatch) candidates.push(a);
    all.push(a);
  }
  if (priority.length === 1) return { choice: priority[0], candidates: [] };
  if (priority.length > 1) return { candidates: priority, error: "priority matches found" };
  if (matches.length === 1) return { choice: matches[0], candidates: [] };
  if (matches.length > 1) return { candidates: matches, error: `${matches.length} matches found` };
  if (candidates.length === 1) return { choice: candidates[0], candidates: [] };
  if (candidates.length > 1) return { candidates, error: "candidates found (unsure architecture)" };
  if (all.length === 1) return { choice: all[0], candidates: [] };
  return { candidates: all, error: "no candidates found" };
}

// detect.go SingleAssetDetector.Detect (`--asset X`, or `--asset ^X` for an anti-match)
function egetAssetDetect(assets: readonly string[], filter: string): EgetResult {
  const anti = filter.startsWith("^");
  const s = anti ? filter.slice(1) : filter;
  const candidates: string[] = [];
  for (const a of assets) {
    if (!anti && a === s) return { choice: a, candidates: [] };
    if (anti !== a.includes(s)) candidates.push(a);
  }
  if (candidates.length === 1) return { choice: candidates[0], candidates: [] };
  if (candidates.length > 1) return { candidates, error: `${candidates.length} candidates found for asset` };
  return { candidates: [], error: `asset \`${s}\` not found` };
}

// detect.go DetectorChain.Detect: each --asset filter narrows, then the system detector.
function egetDetect(assets: readonly string[], p: Platform, filters: readonly string[] = []): EgetResult {
  let pool = [...assets];
  for (const f of filters) {
    const r = egetAssetDetect(pool, f);
    if (r.candidates.length === 0) return r;
    pool = r.candidates;
  }
  return egetSystemDetect(pool, p);
}

const egetPick = (r: EgetResult): Pick =>
  r.choice !== undefined ? { picked: r.choice, tied: [r.choice] } : { picked: undefined, tied: r.candidates };

// ─────────────────────────────────────────────────────────────────────────────────────────────
// aqua: an explicit registry entry, no heuristics. aquaproj/aqua pkg/config/package.go
// renderTemplate() ({{.OS}} = replace(GOOS), {{.Arch}} = getArch(...), {{.Format}}),
// pkg/config/registry/package_info.go OverrideByRuntime() (first matching override wins, replacements
// merged), pkg/config/registry/override.go Override.Match() (goos/goarch/envs + `variants`, aqua >=
// v2.58.0), pkg/config/registry/supported_envs.go CheckSupportedEnvs(), pkg/runtime (LibC: musl ld
// files or `ldd --version`, AQUA_LIBC overrides).
// ─────────────────────────────────────────────────────────────────────────────────────────────

interface AquaVariant {
  key: string;
  value: string;
}
interface AquaOverride {
  goos?: string;
  goarch?: string;
  variants?: AquaVariant[];
  asset?: string;
  format?: string;
  replacements?: Record<string, string>;
}
interface AquaPackage {
  type: string;
  repo_owner: string;
  repo_name: string;
  asset: string;
  format: string;
  replacements?: Record<string, string>;
  overrides?: AquaOverride[];
  supported_envs?: string[];
  checksum?: { type: string; asset: string; algorithm: string };
  files?: { name: string }[];
}

/** The ```yaml block of scripts/asset-matching.md that starts with "# aqua registry: mcp-op". */
function aquaPackageFromDoc(): AquaPackage {
  const doc = readFileSync(join(ROOT, "scripts", "asset-matching.md"), "utf8");
  const block = /```yaml\n(# aqua registry: mcp-op\n[\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error("scripts/asset-matching.md: aqua registry snippet not found");
  const parsed = Bun.YAML.parse(block) as { packages?: AquaPackage[] };
  const pkg = parsed.packages?.[0];
  if (!pkg || typeof pkg.asset !== "string") throw new Error("aqua snippet: no packages[0].asset");
  for (const ov of pkg.overrides ?? []) {
    const known = ["goos", "goarch", "variants", "asset", "format", "replacements"];
    const unknown = Object.keys(ov).filter((k) => !known.includes(k));
    if (unknown.length > 0) throw new Error(`aqua snippet: override field(s) not modelled here: ${unknown}`);
  }
  return pkg;
}

interface AquaRuntime {
  goos: string;
  goarch: string;
  /** pkg/runtime detectLibC: "musl", "gnu", or "" when it cannot tell. */
  libc: string;
}
const aquaRuntime = (p: Platform): AquaRuntime => ({
  goos: p.os,
  goarch: p.arch === "x64" ? "amd64" : "arm64",
  libc: p.libc ?? "",
});

// supported_envs.go CheckSupportedEnvs (rosetta2 not set in our entry)
function aquaSupported(pkg: AquaPackage, rt: AquaRuntime): boolean {
  if (!pkg.supported_envs) return true;
  const env = `${rt.goos}/${rt.goarch}`;
  return pkg.supported_envs.some((e) => e === rt.goos || e === rt.goarch || e === env || e === "all");
}

// override.go Override.Match; `variantsSupported: false` models aqua < v2.58.0, whose YAML parser drops
// `variants` so the override matches on goos/goarch alone.
function aquaOverrideMatches(ov: AquaOverride, rt: AquaRuntime, variantsSupported: boolean): boolean {
  if (ov.goos && ov.goos !== rt.goos) return false;
  if (ov.goarch && ov.goarch !== rt.goarch) return false;
  if (!variantsSupported) return true;
  return (ov.variants ?? []).every((v) => v.key === "libc" && v.value === rt.libc);
}

// package_info.go OverrideByRuntime + package.go renderTemplate (only .OS/.Arch/.Format are modelled)
function aquaRenderAsset(pkg: AquaPackage, rt: AquaRuntime, variantsSupported = true): string {
  const ov = (pkg.overrides ?? []).find((o) => aquaOverrideMatches(o, rt, variantsSupported));
  const replacements = { ...(pkg.replacements ?? {}), ...(ov?.replacements ?? {}) };
  const format = ov?.format || pkg.format;
  const template = ov?.asset ?? pkg.asset;
  const out = template
    .replaceAll("{{.OS}}", replacements[rt.goos] || rt.goos)
    .replaceAll("{{.Arch}}", replacements[rt.goarch] || rt.goarch)
    .replaceAll("{{.Format}}", format);
  if (out.includes("{{")) throw new Error(`aqua: template field not modelled in ${template}`);
  return out;
}

const aquaPick = (assets: readonly string[], rendered: string): Pick => {
  const hits = assets.filter((a) => a === rendered);
  return { picked: hits[0], tied: hits };
};

// ─────────────────────────────────────────────────────────────────────────────────────────────
// chezmoi: no picking; the .chezmoiexternal.toml template in the doc must spell our names. chezmoi
// renders it with Go's text/template (missingkey=error); .chezmoi.os/.chezmoi.arch are GOOS/GOARCH
// (twpayne/chezmoi assets/chezmoi.io/docs/reference/templates/variables.md). goTemplateRender covers
// only what the snippet uses: {{ .a.b }}, {{ if eq|ne .a.b "lit" }}…{{ else }}…{{ end }}, {{- -}}.
// ─────────────────────────────────────────────────────────────────────────────────────────────

/** The ```toml block of scripts/asset-matching.md that starts with the .chezmoiexternal.toml comment. */
function chezmoiSnippetFromDoc(): string {
  const doc = readFileSync(join(ROOT, "scripts", "asset-matching.md"), "utf8");
  const block = /```toml\n(# ~\/\.local\/share\/chezmoi\/\.chezmoiexternal\.toml: mcp-op\n[\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error("scripts/asset-matching.md: chezmoi external snippet not found");
  return block;
}

function goTemplateRender(src: string, data: Record<string, unknown>): string {
  const lookup = (path: string): string => {
    let v: unknown = data;
    for (const key of path.slice(1).split(".")) {
      if (typeof v !== "object" || v === null || !(key in v)) throw new Error(`map has no entry for key "${key}"`);
      v = (v as Record<string, unknown>)[key];
    }
    return String(v);
  };
  // Split into text and actions; "{{- " trims the whitespace before, " -}}" the whitespace after.
  const parts: { text?: string; action?: string }[] = [];
  let last = 0;
  let trimNext = false;
  for (const m of src.matchAll(/\{\{(- )?\s*([\s\S]*?)\s*( -)?\}\}/g)) {
    let text = src.slice(last, m.index);
    if (trimNext) text = text.trimStart();
    if (m[1]) text = text.trimEnd();
    parts.push({ text }, { action: m[2] ?? "" });
    trimNext = Boolean(m[3]);
    last = m.index + m[0].length;
  }
  parts.push({ text: trimNext ? src.slice(last).trimStart() : src.slice(last) });

  const stack: { cond: boolean; inElse: boolean }[] = [];
  const active = () => stack.every((f) => f.cond !== f.inElse);
  let out = "";
  for (const { text, action } of parts) {
    if (text !== undefined) {
      if (active()) out += text;
      continue;
    }
    const a = action ?? "";
    const cond = /^if (eq|ne) (\.[\w.]+) "([^"]*)"$/.exec(a);
    const top = stack.at(-1);
    if (cond) stack.push({ cond: (lookup(cond[2] ?? "") === cond[3]) === (cond[1] === "eq"), inElse: false });
    else if (a === "else" && top) top.inElse = true;
    else if (a === "end" && top) stack.pop();
    else if (/^\.[\w.]+$/.test(a)) out += active() ? lookup(a) : "";
    else throw new Error(`template action not modelled: {{ ${a} }}`);
  }
  if (stack.length > 0) throw new Error("template: unclosed if");
  return out;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Tests
// ─────────────────────────────────────────────────────────────────────────────────────────────

describe("the asset list", () => {
  test("nine distinct names; every platform's expected asset is published", () => {
    expect(new Set(ASSETS).size).toBe(9);
    for (const p of PLATFORMS) expect(ASSETS).toContain(expectedAsset(p));
  });

  test("every Linux asset names its libc (-gnu or -musl); macOS and Windows names have none", () => {
    const linux = ASSETS.filter((a) => a.includes("-linux-"));
    expect(linux).toEqual(linux.filter((a) => /-(gnu|musl)\.tar\.gz$/.test(a)));
    expect(ASSETS.filter((a) => /gnu|musl/.test(a) && !a.includes("-linux-"))).toEqual([]);
  });
});

describe("x64 and arm64 tokens against each tool's arch regexes", () => {
  const x64Re: [string, RegExp][] = [
    ["mise ARCH_PATTERNS X64", /(?:\b|_)(?:x86[_-]64|x64|amd64)(?:\b|_)/i],
    ["ubi x86_64_re", UBI_X86_64],
    ["eget ArchAMD64", EGET_ARCH.x64],
  ];
  const arm64Re: [string, RegExp][] = [
    ["mise ARCH_PATTERNS Arm64", /(?:\b|_)(?:aarch_?64|arm_?64)(?:\b|_)/i],
    ["ubi aarch64_re", UBI_AARCH64],
    ["eget ArchArm64", EGET_ARCH.arm64],
  ];
  const archAssets = ASSETS.filter((a) => a !== "checksums.txt");
  test.each(x64Re)("%s matches exactly the x64 assets", (_name, re) => {
    expect(archAssets.filter((a) => re.test(a))).toEqual(archAssets.filter((a) => a.includes("-x64")));
  });
  test.each(arm64Re)("%s matches exactly the arm64 assets", (_name, re) => {
    expect(archAssets.filter((a) => re.test(a))).toEqual(archAssets.filter((a) => a.includes("-arm64")));
  });
});

interface Row {
  tool: string;
  platform: string;
  /** User configuration the row needs ("" = none, the tool's defaults). */
  config: string;
  pick: () => Pick;
}

/** Every (tool, platform) with the least configuration that picks the right asset. */
function rows(assets: readonly string[] = ASSETS): Row[] {
  const out: Row[] = [];
  const aqua = aquaPackageFromDoc();
  for (const p of PLATFORMS) {
    out.push({ tool: "mise github:", platform: p.id, config: "", pick: () => misePick(assets, miseTarget(p)) });
    out.push({ tool: "ubi", platform: p.id, config: "", pick: () => ubiPick(assets, p) });

    // eget: Linux always needs a filter (both libc builds match linux + arch); now symmetric.
    const egetFilters = p.libc ? [p.libc] : [];
    out.push({
      tool: "eget",
      platform: p.id,
      config: egetFilters.map((f) => `--asset ${f}`).join(" "),
      pick: () => egetPick(egetDetect(assets, p, egetFilters)),
    });

    out.push({
      tool: "aqua",
      platform: p.id,
      config: "registry snippet",
      pick: () => aquaPick(assets, aquaRenderAsset(aqua, aquaRuntime(p))),
    });
  }
  return out;
}

/** ubi on a glibc host: the only pick decided by ubi's name sort, not by a rule (see the header). */
const decidedBySort = (tool: string, p: Platform) => tool === "ubi" && isGlibcLinux(p);

function expectRightPick(tool: string, p: Platform, pick: Pick): void {
  const expected = expectedAsset(p);
  expect(pick.picked).toBe(expected);
  if (decidedBySort(tool, p)) {
    expect(pick).toMatchObject({ decidedBy: "name-sort" });
    expect([...pick.tied].sort(byteCompare)).toEqual([expected, expected.replace("-gnu.", "-musl.")]);
  } else {
    expect(pick.tied).toEqual([expected]);
  }
}

describe("each tool selects exactly one asset, the right one, on every platform", () => {
  test.each(rows().map((r) => [r.tool, r.platform, r.config || "(defaults)", r] as const))(
    "%s on %s with %s",
    (tool, id, _config, row) => expectRightPick(tool, platform(id), row.pick()),
  );
});

test("install.sh, also published with each release (README), changes no row's pick", () => {
  const before = rows().map((r) => r.pick());
  const after = rows([...ASSETS, "install.sh"]).map((r) => r.pick());
  expect(after).toEqual(before);
});

describe("defaults only, no flags: mise, ubi and aqua everywhere; eget on macOS and Windows", () => {
  const everywhere = PLATFORMS.map((p) => p.id);
  const noLibc = PLATFORMS.filter((p) => !p.libc).map((p) => p.id);
  const defaultOk: [string, string[]][] = [
    ["mise github:", everywhere],
    ["ubi", everywhere],
    ["aqua", everywhere],
    ["eget", noLibc],
  ];
  const aqua = aquaPackageFromDoc();
  const defaultPick = (tool: string, p: Platform): Pick =>
    tool === "mise github:"
      ? misePick(ASSETS, miseTarget(p))
      : tool === "ubi"
        ? ubiPick(ASSETS, p)
        : tool === "aqua"
          ? aquaPick(ASSETS, aquaRenderAsset(aqua, aquaRuntime(p)))
          : egetPick(egetDetect(ASSETS, p));
  test.each(defaultOk.flatMap(([tool, ids]) => ids.map((id) => [tool, id] as const)))("%s on %s", (tool, id) => {
    const p = platform(id);
    expectRightPick(tool, p, defaultPick(tool, p));
  });

  test("mise: checksums.txt and the other OSes' assets never score above zero", () => {
    const t = miseTarget(platform("linux-x64-gnu"));
    expect(miseScore("checksums.txt", t, "mcp-op")).toBeLessThanOrEqual(0);
    expect(miseScore("mcp-op-darwin-x64.tar.gz", t, "mcp-op")).toBeLessThanOrEqual(0);
    expect(miseScore("mcp-op-windows-x64.zip", t, "mcp-op")).toBeLessThanOrEqual(0);
  });

  test("mise: the libc score separates the two Linux builds by 35 in both directions", () => {
    const gnu = miseTarget(platform("linux-x64-gnu"));
    const musl = miseTarget(platform("linux-x64-musl"));
    const gnuAsset = "mcp-op-linux-x64-gnu.tar.gz";
    const muslAsset = "mcp-op-linux-x64-musl.tar.gz";
    expect([miseScore(gnuAsset, gnu, "mcp-op"), miseScore(muslAsset, gnu, "mcp-op")]).toEqual([205, 170]);
    expect([miseScore(gnuAsset, musl, "mcp-op"), miseScore(muslAsset, musl, "mcp-op")]).toEqual([170, 205]);
  });

  test.each(["linux-x64-musl", "linux-arm64-musl"])(
    "ubi on %s: decided by rule (the libc filter drops -gnu), also with 0.8.3's musl preference",
    (id) => {
      const p = platform(id);
      expect(ubiPick(ASSETS, p)).toMatchObject({ picked: expectedAsset(p), decidedBy: "rules" });
      expect(ubiPick(ASSETS, p, { preferMusl: true })).toMatchObject({ picked: expectedAsset(p), decidedBy: "rules" });
    },
  );
});

describe("flags that remain necessary, or help (see scripts/asset-matching.md)", () => {
  test.each(["linux-x64-gnu", "linux-arm64-gnu", "linux-x64-musl", "linux-arm64-musl"])(
    "LIMITATION eget on %s without --asset: two matches, interactive prompt",
    (id) => {
      const p = platform(id);
      const r = egetDetect(ASSETS, p);
      expect(r.choice).toBeUndefined();
      expect(r.error).toBe("2 matches found");
      expect(r.candidates).toEqual([`mcp-op-${p.os}-${p.arch}-gnu.tar.gz`, `mcp-op-${p.os}-${p.arch}-musl.tar.gz`]);
    },
  );

  test("eget: --asset gnu/musl is for Linux only; on macOS and Windows it leaves only Linux assets", () => {
    for (const p of PLATFORMS.filter((x) => !x.libc)) {
      for (const f of ["gnu", "musl"]) {
        // The filter keeps the two Linux archives of that libc; neither matches the OS, so eget
        // prompts with them ("no candidates found: please select manually"), or fails without a tty.
        const r = egetDetect(ASSETS, p, [f]);
        expect({ id: p.id, choice: r.choice, error: r.error, candidates: r.candidates }).toEqual({
          id: p.id,
          choice: undefined,
          error: "no candidates found",
          candidates: [`mcp-op-linux-x64-${f}.tar.gz`, `mcp-op-linux-arm64-${f}.tar.gz`],
        });
      }
    }
  });

  test('eget: one shared config filter (`asset_filters = ["^musl"]`) is right on glibc, macOS and Windows', () => {
    for (const p of PLATFORMS.filter((x) => !isMuslLinux(x))) {
      expect(egetDetect(ASSETS, p, ["^musl"]).choice).toBe(expectedAsset(p));
    }
  });

  test.each(["linux-x64-gnu", "linux-arm64-gnu"])("ubi --matching gnu on %s: a rule instead of the sort", (id) => {
    const p = platform(id);
    expect(ubiPick(ASSETS, p, { matching: "gnu" })).toMatchObject({ picked: expectedAsset(p), decidedBy: "rules" });
  });

  test("ubi --matching gnu is for Linux only: on macOS arm64 it fails", () => {
    expect(() => ubiPick(ASSETS, platform("darwin-arm64"), { matching: "gnu" })).toThrow(/--matching/);
  });

  test.each(["linux-x64-musl", "linux-arm64-musl"])(
    "RISK a musl host that ubi cannot detect (%s): the sort gives -gnu; --matching musl fixes it",
    (id) => {
      const p = platform(id);
      const gnu = expectedAsset(p).replace("-musl.", "-gnu.");
      expect(ubiPick(ASSETS, p, { isMusl: false })).toMatchObject({ picked: gnu, decidedBy: "name-sort" });
      const fixed = ubiPick(ASSETS, p, { isMusl: false, matching: "musl" });
      expect(fixed).toMatchObject({ picked: expectedAsset(p), decidedBy: "rules" });
    },
  );

  test("RISK mise: a musl host is recognised only via the qualifier (auto-detected, or MISE_LIBC=musl)", () => {
    const p = platform("linux-x64-musl");
    expect(misePick(ASSETS, { ...miseTarget(p), qualifier: null }).picked).toBe("mcp-op-linux-x64-gnu.tar.gz");
  });
});

describe("before the rename (bare glibc names): why the glibc assets carry -gnu", () => {
  test.each(["linux-x64", "linux-arm64"])("ubi on glibc %s picked -musl: '-' sorts before '.'", (id) => {
    const p = platform(`${id}-gnu`);
    const r = ubiPick(LEGACY_ASSETS, p);
    expect(r.decidedBy).toBe("name-sort");
    expect(r.picked).toBe(`mcp-op-${id}-musl.tar.gz`); // the wrong build for a glibc host
  });

  test("mise and eget (--asset ^musl) were right with the old names too", () => {
    for (const p of PLATFORMS.filter(isGlibcLinux)) {
      const old = `mcp-op-${p.os}-${p.arch}.tar.gz`;
      expect(misePick(LEGACY_ASSETS, miseTarget(p)).tied).toEqual([old]);
      expect(egetDetect(LEGACY_ASSETS, p, ["^musl"]).choice).toBe(old);
    }
  });
});

describe("aqua registry snippet in scripts/asset-matching.md", () => {
  const pkg = aquaPackageFromDoc();

  test("is the mcp-op github_release package with a checksums.txt that we publish", () => {
    expect(pkg).toMatchObject({ type: "github_release", repo_owner: "mcp-op", repo_name: "mcp-op" });
    expect(pkg.checksum?.asset).toBe("checksums.txt");
    expect(ASSETS).toContain(pkg.checksum?.asset ?? "");
    expect(pkg.files).toEqual([{ name: "mcp-op" }]);
  });

  test.each(PLATFORMS.map((p) => [p.id, p] as const))("supported_envs admits %s", (_id, p) => {
    expect(aquaSupported(pkg, aquaRuntime(p))).toBe(true);
  });

  test("supported_envs rejects platforms we do not build", () => {
    expect(aquaSupported(pkg, { goos: "freebsd", goarch: "amd64", libc: "" })).toBe(false);
  });

  test("Linux with an undetected libc gets the glibc asset (the last, unconditional linux override)", () => {
    expect(aquaRenderAsset(pkg, { goos: "linux", goarch: "amd64", libc: "" })).toBe("mcp-op-linux-x64-gnu.tar.gz");
    expect(aquaRenderAsset(pkg, { goos: "linux", goarch: "arm64", libc: "" })).toBe("mcp-op-linux-arm64-gnu.tar.gz");
  });

  test("no Linux host falls through to the top-level template (it has no libc suffix)", () => {
    for (const libc of ["gnu", "musl", "", "uclibc"]) {
      for (const variantsSupported of [true, false]) {
        const rt = { goos: "linux", goarch: "amd64", libc };
        expect(aquaRenderAsset(pkg, rt, variantsSupported)).toMatch(/^mcp-op-linux-x64-(gnu|musl)\.tar\.gz$/);
      }
    }
  });

  test("aqua < v2.58.0 ignores `variants`: the gnu override comes first, so every Linux host gets glibc", () => {
    for (const p of PLATFORMS) {
      const expected = isMuslLinux(p) ? `mcp-op-${p.os}-${p.arch}-gnu.tar.gz` : expectedAsset(p);
      expect(aquaRenderAsset(pkg, aquaRuntime(p), false)).toBe(expected);
    }
  });
});

describe("chezmoi external (archive-file) in scripts/asset-matching.md", () => {
  const snippet = chezmoiSnippetFromDoc();
  const goarch = (a: Arch) => (a === "x64" ? "amd64" : "arm64");

  test.each(PLATFORMS.filter((p) => !isMuslLinux(p)).map((p) => [p.id, p] as const))(
    "renders to our exact asset on %s",
    (_id, p) => {
      const toml = goTemplateRender(snippet, { version: "1.2.3", chezmoi: { os: p.os, arch: goarch(p.arch) } });
      const exe = p.os === "windows" ? "mcp-op.exe" : "mcp-op";
      const entries = Bun.TOML.parse(toml) as Record<string, Record<string, unknown>>;
      expect(Object.keys(entries)).toEqual([`.local/bin/${exe}`]);
      const entry = entries[`.local/bin/${exe}`];
      expect(entry).toMatchObject({ type: "archive-file", path: exe });
      expect(entry?.url).toBe(`https://github.com/mcp-op/mcp-op/releases/download/v1.2.3/${expectedAsset(p)}`);
      expect(ASSETS).toContain(expectedAsset(p));
      if (p.os !== "windows") expect(entry?.executable).toBe(true);
    },
  );

  test("a missing .version stops the render (chezmoi runs templates with missingkey=error)", () => {
    expect(() => goTemplateRender(snippet, { chezmoi: { os: "linux", arch: "amd64" } })).toThrow(/version/);
  });
});
