/**
 * The user's own acceptance check from the recipe, with the real `claude` CLI: register mcp-op
 * with `claude mcp add`, then `claude mcp list` launches it and reports the connection.
 */
import { beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary, CLAUDE, NODE, run, SERVER_EVERYTHING, sandbox } from "./helpers.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

test("claude mcp list: ✔ Connected through mcp-op; a missing item fails and op names it", async () => {
  const s = sandbox();
  const good = s.envFile("github.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
  const broken = s.envFile("broken.env", "GITHUB_TOKEN=op://Private/Nope/token\n");
  const env = s.env();
  const add = (name: string, file: string) =>
    run(
      [CLAUDE, "mcp", "add", "-s", "user", name, "--", bin, "run", "--env-file", file, "--", NODE, SERVER_EVERYTHING],
      {
        env,
        cwd: s.dir,
      },
    );
  expect((await add("github", good)).code).toBe(0);
  expect((await add("broken", broken)).code).toBe(0);

  const list = await run([CLAUDE, "mcp", "list"], { env, cwd: s.dir });
  const lines = list.stdout.split("\n");
  expect(lines.find((l) => l.startsWith("github: "))).toEndWith("✔ Connected");
  const brokenLine = lines.find((l) => l.startsWith("broken: ")) ?? "";
  expect(brokenLine).not.toContain("✔ Connected");
  expect(brokenLine).toContain("Failed");

  // Run directly, the broken entry shows op's own error naming the reference.
  const direct = await run([bin, "run", "--env-file", broken, "--", NODE, SERVER_EVERYTHING], { env });
  expect(direct.code).toBe(1);
  expect(direct.stdout).toBe("");
  expect(direct.stderr).toMatch(
    /^\[ERROR\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d could not read secret 'op:\/\/Private\/Nope\/token': could not get item Private\/Nope: "Nope" isn't an item in the "Private" vault\. Specify the item with its UUID, name, or domain\.\n$/,
  );
});

test("claude mcp list shows mcp-op's own message when run fails before the server starts", async () => {
  const s = sandbox();
  const reference = s.envFile("github.env", "GITHUB_TOKEN=op://Private/gh\n");
  const open = s.envFile("open.env", "GITHUB_TOKEN=op://Private/GitHub/token\n", 0o666);
  const good = s.envFile("good.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
  const entry = (args: string[], env: Record<string, string> = {}) => ({
    type: "stdio",
    command: bin,
    args: ["run", ...args, "--", NODE, SERVER_EVERYTHING],
    env,
  });
  writeFileSync(
    join(s.home, ".claude.json"),
    JSON.stringify({
      mcpServers: {
        reference: entry(["--env-file", reference]),
        open: entry(["--env-file", open]),
        // A GUI app's short PATH, and no well-known directory holds op either.
        noop: entry(["--env-file", good], { PATH: "/usr/bin:/bin" }),
        // A 1Password prompt nobody answers; 3 s is well inside claude's 30 s start-up window.
        signin: entry(["--env-file", good, "--signin-timeout", "3"]),
      },
    }),
  );
  const list = await run([CLAUDE, "mcp", "list"], {
    env: s.env({ OP_STUB_AUTH: "app", OP_STUB_APPROVE: "hang" }),
    cwd: s.dir,
  });
  const shown = (name: string) =>
    list.stdout
      .split("\n")
      .find((l) => l.startsWith(`${name}: `))
      ?.split(" - ✘ Failed to connect — ")[1];
  // claude shows the entry's own argument values as [redacted] wherever a message repeats them
  // (here the env file's path and --signin-timeout); `claude mcp get` shows the arguments.
  expect(shown("reference")).toBe(
    '-32010: mcp-op: [redacted]:1: "op://Private/gh" is not a secret reference: it needs vault, item and field',
  );
  expect(shown("open")).toBe(
    "-32010: mcp-op: [redacted]: refusing an env file writable by group or others (mode 0666): anyone who can edit it controls the server; fix: chmod go-w [redacted]",
  );
  expect(shown("noop")).toBe(
    `-32010: mcp-op: 1Password CLI "op" not found in PATH; install the 1Password CLI from 1Password's apt, dnf or apk repository (https://developer.1password.com/docs/cli/get-started/) or pass --op /path/to/op`,
  );
  expect(shown("signin")).toBe(
    "-32010: mcp-op: sign-in timed out after 3s (waiting for op vault list); approve the 1Password prompt, or raise [redacted] (and the client's startup timeout)",
  );
  // The details stay on stderr too, and `claude mcp get` says the same as its Issue.
  const get = await run([CLAUDE, "mcp", "get", "reference"], { env: s.env(), cwd: s.dir });
  expect(get.stdout).toContain(
    'Issue: -32010: mcp-op: [redacted]:1: "op://Private/gh" is not a secret reference: it needs vault, item and field\n',
  );
});
