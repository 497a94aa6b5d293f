import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { splitArgv } from "../../src/core/args.ts";
import { parseEnvFile } from "../../src/core/env-file.ts";
import { buildRunPlan, type RunOptions } from "../../src/core/plan.ts";
import { parseSigninOutput } from "../../src/core/signin.ts";
import {
  isRedactName,
  parseStageArgs,
  STAGE_COMMAND,
  type StagePlan,
  scrubEnv,
  stageArgv,
} from "../../src/core/stage.ts";
import { serverCommand } from "../../src/effects/filter.ts";
import { McpOpError } from "../../src/errors.ts";
import { selfCommand } from "../../src/runtime.ts";

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
    [["--redact", "A=B"], ["/bin/srv"], '--redact takes a variable name, not "A=B"'],
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

describe("the stage's arguments: built and parsed in core/stage.ts", () => {
  /** What the stage's own process does with its argv: cli.ts's split, then the parser. */
  const parseArgv = (argv: readonly string[]): StagePlan => {
    const { own, rest } = splitArgv(argv);
    expect(own[0]).toBe(STAGE_COMMAND);
    return parseStageArgs(own.slice(1), rest);
  };
  const word = fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/);
  const credential = fc.oneof(
    fc.constantFrom("OP_SERVICE_ACCOUNT_TOKEN", "OP_CONNECT_TOKEN", "OP_CONNECT_HOST", "MCP_OP_TOKEN_FILE"),
    word.map((w) => `OP_SESSION_${w}`),
    fc.nat({ max: 999 }).map((n) => `MCP_OP_ARG_${n}`),
  );
  // Any variable name the environment can hold (`A-B` too), as op resolves references under it.
  const name = fc.string({ minLength: 1, maxLength: 16 }).filter(isRedactName);
  const stagePlan: fc.Arbitrary<StagePlan> = fc.record(
    {
      unset: fc.array(credential, { maxLength: 6 }),
      template: fc.boolean(),
      redact: fc.array(name, { maxLength: 6 }),
      parentDeath: fc.oneof(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constant(9_999_999_999)),
      command: fc.string({ minLength: 1, unit: "grapheme" }),
      // The server's arguments are never the stage's: "--", "--unset", "--redact X" among them too.
      args: fc.array(fc.oneof(fc.string(), fc.constantFrom("--", "--unset", "--redact", "--template", "-x")), {
        maxLength: 6,
      }),
    },
    { requiredKeys: ["unset", "template", "redact", "command", "args"] },
  );

  test("parse(build(plan)) is the plan, for every plan shape", () => {
    fc.assert(
      fc.property(stagePlan, (plan) => {
        expect(parseArgv(stageArgv(plan))).toEqual(plan);
      }),
      { numRuns: 2000 },
    );
  });

  const options: RunOptions = {
    envFiles: [],
    environment: undefined,
    account: undefined,
    noSignin: false,
    mask: false,
    op: undefined,
    verbose: false,
    signinTimeout: 20,
    tokenFile: undefined,
    redact: false,
    command: "srv",
    args: [],
  };
  test("run's plan: the stage op run starts reads back as what the plan meant", () => {
    fc.assert(
      fc.property(
        fc.subarray(["OP_SESSION_ABC", "OP_SERVICE_ACCOUNT_TOKEN", "OP_CONNECT_TOKEN", "OP_CONNECT_HOST"]),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.oneof(fc.string(), fc.constant("--")), { maxLength: 4 }),
        (credentials, redact, templated, args) => {
          const env = Object.fromEntries(credentials.map((c) => [c, "secret-value"]));
          const templates = templated
            ? {
                args: ["{{ MCP_OP_ARG_1 }}", ...args],
                generated: { MCP_OP_ARG_1: "op://v/i/f" },
                names: ["MCP_OP_ARG_1"],
              }
            : undefined;
          const plan = buildRunPlan({
            options: { ...options, redact, args },
            opPath: "/op",
            envFiles: [{ path: "/a.env", display: "/a.env", entries: parseEnvFile("GH=op://v/gh/token\n").entries }],
            env: { PATH: "/usr/bin", ...env },
            commandPath: "/bin/srv",
            self: () => ["/mcp-op"],
            ...(templates ? { templates } : {}),
          });
          const server = plan.argv.slice(plan.argv.indexOf("--") + 1);
          const staged = credentials.length > 0 || templated || redact;
          if (!staged) {
            expect(server).toEqual(["/bin/srv", ...args]);
            return;
          }
          expect(server[0]).toBe("/mcp-op");
          expect(parseArgv(server.slice(1))).toEqual({
            unset: [...[...credentials].sort(), ...(templated ? ["MCP_OP_ARG_1"] : [])],
            template: templated,
            redact: redact ? ["GH", ...(templated ? ["MCP_OP_ARG_1"] : [])] : [],
            command: "/bin/srv",
            args: templated ? ["{{ MCP_OP_ARG_1 }}", ...args] : args,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("run's plan with an env program: `env -u` when the stage only removes, leaving what __stage would", () => {
    fc.assert(
      fc.property(
        fc.subarray(["OP_SESSION_ABC", "OP_SERVICE_ACCOUNT_TOKEN", "OP_CONNECT_TOKEN", "OP_CONNECT_HOST"]),
        fc.boolean(),
        fc.array(fc.oneof(fc.string(), fc.constant("--"), fc.constant("A=B")), { maxLength: 4 }),
        (credentials, redact, args) => {
          const input = {
            options: { ...options, redact, args },
            opPath: "/op",
            envFiles: [{ path: "/a.env", display: "/a.env", entries: parseEnvFile("GH=op://v/gh/token\n").entries }],
            env: { PATH: "/usr/bin", KEEP: "x", ...Object.fromEntries(credentials.map((c) => [c, "secret-value"])) },
            commandPath: "/bin/srv",
            self: () => ["/mcp-op"],
          };
          const withEnv = buildRunPlan({ ...input, envProgram: "/usr/bin/env" });
          const internal = buildRunPlan(input);
          const server = withEnv.argv.slice(withEnv.argv.indexOf("--") + 1);
          if (credentials.length === 0 || redact) {
            expect(withEnv).toEqual(internal);
            return;
          }
          // As env reads it: -u NAME pairs up to `--`, then the command (no `=` in it) and its args.
          expect(server[0]).toBe("/usr/bin/env");
          const end = server.indexOf("--");
          const pairs = server.slice(1, end);
          const removed = pairs.filter((_, i) => i % 2 === 1);
          expect(pairs.filter((_, i) => i % 2 === 0).every((flag) => flag === "-u")).toBe(true);
          expect(server.slice(end + 1)).toEqual(["/bin/srv", ...args]);
          // The server's environment is the one the internal stage would have given it.
          const envAfter = Object.fromEntries(Object.entries(withEnv.env).filter(([k]) => !removed.includes(k)));
          const internalServer = internal.argv.slice(internal.argv.indexOf("--") + 1);
          const parsed = parseArgv(internalServer.slice(1));
          expect(envAfter).toEqual(scrubEnv(internal.env, parsed.unset));
          expect(withEnv.scrubbed).toEqual(internal.scrubbed);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("--redact: a reference in the environment under any name reaches the stage (A-B too); `--` is left out", () => {
    const plan = buildRunPlan({
      options: { ...options, redact: true },
      opPath: "/op",
      envFiles: [],
      env: { PATH: "/usr/bin", "A-B": "op://v/i/f", "--": "op://v/i/g" },
      commandPath: "/bin/srv",
      self: () => ["/mcp-op"],
    });
    const server = plan.argv.slice(plan.argv.indexOf("--") + 1);
    expect(parseArgv(server.slice(1)).redact).toEqual(["A-B"]);
  });

  test("the --redact filter's pre-exec step reads back as the filter's pid and the server", () => {
    const argv = serverCommand("/bin/srv", ["-x", "--", "--unset"], "linux");
    expect(argv.slice(0, selfCommand().length)).toEqual(selfCommand());
    expect(parseArgv(argv.slice(selfCommand().length))).toEqual({
      unset: [],
      template: false,
      redact: [],
      parentDeath: process.pid,
      command: "/bin/srv",
      args: ["-x", "--", "--unset"],
    });
  });
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
