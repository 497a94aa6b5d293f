/**
 * `mcp-op migrate` of remote servers in-process (FakeOp, temporary home): a plaintext bearer
 * token in a Claude Code `http` entry's headers becomes a headersHelper entry over a headers
 * file; one in Cursor's headers and one in a Gemini URL's query become `mcp-op proxy` entries;
 * the items hold the exact values; nothing of a token is left in a config or a file mcp-op
 * wrote; `--undo` gives the bytes back.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse, run } from "../../src/commands/migrate.ts";
import { spacedArguments } from "../../src/core/remote-entry.ts";
import { selfCommand } from "../../src/runtime.ts";
import { commandHome } from "./command-home.ts";

const TOKEN = 'r3moteT"ok\\en-0123456789abcdef';
const KEY = "sk-proj-abcdefghij0123456789xyzXYZ";
const URL = "https://mcp.example.com/mcp";
const CLAUDE = ".claude.json";
const CURSOR = ".cursor/mcp.json";
const GEMINI = ".gemini/settings.json";
const CLAUDE_TEXT = `${JSON.stringify(
  { mcpServers: { remote: { type: "http", url: URL, headers: { Authorization: `Bearer ${TOKEN}` } } } },
  null,
  2,
)}\n`;
const CURSOR_TEXT = `${JSON.stringify(
  { mcpServers: { linear: { url: URL, headers: { "X-Api-Key": KEY, "X-Client": "cursor" } } } },
  null,
  2,
)}\n`;
const GEMINI_TEXT = `${JSON.stringify({ mcpServers: { keyed: { url: `${URL}?api_key=${KEY}` } } }, null, 2)}\n`;

describe("migrate: remote servers", () => {
  test("dry run names each header and the URL, and what the entry becomes; nothing written", async () => {
    const h = commandHome();
    const claude = h.write(CLAUDE, CLAUDE_TEXT);
    await run(parse(["--client", "claude-code"], null), h.ctx);
    const headers = join(h.home, ".config", "mcp-op", "remote.headers");
    expect(h.stdout.join("")).toBe(
      `claude-code (user) remote: ${claude}\n` +
        "  header Authorization: … (37 chars) -> Authorization = op://Private/mcp-op remote Authorization/credential\n" +
        `  writes ${headers} (references only) and rewrites the entry to a headersHelper running mcp-op headers\n` +
        "dry run: nothing changed. Run again with --apply to do it.\n",
    );
    expect(h.read(CLAUDE)).toBe(CLAUDE_TEXT);
    expect(h.fake.calls).toEqual([]);
  });

  test("--apply: items with the exact values, headers files and entries as add --url writes them; --undo restores", async () => {
    const h = commandHome();
    h.write(CLAUDE, CLAUDE_TEXT);
    h.write(CURSOR, CURSOR_TEXT);
    h.write(GEMINI, GEMINI_TEXT);
    await run(parse(["--apply"], null), h.ctx);
    const dir = join(h.home, ".config", "mcp-op");
    const self = selfCommand();
    const [command, ...pre] = self;
    // The token without its scheme; the same key twice (Cursor's header, Gemini's URL): one item.
    const items = h.fake.vaults[0]?.items.map((i) => [i.title, i.fields.credential]);
    expect(items).toEqual([
      ["mcp-op remote Authorization", TOKEN],
      ["mcp-op linear X-Api-Key", KEY],
    ]);
    expect(JSON.parse(h.read(CLAUDE)).mcpServers.remote).toEqual({
      type: "http",
      url: URL,
      headersHelper: [...self, "headers", "--headers-file", join(dir, "remote.headers")].join(" "),
    });
    expect(readFileSync(join(dir, "remote.headers"), "utf8")).toEndWith(
      "\nAuthorization: Bearer {{ op://Private/mcp-op remote Authorization/credential }}\n",
    );
    expect(statSync(join(dir, "remote.headers")).mode & 0o777).toBe(0o600);
    expect(JSON.parse(h.read(CURSOR)).mcpServers.linear).toEqual({
      command,
      args: [...pre, "proxy", "--url", URL, "--headers-file", join(dir, "linear.headers"), "--allow-plain"],
    });
    expect(readFileSync(join(dir, "linear.headers"), "utf8")).toEndWith(
      "\nX-Api-Key: op://Private/mcp-op linear X-Api-Key/credential\nX-Client: cursor\n",
    );
    expect(JSON.parse(h.read(GEMINI)).mcpServers.keyed).toEqual({
      command,
      args: [...pre, "proxy", "--url", `${URL}?api_key={{OPENAI_API_KEY}}`, "--env-file", join(dir, "keyed.env")],
    });
    expect(readFileSync(join(dir, "keyed.env"), "utf8")).toEndWith(
      "\nOPENAI_API_KEY=op://Private/mcp-op linear X-Api-Key/credential\n",
    );
    for (const f of [CLAUDE, CURSOR, GEMINI]) {
      const text = h.read(f);
      expect(text).not.toContain("r3moteT");
      expect(text).not.toContain("abcdefghij");
      for (const entry of Object.values(JSON.parse(text).mcpServers)) {
        expect(spacedArguments(entry as Record<string, unknown>)).toEqual([]);
      }
    }
    // Afterwards nothing is left to migrate.
    h.stdout.length = 0;
    await run(parse([], null), h.ctx);
    expect(h.stdout.join("")).toBe("no plaintext secrets found in any client config\n");
    await run(parse(["--undo"], null), h.ctx);
    expect([h.read(CLAUDE), h.read(CURSOR), h.read(GEMINI)]).toEqual([CLAUDE_TEXT, CURSOR_TEXT, GEMINI_TEXT]);
    for (const f of ["remote.headers", "linear.headers", "keyed.env"]) expect(existsSync(join(dir, f))).toBe(false);
  });

  test("a header a client expands (${VAR}) beside the token: the server is left as it is, and why", async () => {
    const h = commandHome();
    const text = `${JSON.stringify({ mcpServers: { x: { url: URL, headers: { Authorization: `Bearer ${TOKEN}`, "X-User": "${USER}" } } } })}\n`;
    const cursor = h.write(CURSOR, text);
    await run(parse([], null), h.ctx);
    expect(h.stdout.join("")).toBe(
      `cursor (user) x: ${cursor}\n` +
        "  not migrated: header X-User holds $, {{ or a line break, which would not mean the same in a headers file: move it by hand\n" +
        "nothing to migrate: every value found is left in place (see above)\n",
    );
  });
});

describe("migrate: remote servers left as they are", () => {
  test("an entry with a headersHelper of its own keeps it, and says why", async () => {
    const h = commandHome();
    const entry = {
      type: "http",
      url: URL,
      headers: { Authorization: `Bearer ${TOKEN}` },
      headersHelper: "/bin/helper",
    };
    const text = `${JSON.stringify({ mcpServers: { own: entry } })}\n`;
    const claude = h.write(CLAUDE, text);
    await run(parse(["--apply"], null), h.ctx);
    expect(h.stdout.join("")).toBe(
      `claude-code (user) own: ${claude}\n` +
        "  not migrated: it has a headersHelper of its own, which a migrated entry would lose: move the header by hand\n" +
        "nothing to migrate: every value found is left in place (see above)\n",
    );
    expect(h.read(CLAUDE)).toBe(text);
  });
});
