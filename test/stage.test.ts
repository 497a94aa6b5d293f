import { describe, expect, test } from "bun:test";
import { parseSigninOutput } from "../src/core/signin.ts";
import { parseStageArgs, scrubEnv } from "../src/core/stage.ts";
import { McpOpError } from "../src/errors.ts";

describe("parseSigninOutput", () => {
  const cases: Array<[string, string, Record<string, string>]> = [
    ["app integration prints nothing", "", {}],
    [
      "manual sign-in (POSIX shell)",
      "export OP_SESSION_ABCDEFGHIJKLMNOPQRSTUVWXYZ=\"tok-123\"\n# This command is meant to be used with your shell's eval function.\n# Run 'eval $(op signin)' to sign in to your 1Password account.\n",
      { OP_SESSION_ABCDEFGHIJKLMNOPQRSTUVWXYZ: "tok-123" },
    ],
    [
      "PowerShell",
      '$env:OP_SESSION_XYZ="tok-456"\r\n# This command is meant to be used with Invoke-Expression.\r\n',
      { OP_SESSION_XYZ: "tok-456" },
    ],
    ["anything else is ignored", 'export PATH=/evil\nexport OP_SESSION_A="x"; rm -rf /\n', {}],
  ];
  for (const [name, stdout, want] of cases) test(name, () => expect(parseSigninOutput(stdout)).toEqual(want));
});

describe("parseStageArgs: accepts only what the outer stage produces", () => {
  test("credentials to unset, then the command", () => {
    expect(
      parseStageArgs(["--unset", "OP_SESSION_A", "--unset", "OP_SERVICE_ACCOUNT_TOKEN"], ["/bin/srv", "-x"]),
    ).toEqual({
      unset: ["OP_SESSION_A", "OP_SERVICE_ACCOUNT_TOKEN"],
      template: false,
      redact: [],
      command: "/bin/srv",
      args: ["-x"],
    });
  });
  test("the --redact filter's pre-exec step: the filter's pid, then the command", () => {
    expect(parseStageArgs(["--pdeathsig", "4242"], ["/bin/srv"])).toEqual({
      unset: [],
      template: false,
      redact: [],
      parentDeath: 4242,
      command: "/bin/srv",
      args: [],
    });
  });
  const bad: Array<[string[], string[] | null, string]> = [
    [["--pdeathsig", "0"], ["/bin/srv"], '--pdeathsig takes a process id, not "0"'],
    [["--pdeathsig", "12x"], ["/bin/srv"], '--pdeathsig takes a process id, not "12x"'],
    [["--pdeathsig"], ["/bin/srv"], 'unexpected argument "--pdeathsig"'],
    [["--unset", "PATH"], ["/bin/srv"], '--unset takes only 1Password credential variables, not "PATH"'],
    [["--bogus"], ["/bin/srv"], 'unexpected argument "--bogus"'],
    [["--unset"], ["/bin/srv"], 'unexpected argument "--unset"'],
    [[], null, 'no command after "--"'],
  ];
  for (const [own, rest, why] of bad) {
    test(why, () => {
      expect(() => parseStageArgs(own, rest)).toThrow(
        new McpOpError(64, `internal stage: ${why} (it is started by mcp-op run, not by hand)`),
      );
    });
  }
});

test("scrubEnv removes every credential and keeps the rest", () => {
  expect(
    scrubEnv(
      {
        A: "1",
        OP_SESSION_X: "s",
        OP_SERVICE_ACCOUNT_TOKEN: "t",
        OP_CONNECT_TOKEN: "c",
        OP_CONNECT_HOST: "h",
        OP_ACCOUNT: "acme",
        GH: "ghp",
      },
      ["OP_SESSION_X"],
    ),
  ).toEqual({ A: "1", OP_ACCOUNT: "acme", GH: "ghp" });
});
