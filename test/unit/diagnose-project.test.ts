/**
 * core/diagnose.ts: the fix doctor gives for a project entry names the project's directory (where
 * `mcp-op add --scope project` writes that client's config), not the directory of the config file.
 */
import { describe, expect, test } from "bun:test";
import { configLocation } from "../../src/core/clients.ts";
import { checkClientAuth, type Diagnosis, type Entry } from "../../src/core/diagnose.ts";

describe("doctor's fix for a project entry", () => {
  test("a token gemini drops: `in <project>: mcp-op add --scope project ...`", () => {
    const f = { home: "/home/me", platform: "linux" as const, cwd: "/repo", env: {} };
    const loc = configLocation("gemini", "project", f);
    const fixes: Array<string | undefined> = [];
    const d: Diagnosis = {
      env: { OP_SERVICE_ACCOUNT_TOKEN: "ops_x" },
      f,
      cf: { platform: "linux" },
      add: (_level, _subject, _message, fix) => {
        fixes.push(fix);
      },
      canRead: true,
      shellCredentials: {},
      references: new Map(),
    };
    const s: Entry = {
      loc,
      name: "gh",
      raw: {},
      spec: { command: "mcp-op", args: ["run", "--env-file", "/repo/gh.env", "--", "gh-mcp"] },
      viaMcpOp: true,
      envFiles: ["/repo/gh.env"],
      tokenFile: undefined,
      server: ["gh-mcp"],
    };
    checkClientAuth(d, s, "gh (gemini, project)", { command: "mcp-op", args: [], env: {}, cwd: "/repo" }, "/home/me/t");
    expect(fixes).toEqual([
      "in /repo: mcp-op add gh --client gemini --scope project --env-file /repo/gh.env --token-file /home/me/t --force -- gh-mcp",
    ]);
  });
});
