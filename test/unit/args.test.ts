import { describe, expect, test } from "bun:test";
import { parseArgs as nodeParseArgs } from "node:util";
import fc from "fast-check";
import { parse as parseRunOptions } from "../../src/commands/run.ts";
import { closest, MissingSeparator, type OptionsDef, parseArgv, parseOptions, splitArgv } from "../../src/core/args.ts";
import { McpOpError } from "../../src/errors.ts";

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

const timeoutMessage = (text: string) =>
  `--signin-timeout takes a number of seconds, more than 0 and at most 3600, not "${text}"`;

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
      environment: undefined,
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
    ["bad timeout", ["--signin-timeout", "soon"], ["x"], timeoutMessage("soon")],
    ["zero timeout", ["--signin-timeout=0"], ["x"], timeoutMessage("0")],
    ["timeout over an hour", ["--signin-timeout", "3601"], ["x"], timeoutMessage("3601")],
    // Refused as parseArgs refuses a dash value, but told as the number it is.
    ["negative timeout", ["--signin-timeout", "-5"], ["x"], timeoutMessage("-5")],
    ["negative timeout with =", ["--signin-timeout=-0.5"], ["x"], timeoutMessage("-0.5")],
    ["a flag where the timeout goes", ["--signin-timeout", "-v"], ["x"], "flag --signin-timeout needs a value"],
    ["empty --env-file", ["--env-file", ""], ["x"], "flag --env-file needs FILE, not an empty string"],
    ["empty --env-file=", ["--env-file=a", "--env-file="], ["x"], "flag --env-file needs FILE, not an empty string"],
    ["empty --account", ["--account="], ["x"], "flag --account needs ACCOUNT, not an empty string"],
    ["empty --token-file", ["--token-file", ""], ["x"], "flag --token-file needs PATH, not an empty string"],
    [
      "empty --signin-timeout",
      ["--signin-timeout="],
      ["x"],
      "flag --signin-timeout needs SECONDS, not an empty string",
    ],
    // The missing `--`: cli.ts adds the corrected line (test/e2e/cli.e2e.test.ts).
    ["stray positional", ["npx"], ["x"], 'unexpected argument "npx"'],
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

describe("parseArgv follows node:util parseArgs (strict)", () => {
  // A definition with every shape the commands use: strings (one repeatable), booleans, a short
  // boolean alias, a short string alias, and positionals allowed or not.
  const def = {
    "env-file": { type: "string", multiple: true },
    account: { type: "string" },
    out: { type: "string", alias: "o" },
    "no-signin": { type: "boolean" },
    verbose: { type: "boolean", alias: "v" },
    quiet: { type: "boolean", alias: "q" },
    server: { type: "positional", required: false },
  } as const satisfies OptionsDef;
  const { server: _, ...noPositionals } = def;
  const nodeOptions = {
    "env-file": { type: "string", multiple: true },
    account: { type: "string" },
    out: { type: "string", short: "o" },
    "no-signin": { type: "boolean" },
    verbose: { type: "boolean", short: "v" },
    quiet: { type: "boolean", short: "q" },
  } as const;
  const token = fc.oneof(
    fc.constantFrom(
      "--env-file",
      "--env-file=a.env",
      "--env-file=",
      "--account",
      "--account=x",
      "--out",
      "--no-signin",
      "--no-signin=1",
      "--verbose",
      "--bogus",
      "--bogus=1",
      "--",
      "-",
      "-v",
      "-q",
      "-vq",
      "-vo",
      "-ofile",
      "-vofile",
      "-x",
      "-v=x",
      "--=x",
      "--constructor",
      "value",
      "-1",
    ),
    fc.string({ maxLength: 6 }),
  );
  type Outcome = { ok: true; values: unknown; positionals: string[] } | { ok: false; kind: string };
  const ours = (argv: string[], positional: boolean): Outcome => {
    try {
      const r = parseArgv("t", positional ? def : noPositionals, argv);
      return { ok: true, values: { ...r.values }, positionals: r.positionals };
    } catch (error) {
      const m = (error as McpOpError).message;
      const kind = /^unknown flag/.test(m)
        ? "unknown"
        : /needs a value|takes no value/.test(m)
          ? "value"
          : /^unexpected argument/.test(m)
            ? "positional"
            : m;
      return { ok: false, kind };
    }
  };
  const node = (argv: string[], positional: boolean): Outcome => {
    try {
      const r = nodeParseArgs({ args: argv, options: nodeOptions, strict: true, allowPositionals: positional });
      return { ok: true, values: { ...r.values }, positionals: r.positionals };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const kind =
        code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
          ? "unknown"
          : code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE"
            ? "value"
            : code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
              ? "positional"
              : String(code);
      return { ok: false, kind };
    }
  };
  test("same values, positionals and error class for any argv", () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), fc.boolean(), (argv, positional) => {
        expect(ours(argv, positional)).toEqual(node(argv, positional));
      }),
      { numRuns: 3000 },
    );
  });
  test("messages name the flag", () => {
    const message = (argv: string[]) => {
      try {
        parseArgv("run", def, argv);
      } catch (error) {
        return (error as McpOpError).message;
      }
    };
    expect(message(["-vx"])).toBe('unknown flag -x for "mcp-op run"');
    expect(message(["-o"])).toBe("flag -o needs a value");
    expect(message(["--account", "--verbose"])).toBe("flag --account needs a value");
    expect(message(["--verbose=no"])).toBe("flag --verbose takes no value");
    expect(parseArgv("run", def, ["--account=--x", "-ofile", "-"]).values).toEqual({ account: "--x", out: "file" });
  });
});

describe("did you mean", () => {
  const cases: Array<[string, readonly string[], string | undefined]> = [
    ["envfile", ["env-file", "account", "no-signin"], "env-file"],
    ["env_file", ["env-file", "account"], "env-file"],
    ["acount", ["env-file", "account"], "account"],
    ["signin-timout", ["signin-timeout", "no-signin"], "signin-timeout"],
    ["rn", ["run", "check", "remove"], "run"],
    ["mirgate", ["migrate", "list"], "migrate"],
    ["lst", ["list", "add"], "list"],
    ["doc", ["doctor", "add"], "doctor"],
    ["re", ["remove", "redact"], undefined],
    ["xyz", ["run", "check"], undefined],
    ["verbosity", ["verbose", "op"], undefined],
  ];
  for (const [word, candidates, expected] of cases) {
    test(`${word} -> ${expected ?? "nothing"}`, () => expect(closest(word, candidates)).toBe(expected));
  }
  test("an unknown flag close to a known one names it in the hint", () => {
    let caught: unknown;
    try {
      parseRunOptions(["--envfile", "a.env"], ["srv"]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      exitCode: 64,
      message: 'unknown flag --envfile for "mcp-op run"',
      hint: "did you mean --env-file? see: mcp-op run --help",
    });
  });
});

describe("the missing -- before the server command", () => {
  const def = {
    "env-file": { type: "string" },
    verbose: { type: "boolean", alias: "v" },
    name: { type: "positional" },
    server: { type: "positional" },
  } as const satisfies OptionsDef;
  const caught = (argv: string[], serverAfter: number) => {
    try {
      parseArgv("t", def, argv, { serverAfter });
    } catch (error) {
      return error;
    }
  };
  test("an unknown flag after the server command's first word: where -- goes", () => {
    const e = caught(["--env-file", "gh.env", "npx", "-y", "pkg"], 0);
    expect(e).toBeInstanceOf(MissingSeparator);
    expect((e as MissingSeparator).message).toBe('unknown flag -y for "mcp-op t"');
    expect((e as MissingSeparator).corrected()).toEqual(["--env-file", "gh.env", "--", "npx", "-y", "pkg"]);
  });
  test("add's name comes first: the word after it starts the server command", () => {
    const e = caught(["github", "--env-file", "f", "npx", "--yes"], 1) as MissingSeparator;
    expect(e).toBeInstanceOf(MissingSeparator);
    expect(e.corrected()).toEqual(["github", "--env-file", "f", "--", "npx", "--yes"]);
    // A flag of ours after the server's word is the server's too; a stray word alone is enough.
    expect((caught(["github", "node", "srv.js", "-v"], 1) as MissingSeparator).corrected()).toEqual([
      "github",
      "--",
      "node",
      "srv.js",
      "-v",
    ]);
    expect((caught(["github", "node"], 1) as MissingSeparator).message).toBe('unexpected argument "node"');
  });
  test("before the server command's first word, an unknown flag is only that", () => {
    const e = caught(["github", "--bogus", "npx"], 1);
    expect(e).not.toBeInstanceOf(MissingSeparator);
    expect((e as McpOpError).message).toBe('unknown flag --bogus for "mcp-op t"');
  });
  test("a value that is missing after it is said the same way", () => {
    expect(caught(["npx", "--env-file"], 0)).toBeInstanceOf(MissingSeparator);
  });
});

describe("once: a flag refused when given again", () => {
  const def = { id: { type: "string", once: true }, name: { type: "string" } } as const satisfies OptionsDef;
  test("given once it is a string; not given, undefined", () => {
    expect(parseOptions("x", def, ["--id", "a"]).values.id).toBe("a");
    expect(parseOptions("x", def, []).values.id).toBeUndefined();
  });
  test("given twice (in any spelling) it is a usage error naming the flag", () => {
    expect(() => parseOptions("x", def, ["--id", "a", "--id=b"])).toThrow(
      "flag --id is given 2 times; it takes one value",
    );
    // A flag without `once` keeps its last value, as node:util parseArgs does.
    expect(parseOptions("x", def, ["--name", "a", "--name", "b"]).values.name).toBe("b");
  });
});
