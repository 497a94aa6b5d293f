/**
 * core/shared-config.ts: how a shared project entry names its files (per client, per OS), and
 * where they are found again; and the line `run` gives when a relative env file is missing
 * (effects/files.ts), which is what a teammate sees in the client.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { CLIENT_IDS, type ConfigLocation, configLocation, scopesOf } from "../../src/core/clients.ts";
import { insideDir, projectDirOf, resolveEntryPath, sharedEnvFile, sharedPath } from "../../src/core/shared-config.ts";
import { readEnvFile } from "../../src/effects/files.ts";
import { McpOpError } from "../../src/errors.ts";
import { tempHome } from "./context.ts";

const loc = (client: ConfigLocation["client"], path: string): ConfigLocation => ({
  client,
  scope: "project",
  path,
  format: "json",
  keyPath: ["mcpServers"],
});

describe("shared project entries", () => {
  test("the project of each client's project config", () => {
    expect(projectDirOf(loc("claude-code", "/repo/.mcp.json"))).toBe("/repo");
    expect(projectDirOf(loc("cursor", "/repo/.cursor/mcp.json"))).toBe("/repo");
    expect(projectDirOf(loc("vscode", "C:\\repo\\.vscode\\mcp.json"))).toBe("C:\\repo");
    expect(projectDirOf(loc("continue", "/repo/.continue/mcpServers/gh.yaml"))).toBe("/repo");
  });

  test("every client's project config, wherever it sits (root file, one or two directories down), belongs to the project", () => {
    const facts = { home: "/home/me", platform: "linux" as const, cwd: "/repo", env: {} };
    for (const client of CLIENT_IDS) {
      if (!scopesOf(client).includes("project")) continue;
      expect([client, projectDirOf(configLocation(client, "project", facts, "gh"))]).toEqual([client, "/repo"]);
    }
    // kilo's and crush's other names: .kilo/kilo.json, crush.json.
    const exists = (path: string) => path === "/repo/.kilo/kilo.json" || path === "/repo/crush.json";
    expect(projectDirOf(configLocation("kilo", "project", { ...facts, exists }))).toBe("/repo");
    expect(projectDirOf(configLocation("crush", "project", { ...facts, exists }))).toBe("/repo");
  });

  test("the env file as the entry names it: VS Code through ${workspaceFolder}, others relative, always /", () => {
    expect(sharedEnvFile("gh")).toBe(".mcp-op/gh.env");
    expect(sharedPath("vscode", ".mcp-op\\gh.env")).toBe("${workspaceFolder}/.mcp-op/gh.env");
    expect(sharedPath("claude-code", ".mcp-op/gh.env")).toBe(".mcp-op/gh.env");
    expect(sharedPath("zed", "team\\gh.env")).toBe("team/gh.env");
  });

  test("found again: ${workspaceFolder} is the project, a relative path is taken from where the server starts", () => {
    expect(resolveEntryPath("${workspaceFolder}/.mcp-op/gh.env", "/repo", "/elsewhere", "linux")).toBe(
      "/repo/.mcp-op/gh.env",
    );
    expect(resolveEntryPath(".mcp-op/gh.env", "/repo", "/repo/sub", "linux")).toBe("/repo/sub/.mcp-op/gh.env");
    expect(resolveEntryPath("/abs/gh.env", "/repo", "/repo", "linux")).toBe("/abs/gh.env");
    expect(resolveEntryPath("${workspaceFolder}/.mcp-op/gh.env", "C:\\repo", "C:\\", "win32")).toBe(
      "C:\\repo\\.mcp-op\\gh.env",
    );
  });

  test("inside the project: the relative path, or undefined (a sibling with the same prefix is outside)", () => {
    expect(insideDir("/repo/.mcp-op/gh.env", "/repo", "linux")).toBe(".mcp-op/gh.env");
    expect(insideDir("/repo2/gh.env", "/repo", "linux")).toBeUndefined();
    expect(insideDir("/repo", "/repo", "linux")).toBeUndefined();
    expect(insideDir("/repo/../etc/gh.env", "/repo", "linux")).toBeUndefined();
    expect(insideDir("/Repo/gh.env", "/repo", "linux")).toBeUndefined();
    expect(insideDir("/Repo/gh.env", "/repo", "darwin")).toBe("gh.env");
    expect(insideDir("C:/repo/a/gh.env", "C:\\repo", "win32")).toBe("a\\gh.env");
  });

  test("run's line for a relative env file that is not there: where it looked, and what a teammate does", () => {
    const dir = tempHome();
    let error: unknown;
    try {
      readEnvFile(".mcp-op/gh.env", dir, dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(McpOpError);
    expect(error).toMatchObject({
      exitCode: 66,
      message: `.mcp-op/gh.env: no such file in ${dir}, the directory the server was started in`,
      hint: "fix: a project's entry finds its env file from the project's root: start the client there, with the file checked out (git pull), or write it with mcp-op add --scope project",
    });
    // An absolute path keeps its line.
    expect(() => readEnvFile(join(dir, "gone.env"), dir, dir)).toThrow(`${join(dir, "gone.env")}: no such file`);
  });
});
