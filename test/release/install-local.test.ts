/**
 * scripts/install-local.ts (`bun run install-local`) in a temp HOME: builds and installs
 * ~/.local/bin/mcp-op (or $MCP_OP_INSTALL_DIR), replaces an existing one by rename, says how to
 * put it on PATH, and --uninstall removes it and nothing else.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { binary, ROOT, run } from "../e2e/helpers.ts";

const SCRIPT = join(ROOT, "scripts", "install-local.ts");
const BUN = process.execPath;
const PREFIX = "install-local:";

function home() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-install-local-")));
  // `bun run` runs the package.json script with `bun` from PATH.
  const env = { HOME: dir, PATH: `${dirname(BUN)}:/usr/bin:/bin`, NO_COLOR: "1" };
  return { dir, env, target: join(dir, ".local", "bin", "mcp-op") };
}

describe("bun run install-local", () => {
  test("builds dist/mcp-op and installs it as ~/.local/bin/mcp-op; --uninstall removes it", async () => {
    const { dir, env, target } = home();
    mkdirSync(join(dir, ".config", "mcp-op"), { recursive: true });
    writeFileSync(join(dir, ".config", "mcp-op", "github.env"), "T=op://Private/GitHub/token\n");
    const r = await run([BUN, "run", "install-local"], { env, cwd: ROOT });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${PREFIX} built ${join(ROOT, "dist", "mcp-op")} (mcp-op `);
    expect(r.stderr).toContain(`${PREFIX} installed ${target}\n`);
    expect(r.stderr).toContain(
      `${PREFIX} ${join(dir, ".local", "bin")} is not on your PATH; add it, e.g.: export PATH="${join(dir, ".local", "bin")}:$PATH"\n`,
    );
    expect(statSync(target).mode & 0o777).toBe(0o755);
    const version = await run([target, "--version"], { env });
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+/) });

    const un = await run([BUN, "run", "install-local", "--uninstall"], { env, cwd: ROOT });
    expect(un.code).toBe(0);
    expect(un.stderr).toContain(`\n${PREFIX} removed ${target}\n`);
    expect(existsSync(target)).toBe(false);
    // Its own files only: env files (and the directory) stay.
    expect(readdirSync(join(dir, ".local", "bin"))).toEqual([]);
    expect(existsSync(join(dir, ".config", "mcp-op", "github.env"))).toBe(true);
    const again = await run([BUN, "run", "install-local", "--uninstall"], { env, cwd: ROOT });
    expect(again.code).toBe(0);
    expect(again.stderr).toEndWith(`\n${PREFIX} nothing to remove: ${target} does not exist\n`);
  }, 120_000);

  test("MCP_OP_INSTALL_DIR: an existing mcp-op is replaced by rename (a running one keeps its file), no temp file left", async () => {
    const { dir, env } = home();
    const bin = join(dir, "tools");
    mkdirSync(bin);
    const target = join(bin, "mcp-op");
    writeFileSync(target, "#!/bin/sh\necho old\n", { mode: 0o755 });
    const before = statSync(target).ino;
    const from = await binary();
    const r = await run([BUN, SCRIPT, "--from", from], {
      env: { ...env, MCP_OP_INSTALL_DIR: bin, PATH: `${bin}:${env.PATH}` },
      cwd: dir,
    });
    expect(r).toMatchObject({
      code: 0,
      stderr: `${PREFIX} installed ${target}\n${PREFIX} uninstall with: bun run install-local --uninstall\n`,
    });
    expect(statSync(target).ino).not.toBe(before);
    expect(statSync(target).size).toBe(statSync(from).size);
    expect(readdirSync(bin)).toEqual(["mcp-op"]);
  }, 120_000);

  test("a bad option or a missing --from file: 64, nothing installed", async () => {
    const { env, target } = home();
    for (const args of [["--nope"], ["--from", "/no/such/file"], ["--from"]]) {
      const r = await run([BUN, SCRIPT, ...args], { env, cwd: ROOT });
      expect(r.code).toBe(64);
      expect(r.stderr).toStartWith(PREFIX);
      expect(r.stderr.split("\n")).toHaveLength(2);
    }
    expect(existsSync(target)).toBe(false);
  });
});
