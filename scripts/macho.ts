#!/usr/bin/env bun
/**
 * macOS code-signature checker for release builds: `bun scripts/macho.ts verify FILE...` and
 * `bun scripts/macho.ts strip FILE...`.
 *
 * Why: Apple Silicon refuses to run an arm64 binary without a valid signature, and an Intel
 * binary that carries a *stale* hardened-runtime signature can be killed at page-in (the kernel
 * checks each page against the CodeDirectory when it faults it in). Bun 1.4.4's darwin-arm64
 * `--compile` output carries a valid ad-hoc signature, but its darwin-x64 output keeps the Bun
 * runtime's Developer ID signature, whose page hashes no longer match once the bundle is
 * embedded. We cannot run `codesign` on a Linux builder, so we recompute what the kernel
 * recomputes: the CodeDirectory's page hashes.
 *
 * What is checked (per slice of a universal binary):
 * - the Mach-O header and load commands are in bounds; LC_CODE_SIGNATURE points inside the file;
 * - the signature is an embedded-signature SuperBlob whose blobs are in bounds;
 * - the preferred CodeDirectory (SHA-256 over SHA-1): hash size, slot count vs codeLimit, every
 *   code page hash, codeLimit == the signature's offset (everything before the signature is
 *   signed), nothing after the signature;
 * - the special-slot hashes of blobs embedded in the signature (requirements, entitlements).
 * What is NOT checked: the CMS signature blob (certificate chain, that it signs this
 * CodeDirectory), what the requirements say, alternate CodeDirectories other than the preferred
 * one, Info.plist/resources special slots (they name files outside the binary), notarization.
 * For an ad-hoc signature (what Bun's arm64 output carries) the CodeDirectory *is* the
 * signature, so the page check is what macOS itself relies on.
 *
 * Layout references: <mach-o/loader.h>, <mach-o/fat.h> and xnu's osfmk/kern/cs_blobs.h.
 * Mach-O headers and load commands are in the file's byte order (little-endian for x64/arm64);
 * everything inside the code signature is big-endian.
 */
import { createHash } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { unsign } from "macho-unsign";

/** Result of {@link checkSignature}. `stale` and `not-macho` carry a one-line reason. */
export type SignatureStatus =
  | { kind: "valid"; pages: number; hash: "sha1" | "sha256" }
  | { kind: "unsigned" }
  | { kind: "stale"; reason: string }
  | { kind: "not-macho"; reason: string };

type Cpu = "x64" | "arm64" | "other";
type SliceStatus = { cpu: Cpu; status: SignatureStatus };

// <mach-o/loader.h>, <mach-o/fat.h>
const MH_MAGIC = 0xfeedface;
const MH_MAGIC_64 = 0xfeedfacf;
const MH_CIGAM = 0xcefaedfe; // MH_MAGIC read with the wrong byte order: a big-endian file
const MH_CIGAM_64 = 0xcffaedfe;
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;
const CPU_TYPE_X86_64 = 0x01000007;
const CPU_TYPE_ARM64 = 0x0100000c;
const LC_CODE_SIGNATURE = 0x1d;

// xnu osfmk/kern/cs_blobs.h
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSSLOT_CODEDIRECTORY = 0;
const CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x1000;
const CSSLOT_ALTERNATE_CODEDIRECTORY_MAX = 5;
/** Special slots whose blob lives inside the SuperBlob, so its hash can be checked here. */
const EMBEDDED_SPECIAL_SLOTS: ReadonlyArray<[slot: number, name: string]> = [
  [2, "requirements"],
  [5, "entitlements"],
  [7, "DER entitlements"],
];
/** CodeDirectory hashType -> digest, digest bytes stored, and preference (higher wins). */
const HASH_TYPES: ReadonlyMap<number, { algo: "sha1" | "sha256"; size: number; rank: number }> = new Map([
  [1, { algo: "sha1", size: 20, rank: 1 }], // CS_HASHTYPE_SHA1
  [2, { algo: "sha256", size: 32, rank: 3 }], // CS_HASHTYPE_SHA256
  [3, { algo: "sha256", size: 20, rank: 2 }], // CS_HASHTYPE_SHA256_TRUNCATED
]);
// 0x20100 added scatterOffset, 0x20300 codeLimit64 (see CodeDirectory parsing below).
const CS_SUPPORTSSCATTER = 0x20100;
const CS_SUPPORTSCODELIMIT64 = 0x20300;
/** A 0xcafebabe file with more "slices" than this is a Java class file (the magic is shared). */
const MAX_FAT_SLICES = 20;

/** Thrown inside the parser to end a check with a verdict; never escapes a public function. */
class Verdict extends Error {
  constructor(readonly status: Extract<SignatureStatus, { reason: string }>) {
    super(status.reason);
  }
}
function notMacho(reason: string): never {
  throw new Verdict({ kind: "not-macho", reason });
}
function stale(reason: string): never {
  throw new Verdict({ kind: "stale", reason });
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const hex = (n: number) => `0x${n.toString(16)}`;
const cpuName = (cputype: number): Cpu =>
  cputype === CPU_TYPE_X86_64 ? "x64" : cputype === CPU_TYPE_ARM64 ? "arm64" : "other";

type Header = { le: boolean; size: number; cputype: number; filetype: number; ncmds: number; sizeofcmds: number };

/** Parses a thin Mach-O header (32- or 64-bit, either byte order), or says why it is not one. */
function parseHeader(bytes: Uint8Array): Header | string {
  if (bytes.length < 4) return `${bytes.length} bytes is too short for a Mach-O header`;
  const dv = view(bytes);
  const magic = dv.getUint32(0, true);
  const le = magic === MH_MAGIC || magic === MH_MAGIC_64;
  if (!le && magic !== MH_CIGAM && magic !== MH_CIGAM_64) return describeMagic(bytes);
  const size = magic === MH_MAGIC_64 || magic === MH_CIGAM_64 ? 32 : 28;
  if (bytes.length < size) return `truncated: ${bytes.length} bytes is shorter than the ${size}-byte Mach-O header`;
  return {
    le,
    size,
    cputype: dv.getUint32(4, le),
    filetype: dv.getUint32(12, le),
    ncmds: dv.getUint32(16, le),
    sizeofcmds: dv.getUint32(20, le),
  };
}

/** A reason for a file that is not a Mach-O, naming what it looks like instead when we can tell. */
function describeMagic(bytes: Uint8Array): string {
  const magic = view(bytes).getUint32(0, false);
  if (magic === 0x7f454c46) return "ELF file (magic 0x7f454c46)";
  if (bytes[0] === 0x4d && bytes[1] === 0x5a) return "PE/Windows executable (starts with MZ)";
  if (bytes[0] === 0x23 && bytes[1] === 0x21) return "script (starts with #!)";
  return `unknown magic ${hex(magic)}`;
}

/**
 * The CPU and file type of a thin Mach-O, for smoke tests of build outputs. `undefined` for
 * anything else, including a universal (fat) binary.
 *
 * @example machHeader(bytes) // { cpu: "arm64", filetype: 2 } (2 = MH_EXECUTE)
 */
export function machHeader(bytes: Uint8Array): { cpu: "x64" | "arm64" | "other"; filetype: number } | undefined {
  const header = parseHeader(bytes);
  return typeof header === "string" ? undefined : { cpu: cpuName(header.cputype), filetype: header.filetype };
}

/**
 * Verifies the embedded code signature of a Mach-O the way the macOS kernel does at page-in:
 * every page hash in the CodeDirectory is recomputed and compared. A universal binary is
 * checked slice by slice and the worst result is returned (not-macho > stale > unsigned >
 * valid), its reason prefixed with the slice's CPU. Pure: never throws, never touches the disk.
 *
 * @example checkSignature(bytes) // { kind: "stale", reason: "page 0 (bytes 0..4095) does not match ..." }
 */
export function checkSignature(bytes: Uint8Array): SignatureStatus {
  return worst(inspect(bytes));
}

/** Per-slice results: one entry for a thin file, one per slice for a universal binary. */
function inspect(bytes: Uint8Array): SliceStatus[] {
  try {
    const slices = fatSlices(bytes);
    if (!slices) return [checkThin(bytes)];
    return slices.map(checkThin);
  } catch (error) {
    if (error instanceof Verdict) return [{ cpu: "other", status: error.status }];
    throw error;
  }
}

/** The slices of a universal binary (fat header is always big-endian), or undefined if thin. */
function fatSlices(bytes: Uint8Array): Uint8Array[] | undefined {
  if (bytes.length < 8) return undefined;
  const dv = view(bytes);
  const magic = dv.getUint32(0, false);
  if (magic !== FAT_MAGIC && magic !== FAT_MAGIC_64) return undefined;
  const count = dv.getUint32(4, false);
  if (count === 0) notMacho("universal binary with no slices");
  if (count > MAX_FAT_SLICES) notMacho(`magic ${hex(magic)} with ${count} slices: a Java class file?`);
  // fat_arch: cputype, cpusubtype, offset, size, align (5 x u32); fat_arch_64 widens
  // offset and size to u64 and adds a reserved u32.
  const entrySize = magic === FAT_MAGIC_64 ? 32 : 20;
  if (8 + count * entrySize > bytes.length) notMacho("truncated: universal header runs past the end of the file");
  const slices: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * entrySize;
    const offset = magic === FAT_MAGIC_64 ? Number(dv.getBigUint64(at + 8, false)) : dv.getUint32(at + 8, false);
    const size = magic === FAT_MAGIC_64 ? Number(dv.getBigUint64(at + 16, false)) : dv.getUint32(at + 12, false);
    if (offset + size > bytes.length) {
      notMacho(`truncated: slice ${i} spans bytes ${offset}..${offset + size - 1} of a ${bytes.length}-byte file`);
    }
    slices.push(bytes.subarray(offset, offset + size));
  }
  return slices;
}

/** Combines per-slice results: the worst kind wins; all-valid adds up pages, weakest hash. */
function worst(slices: SliceStatus[]): SignatureStatus {
  const severity = { valid: 0, unsigned: 1, stale: 2, "not-macho": 3 } as const;
  const [first, ...rest] = slices;
  if (!first) return { kind: "not-macho", reason: "no slices" };
  if (rest.length === 0) return first.status;
  let bad = first;
  for (const slice of rest) if (severity[slice.status.kind] > severity[bad.status.kind]) bad = slice;
  const status = bad.status;
  if (status.kind === "stale" || status.kind === "not-macho") {
    return { kind: status.kind, reason: `${bad.cpu} slice: ${status.reason}` };
  }
  if (status.kind === "unsigned") return status;
  let pages = 0;
  let hash: "sha1" | "sha256" = "sha256";
  for (const { status: s } of slices) {
    if (s.kind !== "valid") continue;
    pages += s.pages;
    if (s.hash === "sha1") hash = "sha1";
  }
  return { kind: "valid", pages, hash };
}

/** Checks one thin Mach-O. Structural problems throw a Verdict (caught by the caller). */
function checkThin(bytes: Uint8Array): SliceStatus {
  const header = parseHeader(bytes);
  if (typeof header === "string") {
    // A fat binary nested in a fat binary, or a slice that is not a Mach-O at all.
    return { cpu: "other", status: { kind: "not-macho", reason: header } };
  }
  const cpu = cpuName(header.cputype);
  try {
    return { cpu, status: checkThinSignature(bytes, header) };
  } catch (error) {
    if (error instanceof Verdict) return { cpu, status: error.status };
    throw error;
  }
}

function checkThinSignature(bytes: Uint8Array, header: Header): SignatureStatus {
  const dv = view(bytes);
  const commandsEnd = header.size + header.sizeofcmds;
  if (commandsEnd > bytes.length) {
    notMacho(`truncated: ${header.sizeofcmds} bytes of load commands run past the end of the file`);
  }

  // Find LC_CODE_SIGNATURE: a linkedit_data_command { cmd, cmdsize, dataoff, datasize }.
  let signature: { dataoff: number; datasize: number } | undefined;
  for (let i = 0, at = header.size; i < header.ncmds; i++) {
    if (at + 8 > commandsEnd) notMacho(`load command ${i} starts past the ${header.ncmds} declared commands`);
    const cmd = dv.getUint32(at, header.le);
    const cmdsize = dv.getUint32(at + 4, header.le);
    if (cmdsize < 8 || at + cmdsize > commandsEnd) notMacho(`load command ${i} has an impossible size ${cmdsize}`);
    if (cmd === LC_CODE_SIGNATURE) {
      // dyld rejects a second LC_CODE_SIGNATURE, so it is a malformed file, not a signature issue.
      if (signature) notMacho("more than one LC_CODE_SIGNATURE");
      if (cmdsize < 16) notMacho(`LC_CODE_SIGNATURE has an impossible size ${cmdsize}`);
      signature = { dataoff: dv.getUint32(at + 8, header.le), datasize: dv.getUint32(at + 12, header.le) };
    }
    at += cmdsize;
  }
  if (!signature) return { kind: "unsigned" };

  const { dataoff, datasize } = signature;
  const sigEnd = dataoff + datasize;
  if (sigEnd > bytes.length) {
    notMacho(`truncated: the code signature spans bytes ${dataoff}..${sigEnd - 1} of a ${bytes.length}-byte file`);
  }
  if (dataoff < commandsEnd) notMacho(`the code signature at ${dataoff} overlaps the load commands`);
  return verifySignature(bytes, dataoff, datasize);
}

/** Big-endian reads inside the signature, bounds-checked against the SuperBlob. */
function verifySignature(bytes: Uint8Array, dataoff: number, datasize: number): SignatureStatus {
  const sig = bytes.subarray(dataoff, dataoff + datasize);
  const dv = view(sig);
  // SuperBlob: magic, length, count, then count x { type, offset } (offset from the SuperBlob).
  if (datasize < 12) stale(`the code signature is only ${datasize} bytes`);
  const magic = dv.getUint32(0, false);
  if (magic !== CSMAGIC_EMBEDDED_SIGNATURE)
    stale(`the code signature is not an embedded SuperBlob (magic ${hex(magic)})`);
  const length = dv.getUint32(4, false);
  const count = dv.getUint32(8, false);
  if (length > datasize || 12 + count * 8 > length) stale("the signature SuperBlob's length or index is out of bounds");
  const blobs = new Map<number, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const type = dv.getUint32(12 + i * 8, false);
    const offset = dv.getUint32(16 + i * 8, false);
    // Every blob starts with { magic, length } and its length covers those 8 bytes.
    const blobLength = offset + 8 <= length ? dv.getUint32(offset + 4, false) : 0;
    if (blobLength < 8 || offset + blobLength > length)
      stale(`signature blob ${i} (slot ${hex(type)}) is out of bounds`);
    blobs.set(type, sig.subarray(offset, offset + blobLength));
  }

  // The primary CodeDirectory sits in slot 0; signatures made for several OS versions add
  // alternates (e.g. SHA-1 primary + SHA-256 alternate). The kernel uses the strongest one.
  let best: { cd: Uint8Array; hash: NonNullable<ReturnType<typeof HASH_TYPES.get>> } | undefined;
  const found: number[] = [];
  for (let i = 0; i <= CSSLOT_ALTERNATE_CODEDIRECTORY_MAX; i++) {
    const slot = i === 0 ? CSSLOT_CODEDIRECTORY : CSSLOT_ALTERNATE_CODEDIRECTORIES + i - 1;
    const cd = blobs.get(slot);
    if (!cd) continue;
    const cdv = view(cd);
    if (cdv.getUint32(0, false) !== CSMAGIC_CODEDIRECTORY) stale(`slot ${hex(slot)} does not hold a CodeDirectory`);
    if (cd.length < 44) stale(`the CodeDirectory in slot ${hex(slot)} is truncated`);
    const hashType = cdv.getUint8(37);
    found.push(hashType);
    const hash = HASH_TYPES.get(hashType);
    if (hash && (!best || hash.rank > best.hash.rank)) best = { cd, hash };
  }
  if (!best) {
    stale(
      found.length ? `no CodeDirectory with a hash type we can check (found ${found.join(", ")})` : "no CodeDirectory",
    );
  }
  return verifyCodeDirectory(bytes, dataoff, datasize, best.cd, best.hash, blobs);
}

function verifyCodeDirectory(
  bytes: Uint8Array,
  dataoff: number,
  datasize: number,
  cd: Uint8Array,
  hash: { algo: "sha1" | "sha256"; size: number },
  blobs: ReadonlyMap<number, Uint8Array>,
): SignatureStatus {
  // CS_CodeDirectory: magic, length, version, flags, hashOffset, identOffset, nSpecialSlots,
  // nCodeSlots, codeLimit (u32 each, at 0..35), hashSize, hashType, platform, pageSize (u8,
  // 36..39), spare2 (u32), then by version: scatterOffset (0x20100, at 44), teamOffset
  // (0x20200), spare3 + codeLimit64 (0x20300, at 56), execSeg* (0x20400), runtime (0x20500).
  const dv = view(cd);
  const version = dv.getUint32(8, false);
  const hashOffset = dv.getUint32(16, false);
  const nSpecial = dv.getUint32(24, false);
  const nCode = dv.getUint32(28, false);
  let codeLimit = dv.getUint32(32, false);
  const hashSize = dv.getUint8(36);
  const pageShift = dv.getUint8(39);
  if (version >= CS_SUPPORTSSCATTER && cd.length >= 48 && dv.getUint32(44, false) !== 0) {
    stale("the CodeDirectory uses scatter vectors, which this checker does not support");
  }
  if (version >= CS_SUPPORTSCODELIMIT64 && cd.length >= 64) {
    const codeLimit64 = Number(dv.getBigUint64(56, false));
    if (codeLimit64 !== 0) codeLimit = codeLimit64; // set (with codeLimit 0) for code over 4 GiB
  }
  if (hashSize !== hash.size) stale(`the CodeDirectory's hash size ${hashSize} does not fit ${hash.algo}`);
  if (hashOffset < nSpecial * hashSize || hashOffset + nCode * hashSize > cd.length) {
    stale("the CodeDirectory's hash slots are out of bounds");
  }
  // The signed range can never include the signature itself (it would have to hash itself).
  if (codeLimit > dataoff) stale(`the signed range (${codeLimit} bytes) runs into the signature at ${dataoff}`);
  // pageSize is log2 of the page size; 0 means one "infinite" page covering codeLimit.
  const pageSize = pageShift === 0 ? Math.max(codeLimit, 1) : 2 ** pageShift;
  const expectedSlots = Math.ceil(codeLimit / pageSize);
  if (nCode !== expectedSlots) {
    stale(
      `the CodeDirectory has ${nCode} page hashes, but ${codeLimit} bytes in ${pageSize}-byte pages need ${expectedSlots}`,
    );
  }

  const problems: string[] = [];
  // Recompute every page hash, as the kernel does when it pages the binary in. Keep going
  // after the first mismatch to report how much changed (a stale signature differs in many
  // pages; a flipped bit in one).
  let firstBad = -1;
  let badCount = 0;
  for (let page = 0; page < nCode; page++) {
    const start = page * pageSize;
    const end = Math.min(start + pageSize, codeLimit); // the last page may be short
    const digest = createHash(hash.algo).update(bytes.subarray(start, end)).digest().subarray(0, hashSize);
    const at = hashOffset + page * hashSize;
    if (!digest.equals(cd.subarray(at, at + hashSize))) {
      if (firstBad < 0) firstBad = page;
      badCount++;
    }
  }
  if (firstBad >= 0) {
    const start = firstBad * pageSize;
    const end = Math.min(start + pageSize, codeLimit);
    const differ = `${badCount} of ${nCode} ${badCount === 1 ? "page differs" : "pages differ"}`;
    problems.push(`page ${firstBad} (bytes ${start}..${end - 1}) does not match its ${hash.algo} hash (${differ})`);
  }

  // The signed range must reach the signature: bytes between codeLimit and the signature
  // (e.g. a payload appended by a tool after signing) would load unverified.
  if (codeLimit !== dataoff) {
    problems.push(`the signed range ends at byte ${codeLimit} but the signature starts at ${dataoff}`);
  }
  // Nothing may follow the signature either (`codesign --verify --strict` rejects it).
  if (dataoff + datasize !== bytes.length) {
    const extra = bytes.length - dataoff - datasize;
    problems.push(
      `${extra} ${extra === 1 ? "byte after the code signature is" : "bytes after the code signature are"} not signed`,
    );
  }

  // Special slots sit just before hashOffset, slot n at hashOffset - n * hashSize. Blobs that
  // live in this SuperBlob (requirements, entitlements) are hashed whole, magic and length included.
  for (const [slot, name] of EMBEDDED_SPECIAL_SLOTS) {
    const blob = blobs.get(slot);
    if (!blob || slot > nSpecial) continue;
    const at = hashOffset - slot * hashSize;
    const digest = createHash(hash.algo).update(blob).digest().subarray(0, hashSize);
    if (!digest.equals(cd.subarray(at, at + hashSize))) {
      problems.push(`the ${name} blob does not match its hash (special slot -${slot})`);
    }
  }

  if (problems.length > 0) return { kind: "stale", reason: problems.join("; ") };
  return { kind: "valid", pages: nCode, hash: hash.algo };
}

/**
 * Removes the code signature (LC_CODE_SIGNATURE and the signature data; `__LINKEDIT` shrinks
 * to match) from a thin or universal Mach-O, using macho-unsign. Returns new bytes; an
 * unsigned input comes back as a copy. Throws if the file is not a Mach-O it can rewrite
 * (macho-unsign requires the signature to be the last thing in the file).
 */
export function stripSignature(bytes: Uint8Array): Uint8Array {
  let stripped: ArrayBuffer | null;
  try {
    stripped = unsign(bytes);
  } catch (error) {
    throw new Error(`cannot strip the code signature: ${error instanceof Error ? error.message : String(error)}`);
  }
  // new Uint8Array(view) copies (Buffer#slice would not).
  return stripped ? new Uint8Array(stripped) : new Uint8Array(bytes);
}

/**
 * The release build step for one darwin binary. arm64 must carry a valid signature (Apple
 * Silicon will not run it otherwise): anything else throws. x64 may be valid or unsigned; a
 * stale signature (Bun's darwin-x64 output) is stripped in place, atomically, and the new
 * status (`unsigned`) is returned. Also throws if the file is a thin Mach-O for the other CPU.
 */
export async function ensureReleasable(path: string, arch: "x64" | "arm64"): Promise<SignatureStatus> {
  const bytes = await readFile(path);
  const header = machHeader(bytes);
  if (header && header.cpu !== arch) throw new Error(`${path}: expected a darwin-${arch} binary, found ${header.cpu}`);
  const status = checkSignature(bytes);
  if (status.kind === "valid") return status;
  if (arch === "arm64") {
    const hint =
      status.kind === "not-macho" ? "" : "; Apple Silicon will not run it (re-sign with `codesign --force --sign -`)";
    throw new Error(`${path}: ${describe(status)}${hint}`);
  }
  if (status.kind === "unsigned") return status;
  if (status.kind === "not-macho") throw new Error(`${path}: ${describe(status)}`);
  const stripped = stripSignature(bytes);
  const after = checkSignature(stripped);
  if (after.kind !== "unsigned") throw new Error(`${path}: still ${describe(after)} after stripping the signature`);
  await writeAtomically(path, stripped);
  return after;
}

/** One line for a status, as `verify` prints it after `FILE: `. */
function describe(status: SignatureStatus): string {
  switch (status.kind) {
    case "valid":
      return `valid (${status.pages} pages, ${status.hash})`;
    case "unsigned":
      return "unsigned";
    case "stale":
      return `stale: ${status.reason}`;
    case "not-macho":
      return `not a Mach-O: ${status.reason}`;
  }
}

/**
 * Replaces `path` with `bytes` so that a reader sees the old file or the new one, never half:
 * write a temp file in the same directory (rename is only atomic within a file system), flush
 * it, then rename over the original. Mode 0755: these are executables.
 */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${crypto.randomUUID()}.tmp`);
  try {
    const file = await open(temp, "wx", 0o755);
    try {
      await file.writeFile(bytes);
      await file.chmod(0o755); // open()'s mode is filtered by the umask
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

const USAGE = "usage: bun scripts/macho.ts verify|strip FILE...";

/** The CLI. Returns the exit code: 1 if any file fails, 2 on a usage error. */
async function main(argv: string[]): Promise<number> {
  const [command, ...files] = argv;
  if ((command !== "verify" && command !== "strip") || files.length === 0) {
    console.error(USAGE);
    return 2;
  }
  let failed = false;
  for (const file of files) {
    try {
      const bytes = await readFile(file);
      if (command === "verify") {
        const slices = inspect(bytes);
        const status = worst(slices);
        console.log(`${file}: ${describe(status)}`);
        if (status.kind === "stale" || status.kind === "not-macho") failed = true;
        if (slices.some((s) => s.cpu === "arm64" && s.status.kind === "unsigned")) {
          console.error(`${file}: an arm64 binary must be signed: Apple Silicon will not run it`);
          failed = true;
        }
      } else {
        const status = checkSignature(bytes);
        if (status.kind === "not-macho") throw new Error(describe(status));
        if (status.kind === "unsigned") {
          console.log(`${file}: unsigned, nothing to strip`);
          continue;
        }
        await writeAtomically(file, stripSignature(bytes));
        console.log(`${file}: stripped (was ${describe(status)})`);
      }
    } catch (error) {
      console.error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
