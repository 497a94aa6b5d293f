/**
 * Each command's `parse(rawArgs, rest)`, in-process: the options it yields, typed, and its usage
 * errors (exit 64), exact. parse has no effects, so nothing here runs a command.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { runSigninTimeout } from "../../src/commands/_shared.ts";
import { parse as parseAdd } from "../../src/commands/add.ts";
import { parse as parseCheck } from "../../src/commands/check.ts";
import { parse as parseDoctor } from "../../src/commands/doctor.ts";
import { parse as parseHeaders } from "../../src/commands/headers.ts";
import { parse as parseList } from "../../src/commands/list.ts";
import { parse as parseMigrate } from "../../src/commands/migrate.ts";
import { parse as parseProxy } from "../../src/commands/proxy.ts";
import { parse as parseRemove } from "../../src/commands/remove.ts";
import { envFilesOnly, NO_FLAGS, parse as parseRun, runArgs } from "../../src/commands/run.ts";
import { parseOptions } from "../../src/core/args.ts";
import { McpOpError } from "../../src/errors.ts";

/** The usage error `parse` throws: message and hint, with exit code 64 checked. */
function usage(parse: () => unknown): { message: string; hint: string | undefined } {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(McpOpError);
    expect((error as McpOpError).exitCode).toBe(64);
    return { message: (error as McpOpError).message, hint: (error as McpOpError).hint };
  }
  throw new Error("parse did not throw");
}

const CLIENTS =
  "claude-code, claude-desktop, cursor, vscode, windsurf, codex, gemini, zed, vscode-insiders, copilot, qwen, auggie, kiro, lmstudio, roo, cline, cline-cli, amp, crush, opencode, kilo, goose, continue";

describe("run's reading of the line add writes (envFilesOnly) is parseOptions's", () => {
  const general = (argv: readonly string[]) => {
    try {
      return parseOptions("run", runArgs, argv, { dashValue: runSigninTimeout.dashValue, serverAfter: 0 }).values;
    } catch (error) {
      return { error: String(error) };
    }
  };

  test("no flag: NO_FLAGS", () => {
    expect(NO_FLAGS).toEqual(general([]) as typeof NO_FLAGS);
  });

  test("for any argv of env-file flags, values, other flags and words: the same options, or it declines", () => {
    const token = fc.constantFrom(
      "--env-file",
      "--env-file=",
      "--env-file=a.env",
      "--env-file=-",
      "--env-file=--x",
      "a.env",
      "~/b.env",
      "-",
      "-x",
      "--x",
      "",
      "--op",
      "--verbose",
      "-v",
      "--env",
      "--env-files",
      "word",
    );
    let taken = 0;
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), (argv) => {
        const files = envFilesOnly(argv);
        if (files === undefined) return;
        taken++;
        expect({ ...NO_FLAGS, "env-file": files }).toEqual(general(argv) as typeof NO_FLAGS);
      }),
      { numRuns: 3000 },
    );
    // The shortcut is taken often enough for the comparison to mean something.
    expect(taken).toBeGreaterThan(200);
  });

  test("what it declines, parseOptions refuses or reads otherwise", () => {
    for (const argv of [["--env-file"], ["--env-file", ""], ["--env-file="], ["--env-file", "-x"], ["a.env"], ["-v"]]) {
      expect(envFilesOnly(argv)).toBeUndefined();
    }
    expect(envFilesOnly(["--env-file", "-", "--env-file=-x"])).toEqual(["-", "-x"]);
  });
});

describe("run", () => {
  test("defaults: booleans false, no env files, 20 s to sign in", () => {
    expect(parseRun([], ["srv", "-x"])).toEqual({
      envFiles: [],
      environment: undefined,
      account: undefined,
      noSignin: false,
      mask: false,
      redact: false,
      op: undefined,
      verbose: false,
      signinTimeout: 20,
      tokenFile: undefined,
      command: "srv",
      args: ["-x"],
    });
  });
  test("--env-file repeats, in order", () => {
    expect(parseRun(["--env-file", "a.env", "--env-file=b.env"], ["srv"]).envFiles).toEqual(["a.env", "b.env"]);
  });
  test("usage errors", () => {
    expect(usage(() => parseRun([], null)).message).toBe('no server command: put it after "--"');
    expect(usage(() => parseRun([], [""])).message).toBe('no server command after "--"');
    expect(usage(() => parseRun(["--env-file="], ["srv"]))).toEqual({
      message: "flag --env-file needs FILE, not an empty string",
      hint: "see: mcp-op run --help",
    });
    expect(usage(() => parseRun(["--mask", "--redact"], ["srv"])).message).toBe(
      "--mask and --redact do not go together: --redact already keeps secrets out of the output",
    );
    expect(usage(() => parseRun(["--signin-timeout", "-5"], ["srv"])).message).toBe(
      '--signin-timeout takes a number of seconds, more than 0 and at most 3600, not "-5"',
    );
  });
});

describe("check", () => {
  test("files before and after --, typed flags", () => {
    expect(parseCheck(["a.env", "--resolve", "--signin-timeout", "3"], ["b.env"])).toEqual({
      files: ["a.env", "b.env"],
      resolve: true,
      account: undefined,
      signinTimeoutMs: 3000,
      op: undefined,
    });
  });
  test("usage errors", () => {
    expect(usage(() => parseCheck([], null))).toEqual({
      message: "no env file given",
      hint: "usage: mcp-op check FILE... [--environment ID] [--resolve]",
    });
    expect(usage(() => parseCheck(["a.env", ""], null)).message).toBe(
      "FILE argument 2 is an empty string, not an env file path",
    );
    expect(usage(() => parseCheck(["a.env", "--signin-timeout", "0"], null)).message).toBe(
      '--signin-timeout takes a number of seconds, more than 0 and at most 3600, not "0"',
    );
  });
});

describe("add", () => {
  test("every flag, repeatable ones collected", () => {
    expect(
      parseAdd(
        [
          "gh",
          "--client",
          "cursor",
          "--client=zed",
          "--client",
          "cursor",
          "--scope",
          "project",
          "--env",
          "A=op://v/i/a",
          "--env",
          "B=op://v/i/b",
          "--account",
          "me",
          "--force",
        ],
        ["npx", "-y", "pkg"],
      ),
    ).toEqual({
      name: "gh",
      command: "npx",
      args: ["-y", "pkg"],
      scope: "project",
      clients: ["cursor", "zed"],
      dryRun: false,
      force: true,
      env: ["A=op://v/i/a", "B=op://v/i/b"],
      envFiles: [],
      environment: undefined,
      tokenFile: undefined,
      account: "me",
      allowPlain: false,
    });
  });
  test("scope defaults to user", () => {
    expect(parseAdd(["gh", "--env-file", "x.env"], ["srv"])).toMatchObject({ scope: "user", envFiles: ["x.env"] });
  });
  test("usage errors", () => {
    const USAGE = "usage: mcp-op add <name> [--client C]... [--env KEY=op://...]... -- <command> [args...]";
    expect(usage(() => parseAdd([], ["srv"]))).toEqual({ message: "no server name", hint: USAGE });
    expect(usage(() => parseAdd(["gh"], null))).toEqual({ message: 'no server command after "--"', hint: USAGE });
    expect(usage(() => parseAdd(["gh", "--scope", "global"], ["srv"])).message).toBe(
      '--scope takes user, local or project, not "global"',
    );
    expect(usage(() => parseAdd(["gh", "--client", "emacs"], ["srv"])).message).toBe(
      `unknown client "emacs" (one of: ${CLIENTS})`,
    );
    expect(usage(() => parseAdd(["gh", "--env", "A=op://v/i/a", "--env-file", "x.env"], ["srv"])).message).toBe(
      "give --env or --env-file, not both",
    );
    expect(usage(() => parseAdd(["g h"], ["srv"])).message).toStartWith('server name "g h" may hold only letters');
  });
});

describe("remove", () => {
  test("name, clients, scope (every scope when not given)", () => {
    expect(parseRemove(["gh", "--client", "codex", "--dry-run"], null)).toEqual({
      name: "gh",
      clients: ["codex"],
      scope: undefined,
      dryRun: true,
    });
    expect(parseRemove(["gh", "--scope", "local"], null).scope).toBe("local");
  });
  test("usage errors", () => {
    expect(usage(() => parseRemove([], null))).toEqual({
      message: "no server name",
      hint: "usage: mcp-op remove <name> [--client C]...",
    });
    expect(usage(() => parseRemove(["gh", "--scope", "all"], null)).message).toBe(
      '--scope takes user, local or project, not "all"',
    );
    expect(usage(() => parseRemove(["gh", "--client="], null)).message).toBe(
      "flag --client needs CLIENT, not an empty string",
    );
  });
});

describe("list", () => {
  test("clients and --json", () => {
    expect(parseList([], null)).toEqual({ clients: [], json: false });
    expect(parseList(["--client", "gemini", "--json"], null)).toEqual({ clients: ["gemini"], json: true });
  });
  test("usage errors", () => {
    expect(usage(() => parseList(["--client", "x"], null)).message).toBe(`unknown client "x" (one of: ${CLIENTS})`);
    expect(usage(() => parseList(["--jsn"], null))).toEqual({
      message: 'unknown flag --jsn for "mcp-op list"',
      hint: "did you mean --json? see: mcp-op list --help",
    });
  });
});

describe("doctor", () => {
  test("flags; --timeout with --connect", () => {
    expect(parseDoctor([], null)).toEqual({ connect: false, json: false });
    expect(parseDoctor(["--connect", "--timeout", "5", "--name", "gh", "--op", "/x/op"], null)).toEqual({
      connect: true,
      timeoutSec: 5,
      name: "gh",
      op: "/x/op",
      json: false,
    });
  });
  test("usage errors", () => {
    expect(usage(() => parseDoctor(["--timeout", "5"], null)).message).toBe("--timeout is for --connect");
    expect(usage(() => parseDoctor(["--connect", "--timeout", "601"], null)).message).toBe(
      '--timeout takes seconds, more than 0 and at most 600, not "601"',
    );
  });
});

describe("migrate", () => {
  test("a dry run by default, in the Private vault", () => {
    expect(parseMigrate([], null)).toEqual({
      mode: "dry-run",
      clients: [],
      vault: "Private",
      account: undefined,
      op: undefined,
    });
    expect(parseMigrate(["--apply", "--vault", "Work", "--client", "cursor"], null)).toMatchObject({
      mode: "apply",
      vault: "Work",
      clients: ["cursor"],
    });
    expect(parseMigrate(["--purge-backups"], null).mode).toBe("purge-backups");
  });
  test("usage errors", () => {
    expect(usage(() => parseMigrate(["--apply", "--undo"], null)).message).toBe(
      "give one of --apply, --undo, not several",
    );
  });
});

describe("headers", () => {
  test("headers and env files repeat; 8 s to sign in by default", () => {
    expect(parseHeaders(["--header", "A: {{ op://v/i/a }}", "--header", "B: x", "--env-file", "e.env"], null)).toEqual({
      url: undefined,
      headers: ["A: {{ op://v/i/a }}", "B: x"],
      headersFile: undefined,
      envFiles: ["e.env"],
      account: undefined,
      tokenFile: undefined,
      op: undefined,
      allowPlain: false,
      verbose: false,
      signinTimeout: 8,
    });
  });
  test("usage errors", () => {
    expect(usage(() => parseHeaders([], ["x"]))).toEqual({
      message: '"mcp-op headers" starts no server: nothing goes after "--"',
      hint: "see: mcp-op headers --help",
    });
    expect(usage(() => parseHeaders(["--signin-timeout", "10"], null)).message).toBe(
      '--signin-timeout takes a number of seconds, more than 0 and at most 9, not "10"',
    );
    expect(usage(() => parseHeaders(["--url", "https://x"], null)).message).toBe(
      'unknown flag --url for "mcp-op headers"',
    );
  });
});

describe("proxy", () => {
  test("the URL is required; 20 s to sign in by default", () => {
    expect(parseProxy(["--url", "https://mcp.example.com/mcp", "-v"], null)).toMatchObject({
      url: "https://mcp.example.com/mcp",
      headers: [],
      verbose: true,
      signinTimeout: 20,
    });
  });
  test("usage errors", () => {
    expect(usage(() => parseProxy([], null))).toEqual({
      message: "--url is missing: the remote server to forward to",
      hint: "e.g. mcp-op proxy --url https://mcp.example.com/mcp --headers-file ~/.config/mcp-op/example.headers",
    });
    expect(usage(() => parseProxy(["--url", "nope"], null)).message).toBe("--url nope is not a URL");
    expect(usage(() => parseProxy(["--url", "https://x", "--signin-timeout", "-1"], null)).message).toBe(
      '--signin-timeout takes a number of seconds, more than 0 and at most 3600, not "-1"',
    );
  });
});

describe("run(options, ctx): output goes to ctx.stdout", () => {
  test("list in an empty home prints its one line there", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { run } = await import("../../src/commands/list.ts");
    const home = mkdtempSync(join(tmpdir(), "mcp-op-unit-"));
    const out: string[] = [];
    await run(parseList([], null), {
      env: { HOME: home, XDG_CONFIG_HOME: join(home, ".config") },
      cwd: home,
      stdout: (text) => out.push(text),
      op: () => {
        throw new Error("list calls no op");
      },
      exec: () => {
        throw new Error("list execs nothing");
      },
      runWithin: () => {
        throw new Error("list runs nothing");
      },
    });
    expect(out).toEqual(["no MCP servers registered in any client config found\n"]);
  });
});
