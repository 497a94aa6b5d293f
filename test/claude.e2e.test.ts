/**
 * The user's own acceptance check from the recipe, with the real `claude` CLI: register mcp-op
 * with `claude mcp add`, then `claude mcp list` launches it and reports the connection.
 */
import { beforeAll, expect, test } from "bun:test";
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
