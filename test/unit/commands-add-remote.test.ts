/**
 * `mcp-op add NAME --url URL --header ...` in-process: the headers file (0600, templates only),
 * Claude Code's headersHelper entry and every other client's `mcp-op proxy` entry, exact; no
 * argument of any entry holding a space; plain values refused as `--env` refuses them; a failure
 * taking the headers file back; `--dry-run`; `remove`.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, run } from "../../src/commands/add.ts";
import { diagnose } from "../../src/commands/doctor.ts";
import { parse as parseList, run as runList } from "../../src/commands/list.ts";
import { parse as parseRemove, run as runRemove } from "../../src/commands/remove.ts";
import { mcpOpRemoteOf, spacedArguments } from "../../src/core/remote-entry.ts";
import { saveHooks } from "../../src/effects/config-file.ts";
import { selfCommand } from "../../src/runtime.ts";
import { commandHome, failure } from "./command-home.ts";
import { NO_PROCESSES } from "./context.ts";
import { FakeOp } from "./fake-op.ts";

const URL = "https://mcp.example.com/mcp";
const AUTH = "Authorization: Bearer {{ op://Private/Remote/token }}";
const TEAM = "X-Team: op://Private/Remote/team";
const CLAUDE = ".claude.json";
const CURSOR = ".cursor/mcp.json";
const CODEX = ".codex/config.toml";
const GEMINI = ".gemini/settings.json";
const HEADERS_TEXT =
  "# Written by mcp-op add: HTTP headers of a remote MCP server, as 1Password references or {{ }} templates.\n" +
  `${AUTH}\n${TEAM}\n`;

afterEach(() => {
  delete saveHooks.beforeLastCheck;
});

const ALL = ["--client", "claude-code", "--client", "cursor", "--client", "codex", "--client", "gemini"];

describe("add --url", () => {
  test("claude-code: a headersHelper entry; the others: mcp-op proxy; the headers file 0600; no argument with a space", async () => {
    const h = commandHome();
    for (const f of [CLAUDE, CURSOR, GEMINI]) h.write(f, "{}\n");
    h.write(CODEX, "");
    await run(parse(["remote", "--url", URL, "--header", AUTH, "--header", TEAM, ...ALL], null), h.ctx);
    const headers = join(h.home, ".config", "mcp-op", "remote.headers");
    expect(readFileSync(headers, "utf8")).toBe(HEADERS_TEXT);
    expect(statSync(headers).mode & 0o777).toBe(0o600);
    const self = selfCommand();
    const [command, ...pre] = self;
    expect(JSON.parse(h.read(CLAUDE)).mcpServers.remote).toEqual({
      type: "http",
      url: URL,
      headersHelper: [...self, "headers", "--headers-file", headers].join(" "),
    });
    const proxy = { command, args: [...pre, "proxy", "--url", URL, "--headers-file", headers] };
    expect(JSON.parse(h.read(CURSOR)).mcpServers.remote).toEqual(proxy);
    expect(JSON.parse(h.read(GEMINI)).mcpServers.remote).toEqual(proxy);
    expect(h.read(CODEX)).toContain(`[mcp_servers.remote]\ncommand = ${JSON.stringify(command)}\n`);
    expect(h.read(CODEX)).toContain("startup_timeout_sec = 30");
    // Read back as mcp-op's remote entries, and no argument anywhere holds a space.
    const entries = [CLAUDE, CURSOR, GEMINI].map((f) => JSON.parse(h.read(f)).mcpServers.remote);
    for (const e of entries) {
      expect(spacedArguments(e)).toEqual([]);
      expect(mcpOpRemoteOf(e, e.command ? { command: e.command, args: e.args } : undefined)).toMatchObject({
        url: URL,
        headersFile: headers,
      });
    }
    expect(h.stdout.map((l) => l.split(":")[0])).toEqual([
      "added remote to claude-code (user)",
      "added remote to cursor (user)",
      "added remote to codex (user)",
      "added remote to gemini (user)",
    ]);
    // remove takes every such entry out again; the headers file stays, as env files do.
    h.stdout.length = 0;
    await runRemove(parseRemove(["remote"], null), h.ctx);
    for (const f of [CLAUDE, CURSOR, GEMINI]) expect(JSON.parse(h.read(f)).mcpServers).toEqual({});
    expect(h.read(CODEX)).not.toContain("remote");
    expect(existsSync(headers)).toBe(true);
  });

  test("a plain header value: 65 as for --env, never quoted, nothing written; --allow-plain writes it and says so in the entry", async () => {
    const h = commandHome();
    h.write(CURSOR, "{}\n");
    const args = ["remote", "--url", URL, "--header", "Authorization: Bearer pasted-t0ken-value", "--client", "cursor"];
    const error = await failure(run(parse(args, null), h.ctx));
    expect(error.exitCode).toBe(65);
    expect(h.read(CURSOR)).toBe("{}\n");
    expect(existsSync(join(h.home, ".config", "mcp-op", "remote.headers"))).toBe(false);
    await run(parse([...args, "--allow-plain", "--dry-run"], null), h.ctx);
    expect(h.stdout.join("")).toContain("Authorization: <plain value, 25 chars, not shown>\n");
    expect(h.stdout.join("")).not.toContain("pasted-t0ken");
    await run(parse([...args, "--allow-plain"], null), h.ctx);
    expect(JSON.parse(h.read(CURSOR)).mcpServers.remote.args.at(-1)).toBe("--allow-plain");
  });

  test("the URL: a secret in it refused (65), whitespace refused (65), not http (64); {{NAME}} from --env gives claude-code the proxy", async () => {
    const h = commandHome();
    h.write(CLAUDE, "{}\n");
    const cases: Array<[string, number]> = [
      [`${URL}?api_key=sk-proj-abcdefghij0123456789xyz`, 65],
      [`${URL}?key={{ KEY }}`, 65],
      ["ftp://example.com/mcp", 64],
    ];
    for (const [url, code] of cases) {
      const error = await failure(
        (async () => run(parse(["remote", "--url", url, "--client", "claude-code"], null), h.ctx))(),
      );
      expect([url, error.exitCode as number]).toEqual([url, code]);
      expect(error.message).not.toContain("abcdefghij");
    }
    const url = `${URL}?key={{KEY}}`;
    await run(
      parse(["remote", "--url", url, "--env", "KEY=op://Private/Remote/key", "--client", "claude-code"], null),
      h.ctx,
    );
    const env = join(h.home, ".config", "mcp-op", "remote.env");
    const [command, ...pre] = selfCommand();
    expect(JSON.parse(h.read(CLAUDE)).mcpServers.remote).toEqual({
      command,
      args: [...pre, "proxy", "--url", url, "--env-file", env],
    });
  });

  test("a {{ NAME }} no env file defines: 65; --header without --url and --url with a command: 64", async () => {
    const h = commandHome();
    h.write(CURSOR, "{}\n");
    const error = await failure(
      run(parse(["remote", "--url", URL, "--header", "X-Key: {{ NOPE }}", "--client", "cursor"], null), h.ctx),
    );
    expect(error.exitCode).toBe(65);
    expect(() => parse(["remote", "--header", AUTH], ["npx", "x"])).toThrow("--header is for a remote server");
    expect(() => parse(["remote", "--url", URL], ["npx", "x"])).toThrow("give --url or a server command");
  });

  test("a later config failing: the headers file is removed again and the earlier entry taken back", async () => {
    const h = commandHome();
    const cursor = h.write(CURSOR, "{}\n");
    h.write(GEMINI, "{}\n");
    saveHooks.beforeLastCheck = (path) => {
      if (path === cursor) h.write(GEMINI, "{,");
    };
    const error = await failure(
      run(parse(["remote", "--url", URL, "--header", AUTH, "--client", "cursor", "--client", "gemini"], null), h.ctx),
    );
    expect(error.exitCode).toBe(78);
    expect(h.read(CURSOR)).toBe("{}\n");
    expect(existsSync(join(h.home, ".config", "mcp-op", "remote.headers"))).toBe(false);
  });

  test("the same headers again (one more client): the file is reused; other headers need --force", async () => {
    const h = commandHome();
    h.write(CURSOR, "{}\n");
    h.write(GEMINI, "{}\n");
    h.write(CLAUDE, "{}\n");
    await run(parse(["remote", "--url", URL, "--header", AUTH, "--client", "cursor"], null), h.ctx);
    await run(parse(["remote", "--url", URL, "--header", AUTH, "--client", "gemini"], null), h.ctx);
    const error = await failure(
      run(parse(["remote", "--url", URL, "--header", TEAM, "--client", "gemini", "--force"], null), h.ctx).then(() =>
        run(parse(["remote", "--url", URL, "--header", AUTH, "--client", "claude-code"], null), h.ctx),
      ),
    );
    expect(error.exitCode).toBe(78);
    expect(error.message).toContain("remote.headers already exists with other references");
  });
});

describe("list and doctor", () => {
  test("list shows both forms as mcp-op remote entries, no plaintext; doctor checks the headers file and reads its references", async () => {
    const vault = {
      id: "v1private",
      name: "Private",
      items: [{ id: "i1", title: "Remote", fields: { token: "t0k" } }],
    };
    const h = commandHome(new FakeOp({ vaults: [vault] }));
    h.write(CLAUDE, "{}\n");
    h.write(CURSOR, "{}\n");
    await run(
      parse(["remote", "--url", URL, "--header", AUTH, "--client", "claude-code", "--client", "cursor"], null),
      h.ctx,
    );
    const headers = join(h.home, ".config", "mcp-op", "remote.headers");
    const ctx = { ...h.ctx, ...NO_PROCESSES };
    h.stdout.length = 0;
    await runList(parseList([], null), ctx);
    expect(h.stdout.join("")).toBe(
      `claude-code (user) remote: remote through mcp-op headers (headersHelper) (${headers}): ${URL}\n` +
        `cursor (user) remote: remote through mcp-op proxy (${headers}): ${URL}\n`,
    );
    const about = async () =>
      (await diagnose({}, ctx))
        .filter((f) => f.subject.startsWith("remote (") && f.message.includes("remote.headers"))
        .map((f) => `${f.level} ${f.subject}: ${f.message}`);
    expect(await about()).toEqual([
      `ok remote (claude-code, user): ${headers}: 1 header, references and templates only (values not shown)`,
      `ok remote (cursor, user): ${headers}: 1 header, references and templates only (values not shown)`,
    ]);
    const reads = (await diagnose({}, ctx)).filter((f) => f.message.includes("reference resolves"));
    expect(reads.map((f) => `${f.level} ${f.subject}: ${f.message}`)).toEqual([
      "ok remote (claude-code, user): 1 reference resolves (values not shown)",
      "ok remote (cursor, user): 1 reference resolves (values not shown)",
    ]);
    chmodSync(headers, 0o666);
    expect((await about()).map((l) => l.split(":")[0])).toEqual([
      "error remote (claude-code, user)",
      "error remote (cursor, user)",
    ]);
    chmodSync(headers, 0o600);
    writeFileSync(headers, `${AUTH}\nX-Key: plain-t0ken-value\n`);
    expect(await about()).toEqual([
      `error remote (claude-code, user): ${headers}:2: X-Key: not a secret reference or {{ }} template; refusing a plain value (it may be the token itself): store it in 1Password and use its reference, or pass --allow-plain`,
      `error remote (cursor, user): ${headers}:2: X-Key: not a secret reference or {{ }} template; refusing a plain value (it may be the token itself): store it in 1Password and use its reference, or pass --allow-plain`,
    ]);
  });
});

test("--url with --scope project is refused (the headers file is this user's, not the team's)", () => {
  let error: unknown;
  try {
    parse(["gh", "--url", "https://mcp.example.com/mcp", "--scope", "project"], null);
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({
    exitCode: 64,
    message: "--url with --scope project is not supported yet: register a remote server at user or local scope",
  });
});
