/**
 * scripts/install.sh against a fake GitHub Releases layout served on loopback: platform
 * selection, checksum refusal, atomic replacement, PATH hints, tool fallbacks, cleanup.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RELEASE_ARCHIVES, ROOT } from "../unit/support.ts";

const SCRIPT = join(ROOT, "scripts", "install.sh");
const PREFIX = "mcp-op-install:";
const SH = Bun.which("sh") ?? "/bin/sh";

const UNIX_ASSETS = RELEASE_ARCHIVES.filter((a) => a.endsWith(".tar.gz"));

/** The asset the script should pick on this machine, by the same rules it documents: Linux assets
 * always name their libc (-gnu or -musl); macOS assets have no suffix. */
function hostAsset(): string {
  const os = process.platform === "darwin" ? "darwin" : "linux";
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  const musl =
    os === "linux" &&
    ((existsSync("/lib") && readdirSync("/lib").some((n) => /^ld-musl-.*\.so\.1$/.test(n))) ||
      Bun.spawnSync([SH, "-c", "ldd --version 2>&1 | grep -qi musl"]).exitCode === 0);
  const libc = os === "linux" ? (musl ? "-musl" : "-gnu") : "";
  return `mcp-op-${os}-${arch}${libc}.tar.gz`;
}
const HOST_ASSET = hostAsset();

/** What is wrong with a release, if anything. */
type Flaw = "tampered" | "unlisted" | "duplicate" | "no-checksums" | "hold";
/** Tag (without "v") -> what its binary prints and its flaw. "latest" serves LATEST. */
const RELEASES: Record<string, { prints: string; flaw?: Flaw }> = {
  "9.9.9": { prints: "9.9.9" },
  "1.2.3": { prints: "1.2.3" },
  "6.6.6-tampered": { prints: "6.6.6", flaw: "tampered" },
  "6.6.6-unlisted": { prints: "6.6.6", flaw: "unlisted" },
  "6.6.6-duplicate": { prints: "6.6.6", flaw: "duplicate" },
  "6.6.6-no-checksums": { prints: "6.6.6", flaw: "no-checksums" },
  "7.7.7-hold": { prints: "7.7.7", flaw: "hold" },
};
const LATEST = "9.9.9";

// Real path: the script resolves a relative --dir with `pwd`, which reports the physical path.
const scratch = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-install-test-")));
const releases = join(scratch, "releases");
let server: ReturnType<typeof Bun.serve>;
let baseUrl = "";
/** Every request path the server saw, in order. */
const requests: string[] = [];
/** Archive requests for "hold" releases wait here until a test releases them. */
const held: Array<{ path: string; release: () => void }> = [];
let onHeld: (() => void) | undefined;

function sh(argv: string[], cwd?: string): void {
  const r = Bun.spawnSync(argv, { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString()}`);
}

function sha256(bytes: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}

/** A tar.gz holding mcp-op (a script printing `prints`), LICENSE and README.md at its root. */
function archive(prints: string): Uint8Array {
  const stage = mkdtempSync(join(scratch, "stage-"));
  writeFileSync(join(stage, "mcp-op"), `#!/bin/sh\necho ${prints}\n`, { mode: 0o755 });
  writeFileSync(join(stage, "LICENSE"), "MIT\n");
  writeFileSync(join(stage, "README.md"), "# mcp-op\n");
  sh(["tar", "-czf", join(stage, "out.tar.gz"), "mcp-op", "LICENSE", "README.md"], stage);
  const bytes = readFileSync(join(stage, "out.tar.gz"));
  rmSync(stage, { recursive: true });
  return bytes;
}

function writeRelease(tag: string, prints: string, flaw?: Flaw): void {
  const dir = join(releases, `v${tag}`);
  mkdirSync(dir, { recursive: true });
  const bytes = archive(prints);
  const lines: string[] = [];
  for (const asset of UNIX_ASSETS) {
    writeFileSync(join(dir, asset), bytes);
    if (flaw !== "unlisted") lines.push(`${sha256(bytes)}  ${asset}`);
    if (flaw === "duplicate") lines.push(`${sha256(bytes)}  ${asset}`);
  }
  // A neighbouring name that contains the asset name must not count as a listing.
  lines.push(`${"0".repeat(64)}  ${HOST_ASSET}.sig`);
  if (flaw !== "no-checksums") writeFileSync(join(dir, "checksums.txt"), `${lines.join("\n")}\n`);
  if (flaw === "tampered") {
    // Changed after the checksums were computed: a valid archive with a different binary.
    const evil = archive("evil");
    for (const asset of UNIX_ASSETS) writeFileSync(join(dir, asset), evil);
  }
}

async function fetchAsset(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  requests.push(path);
  const m = /^\/latest\/download\/([^/]+)$/.exec(path) ?? /^\/download\/v([^/]+)\/([^/]+)$/.exec(path);
  if (!m) return new Response("not found\n", { status: 404 });
  const [tag, name] = m.length === 2 ? [LATEST, m[1] as string] : [m[1] as string, m[2] as string];
  const file = join(releases, `v${tag}`, name);
  if (name.includes("/") || name.startsWith(".") || !existsSync(file))
    return new Response("not found\n", { status: 404 });
  if (RELEASES[tag]?.flaw === "hold" && name.endsWith(".tar.gz")) {
    const { promise, resolve } = Promise.withResolvers<void>();
    held.push({ path, release: resolve });
    onHeld?.();
    await promise;
  }
  return new Response(Bun.file(file));
}

beforeAll(() => {
  for (const [tag, { prints, flaw }] of Object.entries(RELEASES)) writeRelease(tag, prints, flaw);
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: fetchAsset });
  baseUrl = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  for (const h of held) h.release();
  await server?.stop(true);
  rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Request paths the server saw during this run. */
  requests: string[];
  home: string;
  /** The directory the run installs into (default: $HOME/.local/bin). */
  dir: string;
  /** Whatever the script left in its private TMPDIR (must be nothing). */
  tmpLeft: string[];
}

interface RunOptions {
  env?: Record<string, string>;
  /** Where the run should install (default: MCP_OP_INSTALL_DIR, else $HOME/.local/bin). */
  dir?: string;
  args?: string[];
  /** argv prefix that runs the script's text (default: `sh`). */
  shell?: string[];
  /** PATH for the script (default: this process's PATH). */
  path?: string;
  /** Feed the script on stdin (`curl ... | sh -s -- args`) instead of by file name. */
  stdin?: boolean;
  /** Runs after the sandbox exists and before the script starts. */
  before?: (run: Pick<Run, "home" | "dir">) => void;
  /** Runs while the script is in flight (after spawn, before waiting for its exit). */
  during?: (proc: Bun.Subprocess, tmp: string) => Promise<void>;
}

/** Run the script in a fresh sandbox (HOME, TMPDIR); options may depend on the sandbox's HOME. */
async function install(options: RunOptions | ((home: string) => RunOptions) = {}): Promise<Run> {
  const sandbox = mkdtempSync(join(scratch, "run-"));
  const home = join(sandbox, "home");
  const tmp = join(sandbox, "tmp");
  mkdirSync(home);
  mkdirSync(tmp);
  const o = typeof options === "function" ? options(home) : options;
  const env: Record<string, string> = {
    PATH: o.path ?? process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    TMPDIR: tmp,
    MCP_OP_BASE_URL: baseUrl,
    ...o.env,
  };
  const dir = o.dir ?? env.MCP_OP_INSTALL_DIR ?? join(home, ".local", "bin");
  o.before?.({ home, dir });
  const shell = o.shell ?? [SH];
  const argv = o.stdin ? [...shell, "-s", "--", ...(o.args ?? [])] : [...shell, SCRIPT, ...(o.args ?? [])];
  const seen = requests.length;
  const proc = Bun.spawn(argv, {
    cwd: sandbox,
    env,
    stdin: o.stdin ? Bun.file(SCRIPT) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = new Response(proc.stdout).text();
  const err = new Response(proc.stderr).text();
  await o.during?.(proc, tmp);
  const exitCode = await proc.exited;
  return {
    exitCode,
    stdout: await out,
    stderr: await err,
    requests: requests.slice(seen),
    home,
    dir,
    tmpLeft: readdirSync(tmp),
  };
}

/** What every run must satisfy: quiet stdout, only prefixed stderr lines, no temp dir left. */
function expectTidy(r: Run): void {
  expect(r.stdout).toBe("");
  expect(r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith(`${PREFIX} `))).toEqual([]);
  expect(r.tmpLeft).toEqual([]);
}

/** Installed successfully: the binary is in place, 0755, runs, and nothing else is in the dir. */
function expectInstalled(r: Run, version: string): void {
  expectTidy(r);
  expect({ exitCode: r.exitCode, stderr: r.stderr }).toMatchObject({ exitCode: 0 });
  const bin = join(r.dir, "mcp-op");
  expect(r.stderr).toContain(`${PREFIX} installed mcp-op ${version} to ${bin}\n`);
  expect(statSync(bin).mode & 0o777).toBe(0o755);
  expect(readdirSync(r.dir)).toEqual(["mcp-op"]);
  const ran = Bun.spawnSync([bin, "--version"], { stdout: "pipe" });
  expect(ran.stdout.toString()).toBe(`${version}\n`);
}

/** Refused: the given exit code and message, nothing downloaded into the install dir. */
function expectRefused(r: Run, exitCode: number, ...messages: string[]): void {
  expectTidy(r);
  expect(r.exitCode).toBe(exitCode);
  for (const message of messages) expect(r.stderr).toContain(message);
  expect(existsSync(r.dir) ? readdirSync(r.dir) : []).toEqual([]);
}

describe("syntax", () => {
  for (const shell of ["sh", "dash", "bash", "busybox"]) {
    const path = Bun.which(shell);
    test.skipIf(!path)(`${shell} -n`, () => {
      const argv = shell === "busybox" ? [path as string, "sh", "-n", SCRIPT] : [path as string, "-n", SCRIPT];
      const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
      expect({ exitCode: r.exitCode, stderr: r.stderr.toString() }).toEqual({ exitCode: 0, stderr: "" });
    });
  }
});

describe("install", () => {
  test(`latest, default dir, host platform (${HOST_ASSET})`, async () => {
    const r = await install();
    expectInstalled(r, "9.9.9");
    expect(r.dir).toBe(join(r.home, ".local", "bin"));
    expect(r.requests).toEqual(["/latest/download/checksums.txt", `/latest/download/${HOST_ASSET}`]);
  });

  const versionCases: Array<[string, RunOptions]> = [
    ["--version 1.2.3", { args: ["--version", "1.2.3"] }],
    ["--version=v1.2.3", { args: ["--version=v1.2.3"] }],
    ["MCP_OP_VERSION=1.2.3", { env: { MCP_OP_VERSION: "1.2.3" } }],
    ["MCP_OP_VERSION=v1.2.3", { env: { MCP_OP_VERSION: "v1.2.3" } }],
    ["the flag wins over MCP_OP_VERSION", { env: { MCP_OP_VERSION: "9.9.9" }, args: ["--version", "1.2.3"] }],
    ["piped: sh -s -- --version 1.2.3", { stdin: true, args: ["--version", "1.2.3"] }],
  ];
  for (const [name, o] of versionCases) {
    test(`a given version: ${name}`, async () => {
      const r = await install(o);
      expectInstalled(r, "1.2.3");
      expect(r.requests).toEqual(["/download/v1.2.3/checksums.txt", `/download/v1.2.3/${HOST_ASSET}`]);
    });
  }

  test("MCP_OP_VERSION=latest and a trailing slash on MCP_OP_BASE_URL", async () => {
    const r = await install({ env: { MCP_OP_VERSION: "latest", MCP_OP_BASE_URL: `${baseUrl}/` } });
    expectInstalled(r, "9.9.9");
    expect(r.requests).toEqual(["/latest/download/checksums.txt", `/latest/download/${HOST_ASSET}`]);
  });

  const dirCases: Array<[string, (home: string) => RunOptions]> = [
    ["MCP_OP_INSTALL_DIR", (h) => ({ env: { MCP_OP_INSTALL_DIR: join(h, "bin") } })],
    ["--dir D", (h) => ({ args: ["--dir", join(h, "a", "b")], dir: join(h, "a", "b") })],
    [
      "--dir=D wins over MCP_OP_INSTALL_DIR",
      (h) => ({ env: { MCP_OP_INSTALL_DIR: join(h, "no") }, args: [`--dir=${join(h, "yes")}`], dir: join(h, "yes") }),
    ],
    ["a trailing slash", (h) => ({ args: ["--dir", `${join(h, "bin")}/`], dir: join(h, "bin") })],
    [
      "a relative --dir, against the working directory",
      (h) => ({ args: ["--dir", "rel/bin"], dir: join(h, "..", "rel", "bin") }),
    ],
  ];
  for (const [name, options] of dirCases) {
    test(`install dir: ${name}`, async () => {
      const r = await install(options);
      expectInstalled(r, "9.9.9");
      expect(existsSync(join(r.home, "no"))).toBe(false);
    });
  }

  const pathCases: Array<[string, boolean]> = [
    ["not on PATH: prints how to add it", true],
    ["on PATH: no hint", false],
  ];
  for (const [name, hint] of pathCases) {
    test(name, async () => {
      const dir = join(scratch, `pathcase-${hint}`, "bin");
      const r = await install({
        env: { MCP_OP_INSTALL_DIR: dir },
        path: hint ? process.env.PATH : `${dir}:${process.env.PATH}`,
      });
      expectInstalled(r, "9.9.9");
      const lines = [`${PREFIX} ${dir} is not on your PATH`, `export PATH="${dir}:$PATH"`, `fish_add_path "${dir}"`];
      expect(lines.map((line) => [line, r.stderr.includes(line)])).toEqual(lines.map((line) => [line, hint]));
    });
  }

  test("the PATH hint spells a dir under HOME as $HOME/...", async () => {
    const r = await install();
    expectInstalled(r, "9.9.9");
    expect(r.stderr).toContain(`export PATH="$HOME/.local/bin:$PATH"`);
    expect(r.stderr).toContain(`fish_add_path "$HOME/.local/bin"`);
  });

  test("an existing binary is replaced by a rename (new inode), even if read-only", async () => {
    let before = 0;
    const r = await install({
      before: ({ dir }) => {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, "mcp-op"), "#!/bin/sh\necho 0.0.1\n", { mode: 0o555 });
        before = statSync(join(dir, "mcp-op")).ino;
      },
    });
    expectInstalled(r, "9.9.9");
    expect(statSync(join(r.dir, "mcp-op")).ino).not.toBe(before);
  });
});

describe("refusals leave nothing behind", () => {
  const cases: Array<[string, string, number, (base: string) => string[]]> = [
    [
      "a tampered archive (changed after checksums.txt was written)",
      "6.6.6-tampered",
      6,
      () => [
        `${PREFIX} error: refusing to install: checksum mismatch for ${HOST_ASSET} (expected `,
        "the download is corrupt or was tampered with",
      ],
    ],
    [
      "an archive missing from checksums.txt",
      "6.6.6-unlisted",
      6,
      () => [`${PREFIX} error: refusing to install: ${HOST_ASSET} is not listed in checksums.txt`],
    ],
    [
      "an archive listed twice in checksums.txt",
      "6.6.6-duplicate",
      6,
      () => [`${PREFIX} error: refusing to install: ${HOST_ASSET} is listed 2 times in checksums.txt`],
    ],
    [
      "a release without checksums.txt",
      "6.6.6-no-checksums",
      5,
      (base) => [
        `${PREFIX} error: download failed: ${base}/download/v6.6.6-no-checksums/checksums.txt`,
        "(curl: (22) The requested URL returned error: 404); is v6.6.6-no-checksums a published release?",
      ],
    ],
    [
      "an unknown version (404)",
      "0.0.404",
      5,
      (base) => [`${PREFIX} error: download failed: ${base}/download/v0.0.404/checksums.txt`],
    ],
  ];
  for (const [name, version, exitCode, messages] of cases) {
    test(name, async () => {
      const r = await install({ args: ["--version", version] });
      expectRefused(r, exitCode, ...messages(baseUrl));
      expect(existsSync(r.dir)).toBe(false);
    });
  }

  test("a refused update leaves the existing binary untouched", async () => {
    const old = "#!/bin/sh\necho 0.0.1\n";
    const r = await install({
      args: ["--version", "6.6.6-tampered"],
      before: ({ dir }) => {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, "mcp-op"), old, { mode: 0o755 });
      },
    });
    expectTidy(r);
    expect(r.exitCode).toBe(6);
    expect(readdirSync(r.dir)).toEqual(["mcp-op"]);
    expect(readFileSync(join(r.dir, "mcp-op"), "utf8")).toBe(old);
  });

  test("an install dir that cannot be created", async () => {
    const r = await install((home) => {
      writeFileSync(join(home, "file"), "");
      return { env: { MCP_OP_INSTALL_DIR: join(home, "file", "bin") } };
    });
    expectTidy(r);
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toContain(`${PREFIX} error: cannot create ${join(r.home, "file", "bin")}`);
  });

  test("a directory where the binary should go", async () => {
    const r = await install({ before: ({ dir }) => mkdirSync(join(dir, "mcp-op"), { recursive: true }) });
    expectTidy(r);
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toContain(`${join(r.dir, "mcp-op")} is a directory`);
    expect(readdirSync(r.dir)).toEqual(["mcp-op"]);
    expect(readdirSync(join(r.dir, "mcp-op"))).toEqual([]);
  });

  test("SIGTERM mid-download: exit 143 and the temp dir is removed", async () => {
    const arrived = new Promise<void>((resolve) => {
      onHeld = resolve;
    });
    let during: string[] = [];
    const r = await install({
      args: ["--version", "7.7.7-hold"],
      during: async (proc, tmp) => {
        await arrived;
        // The script's private dir exists inside TMPDIR while it downloads.
        during = readdirSync(tmp);
        proc.kill("SIGTERM");
        // The shell runs its trap once the foreground download returns.
        for (const h of held.splice(0)) h.release();
      },
    });
    onHeld = undefined;
    expect(during).toEqual([expect.stringMatching(/^mcp-op-install\./)]);
    expectRefused(r, 143, `${PREFIX} downloading ${HOST_ASSET} (v7.7.7-hold)`);
  });
});

describe("platform selection", () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ MCP_OP_OS: "Linux", MCP_OP_ARCH: "aarch64", MCP_OP_LIBC: "gnu" }, "mcp-op-linux-arm64-gnu.tar.gz"],
    [{ MCP_OP_OS: "Linux", MCP_OP_ARCH: "arm64", MCP_OP_LIBC: "glibc" }, "mcp-op-linux-arm64-gnu.tar.gz"],
    [{ MCP_OP_OS: "Linux", MCP_OP_ARCH: "x86_64", MCP_OP_LIBC: "gnu" }, "mcp-op-linux-x64-gnu.tar.gz"],
    [{ MCP_OP_OS: "linux", MCP_OP_ARCH: "x64", MCP_OP_LIBC: "glibc" }, "mcp-op-linux-x64-gnu.tar.gz"],
    [{ MCP_OP_OS: "Linux", MCP_OP_ARCH: "amd64", MCP_OP_LIBC: "musl" }, "mcp-op-linux-x64-musl.tar.gz"],
    [{ MCP_OP_OS: "Linux", MCP_OP_ARCH: "aarch64", MCP_OP_LIBC: "musl" }, "mcp-op-linux-arm64-musl.tar.gz"],
    [{ MCP_OP_OS: "Darwin", MCP_OP_ARCH: "arm64" }, "mcp-op-darwin-arm64.tar.gz"],
    [{ MCP_OP_OS: "Darwin", MCP_OP_ARCH: "x86_64" }, "mcp-op-darwin-x64.tar.gz"],
    [{ MCP_OP_OS: "Darwin", MCP_OP_ARCH: "arm64", MCP_OP_LIBC: "musl" }, "mcp-op-darwin-arm64.tar.gz"],
  ];
  for (const [env, asset] of cases) {
    test(`${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")} -> ${asset}`, async () => {
      const r = await install({ env });
      expectInstalled(r, "9.9.9");
      expect(r.requests).toEqual(["/latest/download/checksums.txt", `/latest/download/${asset}`]);
    });
  }

  const unsupported: Array<[Record<string, string>, number, string[]]> = [
    [
      { MCP_OP_OS: "MINGW64_NT-10.0-19045" },
      3,
      [
        "unsupported OS 'MINGW64_NT-10.0-19045'",
        "On Windows, download mcp-op-windows-x64.zip or mcp-op-windows-arm64.zip",
      ],
    ],
    [{ MCP_OP_OS: "FreeBSD" }, 3, ["unsupported OS 'FreeBSD'", "mcp-op-windows-x64.zip"]],
    [{ MCP_OP_OS: "Linux", MCP_OP_ARCH: "i686" }, 3, ["unsupported CPU architecture 'i686'"]],
    [{ MCP_OP_OS: "Darwin", MCP_OP_ARCH: "riscv64" }, 3, ["unsupported CPU architecture 'riscv64'"]],
    [{ MCP_OP_OS: "Linux", MCP_OP_ARCH: "x86_64", MCP_OP_LIBC: "uclibc" }, 2, ["MCP_OP_LIBC must be musl or gnu"]],
  ];
  for (const [env, exitCode, messages] of unsupported) {
    test(`unsupported: ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}`, async () => {
      const r = await install({ env });
      expectRefused(r, exitCode, `${PREFIX} error: ${messages[0]}`, ...messages);
      expect(r.requests).toEqual([]);
    });
  }
});

describe("usage", () => {
  const cases: Array<[string[], number, string]> = [
    [["--bogus"], 2, "unknown argument: --bogus"],
    [["--version"], 2, "--version needs a value"],
    [["--dir"], 2, "--dir needs a value"],
    [["--version", "1.2.3/../../x"], 2, "malformed version '1.2.3/../../x'"],
    [["--help"], 0, `${PREFIX} usage: install.sh [--version X] [--dir D]`],
  ];
  for (const [args, exitCode, message] of cases) {
    test(args.join(" "), async () => {
      const r = await install({ args });
      expectRefused(r, exitCode, message);
      expect(r.requests).toEqual([]);
    });
  }
});

describe("tools", () => {
  /** Everything the script (and tar) runs, minus what a case leaves out; found on this PATH. */
  const TOOLS = ["uname", "mktemp", "rm", "mkdir", "tar", "gzip", "awk", "grep", "tr", "cp", "chmod", "mv", "ldd"];
  function toolDir(name: string, extra: string[]): string {
    const dir = join(scratch, `tools-${name}`);
    mkdirSync(dir, { recursive: true });
    for (const tool of [...TOOLS, ...extra]) {
      const found = Bun.which(tool);
      if (found) symlinkSync(found, join(dir, tool));
    }
    return dir;
  }

  const ok: Array<[string, string[]]> = [
    ["wget when curl is missing", ["wget", "sha256sum"]],
    ["shasum -a 256 when sha256sum is missing", ["curl", "shasum"]],
  ];
  for (const [name, extra] of ok) {
    test.skipIf(!extra.every((t) => Bun.which(t)))(name, async () => {
      const r = await install({ path: toolDir(name.split(" ")[0] as string, extra) });
      expectInstalled(r, "9.9.9");
      expect(r.requests).toEqual(["/latest/download/checksums.txt", `/latest/download/${HOST_ASSET}`]);
    });
  }

  test("wget: a 404 fails cleanly", async () => {
    const r = await install({ path: toolDir("wget404", ["wget", "sha256sum"]), args: ["--version", "0.0.404"] });
    expectRefused(r, 5, `${PREFIX} error: download failed: ${baseUrl}/download/v0.0.404/checksums.txt`);
  });

  const missing: Array<[string, string[], string[], string]> = [
    ["neither curl nor wget", ["sha256sum", "shasum"], ["curl", "wget"], "neither curl nor wget is installed"],
    [
      "neither sha256sum nor shasum",
      ["curl", "wget"],
      ["sha256sum", "shasum"],
      "neither sha256sum nor shasum is installed",
    ],
  ];
  for (const [name, extra, omitted, message] of missing) {
    const path = toolDir(name.replaceAll(" ", "-"), extra);
    // A shell with built-in applets (busybox's standalone shell) finds them without PATH.
    const builtIn = omitted.some((t) => Bun.spawnSync([SH, "-c", `command -v ${t}`], { env: { PATH: path } }).success);
    test.skipIf(builtIn)(name, async () => {
      const r = await install({ path });
      expectRefused(r, 4, `${PREFIX} error: ${message}`);
      expect(r.requests).toEqual([]);
    });
  }
});

describe("other shells run the happy path", () => {
  const shells: Array<[string, string[]]> = [
    ["dash", ["dash"]],
    ["bash --posix", ["bash", "--posix"]],
    ["busybox sh", ["busybox", "sh"]],
    ["mksh", ["mksh"]],
    ["zsh (as sh)", ["zsh", "--emulate", "sh"]],
  ];
  for (const [name, [cmd, ...rest]] of shells) {
    const path = Bun.which(cmd as string);
    test.skipIf(!path)(name, async () => {
      const r = await install({ shell: [path as string, ...rest], args: ["--version", "1.2.3"] });
      expectInstalled(r, "1.2.3");
    });
  }
});
