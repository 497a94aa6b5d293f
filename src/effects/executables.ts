/** Find executables: `op` and the server command, among the candidates core/search-path.ts lists. */
import {
  candidatePaths,
  type Env,
  expandHome,
  isPathLike,
  opCandidates,
  opInstallHint,
  wellKnownDirs,
} from "../core/search-path.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { accessSync, constants, resolve, statSync } from "./sys.ts";

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform === "win32") return true;
    accessSync(path, constants().X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A loop, not find: `run`'s fast path (src/cli.ts, asksHelp). */
function firstExecutable(paths: readonly string[]): string | undefined {
  for (const path of paths) if (isExecutableFile(path)) return path;
  return undefined;
}

/** `--op` first, then PATH, then the well-known directories GUI clients leave off PATH. */
export function locateOp(flag: string | undefined, env: Env): string {
  if (flag !== undefined) {
    const path = resolve(expandHome(flag, env.HOME));
    if (!isExecutableFile(path)) {
      throw new McpOpError(EXIT.UNAVAILABLE, `--op ${flag}: no executable file there`, opInstallHint(process.platform));
    }
    return path;
  }
  const found = firstExecutable(opCandidates(env, process.platform));
  if (found) return found;
  const where = ["PATH", ...wellKnownDirs(env, process.platform)].join(", ");
  throw new McpOpError(EXIT.UNAVAILABLE, `1Password CLI "op" not found in ${where}`, opInstallHint(process.platform));
}

/**
 * Resolve the server command the way a shell would, against the PATH the server will get, so
 * a command that cannot start is reported before anything runs (not as a late `ENOENT`).
 */
export function locateCommand(command: string, pathList: string, env: Env, cwd: string): string {
  if (isPathLike(command, process.platform)) {
    const path = resolve(cwd, expandHome(command, env.HOME));
    if (isExecutableFile(path)) return path;
    throw new McpOpError(EXIT.UNAVAILABLE, `server command ${command}: no executable file there`);
  }
  const found = firstExecutable(candidatePaths(command, pathList, env, process.platform));
  if (found) return found;
  throw new McpOpError(
    EXIT.UNAVAILABLE,
    `server command "${command}" not found in PATH (${pathList})`,
    "install it, or give its absolute path after --",
  );
}
