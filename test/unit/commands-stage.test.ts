/**
 * The internal stage in-process (`mcp-op __stage`, started by `op run` in place of the server):
 * what it would exec, from the environment op gave it. Credentials and generated variables are
 * gone, `{{ }}` arguments filled. (Its --redact filter and --pdeathsig are e2e's: they start
 * processes or change this one.)
 */
import { describe, expect, test } from "bun:test";
import { runStage } from "../../src/commands/stage.ts";
import { EXIT } from "../../src/errors.ts";
import { Execed, execedBy, thrownBy } from "./context.ts";

const SERVER = "/opt/servers/github-mcp";

/** The environment `op run` hands the stage: references resolved, credentials still there. */
const FROM_OP = {
  HOME: "/home/me",
  PATH: "/usr/bin:/bin",
  GITHUB_TOKEN: "ghp_resolved",
  OP_SESSION_my: "session-token",
  OP_SERVICE_ACCOUNT_TOKEN: "ops_token",
  OP_CONNECT_TOKEN: "connect-token",
  MCP_OP_ARG_1: "arg-secret",
};

const stage = (own: string[], rest: string[], env: Record<string, string> = FROM_OP) =>
  runStage(own, rest, {
    env,
    exec: async (program) => {
      throw new Execed(program);
    },
  });

describe("the internal stage", () => {
  test("scrubs every vault-wide credential and generated variable, keeps the server's own", async () => {
    const program = await execedBy(stage(["--unset", "OP_SESSION_my"], [SERVER, "--stdio"]));
    expect(program).toEqual({
      file: SERVER,
      argv: [SERVER, "--stdio"],
      env: { HOME: "/home/me", PATH: "/usr/bin:/bin", GITHUB_TOKEN: "ghp_resolved" },
    });
  });

  test("--template fills {{ }} in the arguments from the environment, then drops the variable", async () => {
    const program = await execedBy(
      stage(["--unset", "MCP_OP_ARG_1", "--template"], [SERVER, "--token={{ MCP_OP_ARG_1 }}", "--user={{ HOME }}"]),
    );
    expect(program.argv).toEqual([SERVER, "--token=arg-secret", "--user=/home/me"]);
    expect(program.env.MCP_OP_ARG_1).toBeUndefined();
  });

  test("an unexpected argument: 64, it is not for people", async () => {
    const error = await thrownBy(stage(["--bogus"], [SERVER]));
    expect([error.exitCode, error.message]).toEqual([
      EXIT.USAGE,
      'internal stage: unexpected argument "--bogus" (it is started by mcp-op run, not by hand)',
    ]);
  });
});
