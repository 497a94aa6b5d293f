/**
 * Codex's remote entries (`url` with `http_headers`) and Windsurf's (`serverUrl`) in-process
 * (FakeOp, temporary home): list and doctor flag their plaintext, masked; migrate moves a bearer token in
 * `http_headers` and a key in a `serverUrl`'s query into items and rewrites the entries to
 * `mcp-op proxy`, the TOML's comments and a longer startup_timeout_sec kept; `--undo` gives the bytes back. An entry whose
 * headers also come from Codex's environment is left as it is, and why.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as doctor from "../../src/commands/doctor.ts";
import * as list from "../../src/commands/list.ts";
import { parse, run } from "../../src/commands/migrate.ts";
import { selfCommand } from "../../src/runtime.ts";
import { commandHome } from "./command-home.ts";

const TOKEN = "r3moteTok3n-0123456789abcdefABCDEF";
const KEY = "sk-proj-abcdefghij0123456789xyzXYZ";
const URL = "https://mcp.example.com/mcp";
const CODEX = ".codex/config.toml";
const WINDSURF = ".codeium/windsurf/mcp_config.json";
const CODEX_TEXT = [
  "# my codex settings",
  'model = "o3"',
  "",
  "# the team's remote server",
  "[mcp_servers.remote]",
  `url = "${URL}"`,
  `http_headers = { "Authorization" = "Bearer ${TOKEN}", "X-Team" = "blue" }`,
  "startup_timeout_sec = 45",
  "",
  "# keep this one",
  "[mcp_servers.local]",
  'command = "npx"',
  'args = ["-y", "some-server"]',
  "",
].join("\n");
const WINDSURF_TEXT = `${JSON.stringify({ mcpServers: { keyed: { serverUrl: `${URL}?api_key=${KEY}` } } }, null, 2)}\n`;

describe("Codex and Windsurf remote entries", () => {
  test("list flags the plaintext of http_headers and of a serverUrl's query, masked", async () => {
    const h = commandHome();
    h.write(CODEX, CODEX_TEXT);
    h.write(WINDSURF, WINDSURF_TEXT);
    await list.run(list.parse([], null), h.ctx);
    const text = h.stdout.join("");
    expect(text).toContain(
      "codex (user) remote: remote: https://mcp.example.com/mcp\n" +
        "  plaintext header Authorization: … (41 chars) (Bearer token, name Authorization)\n",
    );
    expect(text).toContain(
      "windsurf (user) keyed: remote: https://mcp.example.com/mcp?api_key=sk-proj-… (34 chars)\n" +
        "  plaintext url: sk-proj-… (34 chars) (known prefix sk-proj-, api_key parameter in URL)\n",
    );
    h.stdout.length = 0;
    await list.run(list.parse(["--json"], null), h.ctx);
    const json = h.stdout.join("");
    for (const out of [text, json]) {
      expect(out).not.toContain("r3moteTok3n");
      expect(out).not.toContain("abcdefghij");
    }
    const rows = JSON.parse(json) as Array<{ name: string; plaintext: unknown }>;
    expect(rows.find((r) => r.name === "remote")?.plaintext).toEqual([
      { where: "header", key: "Authorization", reason: "Bearer token, name Authorization", value: "… (41 chars)" },
    ]);
  });

  test("doctor warns of both, masked, and names migrate as the fix", async () => {
    const h = commandHome();
    h.write(CODEX, CODEX_TEXT);
    h.write(WINDSURF, WINDSURF_TEXT);
    await doctor.run(doctor.parse([], null), h.ctx);
    const out = h.stdout.join("");
    const fix =
      "        fix: mcp-op migrate shows the plan; mcp-op migrate --apply stores it in 1Password and rewrites the entry (a headersHelper or mcp-op proxy)\n";
    expect(out).toContain(
      "warning remote (codex, user): plaintext in a remote server's header Authorization: … (41 chars) (Bearer token, name Authorization)\n" +
        fix,
    );
    expect(out).toContain(
      "warning keyed (windsurf, user): plaintext in a remote server's url: sk-proj-… (34 chars) (known prefix sk-proj-, api_key parameter in URL)\n" +
        fix,
    );
    expect(out).not.toContain("r3moteTok3n");
    expect(out).not.toContain("abcdefghij");
  });

  test("migrate --apply: items hold the values, entries become mcp-op proxy, comments kept; --undo restores", async () => {
    const h = commandHome();
    h.write(CODEX, CODEX_TEXT);
    h.write(WINDSURF, WINDSURF_TEXT);
    await run(parse(["--apply"], null), h.ctx);
    const dir = join(h.home, ".config", "mcp-op");
    const [command, ...pre] = selfCommand();
    const items = h.fake.vaults[0]?.items.map((i) => [i.title, i.fields.credential]);
    expect(items).toEqual([
      ["mcp-op keyed OPENAI_API_KEY", KEY],
      ["mcp-op remote Authorization", TOKEN],
    ]);
    const quoted = [...pre, "proxy", "--url", URL, "--headers-file", join(dir, "remote.headers"), "--allow-plain"]
      .map((a) => JSON.stringify(a))
      .join(", ");
    expect(h.read(CODEX)).toBe(
      [
        "# my codex settings",
        'model = "o3"',
        "",
        "# the team's remote server",
        "[mcp_servers.remote]",
        "startup_timeout_sec = 45",
        `command = ${JSON.stringify(command)}`,
        `args = [${quoted}]`,
        "",
        "# keep this one",
        "[mcp_servers.local]",
        'command = "npx"',
        'args = ["-y", "some-server"]',
        "",
      ].join("\n"),
    );
    expect(readFileSync(join(dir, "remote.headers"), "utf8")).toEndWith(
      "\nAuthorization: Bearer {{ op://Private/mcp-op remote Authorization/credential }}\nX-Team: blue\n",
    );
    expect(JSON.parse(h.read(WINDSURF)).mcpServers.keyed).toEqual({
      command,
      args: [...pre, "proxy", "--url", `${URL}?api_key={{OPENAI_API_KEY}}`, "--env-file", join(dir, "keyed.env")],
    });
    // Afterwards nothing is left to migrate.
    h.stdout.length = 0;
    await run(parse([], null), h.ctx);
    expect(h.stdout.join("")).toBe("no plaintext secrets found in any client config\n");
    await run(parse(["--undo"], null), h.ctx);
    expect([h.read(CODEX), h.read(WINDSURF)]).toEqual([CODEX_TEXT, WINDSURF_TEXT]);
    for (const f of ["remote.headers", "keyed.env"]) expect(existsSync(join(dir, f))).toBe(false);
  });

  test("an entry that also takes headers from Codex's environment is left as it is, and why", async () => {
    const h = commandHome();
    const text = `[mcp_servers.mixed]\nurl = "${URL}"\nhttp_headers = { "Authorization" = "Bearer ${TOKEN}" }\nenv_http_headers = { "X-Org" = "ORG_ID" }\n`;
    const codex = h.write(CODEX, text);
    await run(parse(["--apply"], null), h.ctx);
    expect(h.stdout.join("")).toBe(
      `codex (user) mixed: ${codex}\n` +
        "  not migrated: it has env_http_headers, whose headers a migrated entry would lose: move the header by hand\n" +
        "nothing to migrate: every value found is left in place (see above)\n",
    );
    expect(h.read(CODEX)).toBe(text);
  });
});
