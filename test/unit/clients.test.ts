/** Where each client keeps its servers, on every platform, and the entry it expects. */
import { describe, expect, test } from "bun:test";
import { claudeProjectApproval, geminiFolderApproval } from "../../src/core/approval.ts";
import {
  ENV_POLICIES,
  expandedCommand,
  GUI_PATH,
  geminiDropReason,
  lostCredentials,
  serverEnvironment,
  whyDropped,
} from "../../src/core/client-env.ts";
import {
  CLIENT_IDS,
  type ClientId,
  CODEX_STARTUP_TIMEOUT_SEC,
  configLocation,
  entryFor,
  type Facts,
  readEntry,
  type Scope,
  type ServerSpec,
  scopesOf,
  startupWindowSec,
} from "../../src/core/clients.ts";
import { answerServerRequest, describeRpcError, parseMessage, safeLine, stderrTail } from "../../src/core/connect.ts";
import { joinPath } from "../../src/core/paths.ts";
import { McpOpError } from "../../src/errors.ts";

const LINUX: Facts = { home: "/home/me", platform: "linux", cwd: "/home/me/proj", env: {} };
const MAC: Facts = { home: "/Users/me", platform: "darwin", cwd: "/Users/me/proj", env: {} };
const WIN: Facts = {
  home: "C:\\Users\\me",
  platform: "win32",
  cwd: "C:\\Users\\me\\proj",
  env: { APPDATA: "C:\\Users\\me\\AppData\\Roaming" },
};

type Row = [ClientId, Scope, string, ConfigFormat, string[]];
type ConfigFormat = "json" | "jsonc" | "toml" | "yaml";

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
    ["vscode-insiders", "user", "/home/me/.config/Code - Insiders/User/mcp.json", "jsonc", ["servers"]],
    ["vscode-insiders", "project", "/home/me/proj/.vscode/mcp.json", "jsonc", ["servers"]],
    ["copilot", "user", "/home/me/.copilot/mcp-config.json", "jsonc", ["mcpServers"]],
    ["copilot", "project", "/home/me/proj/.github/mcp.json", "jsonc", ["mcpServers"]],
    ["qwen", "user", "/home/me/.qwen/settings.json", "jsonc", ["mcpServers"]],
    ["qwen", "project", "/home/me/proj/.qwen/settings.json", "jsonc", ["mcpServers"]],
    ["auggie", "user", "/home/me/.augment/settings.json", "jsonc", ["mcpServers"]],
    ["auggie", "project", "/home/me/proj/.augment/settings.json", "jsonc", ["mcpServers"]],
    ["kiro", "user", "/home/me/.kiro/settings/mcp.json", "json", ["mcpServers"]],
    ["kiro", "project", "/home/me/proj/.kiro/settings/mcp.json", "json", ["mcpServers"]],
    ["lmstudio", "user", "/home/me/.lmstudio/mcp.json", "json", ["mcpServers"]],
    [
      "roo",
      "user",
      "/home/me/.config/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json",
      "json",
      ["mcpServers"],
    ],
    ["roo", "project", "/home/me/proj/.roo/mcp.json", "json", ["mcpServers"]],
    ["cline", "user", "/home/me/.cline/data/settings/cline_mcp_settings.json", "json", ["mcpServers"]],
    ["cline-cli", "user", "/home/me/.cline/data/settings/cline_mcp_settings.json", "json", ["mcpServers"]],
    ["amp", "user", "/home/me/.config/amp/settings.json", "jsonc", ["amp.mcpServers"]],
    ["amp", "project", "/home/me/proj/.amp/settings.json", "jsonc", ["amp.mcpServers"]],
    ["crush", "user", "/home/me/.config/crush/crush.json", "json", ["mcp"]],
    ["crush", "project", "/home/me/proj/.crush.json", "json", ["mcp"]],
    ["opencode", "user", "/home/me/.config/opencode/opencode.jsonc", "jsonc", ["mcp"]],
    ["opencode", "project", "/home/me/proj/opencode.jsonc", "jsonc", ["mcp"]],
    ["kilo", "user", "/home/me/.config/kilo/kilo.jsonc", "jsonc", ["mcp"]],
    ["kilo", "project", "/home/me/proj/kilo.jsonc", "jsonc", ["mcp"]],
    ["goose", "user", "/home/me/.config/goose/config.yaml", "yaml", ["extensions"]],
    ["continue", "user", "/home/me/.continue/config.yaml", "yaml", ["mcpServers"]],
    ["continue", "project", "/home/me/proj/.continue/mcpServers/github.yaml", "yaml", ["mcpServers"]],
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
    [
      "vscode-insiders",
      "user",
      "/Users/me/Library/Application Support/Code - Insiders/User/mcp.json",
      "jsonc",
      ["servers"],
    ],
    ["vscode-insiders", "project", "/Users/me/proj/.vscode/mcp.json", "jsonc", ["servers"]],
    ["copilot", "user", "/Users/me/.copilot/mcp-config.json", "jsonc", ["mcpServers"]],
    ["copilot", "project", "/Users/me/proj/.github/mcp.json", "jsonc", ["mcpServers"]],
    ["qwen", "user", "/Users/me/.qwen/settings.json", "jsonc", ["mcpServers"]],
    ["qwen", "project", "/Users/me/proj/.qwen/settings.json", "jsonc", ["mcpServers"]],
    ["auggie", "user", "/Users/me/.augment/settings.json", "jsonc", ["mcpServers"]],
    ["auggie", "project", "/Users/me/proj/.augment/settings.json", "jsonc", ["mcpServers"]],
    ["kiro", "user", "/Users/me/.kiro/settings/mcp.json", "json", ["mcpServers"]],
    ["kiro", "project", "/Users/me/proj/.kiro/settings/mcp.json", "json", ["mcpServers"]],
    ["lmstudio", "user", "/Users/me/.lmstudio/mcp.json", "json", ["mcpServers"]],
    [
      "roo",
      "user",
      "/Users/me/Library/Application Support/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json",
      "json",
      ["mcpServers"],
    ],
    ["roo", "project", "/Users/me/proj/.roo/mcp.json", "json", ["mcpServers"]],
    ["cline", "user", "/Users/me/.cline/data/settings/cline_mcp_settings.json", "json", ["mcpServers"]],
    ["cline-cli", "user", "/Users/me/.cline/data/settings/cline_mcp_settings.json", "json", ["mcpServers"]],
    ["amp", "user", "/Users/me/.config/amp/settings.json", "jsonc", ["amp.mcpServers"]],
    ["amp", "project", "/Users/me/proj/.amp/settings.json", "jsonc", ["amp.mcpServers"]],
    ["crush", "user", "/Users/me/.config/crush/crush.json", "json", ["mcp"]],
    ["crush", "project", "/Users/me/proj/.crush.json", "json", ["mcp"]],
    ["opencode", "user", "/Users/me/.config/opencode/opencode.jsonc", "jsonc", ["mcp"]],
    ["opencode", "project", "/Users/me/proj/opencode.jsonc", "jsonc", ["mcp"]],
    ["kilo", "user", "/Users/me/.config/kilo/kilo.jsonc", "jsonc", ["mcp"]],
    ["kilo", "project", "/Users/me/proj/kilo.jsonc", "jsonc", ["mcp"]],
    ["goose", "user", "/Users/me/.config/goose/config.yaml", "yaml", ["extensions"]],
    ["continue", "user", "/Users/me/.continue/config.yaml", "yaml", ["mcpServers"]],
    ["continue", "project", "/Users/me/proj/.continue/mcpServers/github.yaml", "yaml", ["mcpServers"]],
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
    [
      "vscode-insiders",
      "user",
      "C:\\Users\\me\\AppData\\Roaming\\Code - Insiders\\User\\mcp.json",
      "jsonc",
      ["servers"],
    ],
    ["vscode-insiders", "project", "C:\\Users\\me\\proj\\.vscode\\mcp.json", "jsonc", ["servers"]],
    ["copilot", "user", "C:\\Users\\me\\.copilot\\mcp-config.json", "jsonc", ["mcpServers"]],
    ["copilot", "project", "C:\\Users\\me\\proj\\.github\\mcp.json", "jsonc", ["mcpServers"]],
    ["qwen", "user", "C:\\Users\\me\\.qwen\\settings.json", "jsonc", ["mcpServers"]],
    ["qwen", "project", "C:\\Users\\me\\proj\\.qwen\\settings.json", "jsonc", ["mcpServers"]],
    ["auggie", "user", "C:\\Users\\me\\.augment\\settings.json", "jsonc", ["mcpServers"]],
    ["auggie", "project", "C:\\Users\\me\\proj\\.augment\\settings.json", "jsonc", ["mcpServers"]],
    ["kiro", "user", "C:\\Users\\me\\.kiro\\settings\\mcp.json", "json", ["mcpServers"]],
    ["kiro", "project", "C:\\Users\\me\\proj\\.kiro\\settings\\mcp.json", "json", ["mcpServers"]],
    ["lmstudio", "user", "C:\\Users\\me\\.lmstudio\\mcp.json", "json", ["mcpServers"]],
    [
      "roo",
      "user",
      "C:\\Users\\me\\AppData\\Roaming\\Code\\User\\globalStorage\\rooveterinaryinc.roo-cline\\settings\\mcp_settings.json",
      "json",
      ["mcpServers"],
    ],
    ["roo", "project", "C:\\Users\\me\\proj\\.roo\\mcp.json", "json", ["mcpServers"]],
    ["cline", "user", "C:\\Users\\me\\.cline\\data\\settings\\cline_mcp_settings.json", "json", ["mcpServers"]],
    ["cline-cli", "user", "C:\\Users\\me\\.cline\\data\\settings\\cline_mcp_settings.json", "json", ["mcpServers"]],
    ["amp", "user", "C:\\Users\\me\\.config\\amp\\settings.json", "jsonc", ["amp.mcpServers"]],
    ["amp", "project", "C:\\Users\\me\\proj\\.amp\\settings.json", "jsonc", ["amp.mcpServers"]],
    ["crush", "user", "C:\\Users\\me\\.config\\crush\\crush.json", "json", ["mcp"]],
    ["crush", "project", "C:\\Users\\me\\proj\\.crush.json", "json", ["mcp"]],
    ["opencode", "user", "C:\\Users\\me\\.config\\opencode\\opencode.jsonc", "jsonc", ["mcp"]],
    ["opencode", "project", "C:\\Users\\me\\proj\\opencode.jsonc", "jsonc", ["mcp"]],
    ["kilo", "user", "C:\\Users\\me\\.config\\kilo\\kilo.jsonc", "jsonc", ["mcp"]],
    ["kilo", "project", "C:\\Users\\me\\proj\\kilo.jsonc", "jsonc", ["mcp"]],
    ["goose", "user", "C:\\Users\\me\\AppData\\Roaming\\Block\\goose\\config\\config.yaml", "yaml", ["extensions"]],
    ["continue", "user", "C:\\Users\\me\\.continue\\config.yaml", "yaml", ["mcpServers"]],
    ["continue", "project", "C:\\Users\\me\\proj\\.continue\\mcpServers\\github.yaml", "yaml", ["mcpServers"]],
  ],
};

const FACTS = { linux: LINUX, darwin: MAC, win32: WIN } as const;

describe("configLocation", () => {
  for (const [platform, rows] of Object.entries(TABLE) as [keyof typeof TABLE, Row[]][]) {
    for (const [client, scope, path, format, keyPath] of rows) {
      test(`${platform} ${client} ${scope}`, () => {
        // Continue's project scope is one file per server: named by the server (here "github").
        expect(configLocation(client, scope, FACTS[platform], "github")).toEqual({
          client,
          scope,
          path,
          format,
          keyPath,
        });
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
        configLocation(client, scope, LINUX);
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
    expect(configLocation("claude-desktop", "user", f).path).toBe("/xdg/Claude/claude_desktop_config.json");
    expect(configLocation("vscode", "user", f).path).toBe("/xdg/Code/User/mcp.json");
    expect(configLocation("zed", "user", f).path).toBe("/xdg/zed/settings.json");
    expect(configLocation("zed", "user", env("linux", { XDG_CONFIG_HOME: "rel" })).path).toBe(
      "/home/me/.config/zed/settings.json",
    );
    expect(configLocation("zed", "user", env("darwin", { XDG_CONFIG_HOME: "/xdg" })).path).toBe(
      "/Users/me/.config/zed/settings.json",
    );
  });

  test("CODEX_HOME and CLAUDE_CONFIG_DIR", () => {
    expect(configLocation("codex", "user", env("linux", { CODEX_HOME: "/opt/codex/" })).path).toBe(
      "/opt/codex/config.toml",
    );
    expect(configLocation("codex", "user", env("win32", { codex_home: "D:\\codex" })).path).toBe(
      "D:\\codex\\config.toml",
    );
    const claude = env("linux", { CLAUDE_CONFIG_DIR: "/cfg/claude" });
    expect(configLocation("claude-code", "user", claude).path).toBe("/cfg/claude/.claude.json");
    expect(configLocation("claude-code", "local", claude).path).toBe("/cfg/claude/.claude.json");
    expect(configLocation("claude-code", "project", claude).path).toBe("/home/me/proj/.mcp.json");
    expect(configLocation("codex", "user", env("linux", { CODEX_HOME: "" })).path).toBe("/home/me/.codex/config.toml");
  });

  test("Windows: %APPDATA% in any case, or its usual place", () => {
    const f: Facts = { ...WIN, env: { appdata: "E:\\Roaming" } };
    expect(configLocation("vscode", "user", f).path).toBe("E:\\Roaming\\Code\\User\\mcp.json");
    expect(configLocation("zed", "user", { ...WIN, env: {} }).path).toBe(
      "C:\\Users\\me\\AppData\\Roaming\\Zed\\settings.json",
    );
  });

  test("Claude Code keys local scope by the project root when given", () => {
    expect(
      configLocation("claude-code", "local", { ...LINUX, cwd: "/home/me/proj/src", projectRoot: "/home/me/proj" })
        .keyPath,
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
      // Goose names the command `cmd`: its own cases are below.
      for (const client of CLIENT_IDS.filter((c) => c !== "goose")) {
        expect(readEntry(client, raw)).toEqual(want as ServerSpec | undefined);
      }
    });
  }
});

describe("each client's environment (core/client-env.ts)", () => {
  const SHELL = {
    HOME: "/home/me",
    USER: "me",
    LOGNAME: "me",
    SHELL: "/bin/zsh",
    TERM: "xterm",
    PATH: "/home/me/.nvm/bin:/opt/homebrew/bin:/usr/bin:/bin",
    OP_SERVICE_ACCOUNT_TOKEN: "ops_x",
    OP_CONNECT_HOST: "http://c",
    OP_CONNECT_TOKEN: "ct",
    MCP_OP_TOKEN_FILE: "/home/me/sa.token",
    OP_ACCOUNT: "my",
    SSH_AUTH_SOCK: "/tmp/agent",
    EDITOR: "vim",
  };
  const facts = { platform: "linux" as const };
  const credentialsThere = (client: ClientId) =>
    lostCredentials(SHELL, serverEnvironment(client, SHELL, {}, facts)).length === 0;

  test("which clients pass the shell's credentials on: the terminal ones that pass the whole environment", () => {
    expect(CLIENT_IDS.filter(credentialsThere)).toEqual(["claude-code", "qwen", "cline-cli", "crush", "opencode"]);
  });

  const rows: Array<[ClientId, string, string | undefined]> = [
    ["claude-code", "EDITOR", "vim"],
    ["gemini", "EDITOR", "vim"],
    ["gemini", "OP_ACCOUNT", "my"],
    ["gemini", "SSH_AUTH_SOCK", undefined],
    ["gemini", "GEMINI_CLI", "1"],
    ["codex", "EDITOR", undefined],
    ["codex", "PATH", SHELL.PATH],
    ["claude-desktop", "PATH", GUI_PATH],
    ["claude-desktop", "TERM", undefined], // an app started from the Dock has none
    ["claude-desktop", "HOME", "/home/me"],
    ["claude-desktop", "OP_ACCOUNT", undefined],
    ["cursor", "PATH", GUI_PATH],
    ["cursor", "EDITOR", undefined],
    ["zed", "HOME", "/home/me"],
  ];
  for (const [client, name, value] of rows) {
    test(`${client}: ${name} is ${value ?? "not passed"}`, () => {
      expect(serverEnvironment(client, SHELL, {}, facts)[name]).toBe(value);
    });
  }

  test("gemini: names, values, its fixed list, settings and GitHub Actions' strict mode", () => {
    const env = {
      A_KEY: "1",
      KEYBOARD: "2",
      DATABASE_URL: "x",
      GIT_CONFIG_X: "y",
      PLAIN: "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
      OK: "fine",
      GEMINI_CLI_TOKEN: "t",
    };
    expect(serverEnvironment("gemini", env, {}, facts)).toEqual({
      GEMINI_CLI: "1",
      GIT_CONFIG_X: "y",
      OK: "fine",
      GEMINI_CLI_TOKEN: "t",
    });
    expect(serverEnvironment("gemini", env, {}, { ...facts, gemini: { allowed: ["a_key"], blocked: ["OK"] } })).toEqual(
      {
        GEMINI_CLI: "1",
        A_KEY: "1",
        GIT_CONFIG_X: "y",
        GEMINI_CLI_TOKEN: "t",
      },
    );
    expect(serverEnvironment("gemini", { ...env, GITHUB_SHA: "abc", HOME: "/h" }, {}, facts)).toEqual({
      GEMINI_CLI: "1",
      GIT_CONFIG_X: "y",
      GEMINI_CLI_TOKEN: "t",
      HOME: "/h",
    });
  });

  test("expansion: Claude's ${VAR}, gemini's settings then dotenv, the editors' ${env:VAR}, none elsewhere", () => {
    const shell = { A: "a", TOKEN: "tok" };
    const entry = { env: { X: "${A}-${B:-b}-$A-${env:A}-${TOKEN}", BAD: "${NOPE}" } };
    expect(serverEnvironment("claude-code", shell, entry, facts)).toMatchObject({
      X: "a-b-$A-${env:A}-tok",
      BAD: "${NOPE}",
    });
    expect(serverEnvironment("gemini", shell, entry, facts)).toMatchObject({ X: "a-b-a--tok", BAD: "" });
    expect(serverEnvironment("codex", shell, entry, facts)).toMatchObject(entry.env);
    const editor = serverEnvironment("vscode", { ...shell, HOME: "/h" }, { env: { X: "${env:HOME}|${env:A}" } }, facts);
    expect(editor.X).toBe("/h|"); // the app has the login session's HOME, not this shell's A
    expect(expandedCommand("claude-code", { command: "${A}/bin", args: ["${A}", "$A"] }, shell, "linux")).toEqual({
      command: "a/bin",
      args: ["a", "$A"],
    });
  });

  test("the clients of docs/clients.md: what reaches a server", () => {
    const names = (client: ClientId, entry = {}) => Object.keys(serverEnvironment(client, SHELL, entry, facts)).sort();
    const sdk = ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"];
    for (const client of ["auggie", "copilot", "amp"] as const) expect(names(client)).toEqual(sdk);
    // Extensions and apps: the SDK's names of the app's (login session's) environment, launchd's PATH.
    for (const client of ["roo", "cline", "kiro", "lmstudio"] as const) {
      expect(names(client)).toEqual(["HOME", "LOGNAME", "PATH", "SHELL", "USER"]);
      expect(serverEnvironment(client, SHELL, {}, facts).PATH).toBe(GUI_PATH);
    }
    for (const client of ["cline-cli", "crush", "opencode"] as const) {
      expect(serverEnvironment(client, SHELL, {}, facts)).toEqual(SHELL);
    }
    expect(serverEnvironment("qwen", { ...SHELL, QWEN_SERVER_TOKEN: "q", QWEN_DAEMON_TOKEN: "d" }, {}, facts)).toEqual(
      SHELL,
    );
    // Continue: five names, then PATH from the login shell over the entry's own.
    expect(serverEnvironment("continue", SHELL, { env: { PATH: "/mine", A: "1" } }, facts)).toEqual({
      HOME: "/home/me",
      USER: "me",
      LOGNAME: "me",
      A: "1",
      PATH: GUI_PATH,
    });
    // Goose refuses PATH, LD_* and NODE_OPTIONS in envs (its PATH is its own: modelled as an app's).
    expect(
      serverEnvironment("goose", {}, { env: { PATH: "/x", LD_PRELOAD: "y", node_options: "z", OK: "1" } }, facts),
    ).toEqual({ OK: "1", PATH: GUI_PATH });
    expect(whyDropped("goose", "TMP", {}, facts)).toBe("goose refuses that name in envs");
    expect(whyDropped("auggie", "OP_SERVICE_ACCOUNT_TOKEN", {}, facts)).toContain("HOME, LOGNAME, PATH");
    expect(whyDropped("kiro", "OP_SERVICE_ACCOUNT_TOKEN", {}, facts)).toContain("unknown");
  });

  test("the clients of docs/clients.md: their ${VAR} forms", () => {
    const shell = { A: "a" };
    const x = (client: ClientId, value: string) => serverEnvironment(client, shell, { env: { X: value } }, facts).X;
    expect(x("qwen", "$A-${A}-${NOPE}")).toBe("a-a-${NOPE}");
    expect(x("auggie", "${A}-${B:-b}-${NOPE}")).toBe("a-b-${NOPE}");
    expect(x("copilot", "$A-${A}-${B:-b}")).toBe("a-a-b");
    expect(x("opencode", "{env:A}-{env:NOPE}-${A}")).toBe("a--${A}");
    expect(x("kilo", "{env:A}")).toBe(""); // the extension host's environment, where A is not
    expect(x("crush", "$A-${A}-$NOPE")).toBe("a-a-");
    expect(x("cline-cli", "${A}")).toBe("${A}");
    expect(x("goose", "${A}")).toBe("${A}");
    // Extensions: the app's environment, where A is not; an unset name stays as written.
    expect(serverEnvironment("roo", { HOME: "/h" }, { env: { X: "${env:HOME}|${env:A}" } }, facts).X).toBe(
      "/h|${env:A}",
    );
    expect(x("continue", "${{ secrets.NOPE }}")).toBe("${{ secrets.NOPE }}");
  });

  test("the shape each new client gets", () => {
    const spec = { command: "c", args: ["a"], env: { K: "v" } };
    expect(entryFor("copilot", spec)).toEqual({
      tools: ["*"],
      type: "local",
      command: "c",
      args: ["a"],
      env: { K: "v" },
    });
    expect(entryFor("cline", spec)).toEqual({ type: "stdio", command: "c", args: ["a"], env: { K: "v" }, timeout: 60 });
    expect(entryFor("cline-cli", spec)).toEqual(entryFor("cline", spec));
    expect(entryFor("crush", spec)).toEqual({ type: "stdio", command: "c", args: ["a"], env: { K: "v" }, timeout: 30 });
    expect(entryFor("opencode", spec)).toEqual({ type: "local", command: ["c", "a"], environment: { K: "v" } });
    expect(entryFor("kilo", { command: "c", args: [] })).toEqual({ type: "local", command: ["c"] });
    expect(entryFor("goose", spec)).toEqual({
      enabled: true,
      type: "stdio",
      cmd: "c",
      args: ["a"],
      envs: { K: "v" },
      timeout: 300,
    });
    for (const client of ["qwen", "kiro", "lmstudio", "roo", "amp", "continue"] as const) {
      expect(entryFor(client, spec)).toEqual({ command: "c", args: ["a"], env: { K: "v" } });
    }
    expect(entryFor("auggie", spec)).toEqual({ type: "stdio", command: "c", args: ["a"], env: { K: "v" } });
  });

  test("startupWindowSec: the entry's own window, else the client's default (docs/clients.md)", () => {
    expect(startupWindowSec("cline", {})).toBe(3);
    expect(startupWindowSec("cline", entryFor("cline", { command: "c", args: [] }))).toBe(60);
    expect(startupWindowSec("crush", {})).toBe(10);
    expect(startupWindowSec("crush", entryFor("crush", { command: "c", args: [] }))).toBe(30);
    expect(startupWindowSec("opencode", { timeout: 5000 })).toBe(5);
    expect(startupWindowSec("kilo", {})).toBe(30);
    expect(startupWindowSec("goose", { timeout: "x" })).toBe(300);
    expect(startupWindowSec("continue", { connectionTimeout: 45000 })).toBe(45);
    expect(startupWindowSec("kiro", { timeout: 1 })).toBe(60);
    expect(startupWindowSec("codex", {})).toBeUndefined();
  });

  test("readEntry: the new clients' own forms", () => {
    expect(readEntry("cline", { transport: { type: "stdio", command: "c", args: ["a"] }, timeout: 5 })).toEqual({
      command: "c",
      args: ["a"],
    });
    expect(readEntry("cline", { type: "streamableHttp", url: "https://x" })).toBeUndefined();
    expect(readEntry("opencode", { type: "remote", url: "https://x" })).toBeUndefined();
    expect(readEntry("opencode", { command: ["c"], environment: { A: "1" } })).toEqual({
      command: "c",
      args: [],
      env: { A: "1" },
    });
    expect(readEntry("copilot", { type: "local", command: "c", args: [] })).toEqual({ command: "c", args: [] });
    expect(readEntry("cursor", { type: "local", command: "c", args: [] })).toBeUndefined();
    expect(readEntry("goose", { type: "builtin", name: "developer" })).toBeUndefined();
    expect(readEntry("goose", { type: "streamable_http", uri: "https://x" })).toBeUndefined();
    expect(readEntry("goose", { type: "stdio", cmd: "c", args: ["a"], envs: { A: "1" } })).toEqual({
      command: "c",
      args: ["a"],
      env: { A: "1" },
    });
  });

  test("configLocation: the new clients' variables and the file that exists", () => {
    const f = (vars: Record<string, string>, exists: string[] = []): Facts => ({
      ...LINUX,
      env: vars,
      exists: (p) => exists.includes(p),
    });
    expect(configLocation("copilot", "user", f({ COPILOT_HOME: "/c" })).path).toBe("/c/mcp-config.json");
    expect(configLocation("qwen", "user", f({ QWEN_HOME: "/q" })).path).toBe("/q/settings.json");
    expect(configLocation("cline", "user", f({ CLINE_MCP_SETTINGS_PATH: "/x/s.json" })).path).toBe("/x/s.json");
    expect(configLocation("cline-cli", "user", f({ CLINE_DIR: "/cl" })).path).toBe(
      "/cl/data/settings/cline_mcp_settings.json",
    );
    expect(configLocation("cline", "user", f({ CLINE_DATA_DIR: "/d" })).path).toBe(
      "/d/settings/cline_mcp_settings.json",
    );
    expect(configLocation("crush", "user", f({ CRUSH_GLOBAL_CONFIG: "/g" })).path).toBe("/g/crush.json");
    expect(configLocation("crush", "user", f({ XDG_CONFIG_HOME: "/x" })).path).toBe("/x/crush/crush.json");
    expect(configLocation("opencode", "user", f({ XDG_CONFIG_HOME: "/x" })).path).toBe("/x/opencode/opencode.jsonc");
    expect(configLocation("continue", "user", f({ CONTINUE_GLOBAL_DIR: "/co" })).path).toBe("/co/config.yaml");
    expect(configLocation("opencode", "user", f({}, ["/home/me/.config/opencode/opencode.json"])).path).toBe(
      "/home/me/.config/opencode/opencode.json",
    );
    expect(configLocation("crush", "project", f({}, ["/home/me/proj/crush.json"])).path).toBe(
      "/home/me/proj/crush.json",
    );
    expect(configLocation("kilo", "project", f({}, ["/home/me/proj/.kilo/kilo.json"])).path).toBe(
      "/home/me/proj/.kilo/kilo.json",
    );
    expect(
      configLocation("opencode", "project", { ...LINUX, cwd: "/home/me/proj/src", projectRoot: "/home/me/proj" }).path,
    ).toBe("/home/me/proj/opencode.jsonc");
  });

  test("gemini never sets NODE_OPTIONS and the like from an entry", () => {
    expect(
      serverEnvironment("gemini", {}, { env: { NODE_OPTIONS: "--require x", LD_PRELOAD: "y", OK: "1" } }, facts),
    ).toEqual({
      GEMINI_CLI: "1",
      OK: "1",
    });
  });

  test("every policy names its source, PATH and expansion", () => {
    for (const client of CLIENT_IDS) {
      const p = ENV_POLICIES[client];
      expect([client, p.source.length > 10, p.path.length > 0, p.expands.length > 0]).toEqual([
        client,
        true,
        true,
        true,
      ]);
    }
    expect(geminiDropReason("OP_SERVICE_ACCOUNT_TOKEN", "ops_x")).toBe("it removes every variable named like *TOKEN*");
    expect(whyDropped("codex", "OP_CONNECT_TOKEN", {}, facts)).toContain("short list");
  });
});

describe("which servers a client would start (core/approval.ts)", () => {
  test("Claude Code project servers: the user's word only, rejections first", () => {
    expect(claudeProjectApproval("a", undefined, undefined).approved).toBe(false);
    expect(claudeProjectApproval("a", { enabledMcpjsonServers: ["a"] }, undefined).approved).toBe(false);
    expect(
      claudeProjectApproval("a", { hasTrustDialogAccepted: true, enabledMcpjsonServers: ["a"] }, {}).approved,
    ).toBe(true);
    expect(
      claudeProjectApproval("a", { hasTrustDialogAccepted: true, enableAllProjectMcpServers: true }, {}).approved,
    ).toBe(true);
    expect(claudeProjectApproval("a", {}, { enabledMcpjsonServers: ["a"] }).approved).toBe(true);
    expect(
      claudeProjectApproval("a", { disabledMcpjsonServers: ["a"] }, { enableAllProjectMcpServers: true }).approved,
    ).toBe(false);
  });

  test("gemini folder trust: off, environment, longest rule, TRUST_PARENT", () => {
    const parent = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";
    const trust = (rules: Array<[string, string]>, extra: { enabled?: boolean; fromEnv?: boolean } = {}) => ({
      enabled: extra.enabled ?? true,
      fromEnv: extra.fromEnv,
      rules: rules.map(([path, level]) => ({ path, level })),
    });
    const ok = (dir: string, t: ReturnType<typeof trust>) => geminiFolderApproval(dir, t, parent).approved;
    expect(ok("/p/x", trust([]))).toBe(false);
    expect(ok("/p/x", trust([], { enabled: false }))).toBe(true);
    expect(ok("/p/x", trust([["/p", "TRUST_FOLDER"]], { fromEnv: false }))).toBe(false);
    expect(ok("/p/x", trust([["/p", "TRUST_FOLDER"]]))).toBe(true);
    expect(
      ok(
        "/p/x",
        trust([
          ["/p", "TRUST_FOLDER"],
          ["/p/x", "DO_NOT_TRUST"],
        ]),
      ),
    ).toBe(false);
    expect(ok("/p/x", trust([["/p/y", "TRUST_PARENT"]]))).toBe(true);
    expect(ok("/px", trust([["/p", "TRUST_FOLDER"]]))).toBe(false);
  });
});

describe("the MCP handshake doctor --connect speaks (core/connect.ts)", () => {
  test("server requests are answered; errors and stderr lines are one safe line each", () => {
    expect(JSON.parse(answerServerRequest({ id: 7, method: "ping" }))).toEqual({ jsonrpc: "2.0", id: 7, result: {} });
    expect(JSON.parse(answerServerRequest({ id: "r", method: "roots/list" })).error.code).toBe(-32601);
    expect(describeRpcError({ code: -32000, message: "no\nop" })).toBe("-32000: no\\u000aop");
    expect(stderrTail("a\n\n[ERROR] 2026/01/02 03:04:05 could not read secret\n\x1b[31mred\x1b[0m\n", 2)).toEqual([
      "[ERROR] could not read secret",
      "red",
    ]);
    expect(safeLine("token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB here")).toBe("token ghp_… (42 chars) here");
    expect(parseMessage("not json")).toBeUndefined();
    expect(parseMessage("[1]")).toBeUndefined();
  });
});
