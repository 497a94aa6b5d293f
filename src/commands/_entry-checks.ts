/**
 * doctor's checks of an mcp-op entry's own files and command, as its client would meet them:
 * the command on the client's PATH, the env files where the client's start directory (or
 * `${workspaceFolder}`) puts them, a project entry as a teammate gets it (core/diagnose.ts
 * checkSharedEntry). Apart from commands/doctor.ts to keep each file short.
 */
import { ENV_POLICIES } from "../core/client-env.ts";
import { shownName } from "../core/clients.ts";
import { checkSharedEntry, type Diagnosis, envFileFindings, type Launch, pathName } from "../core/diagnose.ts";
import { isPathLike } from "../core/search-path.ts";
import { projectDirOf, resolveEntryPath } from "../core/shared-config.ts";
import { validateEnvFiles } from "../core/validate.ts";
import { locateCommand } from "../effects/executables.ts";
import { absolutePath, readEnvFiles } from "../effects/files.ts";
import type { RegisteredServer } from "../effects/registry.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** The command's path on `pathList`, or undefined when not found there. */
export function found(command: string, pathList: string, env: Env, cwd: string): string | undefined {
  try {
    return locateCommand(command, pathList, env, cwd);
  } catch {
    return undefined;
  }
}

/** The client starts the entry's command itself, with its own PATH: mcp-op extends PATH only later. */
export function checkEntryCommand(ctx: Diagnosis, s: RegisteredServer, subject: string, launch: Launch): void {
  const command = launch.command;
  const pathThere = launch.env.PATH ?? "";
  if (found(command, pathThere, launch.env, launch.cwd)) return;
  // A shared project entry runs mcp-op by name on purpose: the fix is mcp-op on PATH.
  const shared = s.loc.scope === "project" && command === "mcp-op";
  const rewrite = shared
    ? "put mcp-op on that PATH (the project's entry runs it by name, for every teammate)"
    : `mcp-op add --force ${shownName(s.name)} ... writes a stable absolute path`;
  const yours = isPathLike(command, process.platform)
    ? undefined
    : found(command, ctx.env.PATH ?? "", ctx.env, ctx.f.cwd);
  if (yours) {
    ctx.add(
      "error",
      subject,
      `the entry runs "${command}" by name: found on your PATH (${yours}) but not on ${pathName(s.loc.client)} (${pathThere})`,
      shared ? rewrite : `${rewrite} (or set the entry's command to ${yours})`,
    );
  } else {
    const where = isPathLike(command, process.platform)
      ? "does not exist"
      : ENV_POLICIES[s.loc.client].terminal
        ? `is not on ${pathName(s.loc.client)} (${pathThere})`
        : "is on neither your PATH nor a GUI app's";
    ctx.add(
      "error",
      subject,
      `the entry runs ${command}, which ${where}`,
      shared ? `install mcp-op and ${rewrite}` : `install mcp-op, then ${rewrite}`,
    );
  }
}

/**
 * The entry's env files, read and validated as `run` reads and validates them. A project
 * entry's are found as its client would find them (core/shared-config.ts), and judged as a
 * teammate would get them.
 */
export function checkEnvFiles(ctx: Diagnosis, s: RegisteredServer, subject: string, launch: Launch): void {
  const project = s.loc.scope === "project";
  // A relative path is read from where the client starts the server, as run reads it there.
  const cwd = project ? launch.cwd : ctx.f.cwd;
  const given = project
    ? s.envFiles.map((file) =>
        file.startsWith("${workspaceFolder}/")
          ? resolveEntryPath(file, projectDirOf(s.loc), cwd, ctx.f.platform)
          : file,
      )
    : s.envFiles;
  const reads = readEnvFiles(given, ctx.f.home, cwd).map((r, i) => ({ ...r, display: s.envFiles[i] ?? r.display }));
  const { files } = validateEnvFiles(reads, ctx.env);
  envFileFindings(ctx, s, subject, files);
  if (project) {
    const read = files.map((file, i) => ({ ...file, path: absolutePath(given[i] ?? "", ctx.f.home, cwd) }));
    checkSharedEntry(ctx, s, subject, read);
  }
}
