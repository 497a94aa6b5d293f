#!/usr/bin/env bun
/**
 * Entry point. Splits argv at the first `--` before anything parses it (the server's arguments
 * are never ours), dispatches to a lazily loaded command, and is the one place that maps
 * errors to stderr text and an exit code.
 */
import { writeSync } from "node:fs";
import type { CommandDef } from "citty";
// Static, unlike the other commands: `run`'s code (and the stage's) then loads with this
// file's chunk instead of several more (about 0.4 ms of start-up, scripts/bench/RESULTS.md).
import { runMain } from "./commands/run.ts";
import { runStage } from "./commands/stage.ts";
import { splitArgv } from "./core/args.ts";
import { STAGE_COMMAND } from "./core/plan.ts";
import { EXIT, McpOpError, renderExitTable } from "./errors.ts";
import { logger } from "./logger.ts";
import { terminalFacts, version } from "./runtime.ts";

// Lazy: the other commands and citty (help) load only when used.
const commands = {
  run: () => import("./commands/run.ts").then((m) => m.default),
  check: () => import("./commands/check.ts").then((m) => m.default),
  add: () => import("./commands/add.ts").then((m) => m.default),
  remove: () => import("./commands/remove.ts").then((m) => m.default),
  list: () => import("./commands/list.ts").then((m) => m.default),
  doctor: () => import("./commands/doctor.ts").then((m) => m.default),
  migrate: () => import("./commands/migrate.ts").then((m) => m.default),
};
type Name = keyof typeof commands;

const root: CommandDef = {
  meta: async () => ({
    name: "mcp-op",
    version: await version(),
    description: "Run MCP servers with secrets from 1Password: no plaintext tokens in client configs.",
  }),
  subCommands: commands,
};

/** citty's usage text plus the exit-code table, without colour unless std-env says it is wanted. */
async function help(command: CommandDef, parent?: CommandDef): Promise<string> {
  const { renderUsage } = await import("citty");
  // citty shows the server positional as [SERVER]; it goes after `--`.
  const usage = (await renderUsage(command, parent)).replace("[SERVER]", "-- <command> [args...]");
  const text = `${usage}\n\nExit codes:\n${renderExitTable("text")}\n`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
  return (await terminalFacts()).color ? text : text.replace(/\x1b\[[0-9;]*m/g, "");
}

const HELP = new Set(["-h", "--help"]);

async function main(argv: readonly string[]): Promise<number> {
  const { own, rest } = splitArgv(argv);
  const [first, ...tail] = own;
  if (first === STAGE_COMMAND) return runStage(tail, rest);
  if (first === undefined || HELP.has(first) || (first === "help" && tail.length === 0)) {
    writeSync(1, await help(root));
    return first === undefined && rest !== null ? EXIT.USAGE : EXIT.OK;
  }
  // `mcp-op help <command>` is `mcp-op <command> --help`.
  if (first === "help") return main([...tail.slice(0, 1), "--help"]);
  if (first === "--version" || first === "-V") {
    writeSync(1, `${await version()}\n`);
    return EXIT.OK;
  }
  if (first === "run" && !tail.some((a) => HELP.has(a))) {
    // The hot path: straight to the command, without loading citty.
    return runMain(tail, rest);
  }
  if (!Object.hasOwn(commands, first)) {
    throw new McpOpError(EXIT.USAGE, `unknown command "${first}"`, `commands: ${Object.keys(commands).join(", ")}`);
  }
  // biome-ignore lint/suspicious/noExplicitAny: each command narrows its own args
  const command = (await commands[first as Name]()) as CommandDef<any>;
  if (tail.some((a) => HELP.has(a))) {
    // In `run`, fd 1 is never written: it belongs to the MCP server.
    writeSync(first === "run" ? 2 : 1, await help(command, root));
    return EXIT.OK;
  }
  const { runCommand } = await import("citty");
  await runCommand(command, { rawArgs: tail, data: { rest } });
  return EXIT.OK;
}

function report(error: unknown): number {
  if (error instanceof McpOpError) {
    if (error.message) logger.error(error.hint ? `${error.message}; ${error.hint}` : error.message);
    return error.exitCode;
  }
  // citty's own argument errors (e.g. a missing required positional) are usage errors.
  if (error instanceof Error && error.name === "CLIError") {
    logger.error(error.message);
    return EXIT.USAGE;
  }
  // A bug: one line by default, the stack with -v / MCP_OP_LOG_LEVEL=debug.
  const message = error instanceof Error ? error.message : String(error);
  logger.error(`internal error: ${message}`);
  if (error instanceof Error && error.stack) logger.debug(error.stack);
  return EXIT.SOFTWARE;
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = report(error);
    // `run` and the stage write nothing to stdout that could be cut short, and exiting now keeps
    // the runtime's queued notes (Bun warns that execve is experimental when one fails) from
    // adding lines after mcp-op's one-line error.
    if (argv[0] === "run" || argv[0] === STAGE_COMMAND) process.exit(code);
    process.exitCode = code;
  },
);
