/**
 * `mcp-op add --environment` and `add --scope project` (an entry a team commits) in-process:
 * the exact entries and env file written, what is printed, and what is refused, with nothing
 * written. commands-add.test.ts covers add's user scope.
 */
import { describe, expect, spyOn, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, run } from "../../src/commands/add.ts";
import { parse as parseRun } from "../../src/commands/run.ts";
import { McpOpError } from "../../src/errors.ts";
import { logger } from "../../src/logger.ts";
import { selfCommand } from "../../src/runtime.ts";
import { commandHome, failure } from "./command-home.ts";

const GH = ["--env", "GITHUB_TOKEN=op://Private/GitHub/token"];
const SERVER = ["npx", "-y", "gh"];
const ID = "5hfpicsmni2xf56r2dv5gumz5e";
const ENV_TEXT =
  "# Written by mcp-op add: 1Password secret references, resolved by `op run` at start.\nGITHUB_TOKEN=op://Private/GitHub/token\n";

function usage(f: () => unknown): [number, string] {
  try {
    f();
  } catch (error) {
    if (error instanceof McpOpError) return [error.exitCode, error.message];
    throw error;
  }
  throw new Error("no failure");
}

/** Run add, its warnings collected. */
async function added(h: ReturnType<typeof commandHome>, args: string[]): Promise<unknown[][]> {
  const warn = spyOn(logger, "warn");
  try {
    await run(parse(args, SERVER), h.ctx);
    return warn.mock.calls;
  } finally {
    warn.mockRestore();
  }
}

describe("add --environment", () => {
  test("the entry passes it to run, before the env files; --dry-run shows it", async () => {
    const h = commandHome();
    h.write(".cursor/mcp.json", "{}\n");
    await run(parse(["gh", "--client", "cursor", "--environment", ID, ...GH], SERVER), h.ctx);
    const envFile = join(h.home, ".config", "mcp-op", "gh.env");
    const [command, ...pre] = selfCommand();
    expect(JSON.parse(h.read(".cursor/mcp.json")).mcpServers.gh).toEqual({
      command,
      args: [...pre, "run", "--environment", ID, "--env-file", envFile, "--", ...SERVER],
    });
    h.stdout.length = 0;
    await run(parse(["gh2", "--client", "cursor", "--environment", ID, "--dry-run"], SERVER), h.ctx);
    expect(h.stdout.join("")).toContain(`+        "--environment",\n+        "${ID}",\n`);
  });

  test("without env files: the Environment alone", async () => {
    const h = commandHome();
    h.write(".cursor/mcp.json", "{}\n");
    await run(parse(["gh", "--client", "cursor", "--environment", ID], SERVER), h.ctx);
    const [, ...pre] = selfCommand();
    expect(JSON.parse(h.read(".cursor/mcp.json")).mcpServers.gh.args).toEqual([
      ...pre,
      "run",
      "--environment",
      ID,
      "--",
      ...SERVER,
    ]);
  });

  test("a bad ID or a second --environment: the usage error run gives, word for word", () => {
    for (const bad of [
      ["--environment", "Production"],
      ["--environment", ID.toUpperCase()],
    ]) {
      const fromAdd = usage(() => parse(["gh", ...bad], SERVER));
      expect(fromAdd[0]).toBe(64);
      expect(fromAdd).toEqual(usage(() => parseRun(bad, SERVER)));
    }
    expect(usage(() => parse(["gh", "--environment", "Production"], SERVER))[1]).toBe(
      '--environment "Production": an Environment ID is 26 letters and digits, not 10 characters',
    );
    const twice = ["--environment", ID, "--environment", ID];
    expect(usage(() => parse(["gh", ...twice], SERVER))[0]).toBe(64);
  });
});

describe("add --scope project: an entry the team shares", () => {
  test("claude-code: plain mcp-op, .mcp-op/NAME.env relative to the project root, references only", async () => {
    const h = commandHome();
    const warnings = await added(h, ["github", "--client", "claude-code", "--scope", "project", ...GH]);
    // Golden: the committed .mcp.json, byte for byte.
    expect(h.read(".mcp.json")).toBe(
      `${JSON.stringify(
        {
          mcpServers: {
            github: {
              command: "mcp-op",
              args: ["run", "--env-file", ".mcp-op/github.env", "--", "npx", "-y", "gh"],
            },
          },
        },
        null,
        2,
      )}\n`,
    );
    expect(h.read(".mcp-op/github.env")).toBe(ENV_TEXT);
    expect(existsSync(join(h.home, ".config", "mcp-op", "github.env"))).toBe(false);
    expect(h.stdout.at(-1)).toBe(
      "to share it, commit .mcp-op/github.env, .mcp.json; each teammate needs mcp-op on PATH, op signed in, and access to the vault\n",
    );
    // This test's PATH is empty: said, and the entry written all the same.
    expect(warnings).toContainEqual([
      "mcp-op is not on your PATH: the project entry runs it by name; put mcp-op on PATH for clients to start it",
    ]);
  });

  test("vscode names the file through ${workspaceFolder}; cursor, gemini and zed relative to the project", async () => {
    const h = commandHome();
    await added(h, [
      "github",
      "--client",
      "vscode",
      "--client",
      "cursor",
      "--client",
      "gemini",
      "--client",
      "zed",
      "--scope",
      "project",
      "--environment",
      ID,
      ...GH,
    ]);
    const args = (file: string) => ["run", "--environment", ID, "--env-file", file, "--", ...SERVER];
    expect(JSON.parse(h.read(".vscode/mcp.json")).servers.github).toEqual({
      type: "stdio",
      command: "mcp-op",
      args: args("${workspaceFolder}/.mcp-op/github.env"),
    });
    for (const [file, key] of [
      [".cursor/mcp.json", "mcpServers"],
      [".gemini/settings.json", "mcpServers"],
      [".zed/settings.json", "context_servers"],
    ] as const) {
      expect(JSON.parse(h.read(file))[key].github).toEqual({ command: "mcp-op", args: args(".mcp-op/github.env") });
    }
    expect(h.read(".mcp-op/github.env")).toBe(ENV_TEXT);
  });

  test("--env-file inside the project: named relative to it; a plain value there is refused", async () => {
    const h = commandHome();
    h.write(".cursor/mcp.json", "{}\n");
    const shared = h.write("team/gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    await run(parse(["gh", "--client", "cursor", "--scope", "project", "--env-file", shared], SERVER), h.ctx);
    expect(JSON.parse(h.read(".cursor/mcp.json")).mcpServers.gh.args).toEqual([
      "run",
      "--env-file",
      "team/gh.env",
      "--",
      ...SERVER,
    ]);
    const plain = h.write("team/plain.env", "GITHUB_TOKEN=op://Private/GitHub/token\nDEBUG=1\n");
    const error = await failure(
      run(parse(["p", "--client", "cursor", "--scope", "project", "--env-file", plain], SERVER), h.ctx),
    );
    expect([error.exitCode, error.message]).toEqual([
      65,
      `${plain}:2: DEBUG is not a secret reference: a project entry's env file is committed, so it holds references only`,
    ]);
    expect(JSON.parse(h.read(".cursor/mcp.json")).mcpServers.p).toBeUndefined();
  });

  test("refused before anything is written: --allow-plain, --token-file, an env file outside the project", async () => {
    const h = commandHome();
    h.write(".cursor/mcp.json", "{}\n");
    const project = ["gh", "--client", "cursor", "--scope", "project"];
    const plain = await failure(run(parse([...project, "--allow-plain", "--env", "DEBUG=1"], SERVER), h.ctx));
    expect([plain.exitCode, plain.message]).toEqual([
      64,
      "--allow-plain does not go with --scope project: the entry and its env file are committed, and a plain value there is shared with everyone who clones the project",
    ]);
    const value = await failure(run(parse([...project, "--env", "DEBUG=1"], SERVER), h.ctx));
    expect([value.exitCode, value.hint]).toEqual([
      65,
      "store it in 1Password and pass its reference: a project entry's env file is committed, so it holds references only",
    ]);
    const token = h.write("token", "ops_x\n");
    const withToken = await failure(run(parse([...project, "--token-file", token, ...GH], SERVER), h.ctx));
    expect(withToken.message).toStartWith("--token-file does not go with --scope project:");
    const outside = join(h.home, "..", "elsewhere.env");
    const away = await failure(run(parse([...project, "--env-file", outside], SERVER), h.ctx));
    expect([away.exitCode, away.message]).toEqual([
      64,
      `--env-file ${outside}: outside the project (${h.home}); teammates would not have it`,
    ]);
    expect(h.read(".cursor/mcp.json")).toBe("{}\n");
    expect(existsSync(join(h.home, ".mcp-op"))).toBe(false);
  });

  test("clients keeping the project in different directories (a subdirectory of a git repository): 64", async () => {
    const h = commandHome();
    mkdirSync(join(h.home, ".git"));
    const sub = join(h.home, "sub");
    mkdirSync(sub);
    const ctx = { ...h.ctx, cwd: sub };
    const error = await failure(
      run(parse(["gh", "--client", "claude-code", "--client", "cursor", "--scope", "project", ...GH], SERVER), ctx),
    );
    expect([error.exitCode, error.message, error.hint]).toEqual([
      64,
      `--scope project: the chosen clients keep this project's servers in different directories (claude-code: ${h.home}, cursor: ${sub})`,
      "run mcp-op add in the project's root directory",
    ]);
    // From the subdirectory, claude-code alone: the env file at the git root, next to .mcp.json.
    await added({ ...h, ctx }, ["gh", "--client", "claude-code", "--scope", "project", ...GH]);
    expect(readFileSync(join(h.home, ".mcp-op", "gh.env"), "utf8")).toBe(ENV_TEXT);
    expect(existsSync(join(sub, ".mcp-op"))).toBe(false);
  });

  test("the same references again (a teammate adds it to one more client): the committed file is kept", async () => {
    const h = commandHome();
    await added(h, ["gh", "--client", "claude-code", "--scope", "project", ...GH]);
    const kept = h.write(".mcp-op/gh.env", `# our team's file\n${ENV_TEXT.split("\n")[1]}\n`);
    await added(h, ["gh", "--client", "cursor", "--scope", "project", ...GH]);
    expect(readFileSync(kept, "utf8")).toBe("# our team's file\nGITHUB_TOKEN=op://Private/GitHub/token\n");
  });
});
