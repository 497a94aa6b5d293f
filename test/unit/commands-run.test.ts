/**
 * `mcp-op run` in-process: parse, then run(options, ctx) with a temp home, a FakeOp and an exec
 * that records the program: the exact `op run` argv and environment it would become, sign-in
 * through the fake, and a stage in front when a credential would reach the server: `env -u` when
 * it only removes variables, the internal stage when it fills `{{ }}` arguments.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse, run } from "../../src/commands/run.ts";
import { STAGE_COMMAND } from "../../src/core/stage.ts";
import { EXIT } from "../../src/errors.ts";
import { loggedErrors } from "../../src/logger.ts";
import { selfCommand } from "../../src/runtime.ts";
import { execedBy, executable, thrownBy, unitContext, writeFile } from "./context.ts";
import { exitFailure, FakeOp } from "./fake-op.ts";

const SESSION = { OP_SESSION_my: "session-token-from-signin" };

/** A home with an env file, a stand-in op and a server; the run arguments that use them. */
function setup(fake = new FakeOp(), env: Record<string, string> = {}) {
  const unit = unitContext({ fake, env });
  const bin = join(unit.home, "bin");
  const op = executable(bin, "op");
  const server = executable(bin, "server");
  const envFile = writeFile(join(unit.home, "github.env"), "GITHUB_TOKEN=op://Private/GitHub/token\n");
  const args = (...extra: string[]) => parse(["--env-file", envFile, "--op", op, ...extra], [server, "--stdio"]);
  return { ...unit, op, server, envFile, args };
}

describe("run: the op run it becomes", () => {
  test("signed in: op run with the env file as an open descriptor, then the server; no stage", async () => {
    const s = setup();
    const program = await execedBy(run(s.args(), s.ctx));
    const fd = program.keep?.[0] as number;
    expect(program.keep).toEqual([fd]);
    expect(program.file).toBe(s.op);
    expect(program.argv).toEqual([
      s.op,
      "run",
      "--env-file",
      `/dev/fd/${fd}`,
      "--no-masking",
      "--",
      s.server,
      "--stdio",
    ]);
    expect(program.env.HOME).toBe(s.home);
    expect(program.env.PATH?.startsWith("/usr/bin:/bin")).toBe(true);
    expect(s.fake.calls.map((c) => c.method)).toEqual(["signedIn"]);
    // One client, for the sign-in check: op's path, the whole limit, PATH extended as op run gets it.
    expect(s.clients.map((c) => [c.opPath, c.timeoutMs, c.env.PATH])).toEqual([[s.op, 20_000, program.env.PATH]]);
    expect(s.out).toEqual([]);
  });

  test("--account goes before run, and to op's sign-in check", async () => {
    const s = setup();
    const program = await execedBy(run(s.args("--account", "my"), s.ctx));
    expect(program.argv.slice(0, 4)).toEqual([s.op, "--account", "my", "run"]);
    expect(s.clients.map((c) => c.account)).toEqual(["my"]);
  });

  test("signed out: signin through the fake once, then env -u scrubs the session before the server", async () => {
    const s = setup(new FakeOp({ signedIn: false, session: SESSION }));
    const program = await execedBy(run(s.args(), s.ctx));
    const fd = program.keep?.[0] as number;
    expect(s.fake.calls.map((c) => c.method)).toEqual(["signedIn", "whoami", "signin", "vaultList"]);
    // The confirming vault list runs with the session signin produced.
    expect(s.clients.at(-1)?.env.OP_SESSION_my).toBe(SESSION.OP_SESSION_my);
    expect(program.env.OP_SESSION_my).toBe(SESSION.OP_SESSION_my);
    expect(program.argv).toEqual([
      s.op,
      "run",
      "--env-file",
      `/dev/fd/${fd}`,
      "--no-masking",
      "--",
      "/usr/bin/env",
      "-u",
      "OP_SESSION_my",
      "--",
      s.server,
      "--stdio",
    ]);
  });

  test("a service-account token in the environment: no sign-in, and env -u removes it", async () => {
    const s = setup(new FakeOp({ signedIn: false }), { OP_SERVICE_ACCOUNT_TOKEN: "ops_token" });
    const program = await execedBy(run(s.args(), s.ctx));
    expect(s.fake.calls).toEqual([]);
    expect(program.env.OP_SERVICE_ACCOUNT_TOKEN).toBe("ops_token");
    expect(program.argv.slice(program.argv.indexOf("--") + 1)).toEqual([
      "/usr/bin/env",
      "-u",
      "OP_SERVICE_ACCOUNT_TOKEN",
      "--",
      s.server,
      "--stdio",
    ]);
  });

  test("a service-account token and {{ }} arguments: the internal stage removes it and fills them", async () => {
    const s = setup(new FakeOp({ signedIn: false }), { OP_SERVICE_ACCOUNT_TOKEN: "ops_token" });
    const options = parse(["--env-file", s.envFile, "--op", s.op], [s.server, "--token={{ GITHUB_TOKEN }}"]);
    const program = await execedBy(run(options, s.ctx));
    expect(program.argv.slice(program.argv.indexOf("--") + 1)).toEqual([
      ...selfCommand(),
      STAGE_COMMAND,
      "--unset",
      "OP_SERVICE_ACCOUNT_TOKEN",
      "--template",
      "--",
      s.server,
      "--token={{ GITHUB_TOKEN }}",
    ]);
  });

  test("a session and --redact: the internal stage removes it and stays as the filter", async () => {
    const s = setup(new FakeOp({ signedIn: true }), SESSION);
    const program = await execedBy(run(s.args("--redact"), s.ctx));
    expect(program.argv.slice(program.argv.indexOf("--") + 1)).toEqual([
      ...selfCommand(),
      STAGE_COMMAND,
      "--unset",
      "OP_SESSION_my",
      "--redact",
      "GITHUB_TOKEN",
      "--",
      s.server,
      "--stdio",
    ]);
  });

  test("--mask: op run masks (no --no-masking)", async () => {
    const s = setup();
    const program = await execedBy(run(s.args("--mask"), s.ctx));
    expect(program.argv).toEqual([
      s.op,
      "run",
      "--env-file",
      `/dev/fd/${program.keep?.[0]}`,
      "--",
      s.server,
      "--stdio",
    ]);
  });

  test("--no-signin: op is not asked, and op run follows as given", async () => {
    const s = setup(new FakeOp({ signedIn: false }));
    const program = await execedBy(run(s.args("--no-signin"), s.ctx));
    expect(s.fake.calls).toEqual([]);
    expect(program.argv.at(-2)).toBe(s.server);
  });

  test("{{ }} in the server arguments: the stage fills them, op resolves a generated variable", async () => {
    const s = setup();
    const options = parse(["--env-file", s.envFile, "--op", s.op], [s.server, "--token={{ GITHUB_TOKEN }}"]);
    const program = await execedBy(run(options, s.ctx));
    const stage = program.argv.indexOf(STAGE_COMMAND);
    expect(program.argv.slice(stage)).toEqual([
      STAGE_COMMAND,
      "--template",
      "--",
      s.server,
      "--token={{ GITHUB_TOKEN }}",
    ]);
  });
});

describe("run: sign-in refused or failing", () => {
  test("the confirming prompt refused: 77 with op's words, nothing exec'd", async () => {
    const fake = new FakeOp({ signedIn: false }).fail(
      "vaultList",
      exitFailure("op vault list", "authorization prompt dismissed"),
    );
    const s = setup(fake);
    const error = await thrownBy(run(s.args(), s.ctx));
    expect([error.exitCode, error.message]).toEqual([EXIT.NOPERM, "sign-in refused: authorization prompt dismissed"]);
    expect(fake.calls.map((c) => c.method)).toEqual(["signedIn", "whoami", "signin", "vaultList"]);
  });

  test("op signin fails without a terminal: 77, saying op needs one", async () => {
    const fake = new FakeOp({ signedIn: false, approves: false });
    const s = setup(fake);
    const { isTerminal } = await import("../../src/effects/native.ts");
    const error = await thrownBy(run(s.args(), s.ctx));
    expect(error.exitCode).toBe(EXIT.NOPERM);
    expect(error.message).toBe(
      (await isTerminal(0))
        ? "sign-in refused: authorization prompt dismissed, please try again"
        : "op signin needs a terminal to ask for the password, and MCP clients give none (op: authorization prompt dismissed, please try again)",
    );
    expect(fake.calls.filter((c) => c.method === "signin")).toHaveLength(1);
  });
});

describe("run: validation before anything", () => {
  test("a bad env file: its error logged, 65, op never asked", async () => {
    const s = setup();
    writeFile(s.envFile, "GITHUB_TOKEN=op://Private\n");
    const before = loggedErrors().length;
    const error = await thrownBy(run(s.args(), s.ctx));
    expect(error.exitCode).toBe(EXIT.DATAERR);
    expect(loggedErrors().slice(before)).toEqual([
      `${s.envFile}:1: "op://Private" is not a secret reference: it needs vault, item and field`,
    ]);
    expect(s.fake.calls).toEqual([]);
  });
});

describe("run --environment (1Password Environments)", () => {
  const ID = "abcdefghijklmnopqrstuvwxy0";

  test("passed on to op run, after an op --version asked once and then cached", async () => {
    const s = setup(new FakeOp({ version: "2.41.0" }));
    const program = await execedBy(run(s.args("--environment", ID), s.ctx));
    expect(program.argv.slice(0, 4)).toEqual([s.op, "run", "--environment", ID]);
    await execedBy(run(s.args("--environment", ID), s.ctx));
    expect(s.fake.calls.filter((c) => c.method === "version").length).toBe(1);
  });

  test("an op older than 2.41.0: one line naming the version it needs, 69, nothing run", async () => {
    const s = setup(new FakeOp({ version: "2.40.1" }));
    const before = loggedErrors().length;
    const failure = await thrownBy(run(s.args("--environment", ID), s.ctx));
    expect(failure.exitCode).toBe(EXIT.UNAVAILABLE);
    expect(failure.message).toBe(`1Password Environments (--environment) need op 2.41.0 or later; ${s.op} is 2.40.1`);
    expect(s.fake.calls.map((c) => c.method)).toEqual(["version"]); // no sign-in for a launch that cannot work
    expect(loggedErrors().length).toBe(before);
  });

  test("without --environment, no op --version", async () => {
    const s = setup(new FakeOp({ version: "2.30.0" }));
    await execedBy(run(s.args(), s.ctx));
    expect(s.fake.calls.map((c) => c.method)).toEqual(["signedIn"]);
  });

  test.each([
    [
      ["--environment", "Production"],
      '--environment "Production": an Environment ID is 26 letters and digits, not 10 characters',
    ],
    [
      ["--environment", "ABCDEFGHIJKLMNOPQRSTUVWXY0"],
      '--environment "ABCDEFGHIJKLMNOPQRSTUVWXY0": an Environment ID holds lowercase letters and digits only (copy it from the 1Password app)',
    ],
    [["--environment", ID, "--environment", ID], "flag --environment is given 2 times; it takes one value"],
  ])("%p is a usage error before anything runs", (flags, message) => {
    let error: unknown;
    try {
      parse(flags, ["server"]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ exitCode: EXIT.USAGE, message });
  });
});
