/**
 * Editing client configs, against golden files in test/fixtures/clients/<client>/<case>.
 * {before,after}.{json,toml}: every byte of `after` was checked by hand once. To regenerate
 * after an intended change, run with UPDATE_GOLDEN=1 and review the diff of the fixtures.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import {
  CLIENT_IDS,
  type ClientId,
  configLocation,
  entryFor,
  type Facts,
  readEntry,
  type Scope,
  type ServerSpec,
  scopesOf,
} from "../../src/core/clients.ts";
import { listServers, removeServer, restoreServer, setServer, validServerName } from "../../src/core/config-edit.ts";
import { unifiedDiff } from "../../src/core/diff.ts";
import { McpOpError } from "../../src/errors.ts";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "clients");
const FACTS: Facts = { home: "/home/me", platform: "linux", cwd: "/home/me/proj", env: {} };

const GITHUB: ServerSpec = {
  command: "/opt/homebrew/bin/mcp-op",
  args: [
    "run",
    "--env-file",
    "/home/me/.config/mcp-op/github.env",
    "--",
    "npx",
    "-y",
    "@modelcontextprotocol/server-github",
  ],
};
const WITH_ENV: ServerSpec = { ...GITHUB, env: { GITHUB_HOST: "github.example.com" } };
/** A project (shared) entry: plain mcp-op, the env file relative to the project (core/shared-config.ts). */
const SHARED: ServerSpec = {
  command: "mcp-op",
  args: ["run", "--env-file", ".mcp-op/github.env", "--", "npx", "-y", "@modelcontextprotocol/server-github"],
};

interface Golden {
  client: ClientId;
  scope: Scope;
  /** Fixture name: test/fixtures/clients/<client>/<name>.{before,after}.<ext> */
  name: string;
  op: "add" | "replace" | "remove";
  spec?: ServerSpec;
  /** remove: the server to remove (default "github"). */
  server?: string;
  /** add: removing the server again gives back the original bytes. */
  roundTrip?: boolean;
}

const CASES: Golden[] = [
  { client: "claude-code", scope: "user", name: "user-add", op: "add", roundTrip: true },
  { client: "claude-code", scope: "local", name: "local-add", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "claude-code", scope: "local", name: "local-new-project", op: "add", roundTrip: false },
  { client: "claude-code", scope: "project", name: "project-add", op: "add", roundTrip: true },
  { client: "claude-code", scope: "user", name: "user-replace", op: "replace" },
  { client: "claude-code", scope: "user", name: "user-remove", op: "remove", server: "memory" },
  { client: "claude-desktop", scope: "user", name: "user-add-4spaces", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "claude-desktop", scope: "user", name: "user-new-file", op: "add", roundTrip: false },
  { client: "claude-desktop", scope: "user", name: "user-add-bom", op: "add", roundTrip: true },
  { client: "cursor", scope: "user", name: "user-add-tabs", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "cursor", scope: "project", name: "project-add-crlf", op: "add", roundTrip: true },
  { client: "vscode", scope: "user", name: "user-add-jsonc", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "vscode", scope: "project", name: "project-add-comment-only", op: "add", roundTrip: false },
  { client: "windsurf", scope: "user", name: "user-add-one-line", op: "add", roundTrip: true },
  { client: "windsurf", scope: "user", name: "user-add-empty-object", op: "add", roundTrip: false },
  { client: "codex", scope: "user", name: "user-add-comments", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "codex", scope: "user", name: "user-new-file", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "codex", scope: "user", name: "user-add-crlf", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "codex", scope: "user", name: "user-replace", op: "replace", spec: WITH_ENV },
  { client: "codex", scope: "user", name: "user-remove-middle", op: "remove" },
  { client: "codex", scope: "user", name: "user-add-inline-table", op: "add", roundTrip: false },
  { client: "gemini", scope: "user", name: "user-add", op: "add", roundTrip: true },
  { client: "gemini", scope: "project", name: "project-new-file", op: "add", roundTrip: false },
  { client: "zed", scope: "user", name: "user-add-jsonc", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "zed", scope: "project", name: "project-add-no-servers", op: "add", roundTrip: false },
  // The clients of docs/clients.md. Every add also checks the removal that undoes it.
  { client: "vscode-insiders", scope: "user", name: "user-add-jsonc", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "vscode-insiders", scope: "project", name: "project-new-file", op: "add", roundTrip: false },
  { client: "copilot", scope: "user", name: "user-add", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "copilot", scope: "user", name: "user-remove", op: "remove" },
  { client: "copilot", scope: "project", name: "project-add", op: "add", roundTrip: false },
  { client: "qwen", scope: "user", name: "user-add-settings", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "qwen", scope: "project", name: "project-new-key", op: "add", roundTrip: false },
  { client: "auggie", scope: "user", name: "user-add", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "auggie", scope: "project", name: "project-new-file", op: "add", roundTrip: false },
  { client: "kiro", scope: "user", name: "user-add", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "kiro", scope: "project", name: "project-add", op: "add", roundTrip: true },
  { client: "lmstudio", scope: "user", name: "user-add", op: "add", roundTrip: true },
  { client: "roo", scope: "user", name: "user-add", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "roo", scope: "project", name: "project-new-file", op: "add", roundTrip: false },
  { client: "cline", scope: "user", name: "user-add", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "cline", scope: "user", name: "user-remove", op: "remove" },
  { client: "cline-cli", scope: "user", name: "user-new-file", op: "add", roundTrip: false },
  { client: "amp", scope: "user", name: "user-add-jsonc", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "amp", scope: "project", name: "project-new-key", op: "add", roundTrip: false },
  { client: "crush", scope: "user", name: "user-add", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "crush", scope: "project", name: "project-new-file", op: "add", roundTrip: false },
  { client: "opencode", scope: "user", name: "user-add-jsonc", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "opencode", scope: "user", name: "user-remove", op: "remove" },
  { client: "opencode", scope: "project", name: "project-new-key", op: "add", roundTrip: false },
  { client: "kilo", scope: "user", name: "user-add", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "kilo", scope: "project", name: "project-new-file", op: "add", roundTrip: false },
  { client: "goose", scope: "user", name: "user-add-comments", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "goose", scope: "user", name: "user-new-key", op: "add", roundTrip: false },
  { client: "goose", scope: "user", name: "user-remove", op: "remove" },
  { client: "continue", scope: "user", name: "user-add", op: "add", spec: WITH_ENV, roundTrip: true },
  { client: "continue", scope: "user", name: "user-new-file", op: "add", roundTrip: false },
  { client: "continue", scope: "user", name: "user-remove", op: "remove" },
  // The project scope: one block file per server, .continue/mcpServers/github.yaml.
  { client: "continue", scope: "project", name: "project-new-file", op: "add", spec: SHARED, roundTrip: false },
  { client: "continue", scope: "project", name: "project-add-empty-block", op: "add", spec: SHARED, roundTrip: true },
  { client: "continue", scope: "project", name: "project-remove-keeps-rules", op: "remove" },
];

const EXT = { json: "json", jsonc: "json", toml: "toml", yaml: "yaml" } as const;
const fixture = (c: Golden, which: "before" | "after") =>
  join(FIXTURES, c.client, `${c.name}.${which}.${EXT[configLocation(c.client, c.scope, FACTS, "github").format]}`);

function expectConfigError(fn: () => unknown, ...parts: string[]): McpOpError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(McpOpError);
  const error = caught as McpOpError;
  expect(error.exitCode).toBe(78);
  for (const part of parts) expect(error.message).toContain(part);
  return error;
}

describe("golden files", () => {
  test("every client and every scope has a case", () => {
    const covered = new Set(CASES.map((c) => `${c.client}/${c.scope}`));
    for (const [client, scopes] of [
      ["claude-code", ["user", "local", "project"]],
      ["claude-desktop", ["user"]],
      ["cursor", ["user", "project"]],
      ["vscode", ["user", "project"]],
      ["windsurf", ["user"]],
      ["codex", ["user"]],
      ["gemini", ["user", "project"]],
      ["zed", ["user", "project"]],
    ] as const) {
      for (const scope of scopes) expect(covered.has(`${client}/${scope}`)).toBe(true);
    }
    for (const client of CLIENT_IDS)
      for (const scope of scopesOf(client)) expect(`${client}/${scope}`).toBeOneOf([...covered]);
  });

  for (const c of CASES) {
    test(`${c.client} ${c.scope}: ${c.name}`, () => {
      const loc = configLocation(c.client, c.scope, FACTS, c.server ?? "github");
      const before = readFileSync(fixture(c, "before"), "utf8");
      const spec = c.spec ?? GITHUB;
      const entry = entryFor(c.client, spec);
      const server = c.server ?? "github";
      let result: { text: string; changed: boolean };
      if (c.op === "remove") result = removeServer(loc, before, server);
      else result = setServer(loc, before, "github", entry, { force: c.op === "replace" });
      expect(result.changed).toBe(true);

      const afterPath = fixture(c, "after");
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(afterPath, result.text);
      expect(result.text).toBe(readFileSync(afterPath, "utf8"));

      const servers = listServers(loc, result.text);
      const others = Object.fromEntries(Object.entries(listServers(loc, before)).filter(([k]) => k !== server));
      if (c.op === "remove") {
        expect(servers).toEqual(others);
        expect(removeServer(loc, result.text, server)).toEqual({ text: result.text, changed: false });
        return;
      }
      // The entry reads back as the spec; the other servers are untouched.
      expect(servers.github).toEqual(entry);
      expect(readEntry(c.client, servers.github)).toEqual(spec);
      expect(Object.fromEntries(Object.entries(servers).filter(([k]) => k !== "github"))).toEqual(others);
      // Idempotent: the same entry again is no change, force or not.
      expect(setServer(loc, result.text, "github", entry, { force: false })).toEqual({
        text: result.text,
        changed: false,
      });
      if (c.op === "replace") {
        expectConfigError(
          () => setServer(loc, before, "github", entry, { force: false }),
          `${loc.path}: a server named "github" already exists (use --force to replace it)`,
        );
      }
      const removed = removeServer(loc, result.text, "github");
      expect(removed.changed).toBe(true);
      expect(listServers(loc, removed.text)).toEqual(others);
      if (c.roundTrip) expect(removed.text).toBe(before);
    });
  }
});

describe("unrelated content survives", () => {
  const read = (client: string, name: string, ext = "json") =>
    readFileSync(join(FIXTURES, client, `${name}.after.${ext}`), "utf8");

  test("comments, trailing commas and other keys in JSONC", () => {
    const after = read("vscode", "user-add-jsonc");
    for (const kept of ["// Servers for every workspace.", "/* Perplexity, key prompted on start */", "// keep me"]) {
      expect(after).toContain(kept);
    }
    expect(after).toContain('"password": true,');
    expect(after.split("\n").every((l) => !/^ +\S/.test(l))).toBe(true); // tabs only
  });

  test("CRLF stays CRLF, tabs stay tabs, 4 spaces stay 4 spaces", () => {
    const crlf = read("cursor", "project-add-crlf");
    expect(crlf.replaceAll("\r\n", "").includes("\n")).toBe(false);
    expect(read("codex", "user-add-crlf", "toml").replaceAll("\r\n", "").includes("\n")).toBe(false);
    expect(read("cursor", "user-add-tabs")).toContain('\n\t\t"github": {\n\t\t\t"command"');
    expect(read("claude-desktop", "user-add-4spaces")).toContain('\n        "github": {\n            "command"');
  });

  test("a BOM stays", () => {
    expect(read("claude-desktop", "user-add-bom").startsWith("\uFEFF{")).toBe(true);
  });

  test("Goose YAML: comments, other keys and the other entries' own layout stay, byte for byte", () => {
    const before = readFileSync(join(FIXTURES, "goose", "user-add-comments.before.yaml"), "utf8");
    const after = read("goose", "user-add-comments", "yaml");
    for (const kept of [
      "# Goose configuration (hand-edited)\n",
      "GOOSE_MODEL: claude-sonnet-4-5 # the default model\n",
      "  # built in\n",
      "    args:\n    - mcp-server-fetch\n",
      "    timeout: 300 # seconds\n",
      "# keep this comment\nGOOSE_MODE: smart_approve\n",
    ]) {
      expect(after).toContain(kept);
    }
    // The new entry is inserted whole after the last one: the rest is the original text.
    const at = before.indexOf("# keep this comment");
    expect(after.startsWith(before.slice(0, at))).toBe(true);
    expect(after.endsWith(before.slice(at))).toBe(true);
  });

  test("YAML: an unparsable file, a servers key of the wrong kind, a duplicate name", () => {
    const goose = configLocation("goose", "user", FACTS);
    const cont = configLocation("continue", "user", FACTS);
    const entry = entryFor("goose", GITHUB);
    expectConfigError(() => setServer(goose, "a: [\n", "github", entry, { force: false }), "not valid YAML", "line");
    expectConfigError(() => listServers(goose, "extensions: [1]\n"), '"extensions" is not a mapping');
    expectConfigError(() => listServers(cont, "mcpServers:\n  a: 1\n"), '"mcpServers" is not a list');
    expectConfigError(
      () => listServers(cont, "mcpServers:\n  - name: x\n    command: a\n  - name: x\n    command: b\n"),
      '"mcpServers.x" is defined twice (lines 2 and 4)',
    );
    expectConfigError(() => listServers(goose, "- a\n"), "the top level is not a YAML mapping");
    const twice = "mcpServers:\n  - name: x\n    command: a\n  - name: x\n    command: b\n";
    const c = entryFor("continue", GITHUB);
    expectConfigError(() => setServer(cont, twice, "github", c, { force: false }), '"mcpServers.x" is defined twice');
    expectConfigError(() => removeServer(cont, twice, "x"), "is defined twice (lines 2 and 4)");
  });

  test("YAML layouts: CRLF and 4 spaces kept, an empty {} / [] or bare key filled, no final newline, a hub block kept", () => {
    const goose = configLocation("goose", "user", FACTS);
    const cont = configLocation("continue", "user", FACTS);
    const g = entryFor("goose", { command: "c", args: ["a"] });
    const c = entryFor("continue", { command: "c", args: [] });
    const entry =
      "gh:\n    name: gh\n    enabled: true\n    type: stdio\n    cmd: c\n    args:\n      - a\n    timeout: 300\n";
    const set = (loc: typeof goose, text: string, e: Record<string, unknown>) =>
      setServer(loc, text, "gh", e, { force: false }).text;
    const crlf = "extensions:\r\n    x:\r\n        cmd: y\r\n        args: []\r\nA: 1\r\n";
    const added = set(goose, crlf, g);
    expect(added).toBe(
      `extensions:\r\n    x:\r\n        cmd: y\r\n        args: []\r\n    ${entry.replaceAll("\n    ", "\r\n      ").replace(/\n$/, "\r\n")}A: 1\r\n`,
    );
    expect(removeServer(goose, added, "gh").text).toBe(crlf);
    expect(set(goose, "extensions: {}\n", g)).toBe(`extensions:\n  ${entry}`);
    expect(set(goose, "extensions:\n", g)).toBe(`extensions:\n  ${entry}`);
    expect(set(goose, "A: 1", g)).toBe(`A: 1\nextensions:\n  ${entry}`);
    expect(set(goose, "extensions:\n  x: {cmd: y, args: []}", g)).toBe(
      `extensions:\n  x: {cmd: y, args: []}\n  ${entry.slice(0, -1)}`,
    );
    expect(removeServer(goose, `extensions:\n  ${entry}`, "gh").text).toBe("extensions: {}\n");
    const hub = "mcpServers:\n  - uses: foo/bar # hub\n";
    const withGh = set(cont, hub, c);
    expect(withGh).toBe(`${hub}  - name: gh\n    command: c\n    args: []\n`);
    expect(removeServer(cont, withGh, "gh").text).toBe(hub);
    expectConfigError(() => set(cont, "mcpServers: [{name: a, command: b}]\n", c), "written inline");
  });

  test("Goose: the name inside the entry is goose's, not part of the entry mcp-op compares", () => {
    const goose = configLocation("goose", "user", FACTS);
    const text = "extensions:\n  x:\n    name: x\n    type: stdio\n    cmd: srv\n    args: []\n";
    expect(listServers(goose, text)).toEqual({ x: { type: "stdio", cmd: "srv", args: [] } });
    expect(readEntry("goose", listServers(goose, text).x)).toEqual({ command: "srv", args: [] });
  });

  test("TOML comments and other tables", () => {
    const after = read("codex", "user-add-comments", "toml");
    for (const kept of [
      'model = "gpt-5-codex" # the default model',
      "# MCP servers",
      "# pinned",
      "[tui]",
      "# end of file",
    ]) {
      expect(after).toContain(kept);
    }
    expect(after).toContain("startup_timeout_sec = 30\n");
  });
});

describe("bad input", () => {
  const json = configLocation("cursor", "user", FACTS);
  const toml = configLocation("codex", "user", FACTS);

  test("malformed JSON: 78 naming the file and the line", () => {
    const text = '{\n  "mcpServers": {\n    "a": {"command": "x"}\n    "b": {"command": "y"}\n  }\n}\n';
    for (const fn of [
      () => listServers(json, text),
      () => setServer(json, text, "github", entryFor("cursor", GITHUB), { force: true }),
      () => removeServer(json, text, "a"),
    ]) {
      expectConfigError(fn, `${json.path}: not valid JSON: expected "," (line 4)`);
    }
    expectConfigError(() => listServers(json, '{"mcpServers": {"a": "unterminated}}'), "not valid JSON", "(line 1)");
    expectConfigError(() => listServers(json, "{\n\n  /* open comment\n"), "not valid JSON", "(line 3)");
  });

  test("malformed TOML: 78 naming the file and the line", () => {
    const text = 'model = "o3"\n\n[mcp_servers.a]\ncommand = \n';
    for (const fn of [
      () => listServers(toml, text),
      () => setServer(toml, text, "github", entryFor("codex", GITHUB), { force: true }),
      () => removeServer(toml, text, "a"),
    ]) {
      expectConfigError(fn, `${toml.path}: not valid TOML: `, "(line 4)");
    }
    expectConfigError(() => listServers(toml, "[a]\nx = 1\n[a]\ny = 2\n"), "not valid TOML", "(line 3)");
    // TOML forbids a key twice, and toml-patch refuses it: a hidden copy of a server cannot exist.
    const twice = '[mcp_servers.gh]\ncommand = "a"\n\n[mcp_servers.gh]\ncommand = "b"\n';
    expectConfigError(() => listServers(toml, twice), "not valid TOML: Table already defined: mcp_servers.gh (line 4)");
    expectConfigError(
      () => listServers(toml, '[mcp_servers.gh]\ncommand = "a"\ncommand = "b"\n'),
      "not valid TOML: Value already defined for mcp_servers.gh.command (line 3)",
    );
  });

  test("a servers key of the wrong type or a non-object document: 78", () => {
    expectConfigError(() => listServers(json, '{"mcpServers": []}'), '"mcpServers" is an array, not an object');
    expectConfigError(
      () => setServer(json, '{"mcpServers": null}', "x", { command: "y", args: [] }, { force: false }),
      '"mcpServers" is null',
    );
    expectConfigError(() => listServers(json, "[1, 2]"), "the top level is not a JSON object");
    expectConfigError(() => listServers(toml, 'mcp_servers = "none"\n'), '"mcp_servers" is a string');
    const local = configLocation("claude-code", "local", FACTS);
    expectConfigError(
      () => setServer(local, '{"projects": {"/home/me/proj": 5}}', "x", { command: "y", args: [] }, { force: false }),
      'projects["/home/me/proj"]" is a number',
    );
  });

  test("a name collision is refused without --force and replaced with it", () => {
    const text = '{\n  "mcpServers": {\n    "github": {\n      "command": "old",\n      "args": []\n    }\n  }\n}\n';
    const entry = entryFor("cursor", GITHUB);
    const error = expectConfigError(() => setServer(json, text, "github", entry, { force: false }));
    expect(error.message).toBe(`${json.path}: a server named "github" already exists (use --force to replace it)`);
    const replaced = setServer(json, text, "github", entry, { force: true });
    expect(replaced.changed).toBe(true);
    expect(listServers(json, replaced.text)).toEqual({ github: entry });
    const tomlText = '[mcp_servers.github]\ncommand = "old"\n';
    expectConfigError(
      () => setServer(toml, tomlText, "github", entryFor("codex", GITHUB), { force: false }),
      "already exists",
    );
  });

  test("removing a server that is not there changes nothing", () => {
    for (const [loc, text] of [
      [json, ""],
      [json, '{"mcpServers": {"a": {"command": "x"}}}'],
      [toml, ""],
      [toml, '[mcp_servers.a]\ncommand = "x"\n'],
      [configLocation("claude-code", "local", FACTS), '{"projects": {}}'],
    ] as const) {
      expect(removeServer(loc, text, "github")).toEqual({ text, changed: false });
    }
  });

  test("a missing file lists no servers", () => {
    expect(listServers(json, "")).toEqual({});
    expect(listServers(toml, "")).toEqual({});
    expect(listServers(configLocation("claude-code", "local", FACTS), '{"projects": {}}')).toEqual({});
  });
});

describe("TOML layouts the block edit does not own", () => {
  const toml = configLocation("codex", "user", FACTS);
  const entry = entryFor("codex", GITHUB);

  for (const [name, text] of [
    ["dotted keys", 'mcp_servers.github.command = "old"\nmcp_servers.github.args = []\n'],
    ["inline table in [mcp_servers]", '[mcp_servers]\ngithub = { command = "old", args = [] }\n'],
    ["sub-table before the table", '[mcp_servers.github.env]\nA = "1"\n\n[mcp_servers.github]\ncommand = "old"\n'],
    [
      "multi-line strings that look like headers",
      'x = """\n[mcp_servers.github]\n"""\n[mcp_servers.github]\ncommand = "old"\n',
    ],
  ] as const) {
    test(`${name}: replace and remove read back as intended`, () => {
      const replaced = setServer(toml, text, "github", entry, { force: true });
      expect(listServers(toml, replaced.text).github).toEqual(entry);
      const removed = removeServer(toml, text, "github");
      expect(listServers(toml, removed.text)).toEqual({});
    });
  }

  for (const [name, before, after] of [
    [
      "next to the other servers, a blank line around it",
      '[mcp_servers.a]\ncommand = "y"\n[tui]\nk = 1\n',
      '[mcp_servers.a]\ncommand = "y"\n\n[mcp_servers.s]\ncommand = "x"\nargs = []\n\n[tui]\nk = 1\n',
    ],
    ["no final newline", 'model = "o3"', 'model = "o3"\n\n[mcp_servers.s]\ncommand = "x"\nargs = []\n'],
    ["an empty env table stays inline", "", '[mcp_servers.s]\ncommand = "x"\nargs = []\nenv = {}\n'],
  ] as const) {
    test(`adding: ${name}`, () => {
      const entry = name.includes("env") ? { command: "x", args: [], env: {} } : { command: "x", args: [] };
      const added = setServer(toml, before, "s", entry, { force: false });
      expect(added.text).toBe(after);
      expect(listServers(toml, added.text).s).toEqual(entry);
    });
  }

  test("a multi-line string that looks like a header is left alone", () => {
    const text = 'x = """\n[mcp_servers.github]\n"""\n\n[mcp_servers.github]\ncommand = "old"\n';
    expect(removeServer(toml, text, "github").text).toBe('x = """\n[mcp_servers.github]\n"""\n');
  });

  test("quoted keys, odd values and a name that needs quoting", () => {
    const odd = { command: 'C:\\Program Files\\x "y"', args: ["tab\there", "ünï", "\u0001"], env: { "A B": "1" } };
    const added = setServer(toml, "", "my.server", odd, { force: false });
    expect(added.text).toContain('[mcp_servers."my.server"]');
    expect(listServers(toml, added.text)["my.server"]).toEqual(odd);
    expect(removeServer(toml, added.text, "my.server").text).toBe("");
  });
});

describe("JSON layouts", () => {
  const loc = configLocation("cursor", "user", FACTS);
  const entry = { command: "x", args: [] };

  for (const [name, before, after] of [
    ["empty object", "{}", '{\n  "mcpServers": {\n    "s": {\n      "command": "x",\n      "args": []\n    }\n  }\n}'],
    [
      "whitespace only",
      "\n\n",
      '{\n  "mcpServers": {\n    "s": {\n      "command": "x",\n      "args": []\n    }\n  }\n}\n',
    ],
    [
      "closing brace on the last member's line",
      '{\n  "mcpServers": {\n    "a": {"command": "y"}}\n}',
      '{\n  "mcpServers": {\n    "a": {"command": "y"},\n    "s": {\n      "command": "x",\n      "args": []\n    }}\n}',
    ],
    [
      "one-line object with a trailing comma",
      '{"mcpServers": {"a": {"command": "y"},}}',
      '{"mcpServers": {"a": {"command": "y"}, "s": {"command": "x", "args": []},}}',
    ],
    [
      "comment inside an empty servers object",
      '{\n  "mcpServers": {\n    // none yet\n  }\n}\n',
      '{\n  "mcpServers": {\n    "s": {\n      "command": "x",\n      "args": []\n    }\n    // none yet\n  }\n}\n',
    ],
  ] as const) {
    test(name, () => {
      const added = setServer(loc, before, "s", entry, { force: false });
      expect(added.text).toBe(after);
      expect(listServers(loc, removeServer(loc, added.text, "s").text)).toEqual(listServers(loc, before));
    });
  }

  test("removing a member in the middle of a one-line object", () => {
    const text = '{"mcpServers": {"a": {"command": "1"}, "s": {"command": "2"}, "b": {"command": "3"}}}';
    expect(removeServer(loc, text, "s").text).toBe('{"mcpServers": {"a": {"command": "1"}, "b": {"command": "3"}}}');
    expect(removeServer(loc, text, "a").text).toBe('{"mcpServers": {"s": {"command": "2"}, "b": {"command": "3"}}}');
    expect(removeServer(loc, text, "b").text).toBe('{"mcpServers": {"a": {"command": "1"}, "s": {"command": "2"}}}');
  });

  test("removing the first member takes its line and comment", () => {
    const text = '{\n  "mcpServers": {\n    "s": {"command": "2"}, // old\n    "b": {"command": "3"}\n  }\n}\n';
    expect(removeServer(loc, text, "s").text).toBe('{\n  "mcpServers": {\n    "b": {"command": "3"}\n  }\n}\n');
  });

  test("a name like a prototype key is an ordinary name", () => {
    expect(removeServer(loc, '{"mcpServers": {}}', "constructor").changed).toBe(false);
    const added = setServer(loc, '{"mcpServers": {}}', "constructor", entry, { force: false });
    expect(listServers(loc, added.text)).toEqual({ constructor: entry });
  });

  test("__proto__ is data, as a server name and as a variable name, in JSON and TOML", () => {
    const PROTO = "__proto__";
    // JSON.parse makes an own "__proto__" key; an object literal would set the prototype instead.
    const withEnv = JSON.parse('{"command": "x", "args": [], "env": {"__proto__": "v"}}');
    for (const at of [loc, configLocation("codex", "user", FACTS)]) {
      const empty = at.format === "toml" ? "" : '{"mcpServers": {}}';
      const added = setServer(at, empty, PROTO, withEnv, { force: false });
      expect(added.changed).toBe(true);
      const servers = listServers(at, added.text);
      expect(Object.keys(servers)).toEqual(["__proto__"]);
      expect(Object.hasOwn(servers, "__proto__")).toBe(true);
      expect(Object.keys((servers[PROTO] as { env: object }).env)).toEqual([PROTO]);
      expect(Object.getPrototypeOf(servers)).toBe(null);
      const removed = removeServer(at, added.text, PROTO);
      expect(Object.keys(listServers(at, removed.text))).toEqual([]);
    }
  });
});

describe("restoreServer: undoing one change to an entry", () => {
  const loc = configLocation("codex", "user", FACTS);
  const old = { command: "old", args: ["a"] };
  const ours = { command: "mcp-op", args: ["run", "--", "old"] };
  const withEntry = (entry: Record<string, unknown>) =>
    setServer(loc, '# mine\nmodel = "o4"\n', "gh", entry, { force: true }).text;

  test("still ours: the previous entry comes back, or ours goes when there was none", () => {
    const back = restoreServer(loc, withEntry(ours), "gh", old, ours);
    expect(back.changed).toBe(true);
    expect(listServers(loc, back.text).gh).toEqual(old);
    expect(back.text).toStartWith('# mine\nmodel = "o4"\n');
    const gone = restoreServer(loc, withEntry(ours), "gh", undefined, ours);
    expect(listServers(loc, gone.text)).toEqual({});
    // A removal undone: absent is "ours", the removed entry comes back.
    const removed = removeServer(loc, withEntry(old), "gh").text;
    expect(listServers(loc, restoreServer(loc, removed, "gh", old, undefined).text).gh).toEqual(old);
  });

  test("already as before: no change", () => {
    const text = withEntry(old);
    expect(restoreServer(loc, text, "gh", old, ours)).toEqual({ text, changed: false });
  });

  test("changed by another program since: left alone, 78", () => {
    for (const [text, previous, mine] of [
      [withEntry({ command: "theirs", args: [] }), old, ours], // our entry edited meanwhile
      [withEntry({ command: "theirs", args: [] }), old, undefined], // a removed entry re-added differently
    ] as const) {
      let caught: unknown;
      try {
        restoreServer(loc, text, "gh", previous, mine);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(McpOpError);
      expect((caught as McpOpError).exitCode).toBe(78);
      expect((caught as McpOpError).message).toBe(
        `${loc.path}: the "gh" entry was changed by another program meanwhile; left as it is`,
      );
    }
  });
});

describe("validServerName", () => {
  for (const ok of ["github", "a", "my_server-2", "A".repeat(64), "_x", "0"]) {
    test(`accepts ${JSON.stringify(ok.length > 20 ? `${ok.slice(0, 8)}...` : ok)}`, () => {
      expect(validServerName(ok)).toBeUndefined();
    });
  }
  for (const [bad, why] of [
    ["", "cannot be empty"],
    ["my server", "(not space)"],
    ["a/b", '(not "/")'],
    ["../x", '(not ".", "/")'],
    ["a\\b", '(not "\\\\")'],
    ["x".repeat(65), "has 65 characters; at most 64"],
    ["-rf", 'cannot start with "-"'],
    ["sérvér", '(not "é")'],
    ["🔑", '(not "🔑")'],
    ["tab\there", "(not U+0009)"],
    ["a.b", '(not ".")'],
    ["a:b", '(not ":")'],
  ] as const) {
    test(`rejects ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 8)}...` : bad)}`, () => {
      const problem = validServerName(bad);
      expect(problem).toBeString();
      expect(problem).toContain(why);
    });
  }
});

describe("unifiedDiff", () => {
  test("no change, no diff", () => {
    expect(unifiedDiff("f", "a\n", "a\n")).toBe("");
  });

  test("a new file", () => {
    expect(unifiedDiff("/x/mcp.json", "", "{\n}\n")).toBe(
      "--- /x/mcp.json\n+++ /x/mcp.json\n@@ -0,0 +1,2 @@\n+{\n+}\n",
    );
  });

  test("three lines of context, separate hunks", () => {
    const before = `${Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join("\n")}\n`;
    const after = before.replace("l2\n", "l2\nnew\n").replace("l18\n", "");
    expect(unifiedDiff("f", before, after)).toBe(
      [
        "--- f",
        "+++ f",
        "@@ -1,5 +1,6 @@",
        " l1",
        " l2",
        "+new",
        " l3",
        " l4",
        " l5",
        "@@ -15,6 +16,5 @@",
        " l15",
        " l16",
        " l17",
        "-l18",
        " l19",
        " l20",
        "",
      ].join("\n"),
    );
  });

  test("close changes share a hunk; CR is not shown; a missing final newline is marked", () => {
    const diff = unifiedDiff("f", "a\r\nb\r\nc\r\nd", "a\r\nB\r\nc\r\nD");
    expect(diff).toBe(
      "--- f\n+++ f\n@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n-d\n\\ No newline at end of file\n+D\n\\ No newline at end of file\n",
    );
  });

  test("only the final newline differs", () => {
    expect(unifiedDiff("f", "a\nb", "a\nb\n")).toBe(
      "--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
    );
  });

  /** Apply a unified diff of unifiedDiff's kind to `before` (its "\\ No newline" markers included). */
  function patch(before: string, diff: string): string {
    const old = before.split("\n");
    const out: string[] = [];
    let at = 0; // lines of `old` copied so far
    const lines = diff.split("\n").slice(2);
    for (let i = 0; i < lines.length; ) {
      const m = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(lines[i] ?? "");
      if (!m) break;
      const start = Number(m[2]) === 0 ? Number(m[1]) : Number(m[1]) - 1;
      out.push(...old.slice(at, start));
      at = start;
      for (i++; i < lines.length && !(lines[i] ?? "").startsWith("@@"); i++) {
        const line = lines[i] ?? "";
        if (line === "" && i === lines.length - 1) break;
        if (line.startsWith("\\")) continue;
        if (line[0] === " " || line[0] === "-") {
          expect(old[at]?.replace(/\r$/, "")).toBe(line.slice(1));
          if (line[0] === " ") out.push(old[at] ?? "");
          at++;
        } else out.push(line.slice(1));
      }
    }
    out.push(...old.slice(at));
    return out.join("\n");
  }

  test("from an edit's own edits, only the lines around them are read: a diff that turns before into after", () => {
    const line = fc.stringMatching(/^[a-c ]{0,3}$/);
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 30 }),
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        fc.stringMatching(/^[a-d\n]{0,8}$/),
        (lines, finalNewline, at, length, content) => {
          const before = lines.join("\n") + (finalNewline && lines.length ? "\n" : "");
          const offset = before.length === 0 ? 0 : at % (before.length + 1);
          const edit = { offset, length: Math.min(length % 6, before.length - offset), content };
          const after = before.slice(0, edit.offset) + edit.content + before.slice(edit.offset + edit.length);
          // The same change as the diff of the whole texts (whose hunks may sit elsewhere in a run
          // of equal lines): applied to before, both give the same text.
          const diff = unifiedDiff("f", before, "(not read)", [edit]);
          const whole = unifiedDiff("f", before, after);
          expect(diff === "").toBe(whole === "");
          expect(patch(before, diff)).toBe(patch(before, whole));
        },
      ),
      { numRuns: 3000 },
    );
  });

  test("a big config set as an edit: the diff shows the lines around the change, numbered in the whole file", () => {
    const loc = configLocation("claude-code", "user", FACTS);
    const history = Array.from({ length: 20_000 }, (_, i) => ({ display: `prompt ${i}` }));
    const before = `${JSON.stringify({ projects: { "/p": { history } }, mcpServers: {} }, null, 2)}\n`;
    const result = setServer(loc, before, "github", entryFor("claude-code", GITHUB), { force: false });
    const diff = unifiedDiff(loc.path, before, result.text, result.edits);
    expect(diff).toBe(unifiedDiff(loc.path, before, result.text));
    expect(diff).toContain('@@ -60005,5 +60005,18 @@\n       ]\n     }\n   },\n-  "mcpServers": {}\n');
  });
});
