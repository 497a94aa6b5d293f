/**
 * Run a program whose stdout goes straight to ours (it never passes through this process) and
 * whose stderr is collected, with stdin /dev/null, ended at a deadline or by a stop signal.
 * `mcp-op headers` runs `op run` this way: the JSON the inner step prints goes to the client
 * untouched, and the whole command ends within the client's helper timeout (Claude Code kills
 * only the `sh -c` around a helper at 10 s, leaving the helper running: docs/remote-servers.md).
 */
export interface Finished {
  /** The exit code, or 128 + n when signal n ended it. */
  code: number;
  stderr: string;
}

/** A second between SIGTERM and SIGKILL: `op run` passes SIGTERM on to its child and ends. */
const GRACE_MS = 1000;

/**
 * `files`: open descriptors the program gets as fd 3, 4, ... Returns undefined when the deadline
 * passed (the program was stopped). Throws when the program cannot start.
 */
export async function runWithin(
  argv: readonly [string, ...string[]],
  options: { env: Record<string, string>; files: readonly number[]; deadline: number; stop: AbortSignal },
): Promise<Finished | undefined> {
  const { constants } = await import("node:os");
  const bySignal = (signal: string) => 128 + (constants.signals[signal as NodeJS.Signals] ?? 1);
  const spawn = await spawner();
  const child = spawn(argv, options.env, options.files);
  let timedOut = false;
  let escalate: ReturnType<typeof setTimeout> | undefined;
  const terminate = () => {
    child.kill("SIGTERM");
    escalate ??= setTimeout(() => child.kill("SIGKILL"), GRACE_MS);
  };
  const timer = setTimeout(
    () => {
      timedOut = true;
      terminate();
    },
    Math.max(0, options.deadline - Date.now()),
  );
  if (options.stop.aborted) terminate();
  else options.stop.addEventListener("abort", terminate, { once: true });
  try {
    const [stderr, exit] = await Promise.all([child.stderr, child.exited]);
    return timedOut ? undefined : { code: exit.signal ? bySignal(exit.signal) : exit.code, stderr };
  } finally {
    clearTimeout(timer);
    clearTimeout(escalate);
    options.stop.removeEventListener("abort", terminate);
  }
}

interface Child {
  stderr: Promise<string>;
  exited: Promise<{ code: number; signal: string | null }>;
  kill(signal: NodeJS.Signals): void;
}

type Spawn = (argv: readonly [string, ...string[]], env: Record<string, string>, files: readonly number[]) => Child;

/** Bun.spawn under Bun, node:child_process elsewhere (Deno). */
async function spawner(): Promise<Spawn> {
  if (typeof Bun !== "undefined") {
    return (argv, env, files) => {
      const proc = Bun.spawn([...argv], { env, stdio: ["ignore", "inherit", "pipe", ...files] });
      return {
        stderr: new Response(proc.stderr as ReadableStream).text(),
        exited: proc.exited.then((code) => ({ code, signal: proc.signalCode ? String(proc.signalCode) : null })),
        kill: (signal) => proc.kill(signal),
      };
    };
  }
  const { spawn } = await import("node:child_process");
  return ([file, ...args], env, files) => {
    const child = spawn(file, args, { env, stdio: ["ignore", "inherit", "pipe", ...files] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<{ code: number; signal: string | null }>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code: code ?? 1, signal }));
    });
    return { stderr: exited.then(() => stderr), exited, kill: (signal) => void child.kill(signal) };
  };
}
