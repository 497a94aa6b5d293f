/**
 * An entry a team shares, with the real `claude` CLI: `mcp-op add --scope project` in a git
 * repository writes `.mcp.json` (plain mcp-op) and `.mcp-op/NAME.env`; `claude mcp list`, run
 * in the repository, starts it through the mcp-op on PATH and the stand-in op and shows it
 * connected. Without the env file (a teammate who has not pulled it), the failure says where
 * mcp-op looked.
 */
import { beforeAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { binary, CLAUDE, NODE, OP_DIR, run, SERVER_EVERYTHING, sandbox } from "./helpers.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

test("claude mcp list: a project entry written by add --scope project is ✔ Connected from the repository", async () => {
  const s = sandbox();
  const repo = join(s.dir, "repo");
  mkdirSync(repo);
  expect(Bun.spawnSync(["git", "init", "-q", repo]).exitCode).toBe(0);
  // mcp-op on PATH, by name, as a teammate has it.
  const env = s.env({ PATH: `${dirname(bin)}:${OP_DIR}:/usr/local/bin:/usr/bin:/bin` });
  const add = await run(
    [
      bin,
      "add",
      "gh",
      "--client",
      "claude-code",
      "--scope",
      "project",
      "--env",
      "GITHUB_TOKEN=op://Private/GitHub/token",
      "--",
      NODE,
      SERVER_EVERYTHING,
    ],
    { env, cwd: repo },
  );
  expect(add.code).toBe(0);
  expect(add.stdout).toEndWith(
    "to share it, commit .mcp-op/gh.env, .mcp.json; each teammate needs mcp-op on PATH, op signed in, and access to the vault\n",
  );
  expect(JSON.parse(readFileSync(join(repo, ".mcp.json"), "utf8")).mcpServers.gh).toEqual({
    command: "mcp-op",
    args: ["run", "--env-file", ".mcp-op/gh.env", "--", NODE, SERVER_EVERYTHING],
  });
  expect(readFileSync(join(repo, ".mcp-op", "gh.env"), "utf8")).toContain("GITHUB_TOKEN=op://Private/GitHub/token\n");
  // The teammate approved the project's server in Claude Code.
  writeFileSync(
    join(s.home, ".claude.json"),
    JSON.stringify({ projects: { [repo]: { hasTrustDialogAccepted: true, enabledMcpjsonServers: ["gh"] } } }),
  );
  const list = await run([CLAUDE, "mcp", "list"], { env, cwd: repo });
  expect(list.stdout.split("\n").find((l) => l.startsWith("gh: "))).toEndWith("✔ Connected");

  // doctor, from the repository: the entry as a teammate gets it passes.
  const doctor = await run([bin, "doctor", "--name", "gh"], { env, cwd: repo });
  expect(doctor.stdout).toContain("ok      gh (claude-code, project): .mcp-op/gh.env is valid\n");
  expect(doctor.stdout).not.toContain("error ");

  // A teammate without the env file: the client shows mcp-op's line saying where it looked.
  rmSync(join(repo, ".mcp-op"), { recursive: true });
  const missing = await run([CLAUDE, "mcp", "list"], { env, cwd: repo });
  const line = missing.stdout.split("\n").find((l) => l.startsWith("gh: ")) ?? "";
  expect(line).toContain("✘ Failed to connect");
  expect(line).toContain(`no such file in ${repo}, the directory the server was started in`);
});

test("add --environment: claude mcp list connects with op 2.41.0; doctor names the version an older op lacks", async () => {
  const ID = "abcdefghijklmnopqrstuvwxy0";
  const s = sandbox();
  const repo = join(s.dir, "repo");
  mkdirSync(repo);
  expect(Bun.spawnSync(["git", "init", "-q", repo]).exitCode).toBe(0);
  const environments = s.envFile("environments.json", JSON.stringify({ [ID]: { FROM_ENVIRONMENT: "from-env" } }));
  const base = { PATH: `${dirname(bin)}:${OP_DIR}:/usr/local/bin:/usr/bin:/bin`, OP_STUB_ENVIRONMENTS: environments };
  const env = s.env({ ...base, OP_STUB_VERSION: "2.41.0" });
  const args = ["gh", "--client", "claude-code", "--scope", "project", "--environment", ID];
  const add = await run([bin, "add", ...args, "--", NODE, SERVER_EVERYTHING], { env, cwd: repo });
  expect(add.code).toBe(0);
  expect(JSON.parse(readFileSync(join(repo, ".mcp.json"), "utf8")).mcpServers.gh.args).toEqual([
    "run",
    "--environment",
    ID,
    "--",
    NODE,
    SERVER_EVERYTHING,
  ]);
  writeFileSync(
    join(s.home, ".claude.json"),
    JSON.stringify({ projects: { [repo]: { hasTrustDialogAccepted: true, enabledMcpjsonServers: ["gh"] } } }),
  );
  const list = await run([CLAUDE, "mcp", "list"], { env, cwd: repo });
  expect(list.stdout.split("\n").find((l) => l.startsWith("gh: "))).toEndWith("✔ Connected");

  const old = s.env({ ...base, OP_STUB_VERSION: "2.32.0" });
  const doctor = await run([bin, "doctor", "--name", "gh"], { env: old, cwd: repo });
  expect(doctor.code).toBe(1);
  expect(doctor.stdout).toContain(
    `error   gh (claude-code, project): loads the 1Password Environment ${ID}, which needs op 2.41.0 or later; `,
  );
  expect(doctor.stdout).toContain("        fix: update the 1Password CLI (op update, or your package manager)\n");
});
