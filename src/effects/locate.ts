/** Find executables: `op` among candidate paths (core/locate.ts builds the list). */
import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import { candidatePaths, expandHome, SEARCH_DIRS_VAR, wellKnownDirs } from "../core/locate.ts";
import { EXIT, McpOpError } from "../errors.ts";

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform === "win32") return true;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function firstExecutable(candidates: readonly string[]): string | undefined {
  return candidates.find(isExecutableFile);
}

const INSTALL_HINT =
  "install the 1Password CLI (https://developer.1password.com/docs/cli/get-started/; macOS: brew install 1password-cli) or pass --op /path/to/op";

/** `--op` first, then PATH, then the well-known directories GUI clients leave off PATH. */
export function locateOp(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (flag !== undefined) {
    const path = resolve(expandHome(flag, env.HOME));
    if (!isExecutableFile(path)) {
      throw new McpOpError(EXIT.UNAVAILABLE, `--op ${flag}: no executable file there`, INSTALL_HINT);
    }
    return path;
  }
  const input = {
    name: "op",
    pathEnv: env.PATH,
    extraDirsEnv: env[SEARCH_DIRS_VAR],
    home: env.HOME,
    platform: process.platform,
  };
  const found = firstExecutable(candidatePaths(input));
  if (found) return found;
  const dirs =
    input.extraDirsEnv !== undefined
      ? input.extraDirsEnv.split(":").filter(Boolean)
      : wellKnownDirs(input.home, input.platform);
  const where = ["PATH", ...dirs].join(", ");
  throw new McpOpError(EXIT.UNAVAILABLE, `1Password CLI "op" not found in ${where}`, INSTALL_HINT);
}
