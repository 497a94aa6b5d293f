#!/usr/bin/env bun
/**
 * Install mcp-op from this checkout, for use before a release exists (or to try a change).
 *
 *   bun run install-local                builds dist/mcp-op, installs it as DIR/mcp-op
 *   bun run install-local --uninstall    removes DIR/mcp-op (nothing else)
 *   bun run install-local --from FILE    installs FILE instead of building (tests, CI)
 *
 * DIR is $MCP_OP_INSTALL_DIR, else ~/.local/bin: the same as scripts/install.sh, so either can
 * replace what the other installed. The copy goes to a temporary file in DIR and is renamed over
 * DIR/mcp-op: a client starting mcp-op meanwhile runs either the old binary or the new one,
 * never a half-written file (a running mcp-op keeps its old inode).
 */
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { build } from "./build.ts";

const NAME = process.platform === "win32" ? "mcp-op.exe" : "mcp-op";
const say = (line: string) => console.error(`install-local: ${line}`);

export function installDir(env: Readonly<Record<string, string | undefined>>): string {
  return resolve(env.MCP_OP_INSTALL_DIR || join(env.HOME || homedir(), ".local", "bin"));
}

/** Copy `binary` to `dir`/mcp-op atomically (temp file in the same directory, then rename). */
export function install(binary: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, NAME);
  const temp = join(dir, `.${NAME}.install-${process.pid}`);
  try {
    copyFileSync(binary, temp);
    chmodSync(temp, 0o755);
    renameSync(temp, target);
  } finally {
    rmSync(temp, { force: true });
  }
  return target;
}

/** Remove `dir`/mcp-op; false when there was none. */
export function uninstall(dir: string): boolean {
  const target = join(dir, NAME);
  try {
    lstatSync(target);
  } catch {
    return false;
  }
  rmSync(target);
  return true;
}

async function main(argv: string[]): Promise<number> {
  const known = new Set(["--uninstall", "--from"]);
  const unknown = argv.find((a, i) => a.startsWith("-") && !known.has(a) && argv[i - 1] !== "--from");
  if (unknown) {
    say(`unknown option ${unknown} (use --uninstall, or --from FILE)`);
    return 64;
  }
  const dir = installDir(process.env);
  if (argv.includes("--uninstall")) {
    if (!uninstall(dir)) {
      say(`nothing to remove: ${join(dir, NAME)} does not exist`);
      return 0;
    }
    say(`removed ${join(dir, NAME)}`);
    say("client entries that run it no longer start: remove them first (mcp-op list, mcp-op remove NAME)");
    const home = process.env.HOME || homedir();
    const config = join(process.env.XDG_CONFIG_HOME || join(home, ".config"), "mcp-op");
    const state = join(process.env.XDG_STATE_HOME || join(home, ".local", "state"), "mcp-op");
    say(
      `kept: env files in ${config} (references only), migrate's backups in ${state} (they may hold plaintext: run mcp-op migrate --purge-backups before uninstalling, or delete that directory)`,
    );
    return 0;
  }
  const from = argv.indexOf("--from");
  let binary: string;
  if (from !== -1) {
    const given = argv[from + 1];
    if (!given || !existsSync(given)) {
      say(`--from needs an existing file${given ? `: ${given} does not exist` : ""}`);
      return 64;
    }
    binary = given;
  } else {
    const built = await build();
    say(`built ${built.outfile} (mcp-op ${built.version})`);
    binary = built.outfile;
  }
  const target = install(binary, dir);
  say(`installed ${target}`);
  const onPath = (process.env.PATH ?? "").split(delimiter).some((d) => d && resolve(d) === dir);
  if (!onPath) say(`${dir} is not on your PATH; add it, e.g.: export PATH="${dir}:$PATH"`);
  say("uninstall with: bun run install-local --uninstall");
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
