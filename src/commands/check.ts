/**
 * `mcp-op check FILE... [--resolve]`: the validation `run` does, and nothing else; with
 * `--resolve`, each reference is also read through `op read` and reported as resolvable or not.
 * The value read is dropped at once: it is never printed, logged or stored.
 */
import type { ArgsDef, CommandDef } from "citty";
import { parseOptions, rejectEmptyValues } from "../core/args.ts";
import { looksLikeReference } from "../core/reference.ts";
import { opCall, opErrorMessage } from "../core/signin.ts";
import { checkEnvFile } from "../core/validate.ts";
import { readEnvFile } from "../effects/files.ts";
import { locateOp } from "../effects/locate.ts";
import { spawnCapture } from "../effects/native.ts";
import { EXIT, type ExitCode, McpOpError, usageError } from "../errors.ts";
import { logger } from "../logger.ts";
import { definedOnly, environment } from "../runtime.ts";

const checkArgs = {
  files: { type: "positional", required: false, description: "env files to check", valueHint: "FILE..." },
  resolve: { type: "boolean", description: "also read each reference through op (values are never shown)" },
  account: { type: "string", valueHint: "ACCOUNT", description: "1Password account for --resolve" },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary, for --resolve" },
} as const satisfies ArgsDef;

const USAGE = "usage: mcp-op check FILE... [--resolve]";

export default {
  meta: { name: "check", description: "Validate env files (syntax, references, permissions) without running anything" },
  args: checkArgs,
  async run({ rawArgs, data }) {
    const { values, positionals } = parseOptions("check", checkArgs, rawArgs);
    const files = [...positionals, ...((data as { rest: string[] | null }).rest ?? [])];
    rejectEmptyValues("check", checkArgs, values);
    if (files.length === 0) throw usageError("no env file given", USAGE);
    // As a path, "" would be the working directory: name the argument instead.
    const empty = files.indexOf("");
    if (empty !== -1) throw usageError(`FILE argument ${empty + 1} is an empty string, not an env file path`, USAGE);
    const env = environment();
    const resolve = values.resolve === true;
    const opPath = resolve ? locateOp(values.op as string | undefined, env) : undefined;
    let failure: ExitCode | undefined;
    for (const given of files) {
      try {
        const file = readEnvFile(given, env.HOME, process.cwd());
        const { entries, problems } = checkEnvFile(file.display, file.text, env);
        let code: ExitCode | undefined;
        for (const p of problems) {
          if (p.severity === "warning") logger.warn(`${p.where}: ${p.message}`);
          else {
            logger.error(`${p.where}: ${p.message}`);
            code ??= p.exitCode;
          }
        }
        if (code !== undefined) {
          failure ??= code;
          continue;
        }
        const refs = entries.filter((e) => looksLikeReference(e.value));
        console.log(`${given}: ok (${entries.length} variables, ${refs.length} secret references)`);
        if (!opPath) continue;
        for (const entry of refs) {
          const read = await spawnCapture(
            opPath,
            opCall(values.account as string | undefined, "read", "--no-newline", entry.value),
            {
              env: definedOnly(env),
              stdin: "ignore",
              stderr: "pipe",
              timeoutMs: 60_000,
            },
          );
          if (read?.code === 0) {
            console.log(`  ${entry.key}: ${entry.value} resolves`);
          } else {
            const why = read ? opErrorMessage(read.stderr) : "op read timed out";
            logger.error(`${given}:${entry.line}: ${entry.key}: ${entry.value} does not resolve: ${why}`);
            failure ??= EXIT.DATAERR;
          }
        }
      } catch (error) {
        if (!(error instanceof McpOpError)) throw error;
        logger.error(error.hint ? `${error.message}; ${error.hint}` : error.message);
        failure ??= error.exitCode;
      }
    }
    if (failure !== undefined) throw McpOpError.reported(failure);
  },
} satisfies CommandDef<typeof checkArgs>;
