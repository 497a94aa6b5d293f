/** core/register.ts: add's and remove's plans, pure (configs given as text). */
import { describe, expect, test } from "bun:test";
import { type ConfigLocation, configLocation, type Facts } from "../../src/core/clients.ts";
import { registeredSpec, registrationPlan, removalPlan } from "../../src/core/register.ts";

const f: Facts = { home: "/h", platform: "linux", cwd: "/h/p", env: {}, projectRoot: "/h/p" };
const at = (client: Parameters<typeof configLocation>[0]): ConfigLocation => configLocation(client, "user", f);
const spec = registeredSpec(["/bin/mcp-op"], {
  account: "my",
  envFiles: ["/h/.config/mcp-op/gh.env"],
  tokenFile: undefined,
  server: ["npx", "gh"],
});
const TOKEN = `ghp_${"T".repeat(36)}`;

describe("registration plan", () => {
  test("the entry: mcp-op run with the account and env files, the server after --", () => {
    expect(spec).toEqual({
      command: "/bin/mcp-op",
      args: ["run", "--account", "my", "--env-file", "/h/.config/mcp-op/gh.env", "--", "npx", "gh"],
    });
  });

  test("steps: the env file, then each config's entry in its client's shape; the claude CLI shown as its command", () => {
    const plan = registrationPlan({
      name: "gh",
      spec,
      force: false,
      envFile: { path: "/h/.config/mcp-op/gh.env", text: "A=op://v/i/f\n", preview: "A=op://v/i/f\n" },
      configs: [
        { loc: at("codex"), text: "", exists: false },
        { loc: at("claude-code"), text: "{}\n", exists: true },
      ],
      claude: true,
    });
    expect(
      plan.steps.map((s) => (s.kind === "env-file" ? [s.kind, s.path, s.existing] : [s.kind, s.loc.client])),
    ).toEqual([
      ["env-file", "/h/.config/mcp-op/gh.env", "same"],
      ["set", "codex"],
      ["set", "claude-code"],
    ]);
    expect(plan.steps[1]).toMatchObject({ entry: { ...spec, startup_timeout_sec: 30 }, force: false });
    expect(plan.preview()).toEndWith(
      `--- /h/.claude.json (through the claude CLI)\n$ claude mcp add-json -s user gh '${JSON.stringify({ type: "stdio", ...spec })}'\n`,
    );
  });

  test("a name already in a config: refused (78) without force; with force the env file may be replaced", () => {
    const configs = [{ loc: at("cursor"), text: '{"mcpServers": {"gh": {"command": "x"}}}', exists: true }];
    const input = { name: "gh", spec, envFile: { path: "/e", text: "", preview: "" }, configs, claude: false };
    expect(() => registrationPlan({ ...input, force: false })).toThrow(
      '/h/.cursor/mcp.json: a server named "gh" already exists (use --force to replace it)',
    );
    expect(registrationPlan({ ...input, force: true }).steps[0]).toMatchObject({ existing: "replace" });
  });
});

describe("removal plan", () => {
  test("only the configs holding the name; the diff masks a neighbour's plaintext", () => {
    const text = `{"mcpServers": {"gh": {"command": "x"}, "other": {"command": "y", "env": {"T": "${TOKEN}"}}}}\n`;
    const plan = removalPlan("gh", [
      { loc: at("cursor"), text, exists: true },
      { loc: at("gemini"), text: "{}\n", exists: true },
    ]);
    expect(plan.steps).toEqual([{ kind: "remove", loc: at("cursor"), name: "gh" }]);
    expect(plan.preview()).toStartWith("--- /h/.cursor/mcp.json\n+++ /h/.cursor/mcp.json\n");
    expect(plan.preview()).not.toContain(TOKEN.slice(4));
  });
});
