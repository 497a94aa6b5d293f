/**
 * `mcp-op headers` and `mcp-op proxy` in-process: the `op run` each would start (headers through
 * ctx.runWithin, proxy through ctx.exec), sign-in through the FakeOp, and, for headers, what the
 * inner step would print from that argv once op resolved the variables (its JSON building; the
 * step itself writes to fd 1 and runs under op: e2e's).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { closeSync } from "node:fs";
import { join } from "node:path";
import { parse as parseHeaders, run as runHeaders } from "../../src/commands/headers.ts";
import { parse as parseProxy, run as runProxy } from "../../src/commands/proxy.ts";
import { headersJson, parseStepPairs, resolveHeaders } from "../../src/core/headers.ts";
import { BRIDGE_STEP, HEADERS_STEP, STAGE_COMMAND } from "../../src/core/stage.ts";
import { EXIT } from "../../src/errors.ts";
import { selfCommand } from "../../src/runtime.ts";
import { execedBy, executable, thrownBy, type UnitContext, unitContext, writeFile } from "./context.ts";
import { FakeOp } from "./fake-op.ts";

const self = selfCommand();

let opened: readonly number[] = [];
afterEach(() => {
  for (const fd of opened) closeSync(fd);
  opened = [];
});

function setup(options: Parameters<typeof unitContext>[0] = {}) {
  const unit = unitContext(options);
  const op = executable(join(unit.home, "bin"), "op");
  const envFile = writeFile(join(unit.home, "api.env"), "API_KEY=op://Private/API/key\n");
  return { ...unit, op, envFile };
}

/** What headers asked runWithin to run; the env files it handed over are closed after the test. */
function spawnedBy(unit: UnitContext) {
  expect(unit.spawned).toHaveLength(1);
  const spawned = unit.spawned[0] as UnitContext["spawned"][number];
  opened = spawned.files;
  return spawned;
}

describe("headers", () => {
  test("op run with the env file as fd 3, the references as variables, then the inner step", async () => {
    const s = setup();
    const options = parseHeaders(
      [
        "--env-file",
        s.envFile,
        "--op",
        s.op,
        "--header",
        "Authorization: Bearer {{ API_KEY }}",
        "--header",
        "X-Team: op://Private/Team/id",
      ],
      null,
    );
    await runHeaders(options, s.ctx);
    const spawned = spawnedBy(s);
    expect(spawned.files).toHaveLength(1);
    const [file, ...selfArgs] = self as [string, ...string[]];
    expect(spawned.argv).toEqual([
      s.op,
      "run",
      "--env-file",
      "/dev/fd/3",
      "--no-masking",
      "--",
      file,
      ...selfArgs,
      HEADERS_STEP,
      "--",
      "Authorization",
      "Bearer {{ API_KEY }}",
      "X-Team",
      "{{ MCP_OP_REMOTE_1 }}",
    ]);
    // op resolves the generated variable from the environment; no value is in argv or env.
    expect(spawned.env.MCP_OP_REMOTE_1).toBe("op://Private/Team/id");
    expect(s.fake.calls.map((c) => c.method)).toEqual(["signedIn"]);
    expect(s.out).toEqual([]);
  });

  test("the step's JSON from that argv, once op resolved tricky values: one valid object, in order", async () => {
    const s = setup();
    const options = parseHeaders(
      [
        "--env-file",
        s.envFile,
        "--op",
        s.op,
        "--header",
        "Authorization: Bearer {{ API_KEY }}",
        "--header",
        "X-Raw: op://Private/Raw/v",
      ],
      null,
    );
    await runHeaders(options, s.ctx);
    const { argv } = spawnedBy(s);
    const { names, values } = parseStepPairs(argv.slice(argv.indexOf(HEADERS_STEP) + 2), HEADERS_STEP);
    const tricky = 'quote" back\\slash ünï \u2028 {{ NOT_A_VAR }} $HOME';
    const env = { API_KEY: tricky, MCP_OP_REMOTE_1: "</script>\t\u0001" };
    const json = headersJson(resolveHeaders(names, values, env));
    expect(Object.entries(JSON.parse(json))).toEqual([
      ["Authorization", `Bearer ${tricky}`],
      ["X-Raw", "</script>\t\u0001"],
    ]);
  });

  test("signed out: signin through the fake once, its session in op run's environment", async () => {
    const s = setup({ fake: new FakeOp({ signedIn: false, session: { OP_SESSION_my: "fresh" } }) });
    await runHeaders(parseHeaders(["--op", s.op, "--header", "X-Key: op://Private/API/key"], null), s.ctx);
    expect(s.fake.calls.map((c) => c.method)).toEqual(["signedIn", "whoami", "signin", "vaultList"]);
    expect(spawnedBy(s).env.OP_SESSION_my).toBe("fresh");
  });

  test("the deadline passed: 75, and op run's own failure: 69 naming op's error", async () => {
    const late = setup({ finished: undefined });
    const error = await thrownBy(
      runHeaders(parseHeaders(["--op", late.op, "--header", "X-Key: op://P/I/f"], null), late.ctx),
    );
    expect([error.exitCode, error.message]).toEqual([
      EXIT.TEMPFAIL,
      "op run did not finish within 9.5s of the start (clients give a headers helper 10s)",
    ]);
    const failed = setup({ finished: { code: 1, stderr: "[ERROR] 2026/01/01 00:00:00 could not resolve item\n" } });
    const opError = await thrownBy(
      runHeaders(parseHeaders(["--op", failed.op, "--header", "X-Key: op://P/I/f"], null), failed.ctx),
    );
    expect([opError.exitCode, opError.message]).toEqual([
      EXIT.UNAVAILABLE,
      "op run could not resolve the headers (exit 1): could not resolve item",
    ]);
  });

  test("the inner step's own failure (65): its code passed on, not told as op's", async () => {
    const s = setup({ finished: { code: 65, stderr: "" } });
    const error = await thrownBy(
      runHeaders(parseHeaders(["--op", s.op, "--header", "X-Key: op://P/I/f"], null), s.ctx),
    );
    expect([error.exitCode, error.message]).toEqual([EXIT.DATAERR, ""]);
  });

  test("no header at all: 64 before op is asked", async () => {
    const s = setup();
    const error = await thrownBy(runHeaders(parseHeaders(["--op", s.op], null), s.ctx));
    expect([error.exitCode, error.message]).toEqual([
      EXIT.USAGE,
      "no headers to print: give --header 'Name: value' or --headers-file FILE",
    ]);
    expect(s.fake.calls).toEqual([]);
  });
});

describe("proxy", () => {
  test("parse: --url is required and checked; {{ }} allowed in it", () => {
    expect(() => parseProxy(["--header", "X: op://P/I/f"], null)).toThrow(
      "--url is missing: the remote server to forward to",
    );
    expect(parseProxy(["--url", "https://mcp.example.com/mcp?key={{ API_KEY }}"], null).url).toBe(
      "https://mcp.example.com/mcp?key={{ API_KEY }}",
    );
  });

  test("becomes op run ... -- mcp-op __bridge --url T -- pairs, the env file kept open; no stage when no credential", async () => {
    const s = setup();
    const options = parseProxy(
      [
        "--url",
        "https://mcp.example.com/mcp",
        "--env-file",
        s.envFile,
        "--op",
        s.op,
        "--header",
        "Authorization: Bearer {{ API_KEY }}",
      ],
      null,
    );
    const program = await execedBy(runProxy(options, s.ctx));
    const fd = program.keep?.[0] as number;
    const [file, ...selfArgs] = self as [string, ...string[]];
    expect(program.file).toBe(s.op);
    expect(program.argv).toEqual([
      s.op,
      "run",
      "--env-file",
      `/dev/fd/${fd}`,
      "--no-masking",
      "--",
      file,
      ...selfArgs,
      BRIDGE_STEP,
      "--url",
      "https://mcp.example.com/mcp",
      "--",
      "Authorization",
      "Bearer {{ API_KEY }}",
    ]);
  });

  test("signed out: the session from the fake's signin, and the stage in front to remove it", async () => {
    const s = setup({ fake: new FakeOp({ signedIn: false, session: { OP_SESSION_my: "fresh" } }) });
    const options = parseProxy(
      ["--url", "https://mcp.example.com/mcp", "--op", s.op, "--header", "X-Key: op://P/I/f"],
      null,
    );
    const program = await execedBy(runProxy(options, s.ctx));
    expect(s.fake.calls.map((c) => c.method)).toEqual(["signedIn", "whoami", "signin", "vaultList"]);
    expect(program.env.OP_SESSION_my).toBe("fresh");
    const dash = program.argv.indexOf("--");
    expect(program.argv.slice(dash + 1, dash + 1 + self.length + 3)).toEqual([
      ...self,
      STAGE_COMMAND,
      "--unset",
      "OP_SESSION_my",
    ]);
    expect(program.argv).toContain(BRIDGE_STEP);
  });
});
