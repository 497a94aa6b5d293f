/** `mcp-op check FILE...`: the validation `run` does, and nothing else. */
import type { ArgsDef, CommandDef } from "citty";
import { parseOptions } from "../core/args.ts";
import { looksLikeReference } from "../core/reference.ts";
import { checkEnvFile } from "../core/validate.ts";
import { readEnvFile } from "../effects/files.ts";
import { type ExitCode, McpOpError, usageError } from "../errors.ts";
import { logger } from "../logger.ts";
import { environment } from "../runtime.ts";

const checkArgs = {
  files: { type: "positional", required: false, description: "env files to check", valueHint: "FILE..." },
} as const satisfies ArgsDef;

export default {
  meta: { name: "check", description: "Validate env files (syntax, references, permissions) without running anything" },
  args: checkArgs,
  async run({ rawArgs, data }) {
    const { positionals } = parseOptions("check", checkArgs, rawArgs);
    const files = [...positionals, ...((data as { rest: string[] | null }).rest ?? [])];
    if (files.length === 0) throw usageError("no env file given", "usage: mcp-op check FILE...");
    const env = environment();
    let failure: McpOpError | undefined;
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
          failure ??= new McpOpError(code, `${given}: invalid`);
          continue;
        }
        const refs = entries.filter((e) => looksLikeReference(e.value)).length;
        console.log(`${given}: ok (${entries.length} variables, ${refs} secret references)`);
      } catch (error) {
        if (!(error instanceof McpOpError)) throw error;
        logger.error(error.hint ? `${error.message}; ${error.hint}` : error.message);
        failure ??= error;
      }
    }
    if (failure) throw McpOpError.reported(failure.exitCode);
  },
} satisfies CommandDef<typeof checkArgs>;
