/**
 * scanServers: every config read and parsed once, however many projects ~/.claude.json holds;
 * duplicate keys named, and the copies they hide listed with their plaintext.
 * In test/e2e because facts() runs `git rev-parse` to find the project root.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigLocation } from "../../src/core/clients.ts";
import { type ConfigDoc, readConfig } from "../../src/core/config-edit.ts";
import { facts, scanServers } from "../../src/effects/registry.ts";
import { McpOpError } from "../../src/errors.ts";

const TOKEN = `ghp_${"T".repeat(36)}`;
const HIDDEN = `ghp_${"H".repeat(36)}`;

function home(claudeJson: string): { home: string; cwd: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-registry-")));
  const home = join(dir, "home");
  const cwd = join(dir, "work");
  mkdirSync(home);
  mkdirSync(cwd);
  writeFileSync(join(home, ".claude.json"), claudeJson);
  return { home, cwd };
}

/** readConfig, counted per file. */
function counting(): { read: (loc: ConfigLocation, text: string) => ConfigDoc; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  return {
    calls,
    read: (loc, text) => {
      calls.set(loc.path, (calls.get(loc.path) ?? 0) + 1);
      return readConfig(loc, text);
    },
  };
}

describe("every file is parsed once", () => {
  test("~/.claude.json with 3,000 projects, each with a servers map and history: one parse for list and doctor", () => {
    const projects: Record<string, unknown> = {};
    for (let p = 0; p < 3000; p++) {
      projects[`/work/p${p}`] = {
        allowedTools: [],
        history: Array.from({ length: 5 }, (_, i) => ({ display: `prompt ${i} of ${p}`, pastedContents: {} })),
        mcpServers: p % 1000 === 7 ? { [`s${p}`]: { command: "npx", args: [], env: { GITHUB_TOKEN: TOKEN } } } : {},
      };
    }
    const h = home(JSON.stringify({ mcpServers: { u: { command: "x", args: [] } }, projects }, null, 2));
    const f = facts({ HOME: h.home }, h.cwd);
    const { read, calls } = counting();
    const errors: McpOpError[] = [];
    const servers = scanServers(f, [], (e) => errors.push(e), { otherProjects: true, shadowed: true, read });
    expect(errors).toEqual([]);
    expect([...calls.values()]).toEqual([1]);
    expect(servers.map((s) => [s.name, s.loc.project ?? s.loc.scope, s.findings.length])).toEqual([
      ["u", "user", 0],
      ["s7", "/work/p7", 1],
      ["s1007", "/work/p1007", 1],
      ["s2007", "/work/p2007", 1],
    ]);
  });
});

describe("duplicate keys and __proto__", () => {
  const text = `{
  "mcpServers": {
    "github": {"command": "npx", "args": [], "env": {"GITHUB_TOKEN": "${HIDDEN}"}}
  },
  "mcpServers": {
    "github": {"command": "npx", "args": []},
    "__proto__": {"command": "npx", "args": [], "env": {"GITHUB_TOKEN": "${TOKEN}"}},
    "twice": {"command": "a", "args": [], "env": {"API_KEY": "sk-ant-${"k".repeat(30)}", "API_KEY": "none"}}
  }
}
`;

  test("each duplicate is reported with its key path and lines; the hidden copies are listed with their plaintext", () => {
    const h = home(text);
    const errors: McpOpError[] = [];
    const servers = scanServers(facts({ HOME: h.home }, h.cwd), [], (e) => errors.push(e), { shadowed: true });
    const path = join(h.home, ".claude.json");
    expect(errors.map((e) => [e.exitCode, e.message, e.hint])).toEqual([
      [
        78,
        `${path}: "mcpServers" is defined twice (lines 2 and 5); the client reads only the last, the other copies stay in the file unseen`,
        "remove one of the two (line 2 or line 5); mcp-op edits this file only then",
      ],
      [
        78,
        `${path}: "mcpServers.twice.env.API_KEY" is defined twice (line 8); the client reads only the last, the other copies stay in the file unseen`,
        "remove one of the two (on line 8); mcp-op edits this file only then",
      ],
    ]);
    const rows = servers.map((s) => [s.name, s.shadowed?.line, s.findings.map((f) => `${f.key}: ${f.display}`)]);
    expect(rows).toEqual([
      ["github", 3, ["GITHUB_TOKEN: ghp_… (40 chars)"]],
      ["github", undefined, []],
      ["__proto__", undefined, ["GITHUB_TOKEN: ghp_… (40 chars)"]],
      ["twice", undefined, []],
      ["twice", 8, ["API_KEY: sk-ant-… (37 chars)"]],
    ]);
  });

  test("without a callback (migrate): 78 before anything, naming the file, the key path and the lines", () => {
    const h = home(text);
    let caught: unknown;
    try {
      scanServers(facts({ HOME: h.home }, h.cwd));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(McpOpError);
    expect((caught as McpOpError).exitCode).toBe(78);
    expect((caught as McpOpError).message).toStartWith(
      `${join(h.home, ".claude.json")}: "mcpServers" is defined twice (lines 2 and 5)`,
    );
  });

  test("a duplicate off the servers' paths (two \"theme\" keys, two history entries) is none of mcp-op's business", () => {
    const h = home(
      '{"theme": "a", "theme": "b", "projects": {"/p": {"history": [{"a": 1, "a": 2}], "mcpServers": {}}}}',
    );
    const errors: McpOpError[] = [];
    scanServers(facts({ HOME: h.home }, h.cwd), [], (e) => errors.push(e), { otherProjects: true });
    expect(errors).toEqual([]);
  });

  test("two entries for one project: the hidden project's servers are listed, the duplicate named", () => {
    const h = home(
      `{"projects": {\n"/p": {"mcpServers": {"old": {"command": "x", "args": ["--token", "${HIDDEN}"]}}},\n"/p": {"mcpServers": {}}}}`,
    );
    const errors: McpOpError[] = [];
    const servers = scanServers(facts({ HOME: h.home }, h.cwd), [], (e) => errors.push(e), {
      otherProjects: true,
      shadowed: true,
    });
    expect(errors.map((e) => e.message)).toEqual([
      `${join(h.home, ".claude.json")}: "projects["/p"]" is defined twice (lines 2 and 3); the client reads only the last, the other copies stay in the file unseen`,
    ]);
    expect(servers.map((s) => [s.name, s.loc.project, s.shadowed?.line, s.findings.length])).toEqual([
      ["old", "/p", 2, 1],
    ]);
  });
});
