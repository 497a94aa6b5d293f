#!/usr/bin/env bun
/**
 * Entry point. Splits argv at the first `--` before anything parses it (the server's arguments
 * are never ours), dispatches to a lazily loaded command, and is the one place that maps
 * errors to stderr text and an exit code. When `run` (or the internal stage) fails before it
 * execs, the same text also answers the client's requests (effects/answer.ts).
 */

/*
 * Import budget of `run`'s fast path (and the stage's). These modules are all that this file's
 * static imports load: everything `mcp-op run` runs before it execs `op`, and nothing else.
 * Loading and initialising them together takes ~0.5 ms of a compiled binary's start
 * (scripts/bench/RESULTS.md, "Where the time goes"); each is cheap only because its top level
 * defines functions and constants and does no work. test/unit/imports.test.ts fails when the static
 * import graph from this file is not exactly this list: a module added here needs a reason and
 * a measurement.
 *
 *   src/cli.ts                  entry: argv split, dispatch, errors -> exit codes
 *   src/commands/run.ts         run: options, checks, sign-in, plan, exec
 *   src/commands/_shared.ts     what commands share: context, --signin-timeout, problems (bundled
 *                               with this file; functions only: no start-up change measurable)
 *   src/commands/stage.ts       the internal stage (scrub, fill {{ }}, exec)
 *   src/core/args.ts            strict option parser (instead of node:util)
 *   src/core/env-file.ts        env-file parser
 *   src/core/environments.ts    --environment: the ID checked in parse (functions only)
 *   src/core/plan.ts            op's argv and environment
 *   src/core/reference.ts       op:// references
 *   src/core/search-path.ts     PATH and the well-known directories
 *   src/core/signin.ts          sign-in decisions
 *   src/core/stage.ts           the stage's arguments
 *   src/core/template.ts        {{ }} in server arguments
 *   src/core/validate.ts        env files and environment -> problems
 *   src/effects/exec.ts         execve (spawn-and-wait on Windows)
 *   src/effects/executables.ts  find op and the server
 *   src/effects/files.ts        env and token files, checked
 *   src/effects/native.ts       libc (bun:ffi, loaded with sys.ts's handle on Linux)
 *   src/effects/op.ts           every op call but op run (whoami on this path)
 *   src/effects/signals.ts      signals held during a sign-in; the stage's parent-death signal
 *   src/effects/signin.ts       whoami (the slow path, signin-prompt.ts, loads only when needed)
 *   src/effects/sys-linux.ts    stat, open, read... through libc on Linux (bun:ffi handed in)
 *   src/effects/sys.ts          the file calls before exec: libc on Linux, node:fs elsewhere
 *   src/errors.ts               McpOpError, exit codes
 *   src/logger.ts               the logger; its instance built on the first line (0.17 ms then)
 *   src/runtime.ts              version and facts, each loaded lazily
 *   consola/core                the logger's core (not consola/basic)
 *
 * Nothing on this path imports, statically (what each cost when it did, RESULTS.md, "What we
 * tried"): node:fs, node:path or node:os (Bun compiles their JavaScript on first load: ~1.6 ms
 * for node:fs; effects/sys.ts instead); std-env (its import reads process.stdout.isTTY, which
 * creates the stdout stream: 6.1 ms); consola or consola/basic (an instance on process.stdout at
 * import: 2.6 ms); node:tty (1.6 ms); node:child_process (~2 ms; Bun.spawn instead); node:util
 * (0.6-0.7 ms); citty (0.4 ms; type imports only); bun:ffi (~0.5 ms, and dlopen ~0.3: imported by
 * sys.ts, once, and handed to sys-linux.ts, which Deno must be able to load); core/detect.ts
 * (1.1 ms; -v only); the client-config code (jsonc-parser, toml-patch, config-edit.ts and the
 * other commands: 0.5 ms as one more chunk); a module with a top-level await (it splits `run`'s
 * chunk into a dozen: ~1.5 ms).
 * Nor does `run` run a RegExp before it execs: the first one costs ~0.1 ms and ~1.3 MB of
 * touched memory; character tests replace them (test/unit/fast-path.test.ts). Nor an array method
 * that JavaScriptCore writes in JavaScript (some, map, filter, find, flatMap, sort, fromEntries,
 * forEach...): each is compiled from source on its first call (see asksHelp below);
 * test/e2e/start-up.e2e.test.ts fails when the release compiles one before it execs. Nor an
 * `await` (the first costs ~0.15 ms: sign-in and exec are synchronous under Bun, effects/native.ts
 * libcNow), nor `Math` (its first touch ~0.17 ms).
 */
// Static, unlike the other commands: `run`'s code (and the stage's) then loads with this
// file's chunk instead of several more (about 0.4 ms of start-up, scripts/bench/RESULTS.md).
import { runArgs, main as runMain } from "./commands/run.ts";
import { runStage } from "./commands/stage.ts";
import { closest, MissingSeparator, type OptionsDef, splitArgv } from "./core/args.ts";
import { BRIDGE_STEP, HEADERS_STEP, STAGE_COMMAND } from "./core/stage.ts";
import { loadSys, writeSync } from "./effects/sys.ts";
import { COMMAND_EXITS, EXIT, McpOpError, usageError } from "./errors.ts";
import { loggedErrors, logger } from "./logger.ts";
import { terminalFacts, version } from "./runtime.ts";

/**
 * A command module: `main(rawArgs, rest)` parses (usage errors only) and runs; its default
 * export's meta and args are what help shows.
 */
interface CommandModule {
  default: { meta: { description?: string }; args: OptionsDef };
  main(own: readonly string[], rest: readonly string[] | null): Promise<unknown>;
}

// Lazy: the other commands load only when used.
const commands = {
  run: () => import("./commands/run.ts"),
  check: () => import("./commands/check.ts"),
  add: () => import("./commands/add.ts"),
  remove: () => import("./commands/remove.ts"),
  list: () => import("./commands/list.ts"),
  doctor: () => import("./commands/doctor.ts"),
  migrate: () => import("./commands/migrate.ts"),
  headers: () => import("./commands/headers.ts"),
  proxy: () => import("./commands/proxy.ts"),
} satisfies Record<string, () => Promise<CommandModule>>;
type Name = keyof typeof commands;
const NAMES = Object.keys(commands) as Name[];

const DESCRIPTION = "Run MCP servers with secrets from 1Password: no plaintext tokens in client configs.";
const HELP = new Set(["-h", "--help"]);
/**
 * A loop, not `args.some(...)`: on `run`'s fast path each array method JavaScriptCore implements
 * in JavaScript (some, map, filter, find, flatMap, fromEntries...) is compiled from source on its
 * first call, ~0.05-0.1 ms each (scripts/bench/RESULTS.md).
 */
function asksHelp(args: readonly string[]): boolean {
  for (const arg of args) if (HELP.has(arg)) return true;
  return false;
}
/** `-v` as `node -v` and `bun -v` (in `run` it stays --verbose), `-V` as before. */
const VERSION = new Set(["-v", "-V", "--version"]);

const EXIT_NOTES: Partial<Record<Name, string>> = {
  run: "Once the server starts, the exit code is the server's own (op run passes it on).",
  proxy: "Once the bridge runs, op run passes on its code: 0 at the end of stdin, 129/130/143 for a signal.",
};

/** Bold section titles where std-env says colour is wanted (never in tests: NO_COLOR). */
async function style() {
  return (await terminalFacts()).color ? { bold: (t: string) => `\x1b[1m${t}\x1b[22m` } : {};
}

async function rootHelp(): Promise<string> {
  const { renderRootHelp } = await import("./core/help.ts");
  const described = await Promise.all(
    NAMES.map(async (name): Promise<[string, string]> => {
      return [name, (await commands[name]()).default.meta.description ?? ""];
    }),
  );
  return renderRootHelp({ version: await version(), description: DESCRIPTION, commands: described }, await style());
}

async function commandHelp(name: Name, command: CommandModule["default"]): Promise<string> {
  const { renderCommandHelp } = await import("./core/help.ts");
  return renderCommandHelp(
    {
      name,
      description: command.meta.description ?? "",
      args: command.args,
      exits: COMMAND_EXITS[name] ?? [],
      ...(EXIT_NOTES[name] ? { exitNote: EXIT_NOTES[name] } : {}),
    },
    await style(),
  );
}

/**
 * What a client starts, `run` and the internal stage, dispatched without entering `main`: each
 * function's first run costs start-up by its size (scripts/bench/RESULTS.md), and `main` is the
 * largest here. Anything else goes to `main`, which does all of this again.
 */
function start(argv: readonly string[]): Promise<number> {
  try {
    // libc's file calls on Linux, node:fs elsewhere (effects/sys.ts): before anything reads a file.
    const loading = loadSys();
    if (loading) return loading.then(() => main(argv));
    const { own, rest } = splitArgv(argv);
    const first = own[0];
    if (first === STAGE_COMMAND) return runStage(own.slice(1), rest);
    if (first === "run" && !asksHelp(own)) return runMain(own.slice(1), rest);
    return main(argv);
  } catch (error) {
    // A usage error thrown while parsing: rejected, as main's own would be.
    return Promise.reject(error);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  // libc's file calls on Linux, node:fs elsewhere (effects/sys.ts): before anything reads a file.
  const loading = loadSys();
  if (loading) await loading;
  const { own, rest } = splitArgv(argv);
  const [first, ...tail] = own;
  if (first === STAGE_COMMAND) return runStage(tail, rest);
  if (first === HEADERS_STEP) return (await import("./commands/headers.ts")).headersStep(tail, rest);
  if (first === BRIDGE_STEP) return (await import("./commands/proxy.ts")).bridgeStep(tail, rest);
  if (first === "run" && !asksHelp(tail)) return runMain(tail, rest);
  if (first === undefined || HELP.has(first) || (first === "help" && tail.length === 0)) {
    writeSync(1, await rootHelp());
    return first === undefined && rest !== null ? EXIT.USAGE : EXIT.OK;
  }
  // `mcp-op help <command>` is `mcp-op <command> --help`.
  if (first === "help") return main([...tail.slice(0, 1), "--help"]);
  if (VERSION.has(first)) {
    writeSync(1, `${await version()}\n`);
    return EXIT.OK;
  }
  if (first.startsWith("-")) throw unknownTopFlag(first);
  if (!Object.hasOwn(commands, first)) {
    const near = closest(first, NAMES);
    const list = `commands: ${NAMES.join(", ")}`;
    throw usageError(`unknown command "${first}"`, near ? `did you mean "${near}"? ${list}` : list);
  }
  const command = await commands[first as Name]();
  if (asksHelp(tail)) {
    // Help is asked for by a person: stdout, for `run` too (it writes nothing else there).
    writeSync(1, await commandHelp(first as Name, command.default));
    return EXIT.OK;
  }
  // Each command parses its own rawArgs strictly (core/args.ts); citty only describes the
  // arguments (help), its parser is never used.
  await command.main(tail, rest);
  return EXIT.OK;
}

/** A flag before any command: a close top-level flag, or the `run` flag it is (near). */
function unknownTopFlag(given: string): McpOpError {
  const flag = given.split("=")[0] ?? given;
  if (HELP.has(flag) || VERSION.has(flag)) return usageError(`flag ${flag} takes no value`, "see: mcp-op --help");
  const name = flag.replace(/^--?/, "");
  const top = closest(flag, ["--help", "--version"]);
  const runFlags = Object.entries(runArgs).flatMap(([n, a]) => (a.type === "positional" ? [] : [n]));
  const ofRun = name.length > 1 ? closest(name, runFlags) : undefined;
  const hint = top
    ? `did you mean ${top}?`
    : ofRun
      ? `did you mean "mcp-op run --${ofRun}"?`
      : `commands: ${NAMES.join(", ")}; see: mcp-op --help`;
  return usageError(`unknown flag ${flag} for "mcp-op"`, hint);
}

/**
 * The missing `--` said with the line as it should be: `mcp-op <command> <own args> -- <server>`,
 * token-like arguments masked (the detector loads only here).
 */
async function explain(error: unknown, argv: readonly string[]): Promise<unknown> {
  if (!(error instanceof MissingSeparator)) return error;
  const { maskArgs } = await import("./core/detect.ts");
  const { quoteArg } = await import("./core/plan.ts");
  const { rest } = splitArgv(argv);
  const line = ["mcp-op", error.command, ...error.corrected(), ...(rest ? ["--", ...rest] : [])];
  return usageError(error.message, `the server command goes after "--": ${maskArgs(line).map(quoteArg).join(" ")}`);
}

function report(error: unknown): number {
  if (error instanceof McpOpError) {
    if (error.message) logger.error(error.hint ? `${error.message}; ${error.hint}` : error.message);
    return error.exitCode;
  }
  // A bug: one line by default, the stack with -v / MCP_OP_LOG_LEVEL=debug.
  const message = error instanceof Error ? error.message : String(error);
  logger.error(`internal error: ${message}`);
  if (error instanceof Error && error.stack) logger.debug(error.stack);
  return EXIT.SOFTWARE;
}

const argv = process.argv.slice(2);
start(argv).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    const code = report(await explain(error, argv));
    // `proxy` and its bridge are stdio servers too; `headers` is not (a client reads its stdout as JSON).
    if (argv[0] === "run" || argv[0] === STAGE_COMMAND || argv[0] === "proxy" || argv[0] === BRIDGE_STEP) {
      // Nothing will be exec'd: the client waiting on stdout for `initialize`'s answer gets the
      // lines just written to stderr as a JSON-RPC error, so its UI shows them.
      const [{ answerRequests }, { startFailure }] = await Promise.all([
        import("./effects/answer.ts"),
        import("./core/answer.ts"),
      ]);
      await answerRequests(startFailure(loggedErrors(), code));
      // Exiting now also keeps the runtime's queued notes (Bun warns that execve is
      // experimental when one fails) from adding lines after mcp-op's one-line error.
      process.exit(code);
    }
    process.exitCode = code;
  },
);
