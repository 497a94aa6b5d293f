/**
 * `mcp-op headers`: print one JSON object of HTTP headers, their secrets resolved by `op run`,
 * for a client's header helper (Claude Code's `headersHelper`, Codex's `http_headers_helper`).
 * Claude Code runs the helper with `/bin/sh -c` on every connect, gives it 10 s and 1,000,000
 * bytes of output, an open stdin that never closes, and only logs a failure (docs/remote-servers.md).
 * So: stdin is never read (every op call gets /dev/null), the whole command ends within
 * {@link DEADLINE_MS}, and on failure stdout gets nothing at all: one line on stderr, a non-zero
 * exit.
 *
 * The JSON is printed by the inner step (`mcp-op __headers`), which `op run` starts with the
 * secrets in its environment; its stdout is this process's own, so the values never pass
 * through here.
 */
import { headersJson, parseStepPairs, resolveHeaders } from "../core/headers.ts";
import { HEADERS_STEP } from "../core/stage.ts";
import type { Finished } from "../effects/deadline.ts";
import { writeAll } from "../effects/files.ts";
import { opErrorMessage } from "../effects/op.ts";
import { withSignalsHeld } from "../effects/signals.ts";
import { EXIT, type ExitCode, McpOpError } from "../errors.ts";
import { logger, setVerbose } from "../logger.ts";
import { environment } from "../runtime.ts";
import { parseRemoteOptions, prepareRemote, type RemoteOptions, remoteArgs } from "./_remote.ts";
import { type Context, defaultContext, signinTimeout } from "./_shared.ts";

/**
 * The whole command ends by then: Claude Code and Codex kill a helper at 10 s, and a result
 * after that is thrown away, so finishing later only keeps `op` running for nothing.
 */
const DEADLINE_MS = 9500;
/** Default for --signin-timeout: room for a Touch ID prompt, and for `op run` after it. */
const DEFAULT_HEADERS_SIGNIN_TIMEOUT = 8;
/** More would leave `op run` no time before the deadline. */
const MAX_HEADERS_SIGNIN_TIMEOUT = 9;

const headersArgs = {
  ...remoteArgs,
  "signin-timeout": {
    type: "string",
    valueHint: "SECONDS",
    description: `limit for sign-in, lock wait included (default ${DEFAULT_HEADERS_SIGNIN_TIMEOUT}, at most ${MAX_HEADERS_SIGNIN_TIMEOUT}: clients give a helper 10 s)`,
  },
} as const;

/** headers's arguments as options, or a usage error (64); no effects. */
export function parse(own: readonly string[], rest: readonly string[] | null): RemoteOptions {
  const timeout = signinTimeout(MAX_HEADERS_SIGNIN_TIMEOUT, DEFAULT_HEADERS_SIGNIN_TIMEOUT);
  return parseRemoteOptions("headers", headersArgs, own, rest, timeout);
}

/** Resolve and print the headers (the inner step prints them, to this process's own stdout). */
export async function run(options: RemoteOptions, ctx: Context): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  const { plan, files } = await prepareRemote(
    options,
    HEADERS_STEP,
    { stage: false, timeoutMs: Math.min(options.signinTimeout * 1000, deadline - Date.now()), files: "renumber" },
    ctx,
  );
  const [file, ...args] = plan.argv as [string, ...string[]];
  const finished = await withSignalsHeld(async (held) => {
    let result: Finished | undefined;
    try {
      result = await ctx.runWithin([plan.file, ...args], { env: plan.env, files, deadline, stop: held.signal });
    } catch (error) {
      throw new McpOpError(
        EXIT.UNAVAILABLE,
        `could not run ${file}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    held.check((name) => `stopped by ${name} while op run resolved the headers`);
    return result;
  });
  if (finished === undefined) {
    throw new McpOpError(
      EXIT.TEMPFAIL,
      `op run did not finish within ${DEADLINE_MS / 1000}s of the start (clients give a headers helper 10s)`,
      "approve the 1Password prompt sooner, or check op's connection to 1Password",
    );
  }
  if (finished.code === 0) {
    // op's own notes, if any: clients keep a helper's stderr in their logs only.
    if (finished.stderr) writeAll(2, new TextEncoder().encode(finished.stderr));
    return;
  }
  // The inner step exits 64/65/70 with its own one-line error; op's own failures exit 1.
  if (finished.code !== 1 && isExitCode(finished.code)) {
    writeAll(2, new TextEncoder().encode(finished.stderr));
    throw McpOpError.reported(finished.code);
  }
  throw new McpOpError(
    EXIT.UNAVAILABLE,
    `op run could not resolve the headers (exit ${finished.code}): ${opErrorMessage(finished.stderr) || "no message"}`,
    "check the references with: mcp-op check --resolve",
  );
}

function isExitCode(code: number): code is ExitCode {
  return (Object.values(EXIT) as number[]).includes(code);
}

/**
 * The inner step, `mcp-op __headers -- Name template ...`, started by `op run` with the values
 * in its environment: substitute, check, print the JSON in one write. Nothing is printed
 * unless every header is good.
 */
export async function headersStep(own: readonly string[], rest: readonly string[] | null): Promise<number> {
  if (own.some((a) => a !== "-v")) {
    throw new McpOpError(
      EXIT.USAGE,
      `internal step ${HEADERS_STEP}: unexpected arguments (it is started by mcp-op headers, not by hand)`,
    );
  }
  if (own.includes("-v")) setVerbose(true);
  const { names, values } = parseStepPairs(rest ?? [], HEADERS_STEP);
  const pairs = resolveHeaders(names, values, environment());
  logger.debug(`printing ${pairs.length} header${pairs.length === 1 ? "" : "s"}: ${names.join(", ")}`);
  writeAll(1, new TextEncoder().encode(`${headersJson(pairs)}\n`));
  return EXIT.OK;
}

export const main = (own: readonly string[], rest: readonly string[] | null) => run(parse(own, rest), defaultContext());

export default {
  meta: {
    name: "headers",
    description: "Print HTTP headers with secrets from 1Password as JSON (Claude Code's headersHelper)",
  },
  args: headersArgs,
};
