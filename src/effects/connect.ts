/**
 * `doctor --connect`: start one registered server the way its client would (command, args,
 * environment, working directory given by the caller), speak `initialize` and `tools/list`
 * within a time limit, and stop everything it started. The server runs in a process group of
 * its own (`setsid`), which is killed as a whole: `mcp-op run` execs `op`, and `op run` starts
 * the server as its child, so killing the first process alone would leave the server running.
 */
import { spawn } from "node:child_process";
import {
  answerServerRequest,
  describeRpcError,
  initializeRequest,
  type JsonRpcMessage,
  notification,
  parseMessage,
  request,
  stderrTail,
} from "../core/connect.ts";

export interface Launch {
  /** An executable path (already resolved on the PATH the client gives). */
  file: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
  /** mcp-op's version, for clientInfo. */
  version: string;
}

export type Outcome =
  | { ok: true; tools: number }
  | {
      ok: false;
      /** One line: what went wrong (a JSON-RPC error, an exit, a time-out). */
      failure: string;
      /** The last lines of the server's stderr, made safe to print (core/connect.ts safeLine). */
      stderr: string[];
    };

/** Pages of tools/list followed at most: a server repeating a cursor must not keep doctor busy. */
const MAX_PAGES = 100;
/** Kept of stderr (the end of it): op's message and the server's last words. */
const STDERR_KEEP = 64 * 1024;
/** Between SIGTERM and SIGKILL to the group, as the MCP SDK client waits. */
const TERM_GRACE_MS = 2000;

/** Start the server, talk to it, stop it and every process of its group. */
export async function connect(launch: Launch): Promise<Outcome> {
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(launch.file, [...launch.args], {
      cwd: launch.cwd,
      env: launch.env,
      // A new session and process group, killed as a whole below. (On Windows `detached` would
      // give the server a console window of its own; the tree is ended with taskkill instead.)
      detached: process.platform !== "win32",
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (error) {
    return { ok: false, failure: `cannot start ${launch.file}: ${errorText(error)}`, stderr: [] };
  }
  const pgid = child.pid;
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString("utf8")).slice(-STDERR_KEEP);
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  // Writes after the server is gone fail with EPIPE; the outcome says why it went.
  child.stdin?.on("error", () => {});

  let result: Outcome;
  try {
    result = await Promise.race([
      converse(child, launch.version),
      closed.then(({ code, signal }) => exitedEarly(code, signal)),
      spawnError.then((e) => ({ ok: false as const, failure: `cannot start ${launch.file}: ${errorText(e)}` })),
      new Promise<{ ok: false; failure: string }>((resolve) =>
        setTimeout(
          () => resolve({ ok: false, failure: `no answer within ${launch.timeoutMs / 1000} s` }),
          launch.timeoutMs,
        ).unref(),
      ),
    ]).then((r) => (r.ok ? r : { ...r, stderr: [] }));
  } finally {
    child.stdin?.end();
    if (pgid !== undefined) await (process.platform === "win32" ? killTree(pgid) : killGroup(pgid));
  }
  // The whole stderr is there once the group is gone and the pipe closed. A process that left
  // the group (setsid) could hold the pipe open forever: doctor waits a bounded time, then reads
  // what came.
  const drained = await Promise.race([
    closed.then(() => true),
    spawnError.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), TERM_GRACE_MS).unref()),
  ]);
  if (!drained) {
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
  return result.ok ? result : { ...result, stderr: stderrTail(stderr) };
}

/** Windows has no process groups to signal: end the process tree. */
async function killTree(pid: number): Promise<void> {
  const { spawnSync } = await import("node:child_process");
  spawnSync("taskkill", ["/PID", String(pid), "/T", "/F"], { stdio: "ignore" });
}

function exitedEarly(code: number | null, signal: NodeJS.Signals | null): { ok: false; failure: string } {
  return { ok: false, failure: `exited (${signal ? `signal ${signal}` : `code ${code}`}) before answering` };
}

/** initialize, initialized, then tools/list page by page; every server request answered. */
async function converse(child: ReturnType<typeof spawn>, version: string): Promise<Outcome> {
  const pending = new Map<number, (m: JsonRpcMessage) => void>();
  let buffered = "";
  child.stdout?.on("data", (d: Buffer) => {
    buffered += d.toString("utf8");
    for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      // A line that is not JSON-RPC is dropped, as the MCP SDK client drops it.
      const message = line ? parseMessage(line) : undefined;
      if (!message) continue;
      if (message.method !== undefined && message.id !== undefined && message.id !== null) {
        child.stdin?.write(answerServerRequest(message));
      } else if (message.method === undefined && typeof message.id === "number") {
        pending.get(message.id)?.(message);
        pending.delete(message.id);
      }
    }
  });
  let next = 1;
  const call = (method: string, params: unknown, line?: string) =>
    new Promise<JsonRpcMessage>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      child.stdin?.write(line ?? request(id, method, params));
    });

  const init = await call("initialize", undefined, initializeRequest(next, version));
  if (init.error) return { ok: false, failure: `initialize failed: ${describeRpcError(init.error)}`, stderr: [] };
  child.stdin?.write(notification("notifications/initialized"));
  const capabilities = (init.result as { capabilities?: { tools?: unknown } } | undefined)?.capabilities;
  if (capabilities?.tools === undefined) return { ok: true, tools: 0 };
  let tools = 0;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const listed = await call("tools/list", cursor === undefined ? {} : { cursor });
    if (listed.error) return { ok: false, failure: `tools/list failed: ${describeRpcError(listed.error)}`, stderr: [] };
    const result = listed.result as { tools?: unknown; nextCursor?: unknown } | undefined;
    tools += Array.isArray(result?.tools) ? result.tools.length : 0;
    if (typeof result?.nextCursor !== "string" || result.nextCursor === "" || result.nextCursor === cursor) break;
    cursor = result.nextCursor;
  }
  return { ok: true, tools };
}

const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

const signalGroup = (pgid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
};

/**
 * SIGTERM to the whole group, SIGKILL to what outlives the grace period, and return only when
 * no process of the group is left: doctor leaves nothing running.
 */
async function killGroup(pgid: number): Promise<void> {
  signalGroup(pgid, "SIGTERM");
  if (await gone(pgid, TERM_GRACE_MS)) return;
  signalGroup(pgid, "SIGKILL");
  await gone(pgid, TERM_GRACE_MS);
}

/** Polls until the group is empty (no event tells that for grandchildren), up to `ms`. */
async function gone(pgid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

const errorText = (error: unknown) =>
  (error as { code?: string }).code === "ENOENT"
    ? "no such file"
    : error instanceof Error
      ? error.message
      : String(error);
