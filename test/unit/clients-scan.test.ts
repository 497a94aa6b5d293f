/**
 * list and doctor read what `add` wrote for the clients of docs/clients.md: each golden `after`
 * file put where its client keeps it, then scanned (effects/registry.ts scanServers), as list
 * and doctor do.
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type ClientId, configLocation, type Scope } from "../../src/core/clients.ts";
import { facts, scanServers } from "../../src/effects/registry.ts";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "clients");

/** The `after` fixture of each new client and scope, and the other servers in it (stdio or remote). */
const CASES: Array<[ClientId, Scope, string, Record<string, "stdio" | "remote">]> = [
  ["vscode-insiders", "user", "user-add-jsonc.after.json", { memory: "stdio" }],
  ["vscode-insiders", "project", "project-new-file.after.json", {}],
  ["copilot", "user", "user-add.after.json", { playwright: "stdio", "remote-docs": "remote" }],
  ["copilot", "project", "project-add.after.json", {}],
  ["qwen", "user", "user-add-settings.after.json", { fetch: "stdio" }],
  ["qwen", "project", "project-new-key.after.json", {}],
  ["auggie", "user", "user-add.after.json", { context7: "stdio" }],
  ["auggie", "project", "project-new-file.after.json", {}],
  ["kiro", "user", "user-add.after.json", { "aws-docs": "stdio" }],
  ["kiro", "project", "project-add.after.json", { "web-search": "remote" }],
  ["lmstudio", "user", "user-add.after.json", { "hf-mcp-server": "remote" }],
  ["roo", "user", "user-add.after.json", { filesystem: "stdio" }],
  ["roo", "project", "project-new-file.after.json", {}],
  ["cline", "user", "user-add.after.json", { everything: "stdio", nested: "stdio" }],
  ["cline-cli", "user", "user-new-file.after.json", {}],
  ["amp", "user", "user-add-jsonc.after.json", { linear: "stdio" }],
  ["amp", "project", "project-new-key.after.json", {}],
  ["crush", "user", "user-add.after.json", { filesystem: "stdio", "gh-remote": "remote" }],
  ["crush", "project", "project-new-file.after.json", {}],
  ["opencode", "user", "user-add-jsonc.after.json", { everything: "stdio", sentry: "remote" }],
  ["opencode", "project", "project-new-key.after.json", {}],
  ["kilo", "user", "user-add.after.json", { context7: "stdio" }],
  ["kilo", "project", "project-new-file.after.json", {}],
  ["goose", "user", "user-add-comments.after.yaml", { developer: "stdio", fetch: "stdio" }],
  ["continue", "user", "user-add.after.yaml", { SQLite: "stdio" }],
];

function place(client: ClientId, scope: Scope, file: string) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-clients-scan-")));
  const home = join(dir, "home");
  const cwd = join(dir, "work");
  mkdirSync(home);
  mkdirSync(cwd);
  const f = facts({ HOME: home }, cwd);
  const loc = configLocation(client, scope, f);
  mkdirSync(dirname(loc.path), { recursive: true });
  copyFileSync(join(FIXTURES, client, file), loc.path);
  return { f, loc };
}

describe("list and doctor read each new client's entries", () => {
  for (const [client, scope, file, others] of CASES) {
    test(`${client} ${scope}`, () => {
      const { f, loc } = place(client, scope, file);
      const servers = scanServers(f, [client]);
      expect(servers.every((s) => s.loc.path === loc.path)).toBe(true);
      const github = servers.find((s) => s.name === "github");
      expect(github?.viaMcpOp).toBe(true);
      expect(github?.envFiles).toEqual(["/home/me/.config/mcp-op/github.env"]);
      expect(github?.server).toEqual(["npx", "-y", "@modelcontextprotocol/server-github"]);
      const kinds = Object.fromEntries(
        servers.filter((s) => s.name !== "github").map((s) => [s.name, s.spec ? "stdio" : s.remote ? "remote" : "?"]),
      );
      // Goose's built-in `developer` extension is neither: it is not a server mcp-op can start.
      if (client === "goose") expect(kinds).toEqual({ developer: "?", fetch: "stdio" });
      else expect(kinds).toEqual(others);
    });
  }

  test("a file two ids share is listed once, under the first id (the stricter environment model)", () => {
    const { f } = place("cline", "user", "user-add.after.json");
    expect([...new Set(scanServers(f).map((s) => s.loc.client))]).toEqual(["cline"]);
    expect([...new Set(scanServers(f, ["cline-cli"]).map((s) => s.loc.client))]).toEqual(["cline-cli"]);
    const vs = place("vscode-insiders", "project", "project-new-file.after.json");
    expect(scanServers(vs.f).map((s) => `${s.loc.client} ${s.loc.scope}`)).toEqual(["vscode project"]);
  });
});
