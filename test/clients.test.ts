/** Where each client keeps its servers, on every platform, and the entry it expects. */
import { describe, expect, test } from "bun:test";
import {
  CLIENT_IDS,
  type ClientId,
  CODEX_STARTUP_TIMEOUT_SEC,
  entryFor,
  type Facts,
  joinPath,
  locate,
  readEntry,
  type Scope,
  type ServerSpec,
  scopesOf,
} from "../src/core/clients.ts";
import { McpOpError } from "../src/errors.ts";

const LINUX: Facts = { home: "/home/me", platform: "linux", cwd: "/home/me/proj", env: {} };
const MAC: Facts = { home: "/Users/me", platform: "darwin", cwd: "/Users/me/proj", env: {} };
const WIN: Facts = {
  home: "C:\\Users\\me",
  platform: "win32",
  cwd: "C:\\Users\\me\\proj",
  env: { APPDATA: "C:\\Users\\me\\AppData\\Roaming" },
};

type Row = [ClientId, Scope, string, ConfigFormat, string[]];
type ConfigFormat = "json" | "jsonc" | "toml";

const TABLE: Record<"linux" | "darwin" | "win32", Row[]> = {
  linux: [
    ["claude-code", "user", "/home/me/.claude.json", "json", ["mcpServers"]],
    ["claude-code", "local", "/home/me/.claude.json", "json", ["projects", "/home/me/proj", "mcpServers"]],
    ["claude-code", "project", "/home/me/proj/.mcp.json", "json", ["mcpServers"]],
    ["claude-desktop", "user", "/home/me/.config/Claude/claude_desktop_config.json", "json", ["mcpServers"]],
    ["cursor", "user", "/home/me/.cursor/mcp.json", "json", ["mcpServers"]],
    ["cursor", "project", "/home/me/proj/.cursor/mcp.json", "json", ["mcpServers"]],
    ["vscode", "user", "/home/me/.config/Code/User/mcp.json", "jsonc", ["servers"]],
    ["vscode", "project", "/home/me/proj/.vscode/mcp.json", "jsonc", ["servers"]],
    ["windsurf", "user", "/home/me/.codeium/windsurf/mcp_config.json", "json", ["mcpServers"]],
    ["codex", "user", "/home/me/.codex/config.toml", "toml", ["mcp_servers"]],
    ["gemini", "user", "/home/me/.gemini/settings.json", "json", ["mcpServers"]],
    ["gemini", "project", "/home/me/proj/.gemini/settings.json", "json", ["mcpServers"]],
    ["zed", "user", "/home/me/.config/zed/settings.json", "jsonc", ["context_servers"]],
    ["zed", "project", "/home/me/proj/.zed/settings.json", "jsonc", ["context_servers"]],
  ],
  darwin: [
    ["claude-code", "user", "/Users/me/.claude.json", "json", ["mcpServers"]],
    ["claude-code", "local", "/Users/me/.claude.json", "json", ["projects", "/Users/me/proj", "mcpServers"]],
    ["claude-code", "project", "/Users/me/proj/.mcp.json", "json", ["mcpServers"]],
    [
      "claude-desktop",
      "user",
      "/Users/me/Library/Application Support/Claude/claude_desktop_config.json",
      "json",
      ["mcpServers"],
    ],
    ["cursor", "user", "/Users/me/.cursor/mcp.json", "json", ["mcpServers"]],
    ["cursor", "project", "/Users/me/proj/.cursor/mcp.json", "json", ["mcpServers"]],
    ["vscode", "user", "/Users/me/Library/Application Support/Code/User/mcp.json", "jsonc", ["servers"]],
    ["vscode", "project", "/Users/me/proj/.vscode/mcp.json", "jsonc", ["servers"]],
    ["windsurf", "user", "/Users/me/.codeium/windsurf/mcp_config.json", "json", ["mcpServers"]],
    ["codex", "user", "/Users/me/.codex/config.toml", "toml", ["mcp_servers"]],
    ["gemini", "user", "/Users/me/.gemini/settings.json", "json", ["mcpServers"]],
    ["gemini", "project", "/Users/me/proj/.gemini/settings.json", "json", ["mcpServers"]],
    ["zed", "user", "/Users/me/.config/zed/settings.json", "jsonc", ["context_servers"]],
    ["zed", "project", "/Users/me/proj/.zed/settings.json", "jsonc", ["context_servers"]],
  ],
  win32: [
    ["claude-code", "user", "C:\\Users\\me\\.claude.json", "json", ["mcpServers"]],
    ["claude-code", "local", "C:\\Users\\me\\.claude.json", "json", ["projects", "C:/Users/me/proj", "mcpServers"]],
    ["claude-code", "project", "C:\\Users\\me\\proj\\.mcp.json", "json", ["mcpServers"]],
    [
      "claude-desktop",
      "user",
      "C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json",
      "json",
      ["mcpServers"],
    ],
    ["cursor", "user", "C:\\Users\\me\\.cursor\\mcp.json", "json", ["mcpServers"]],
    ["cursor", "project", "C:\\Users\\me\\proj\\.cursor\\mcp.json", "json", ["mcpServers"]],
    ["vscode", "user", "C:\\Users\\me\\AppData\\Roaming\\Code\\User\\mcp.json", "jsonc", ["servers"]],
    ["vscode", "project", "C:\\Users\\me\\proj\\.vscode\\mcp.json", "jsonc", ["servers"]],
    ["windsurf", "user", "C:\\Users\\me\\.codeium\\windsurf\\mcp_config.json", "json", ["mcpServers"]],
    ["codex", "user", "C:\\Users\\me\\.codex\\config.toml", "toml", ["mcp_servers"]],
    ["gemini", "user", "C:\\Users\\me\\.gemini\\settings.json", "json", ["mcpServers"]],
    ["gemini", "project", "C:\\Users\\me\\proj\\.gemini\\settings.json", "json", ["mcpServers"]],
    ["zed", "user", "C:\\Users\\me\\AppData\\Roaming\\Zed\\settings.json", "jsonc", ["context_servers"]],
    ["zed", "project", "C:\\Users\\me\\proj\\.zed\\settings.json", "jsonc", ["context_servers"]],
  ],
};

const FACTS = { linux: LINUX, darwin: MAC, win32: WIN } as const;

describe("locate", () => {
  for (const [platform, rows] of Object.entries(TABLE) as [keyof typeof TABLE, Row[]][]) {
    for (const [client, scope, path, format, keyPath] of rows) {
      test(`${platform} ${client} ${scope}`, () => {
        expect(locate(client, scope, FACTS[platform])).toEqual({ client, scope, path, format, keyPath });
      });
    }
  }

  test("the table covers every client and scope on every platform", () => {
    const all = CLIENT_IDS.flatMap((c) => scopesOf(c).map((s) => `${c}/${s}`)).sort();
    for (const rows of Object.values(TABLE)) expect(rows.map(([c, s]) => `${c}/${s}`).sort()).toEqual(all);
  });

  const unsupported: [ClientId, Scope][] = [
    ["claude-desktop", "project"],
    ["claude-desktop", "local"],
    ["windsurf", "project"],
    ["codex", "project"],
    ["codex", "local"],
    ["cursor", "local"],
    ["vscode", "local"],
    ["gemini", "local"],
    ["zed", "local"],
  ];
  for (const [client, scope] of unsupported) {
    test(`${client} has no ${scope} scope: usage error 64`, () => {
      let caught: unknown;
      try {
        locate(client, scope, LINUX);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(McpOpError);
      expect((caught as McpOpError).exitCode).toBe(64);
      expect((caught as McpOpError).message).toBe(`${client} has no ${scope} scope`);
      expect((caught as McpOpError).hint).toBe(`${client} scopes: ${scopesOf(client).join(", ")}`);
    });
  }

  const env = (platform: keyof typeof FACTS, vars: Record<string, string>): Facts => ({
    ...FACTS[platform],
    env: { ...FACTS[platform].env, ...vars },
  });

  test("XDG_CONFIG_HOME on Linux (Claude Desktop, VS Code, Zed); ignored when relative or on macOS", () => {
    const f = env("linux", { XDG_CONFIG_HOME: "/xdg" });
    expect(locate("claude-desktop", "user", f).path).toBe("/xdg/Claude/claude_desktop_config.json");
    expect(locate("vscode", "user", f).path).toBe("/xdg/Code/User/mcp.json");
    expect(locate("zed", "user", f).path).toBe("/xdg/zed/settings.json");
    expect(locate("zed", "user", env("linux", { XDG_CONFIG_HOME: "rel" })).path).toBe(
      "/home/me/.config/zed/settings.json",
    );
    expect(locate("zed", "user", env("darwin", { XDG_CONFIG_HOME: "/xdg" })).path).toBe(
      "/Users/me/.config/zed/settings.json",
    );
  });

  test("CODEX_HOME and CLAUDE_CONFIG_DIR", () => {
    expect(locate("codex", "user", env("linux", { CODEX_HOME: "/opt/codex/" })).path).toBe("/opt/codex/config.toml");
    expect(locate("codex", "user", env("win32", { codex_home: "D:\\codex" })).path).toBe("D:\\codex\\config.toml");
    const claude = env("linux", { CLAUDE_CONFIG_DIR: "/cfg/claude" });
    expect(locate("claude-code", "user", claude).path).toBe("/cfg/claude/.claude.json");
    expect(locate("claude-code", "local", claude).path).toBe("/cfg/claude/.claude.json");
    expect(locate("claude-code", "project", claude).path).toBe("/home/me/proj/.mcp.json");
    expect(locate("codex", "user", env("linux", { CODEX_HOME: "" })).path).toBe("/home/me/.codex/config.toml");
  });

  test("Windows: %APPDATA% in any case, or its usual place", () => {
    const f: Facts = { ...WIN, env: { appdata: "E:\\Roaming" } };
    expect(locate("vscode", "user", f).path).toBe("E:\\Roaming\\Code\\User\\mcp.json");
    expect(locate("zed", "user", { ...WIN, env: {} }).path).toBe("C:\\Users\\me\\AppData\\Roaming\\Zed\\settings.json");
  });

  test("Claude Code keys local scope by the project root when given", () => {
    expect(
      locate("claude-code", "local", { ...LINUX, cwd: "/home/me/proj/src", projectRoot: "/home/me/proj" }).keyPath,
    ).toEqual(["projects", "/home/me/proj", "mcpServers"]);
  });

  test("scopesOf: user first", () => {
    for (const client of CLIENT_IDS) expect(scopesOf(client)[0]).toBe("user");
    expect(scopesOf("claude-code")).toEqual(["user", "local", "project"]);
    expect(scopesOf("codex")).toEqual(["user"]);
  });
});

describe("joinPath", () => {
  for (const [platform, parts, want] of [
    ["linux", ["/a", "b", "c"], "/a/b/c"],
    ["linux", ["/a/", "/b/", "c"], "/a/b/c"],
    ["linux", ["/", "a"], "/a"],
    ["win32", ["C:\\a", "b"], "C:\\a\\b"],
    ["win32", ["C:\\", "a"], "C:\\a"],
    ["win32", ["C:\\a\\", "\\b", "c"], "C:\\a\\b\\c"],
    ["win32", ["C:/a/", "b"], "C:/a\\b"],
  ] as const) {
    test(`${platform} ${parts.join(" + ")}`, () => {
      const [first, ...rest] = parts;
      expect(joinPath(platform, first, ...rest)).toBe(want);
    });
  }
});

describe("entryFor and readEntry", () => {
  const specs: ServerSpec[] = [
    { command: "/opt/homebrew/bin/mcp-op", args: ["run", "--env-file", "/x.env", "--", "npx", "-y", "srv"] },
    { command: "C:\\mcp-op.exe", args: [], env: { A: "1", GITHUB_TOKEN: "op://Private/GitHub/token" } },
    { command: "mcp-op", args: ["run", "--", "srv"], env: {} },
  ];

  for (const client of CLIENT_IDS) {
    test(`${client}: round trip`, () => {
      for (const spec of specs) {
        const entry = entryFor(client, spec);
        expect(readEntry(client, entry)).toEqual(spec);
        expect(readEntry(client, JSON.parse(JSON.stringify(entry)))).toEqual(spec);
      }
    });
  }

  test("the shape each client gets", () => {
    const spec = { command: "c", args: ["a"], env: { K: "v" } };
    expect(entryFor("vscode", spec)).toEqual({ type: "stdio", command: "c", args: ["a"], env: { K: "v" } });
    expect(Object.keys(entryFor("vscode", spec))[0]).toBe("type");
    expect(entryFor("codex", spec)).toEqual({ command: "c", args: ["a"], env: { K: "v" }, startup_timeout_sec: 30 });
    expect(CODEX_STARTUP_TIMEOUT_SEC).toBe(30);
    for (const client of ["claude-code", "claude-desktop", "cursor", "windsurf", "gemini", "zed"] as const) {
      expect(entryFor(client, spec)).toEqual({ command: "c", args: ["a"], env: { K: "v" } });
      expect(entryFor(client, { command: "c", args: [] })).toEqual({ command: "c", args: [] });
    }
  });

  test("entryFor copies: changing the entry leaves the spec alone", () => {
    const spec = { command: "c", args: ["a"], env: { K: "v" } };
    const entry = entryFor("cursor", spec) as { args: string[]; env: Record<string, string> };
    entry.args.push("b");
    entry.env.X = "y";
    expect(spec).toEqual({ command: "c", args: ["a"], env: { K: "v" } });
  });

  for (const [name, raw, want] of [
    [
      "Zed's older form",
      { command: { path: "/bin/srv", args: ["x"], env: { A: "1" } }, settings: {} },
      { command: "/bin/srv", args: ["x"], env: { A: "1" } },
    ],
    [
      "Zed's older form, env null",
      { command: { path: "/bin/srv", args: [], env: null } },
      { command: "/bin/srv", args: [] },
    ],
    [
      "Zed's source: custom",
      { source: "custom", enabled: true, command: "srv", args: [], env: {} },
      { command: "srv", args: [], env: {} },
    ],
    [
      "Claude Code's type stdio",
      { type: "stdio", command: "npx", args: ["-y", "x"], env: {} },
      { command: "npx", args: ["-y", "x"], env: {} },
    ],
    ["no args", { command: "srv" }, { command: "srv", args: [] }],
    [
      "numbers in args and env",
      { command: "srv", args: ["--port", 8080], env: { N: 1, B: true, O: {} } },
      { command: "srv", args: ["--port", "8080"], env: { N: "1", B: "true" } },
    ],
    [
      "codex extras",
      { command: "srv", args: [], startup_timeout_sec: 30, enabled: false, tool_timeout_sec: 60 },
      { command: "srv", args: [] },
    ],
    ["remote (http)", { type: "http", url: "https://x" }, undefined],
    ["remote (sse with command)", { type: "sse", command: "x", url: "https://x" }, undefined],
    ["gemini httpUrl", { httpUrl: "https://x" }, undefined],
    ["windsurf serverUrl", { serverUrl: "https://x" }, undefined],
    ["Zed extension server", { settings: { key: "v" } }, undefined],
    ["empty command", { command: "", args: [] }, undefined],
    ["not an object", "npx srv", undefined],
    ["null", null, undefined],
    ["an array", ["npx"], undefined],
  ] as const) {
    test(`readEntry: ${name}`, () => {
      for (const client of CLIENT_IDS) expect(readEntry(client, raw)).toEqual(want as ServerSpec | undefined);
    });
  }
});
