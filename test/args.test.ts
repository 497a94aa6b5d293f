import { describe, expect, test } from "bun:test";
import { parseRunOptions } from "../src/commands/run.ts";
import { splitArgv } from "../src/core/args.ts";
import { McpOpError } from "../src/errors.ts";

describe("splitArgv", () => {
  const cases: Array<[string[], string[], string[] | null]> = [
    [["run", "--", "server", "-h", "--version"], ["run"], ["server", "-h", "--version"]],
    [
      ["run", "--env-file", "a", "--", "x", "--", "y"],
      ["run", "--env-file", "a"],
      ["x", "--", "y"],
    ],
    [["run", "--env-file", "a"], ["run", "--env-file", "a"], null],
    [["run", "--"], ["run"], []],
  ];
  for (const [argv, own, rest] of cases) {
    test(argv.join(" "), () => expect(splitArgv(argv)).toEqual({ own, rest }));
  }
});

describe("parseRunOptions", () => {
  test("repeated --env-file keeps every file, in order", () => {
    const o = parseRunOptions(["--env-file", "a.env", "--env-file=b.env", "--env-file", "c.env"], ["srv"]);
    expect(o.envFiles).toEqual(["a.env", "b.env", "c.env"]);
  });
  test("the server's own flags are never ours", () => {
    const o = parseRunOptions(["-v"], ["server", "-h", "--version", "--env-file", "x"]);
    expect(o).toMatchObject({
      verbose: true,
      envFiles: [],
      command: "server",
      args: ["-h", "--version", "--env-file", "x"],
    });
  });
  test("all flags", () => {
    const o = parseRunOptions(
      [
        "--account",
        "my.1password.com",
        "--no-signin",
        "--mask",
        "--op",
        "/x/op",
        "--verbose",
        "--signin-timeout",
        "7.5",
        "--token-file",
        "~/t",
      ],
      ["npx", "-y", "pkg"],
    );
    expect(o).toEqual({
      envFiles: [],
      account: "my.1password.com",
      noSignin: true,
      mask: true,
      redact: false,
      op: "/x/op",
      verbose: true,
      signinTimeout: 7.5,
      tokenFile: "~/t",
      command: "npx",
      args: ["-y", "pkg"],
    });
  });
  const bad: Array<[string, string[], string[] | null, string]> = [
    ["no --", ["--env-file", "a"], null, 'no server command: put it after "--"'],
    ["nothing after --", [], [], 'no server command after "--"'],
    ["unknown flag", ["--bogus"], ["x"], 'unknown flag --bogus for "mcp-op run"'],
    ["missing value", ["--env-file"], ["x"], "flag --env-file needs a value"],
    ["value for a boolean", ["--mask=yes"], ["x"], "flag --mask takes no value"],
    [
      "bad timeout",
      ["--signin-timeout", "soon"],
      ["x"],
      '--signin-timeout takes seconds between 0 and 3600, not "soon"',
    ],
    ["zero timeout", ["--signin-timeout=0"], ["x"], '--signin-timeout takes seconds between 0 and 3600, not "0"'],
    ["stray positional", ["npx"], ["x"], 'unexpected argument "npx": put the server command after "--"'],
  ];
  for (const [name, own, rest, message] of bad) {
    test(`usage error: ${name}`, () => {
      let caught: unknown;
      try {
        parseRunOptions(own, rest);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(McpOpError);
      expect((caught as McpOpError).exitCode).toBe(64);
      expect((caught as McpOpError).message).toBe(message);
    });
  }
});
