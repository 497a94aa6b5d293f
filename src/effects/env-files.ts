/** Env files (and headers files) mcp-op writes itself (`add --env`, `add --url`): private, atomic, and undoable. */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { sameEntries } from "../core/env-file.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { logger } from "../logger.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { describeFsError, errorCode } from "./files.ts";

/**
 * Write the env file, mode 0600 (also when --force replaces one), through a temporary file and
 * a rename; returns how to put back what was there before, and whether other text was replaced.
 */
export function writeEnvFile(
  path: string,
  text: string,
  force: boolean,
  same: (a: string, b: string) => boolean = sameEntries,
): { undo: () => void; replaced: boolean } {
  const cannot = (error: unknown) =>
    new McpOpError(EXIT.CONFIG, `cannot write the env file ${path}: ${describeFsError(error)}`);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw cannot(error); // e.g. ~/.config/mcp-op is a file
  }
  let previous: Buffer | undefined;
  try {
    previous = readFileSync(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw cannot(error);
  }
  // The same references again (the server added to one more client, or a file written by hand
  // as the README's Quick start does): the file is reused, whatever its comments or layout.
  if (previous !== undefined && same(previous.toString("utf8"), text)) return { undo: () => {}, replaced: false };
  if (previous !== undefined && !force) {
    throw new McpOpError(
      EXIT.CONFIG,
      `${path} already exists with other references (use --force to replace it, or --env-file to use it)`,
    );
  }
  const replace = (bytes: string | Buffer) => {
    try {
      writeFileAtomic(path, bytes, { mode: 0o600 }); // a failed write leaves no temporary copy of --allow-plain values
    } catch (error) {
      throw cannot(error);
    }
  };
  replace(text);
  logger.info(`wrote ${path}`);
  return {
    undo: () => (previous === undefined ? rmSync(path, { force: true }) : replace(previous)),
    replaced: previous !== undefined,
  };
}
