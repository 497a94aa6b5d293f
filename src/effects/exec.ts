/**
 * Carry out a plan: become `op`. On POSIX this is a real exec, so no mcp-op process stays
 * between client and server. Windows has no exec: spawn with inherited stdio, forward
 * termination, and exit with the child's code.
 */
import type { ExecPlan } from "../core/plan.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { logger } from "../logger.ts";
import { execve, resetProcessForExec } from "./native.ts";

export async function execPlan(plan: ExecPlan): Promise<never> {
  if (process.platform === "win32") return spawnAndWait(plan);
  const reset = await resetProcessForExec();
  if (reset.note) logger.debug(reset.note);
  try {
    return execve(plan.file, plan.argv, plan.env);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new McpOpError(
      code === "ENOENT" || code === "EACCES" ? EXIT.UNAVAILABLE : EXIT.SOFTWARE,
      `could not exec ${plan.file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function spawnAndWait(plan: ExecPlan): Promise<never> {
  const { spawn } = await import("node:child_process");
  const child = spawn(plan.file, plan.argv.slice(1), { stdio: "inherit", env: plan.env, windowsHide: true });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const signal of ["SIGINT", "SIGTERM", "SIGBREAK", "SIGHUP"] as const) process.on(signal, forward(signal));
  const code = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (status, signal) => resolve(status ?? (signal ? 1 : 0)));
  }).catch((error: unknown) => {
    throw new McpOpError(EXIT.UNAVAILABLE, `could not start ${plan.file}: ${String(error)}`);
  });
  process.exit(code);
}
