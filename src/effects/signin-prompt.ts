/**
 * The slow path of the sign-in step (signin.ts): under a lock shared by every launch, whoami
 * again, then `op signin` and the one prompt; a notice after a second; stop signals honoured.
 * Loaded only when `op whoami` said a sign-in is needed.
 */
import { closeSync, lstatSync, mkdirSync, openSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { signinLockDirs } from "../core/signin.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { logger } from "../logger.ts";
import { tryLockFile, unlockFile } from "./lockfile.ts";
import { isTerminal, LOCK_EX, LOCK_NB, LOCK_UN, libc } from "./native.ts";
import type { Op, OpCall, OpFactory, OpFailure, OpResult } from "./op.ts";
import { withSignalsHeld } from "./signals.ts";
import { inTime, type SigninInput } from "./signin.ts";

/** The slow path, after `op` (made by `makeOp` for `input.env`) said a sign-in is needed. */
export async function signInNow(
  input: SigninInput,
  makeOp: OpFactory,
  op: Op,
  started: number,
  deadline: number,
): Promise<Record<string, string>> {
  const notice = waitNotice(input.timeoutMs, started);
  try {
    return await withStopSignals((stop) => {
      notice.watch(stop);
      return signIn(input, makeOp, op, { started, deadline, stop });
    });
  } finally {
    notice.cancel();
  }
}

const APP_HINT =
  "turn on 1Password app integration (Settings > Developer > Integrate with 1Password CLI) or use a service account (--token-file)";

/** A sign-in still going after this long is waiting for a person (a prompt) or another launch. */
const NOTICE_AFTER_MS = 1000;

/**
 * One stderr line, once, when sign-in has waited a second: clients keep a server's stderr in
 * their logs, and the wait is otherwise silent until it succeeds or times out. Not when the time
 * limit itself is that short: its own message follows at once and says more.
 */
function waitNotice(timeoutMs: number, started: number) {
  let stop: Stop | undefined;
  const timer =
    timeoutMs > NOTICE_AFTER_MS
      ? setTimeout(
          () => {
            const step = stop?.step ?? "op whoami";
            const what = step.startsWith("op ") ? `${step}: approve the 1Password prompt if one is open` : step;
            logger.warn(`still signing in after 1s, waiting for ${what} (gives up after ${timeoutMs / 1000}s)`);
          },
          Math.max(0, started + NOTICE_AFTER_MS - Date.now()),
        )
      : undefined;
  return {
    watch(s: Stop) {
      stop = s;
    },
    cancel() {
      clearTimeout(timer);
    },
  };
}

/** One sign-in attempt: when it began, when it must end, and the signals that end it sooner. */
interface Attempt {
  started: number;
  deadline: number;
  stop: Stop;
}

/**
 * An `op` call of the slow path, within the sign-in deadline (75 when it runs out), ended early
 * (128 + n) by stop signal n. op cannot start: 69 (effects/op.ts).
 */
async function runOp<T extends OpResult<object>>(
  input: SigninInput,
  at: Attempt,
  what: string,
  run: (call: OpCall) => Promise<T>,
): Promise<T | (OpFailure & { kind: "exit" })> {
  at.stop.step = what;
  at.stop.check();
  try {
    return inTime(await run({ deadline: at.deadline, stop: at.stop.signal }), input.timeoutMs);
  } finally {
    // An op ended by the signal failed (or timed out) for that reason alone: say so instead.
    at.stop.check();
  }
}

/** The slow path: under the lock, whoami again, then signin and the confirming prompt. */
async function signIn(input: SigninInput, makeOp: OpFactory, op: Op, at: Attempt): Promise<Record<string, string>> {
  const tty = await isTerminal(0);
  const uid = process.getuid?.();
  const dir = lockDir(signinLockDirs(process.platform, uid, lockHome(input.env)), uid);
  const lock = await acquireLock(join(dir, "signin.lock"), at, input.timeoutMs);
  try {
    // Whoever held the lock may have signed in meanwhile: then there is nothing left to do.
    // Not signedIn: its synchronous spawn would hold back a stop signal until op returns.
    if ((await runOp(input, at, "op whoami", (call) => op.whoami(call))).ok) {
      logger.debug("op whoami: signed in by another launch");
      return {};
    }
    const refused = join(dir, "signin-refused");
    if (modifiedAfter(refused, at.started)) {
      throw new McpOpError(EXIT.NOPERM, "sign-in was refused by another launch moments ago; not asking again");
    }
    const signin = await runOp(input, at, "op signin", (call) => op.signin({ ...call, prompt: tty }));
    if (!signin.ok) {
      markRefused(refused);
      throw signinFailed(input.account, signin.message, tty);
    }
    const session = signin.session;
    logger.debug(
      `op signin: ${Object.keys(session).length ? `session for ${Object.keys(session).join(", ")}` : "no session variables (app integration)"}`,
    );
    // With app integration signin prints nothing and whoami can still fail until a command
    // that needs authorization runs: this one raises the (single) prompt.
    const withSession = makeOp({ ...input, env: { ...input.env, ...session } });
    const confirm = await runOp(input, at, "op vault list", (call) => withSession.vaultList({ ...call, prompt: tty }));
    if (!confirm.ok) {
      markRefused(refused);
      throw new McpOpError(EXIT.NOPERM, `sign-in refused: ${confirm.message}`, APP_HINT);
    }
    return session;
  } finally {
    lock.release();
  }
}

function signinFailed(account: string | undefined, why: string, tty: boolean): McpOpError {
  if (why.startsWith("no account found for filter")) return noAccount(account, why);
  if (!tty) {
    return new McpOpError(
      EXIT.NOPERM,
      `op signin needs a terminal to ask for the password, and MCP clients give none (op: ${why})`,
      APP_HINT,
    );
  }
  return new McpOpError(EXIT.NOPERM, `sign-in refused: ${why}`);
}

/** How sign-in's steps learn of a stop signal, and what they are waiting for when one comes. */
interface Stop {
  /** Aborted by the first stop signal: it ends the op call under way. */
  signal: AbortSignal;
  /** What sign-in is waiting for, for the message. */
  step: string;
  /** Throws 128 + n once signal n came. */
  check(): void;
}

/**
 * Run `fn` holding the signals that stop a launch (a client's start-up timeout sends SIGTERM, a
 * terminal Ctrl-C or a hang-up); one that comes ends what is running with 128 + n. Held only on
 * the slow path, where an op may hold a prompt open: before it only `op whoami` runs, which never
 * prompts and ends by itself, and after it mcp-op becomes `op run`, so the default action is
 * right there (and costs nothing on the benchmarked fast path).
 */
async function withStopSignals<T>(fn: (stop: Stop) => Promise<T>): Promise<T> {
  return withSignalsHeld(async (held) => {
    const stop: Stop = {
      signal: held.signal,
      step: "the sign-in lock",
      check: () => held.check((name) => `stopped by ${name} during sign-in (waiting for ${stop.step})`),
    };
    const result = await fn(stop);
    stop.check(); // a signal after the last op call must not be lost to op run
    return result;
  });
}

/** op knows no account (none set up, or none matching --account): no terminal would help. */
function noAccount(account: string | undefined, why: string): McpOpError {
  return account
    ? new McpOpError(
        EXIT.NOPERM,
        `op has no 1Password account matching --account ${account} (op: ${why})`,
        "see `op account list` and pass one of those to --account",
      )
    : new McpOpError(
        EXIT.NOPERM,
        `op has no 1Password account set up on this machine (op: ${why})`,
        `${APP_HINT}, or add one with \`op account add\``,
      );
}

/**
 * The home the lock directory falls back to (Unix) or lives in (Windows). On Windows HOME is set
 * by some shells only (Git Bash): the profile directory is what every launch agrees on.
 */
function lockHome(env: Record<string, string>): string {
  return process.platform === "win32" ? homedir() : env.HOME || homedir();
}

/**
 * The first of `candidates` that is (or can be made) a directory private to this user; a
 * warning names each one passed over, since another user holding our name in /tmp is worth
 * knowing. Without a uid (Windows) only being a directory is checked.
 */
export function lockDir(candidates: readonly string[], uid: number | undefined): string {
  const problems: string[] = [];
  for (const dir of candidates) {
    const problem = whyNotPrivate(dir, uid);
    if (problem === undefined) {
      if (problems.length > 0) logger.warn(`${problems.join("; ")}; the sign-in lock is in ${dir} instead`);
      return dir;
    }
    problems.push(problem);
  }
  throw new McpOpError(EXIT.NOPERM, `no private directory for the sign-in lock: ${problems.join("; ")}`);
}

/** Why `dir` cannot hold the lock, naming the actual problem; undefined when it can. */
function whyNotPrivate(dir: string, uid: number | undefined): string | undefined {
  let st: ReturnType<typeof lstatSync>;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    st = lstatSync(dir);
  } catch (error) {
    return `${dir} cannot be created (${error instanceof Error ? error.message : String(error)})`;
  }
  if (st.isSymbolicLink()) return `${dir} is a symbolic link, not a directory`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (uid === undefined) return undefined;
  if (st.uid !== uid) {
    return `${dir} belongs to uid ${st.uid}, not to this user (uid ${uid}): another user created it first`;
  }
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) return `${dir} is open to other users (mode 0${mode.toString(8)}; fix: chmod 700 ${dir})`;
  return undefined;
}

interface Lock {
  release(): void;
}

/**
 * An exclusive flock, polled until the deadline (or a stop signal); the kernel frees it if its
 * holder dies.
 */
async function acquireLock(path: string, at: Attempt, timeoutMs: number): Promise<Lock> {
  at.stop.step = "another launch's sign-in";
  const c = await libc();
  if (!c) return acquireLockFile(`${path}.pid`, at, timeoutMs);
  const fd = openSync(path, "a", 0o600);
  try {
    while (c.flock(fd, LOCK_EX | LOCK_NB) !== 0) await pollAgain(at, timeoutMs);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return {
    release() {
      c.flock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}

/**
 * Where there is no flock (Windows, or a runtime without FFI): an O_EXCL lock file holding our
 * pid, taken over when its owner died (effects/lockfile.ts).
 */
async function acquireLockFile(path: string, at: Attempt, timeoutMs: number): Promise<Lock> {
  while (!tryLockFile(path)) await pollAgain(at, timeoutMs);
  return { release: () => unlockFile(path) };
}

/** Wait a little before the next try at the lock, unless time is up or a stop signal came. */
async function pollAgain(at: Attempt, timeoutMs: number): Promise<void> {
  at.stop.check();
  if (Date.now() >= at.deadline) throw lockTimedOut(timeoutMs);
  await new Promise((r) => setTimeout(r, 20));
}

function lockTimedOut(timeoutMs: number): McpOpError {
  return new McpOpError(
    EXIT.TEMPFAIL,
    `sign-in timed out after ${timeoutMs / 1000}s (waiting for another launch's sign-in)`,
    "approve the 1Password prompt, or raise --signin-timeout",
  );
}

function markRefused(path: string): void {
  // Rewriting the (empty) file is what moves its mtime: waiters compare it with their start.
  writeFileSync(path, "", { mode: 0o600 });
}

function modifiedAfter(path: string, time: number): boolean {
  try {
    return statSync(path).mtimeMs >= time;
  } catch {
    return false;
  }
}
