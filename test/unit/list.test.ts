/**
 * `mcp-op list` in-process: `parse` then `run(options, ctx)` over client configs in a temporary
 * HOME, stdout captured. list asks op nothing: the fake op records no call.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "../../src/commands/_shared.ts";
import { parse, run } from "../../src/commands/list.ts";
import { McpOpError } from "../../src/errors.ts";
import { loggedErrors } from "../../src/logger.ts";
import { NO_PROCESSES } from "./context.ts";
import { FakeOp } from "./fake-op.ts";

/** Planted in a config: list shows its prefix and length, never the value. */
const PLAIN = "ghp_PLANTEDplantedPLANTED0123456789abcdef";

let dir: string;
let home: string;
let fake: FakeOp;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mcp-op-list-"));
  home = join(dir, "home");
  mkdirSync(home);
  fake = new FakeOp();
});
afterEach(() => {
  expect(fake.calls).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

async function list(args: string[] = []): Promise<{ code: number; stdout: string; errors: string[] }> {
  let stdout = "";
  const ctx: Context = {
    env: {
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      XDG_STATE_HOME: join(home, ".local", "state"),
      PATH: "",
    },
    cwd: dir,
    ...NO_PROCESSES,
    stdout: (text) => {
      stdout += text;
    },
    op: () => fake,
  };
  const before = loggedErrors().length;
  let code = 0;
  try {
    await run(parse(args, null), ctx);
  } catch (error) {
    if (!(error instanceof McpOpError)) throw error;
    code = error.exitCode;
  }
  const out = { code, stdout, errors: loggedErrors().slice(before) };
  expect(out.stdout + out.errors.join("\n")).not.toContain(PLAIN.slice(4));
  return out;
}

function write(path: string, text: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const cursorConfig = () => join(home, ".cursor", "mcp.json");
const geminiConfig = () => join(home, ".gemini", "settings.json");

function setup(): void {
  write(
    cursorConfig(),
    JSON.stringify({
      mcpServers: {
        gh: { command: "/usr/local/bin/mcp-op", args: ["run", "--env-file", "/e/gh.env", "--", "npx", "srv"] },
        plain: { command: "npx", args: ["srv"], env: { GITHUB_TOKEN: PLAIN } },
      },
    }),
  );
  write(geminiConfig(), JSON.stringify({ mcpServers: { docs: { httpUrl: "https://example.com/mcp" } } }));
}

describe("list", () => {
  test("no config anywhere: says so, exit 0", async () => {
    expect(await list()).toEqual({
      code: 0,
      stdout: "no MCP servers registered in any client config found\n",
      errors: [],
    });
  });

  test("each entry on one line: through mcp-op with its env files, directly, remote; plaintext by prefix and length", async () => {
    setup();
    expect(await list()).toEqual({
      code: 0,
      stdout: [
        "cursor (user) gh: mcp-op (/e/gh.env): npx srv",
        "cursor (user) plain: directly: npx srv",
        "  plaintext env GITHUB_TOKEN: ghp_… (41 chars) (known prefix ghp_, name GITHUB_TOKEN)",
        "gemini (user) docs: remote: https://example.com/mcp",
        "",
      ].join("\n"),
      errors: [],
    });
  });

  test("--client keeps only those clients", async () => {
    setup();
    const r = await list(["--client", "gemini"]);
    expect(r).toEqual({ code: 0, stdout: "gemini (user) docs: remote: https://example.com/mcp\n", errors: [] });
  });

  test("--json: one object per entry, plaintext masked", async () => {
    setup();
    const r = await list(["--json", "--client", "cursor"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        client: "cursor",
        scope: "user",
        file: cursorConfig(),
        name: "gh",
        viaMcpOp: true,
        envFiles: ["/e/gh.env"],
        server: ["npx", "srv"],
        plaintext: [],
      },
      {
        client: "cursor",
        scope: "user",
        file: cursorConfig(),
        name: "plain",
        viaMcpOp: false,
        envFiles: [],
        server: ["npx", "srv"],
        plaintext: [
          {
            where: "env",
            key: "GITHUB_TOKEN",
            reason: "known prefix ghp_, name GITHUB_TOKEN",
            value: "ghp_… (41 chars)",
          },
        ],
      },
    ]);
  });

  test("a config that does not parse is named (exit 78); the others are still listed", async () => {
    setup();
    write(geminiConfig(), "{ broken");
    const r = await list();
    expect(r.code).toBe(78);
    expect(r.stdout).toStartWith("cursor (user) gh: mcp-op (/e/gh.env): npx srv\n");
    expect(r.stdout).not.toContain("gemini");
    expect(r.errors).toEqual([
      `${geminiConfig()}: not valid JSON: unexpected character (line 1); fix the file by hand; mcp-op does not rewrite a file it cannot read`,
    ]);
  });
});
