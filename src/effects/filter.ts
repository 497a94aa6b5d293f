/**
 * `--redact`: the internal stage stays between server and client as a filter. The server gets
 * the client's stdin directly (not a byte is touched); its stdout is split into JSON-RPC lines
 * and each passes through the redactor; its stderr is masked line by line. Signals are
 * forwarded, and the stage exits with the server's code.
 *
 * Neither process is left alone when the other's parent is killed outright (SIGKILL), which
 * no handler sees:
 * - The filter killed: on Linux the server is started through `mcp-op __stage --pdeathsig`,
 *   which asks the kernel for SIGTERM when the filter exits, then execs the server (one more
 *   start of this binary, a few ms, once; see {@link serverCommand}). SIGTERM rather than
 *   SIGKILL: it is what a client stopping the server sends, and a wrapper passes it on (npx
 *   forwards SIGINT and SIGTERM to its child: @npmcli/run-script lib/signal-manager.js), where
 *   SIGKILL would orphan the real server behind it. (Bun 1.4's internal flag
 *   BUN_FEATURE_FLAG_NO_ORPHANS arms the same call for Bun.spawn without the extra start, but
 *   with SIGKILL: measured, the child dies without its SIGTERM handler running.) macOS has no
 *   such call: there the server reads EOF once the client, whose child (op) ends with the
 *   filter, closes its stdin, and gets EPIPE when it next writes.
 * - `op` killed (the filter's parent): the filter sees its parent change (checked each second)
 *   and stops the server (SIGTERM, SIGKILL 2 s later), then exits. Polling, not prctl on the filter itself: a
 *   parent-death signal fires when the *thread* that forked exits, and `op` is a Go program
 *   whose threads are the runtime's to manage (golang/go#27505); a spurious signal would stop a
 *   healthy server.
 */
import { writevSync } from "node:fs";
import { createRedactor, MAX_LINE_LENGTH, type Redactor, type Secret, withheldLine } from "../core/redact.ts";
import { stageArgv } from "../core/stage.ts";
import { logger } from "../logger.ts";
import { selfCommand } from "../runtime.ts";
import { errorCode, writeAll } from "./files.ts";
import { type PipedChild, resetProcessForExec, spawnPiped } from "./native.ts";

const NL = 0x0a;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");
const encoder = new TextEncoder();

/** Split a byte stream into lines, handing each complete line (without "\n") to `onLine`. */
export class LineSplitter {
  private parts: Uint8Array[] = [];
  private size = 0;
  private overflowing = false;
  private overflowHead: Uint8Array | undefined;
  private overflowTail = new Uint8Array();
  private overflowLength = 0;

  constructor(
    private readonly onLine: (line: Uint8Array, complete: boolean) => void,
    /** A line over the limit: its first and last 4 KiB, and its whole length in bytes. */
    private readonly onOverflow: (head: Uint8Array, tail: Uint8Array, length: number) => void,
    private readonly limit = MAX_LINE_LENGTH,
  ) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.overflowing) {
        this.keepTail(piece);
        this.overflowLength += piece.length;
        if (nl !== -1) {
          this.onOverflow(this.overflowHead ?? new Uint8Array(), this.overflowTail, this.overflowLength);
          this.overflowing = false;
          this.overflowHead = undefined;
          this.overflowTail = new Uint8Array();
        }
      } else {
        this.parts.push(piece);
        this.size += piece.length;
        if (this.size > this.limit) {
          // Too long to scan in full: never forwarded. Its head and tail are kept to find the
          // request id (the TypeScript SDK writes it last: {"result":...,"jsonrpc":"2.0","id":7}).
          const whole = concat(this.parts, this.size);
          this.overflowHead = whole.slice(0, 4096);
          this.overflowTail = whole.slice(Math.max(0, whole.length - 4096));
          this.overflowLength = whole.length;
          this.parts = [];
          this.size = 0;
          this.overflowing = nl === -1;
          if (nl !== -1) this.onOverflow(this.overflowHead, this.overflowTail, this.overflowLength);
        } else if (nl !== -1) {
          this.onLine(concat(this.parts, this.size), true);
          this.parts = [];
          this.size = 0;
        }
      }
      if (nl === -1) return;
      start = nl + 1;
    }
  }

  private keepTail(piece: Uint8Array): void {
    const joined = concat([this.overflowTail, piece], this.overflowTail.length + piece.length);
    this.overflowTail = joined.slice(Math.max(0, joined.length - 4096));
  }

  /** End of stream: a last line without "\n" is still delivered (and never left unredacted). */
  end(): void {
    if (this.overflowing)
      this.onOverflow(this.overflowHead ?? new Uint8Array(), this.overflowTail, this.overflowLength);
    else if (this.size > 0) this.onLine(concat(this.parts, this.size), false);
    this.parts = [];
    this.size = 0;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The secrets as the filter searches for them. Output is split into lines before it is
 * redacted, so a multi-line secret (a PEM or SSH key) is also searched for line by line.
 */
export function expandSecrets(secrets: readonly Secret[]): Secret[] {
  const out = [...secrets];
  for (const s of secrets) {
    if (!/[\r\n]/.test(s.value)) continue;
    for (const line of s.value.split(/\r?\n/)) if (line.trim()) out.push({ name: s.name, value: line });
  }
  return out;
}

/** The same secrets as a line that is not valid UTF-8 (decoded as latin1) spells them. */
export function latin1Secrets(secrets: readonly Secret[]): Secret[] {
  return secrets.map((s) => ({ name: s.name, value: latin1.decode(encoder.encode(s.value)) }));
}

/**
 * The redactor for lines that are UTF-8, and the one for lines that are not (decoded as latin1,
 * a character per byte: the secrets too, so that their hex, base64 and percent forms are of the
 * same bytes).
 */
export function redactorsFor(secrets: readonly Secret[]): { redactor: Redactor; bytewise: () => Redactor } {
  let bytewise: Redactor | undefined;
  return {
    redactor: createRedactor(expandSecrets(secrets)),
    // Built on first use: a line that is not UTF-8 is rare, and each redactor costs a few ms to build.
    bytewise: () => {
      bytewise ??= createRedactor(latin1Secrets(expandSecrets(secrets)), { latin1: true });
      return bytewise;
    },
  };
}

/** One line through the redactor; bytes that are not UTF-8 are masked byte for byte (latin1). */
export function redactBytes(
  redactor: Redactor,
  line: Uint8Array,
  json: boolean,
  bytewise: Redactor | (() => Redactor) = redactor,
): Uint8Array {
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    const masked = (typeof bytewise === "function" ? bytewise() : bytewise).maskText(latin1.decode(line));
    return Uint8Array.from(masked, (c: string) => c.charCodeAt(0) & 0xff);
  }
  const out = json ? redactor.redactLine(text) : redactor.maskText(text);
  return out === text ? line : encoder.encode(out);
}

/**
 * A line and its newline in one write (writev, no copy): a client reading the stream gets whole
 * messages in one chunk where it can, and each message costs one syscall, not two.
 */
function writeLine(fd: number, line: Uint8Array, newline: Uint8Array): void {
  const written = writevSync(fd, [line, newline]);
  if (written < line.length) writeAll(fd, line.subarray(written));
  if (written <= line.length) writeAll(fd, newline);
}

/** The error response for a withheld line, with the request id from its head or its tail. */
export function withheldResponse(redactor: Redactor, head: string, tail: string, length: number): string {
  const fromHead = withheldLine(head, length);
  if (fromHead) return redactor.redactLine(fromHead);
  const id = /"id"\s*:\s*(-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*")\s*\}\s*$/.exec(tail)?.[1];
  if (id === undefined) return "";
  return redactor.redactLine(
    `{"jsonrpc":"2.0","id":${id},"error":{"code":-32603,"message":"mcp-op --redact: a response over 10 MiB was withheld unscanned"}}`,
  );
}

/**
 * How the filter starts the server: on Linux through this program's pre-exec step
 * (`__stage --pdeathsig <filter pid>`), elsewhere directly.
 */
export function serverCommand(command: string, args: readonly string[], platform = process.platform): string[] {
  if (platform !== "linux") return [command, ...args];
  const stage = { unset: [], template: false, redact: [], parentDeath: process.pid, command, args: [...args] };
  return [...selfCommand(), ...stageArgv(stage)];
}

async function spawnServer(command: string, args: readonly string[], env: Record<string, string>): Promise<PipedChild> {
  const [file, ...rest] = serverCommand(command, args);
  try {
    return await spawnPiped(file as string, rest, env);
  } catch (error) {
    // This program's own file gone (replaced by an upgrade while running): the server itself.
    if (file === command) throw error;
    logger.debug(`--redact: ${file} could not be started again (${errorCode(error)}); the server starts directly`);
    return spawnPiped(command, args, env);
  }
}

export async function runFiltered(
  command: string,
  args: string[],
  env: Record<string, string>,
  secretNames: readonly string[],
  secretEnv: Readonly<Record<string, string | undefined>>,
): Promise<never> {
  // The binary starts with JIT tier-up held back (build.ts: short runs end in exec); this
  // process lives as long as the server and filters every message, so the JIT is wanted.
  if (typeof Bun !== "undefined") Bun.unsafe.setJITPolicy(1);
  const secrets = secretNames.flatMap((name) => {
    const value = secretEnv[name];
    return value ? [{ name, value }] : [];
  });
  const { redactor, bytewise } = redactorsFor(secrets);
  if (redactor.skipped.length) {
    logger.warn(`--redact: too short to redact safely, not redacted: ${redactor.skipped.join(", ")}`);
  }
  // Blocking stdio, default signals: this process writes the client's stream itself now.
  await resetProcessForExec();
  const child = await spawnServer(command, args, env);
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(orphaned);
    child.kill("SIGTERM");
    // Nobody is left to insist, as a client would: SIGKILL if SIGTERM was not enough.
    setTimeout(() => child.kill("SIGKILL"), 2000).unref();
  }, 1000);
  orphaned.unref();
  const pump = async (stream: AsyncIterable<Uint8Array>, fd: number, json: boolean) => {
    const newline = Uint8Array.of(NL);
    const splitter = new LineSplitter(
      (line, complete) => {
        const out = redactBytes(redactor, line, json, bytewise);
        if (complete) writeLine(fd, out, newline);
        else writeAll(fd, out);
      },
      (head, tail, length) => {
        const replacement = json
          ? withheldResponse(redactor, latin1.decode(head), latin1.decode(tail), length)
          : "[mcp-op: a line over 10 MiB was withheld]";
        // Nothing to answer (a notification, or no id found): send nothing rather than a blank line.
        if (replacement) writeAll(fd, encoder.encode(`${replacement}\n`));
      },
    );
    try {
      for await (const chunk of stream) splitter.push(chunk);
      splitter.end();
    } catch (error) {
      // The client stopped reading (EPIPE): the server cannot be heard any more.
      if (errorCode(error) === "EPIPE") child.kill("SIGTERM");
      else throw error;
    }
  };
  await Promise.all([pump(child.stdout, 1, true), pump(child.stderr, 2, false)]);
  process.exit(await child.exited);
}
