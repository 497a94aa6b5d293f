import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type ConfigLocation, readEntry, type ServerSpec } from "../../src/core/clients.ts";
import { detectSecrets } from "../../src/core/detect.ts";
import {
  describeMigration,
  envFileBase,
  itemTitle,
  type MigrationServer,
  planMigration,
  shownName,
  undoEntries,
  uniqueTitle,
} from "../../src/core/migrate.ts";

const GH1 = `ghp_${"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}`;
const GH2 = `ghp_${"Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"}`;

function server(client: ConfigLocation["client"], name: string, spec: ServerSpec): MigrationServer {
  const loc: ConfigLocation = {
    client,
    scope: "user",
    path: `/h/${client}.json`,
    format: "json",
    keyPath: ["mcpServers"],
  };
  return { loc, name, raw: spec, spec, viaMcpOp: false, findings: detectSecrets(spec) };
}

const migration = (servers: MigrationServer[], existingTitles?: Set<string>) =>
  planMigration({
    servers,
    vault: "Private",
    self: ["mcp-op"],
    envFileFor: (s) => `/h/.config/mcp-op/${s.loc.client}-${s.name}.env`,
    ...(existingTitles ? { existingTitles } : {}),
  });
const plan = (servers: MigrationServer[], existingTitles?: Set<string>) => migration(servers, existingTitles).plans;

/** A server as a client stores it (`raw`), read the way scanServers reads it. */
function stored(raw: Record<string, unknown>): MigrationServer {
  const loc: ConfigLocation = {
    client: "gemini",
    scope: "user",
    path: "/h/g.json",
    format: "json",
    keyPath: ["mcpServers"],
  };
  const spec = readEntry("gemini", raw) as ServerSpec;
  return { loc, name: "s", raw, spec, viaMcpOp: false, findings: detectSecrets(spec) };
}

const references = (plans: ReturnType<typeof plan>) => plans.flatMap((p) => p.variables.map((v) => v.item.reference));

describe("item titles", () => {
  test("safe for a reference by name, trimmed", () => {
    expect(itemTitle("git/hub", "TOKEN ")).toBe("mcp-op git-hub TOKEN");
  });
  test("uniqueTitle counts up past taken titles, case-insensitively", () => {
    expect(uniqueTitle("mcp-op a B", new Set())).toBe("mcp-op a B");
    expect(uniqueTitle("mcp-op a B", new Set(["mcp-op a b", "mcp-op a b 2"]))).toBe("mcp-op a B 3");
  });
});

describe("planMigration", () => {
  const spec = (token: string): ServerSpec => ({ command: "npx", args: ["gh-mcp"], env: { GITHUB_TOKEN: token } });

  test("two servers of one name with different tokens get two items, not one title twice", () => {
    const refs = references(plan([server("cursor", "github", spec(GH1)), server("vscode", "github", spec(GH2))]));
    expect(refs).toEqual([
      "op://Private/mcp-op github GITHUB_TOKEN/credential",
      "op://Private/mcp-op github GITHUB_TOKEN 2/credential",
    ]);
  });

  test("the same token in two servers is one item", () => {
    const plans = plan([server("cursor", "github", spec(GH1)), server("vscode", "github", spec(GH1))]);
    const [a, b] = plans.map((p) => p.variables[0]?.item);
    expect(a).toBe(b as NonNullable<typeof b>);
  });

  test("titles already in the vault are never given again", () => {
    const refs = references(plan([server("cursor", "github", spec(GH1))], new Set(["mcp-op github github_token"])));
    expect(refs).toEqual(["op://Private/mcp-op github GITHUB_TOKEN 2/credential"]);
  });

  test("a value an existing item holds (checked by the caller) uses that item, in every server; others get new ones", () => {
    const reused = { id: "abc", title: "mcp-op github GITHUB_TOKEN", reference: "op://Private/abc/credential" };
    const m = planMigration({
      servers: [
        server("cursor", "github", spec(GH1)),
        server("vscode", "gh", spec(GH1)),
        server("zed", "github", spec(GH2)),
      ],
      vault: "Private",
      self: ["mcp-op"],
      envFileFor: (s) => `/h/${s.loc.client}.env`,
      existingTitles: new Set(["mcp-op github github_token"]),
      reuse: new Map([[GH1, reused]]),
    });
    const items = m.plans.map((p) => p.variables[0]?.item);
    expect(items[0]).toEqual({ ...reused, value: GH1, reused: true });
    expect(items[1]).toBe(items[0] as NonNullable<(typeof items)[0]>);
    expect(items[2]).toMatchObject({ reference: "op://Private/mcp-op github GITHUB_TOKEN 2/credential" });
    expect(items[2]?.reused).toBeUndefined();
    const text = describeMigration(m).join("\n");
    expect(text).toContain(
      "env GITHUB_TOKEN: ghp_… (40 chars) -> GITHUB_TOKEN = op://Private/abc/credential (an earlier migration's item, same value: reused)",
    );
    expect(text).not.toContain(GH1.slice(4));
  });
});

describe("env file names", () => {
  test("a server name never becomes a path: only [A-Za-z0-9_-], never empty, no leading '-'", () => {
    expect(envFileBase("github")).toBe("github");
    expect(envFileBase("../../target/app")).toBe("target-app");
    expect(envFileBase("/tmp/x/abs")).toBe("tmp-x-abs");
    expect(envFileBase("..")).toBe("server");
    expect(envFileBase("C:\\Windows\\x")).toBe("C-Windows-x");
    expect(envFileBase("nul")).toBe("nul-server");
    expect(envFileBase("x".repeat(100))).toBe("x".repeat(64));
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (name) => {
        expect(envFileBase(name)).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,70}$/);
      }),
    );
  });
  test("names are shown on one line, control characters escaped", () => {
    expect(shownName("github")).toBe("github");
    expect(shownName("a\nb\u001b[0m\u009b")).toBe('"a\\nb\\u001b[0m\\u009b"');
  });
});

describe("only values that round-trip exactly move", () => {
  // As JSON.parse reads the file's 12345678901234567890: 12345678901234567000.
  const BIG = JSON.parse("12345678901234567890") as number;
  test("an env value that is a JSON number keeps the whole server as it is (its digits may not survive)", () => {
    const m = migration([stored({ command: "npx", env: { API_KEY: BIG, GITHUB_TOKEN: GH1 } })]);
    expect(m.plans).toEqual([]);
    expect(m.untouched.map((u) => u.why)).toEqual([
      "env API_KEY is a number, not a string: only a string moves exactly; quote it and run again",
    ]);
    expect(describeMigration(m).join("\n")).not.toContain("1234567");
  });
  test("env values not moved are stored exactly as they were (null, numbers)", () => {
    const m = migration([stored({ command: "npx", env: { GITHUB_TOKEN: GH1, PORT: 8080, N: null } })]);
    expect(m.plans[0]?.entry.env).toEqual({ PORT: 8080, N: null });
  });
  test("args holding null (or any non-string) are never dropped: the server is not migrated", () => {
    const m = migration([stored({ command: "npx", args: ["srv", null, "--token", GH1, 8080] })]);
    expect(m.plans).toEqual([]);
    expect(m.untouched.map((u) => u.why)).toEqual([
      "argument 2 is null, argument 5 is a number, not a string: rewriting the entry would change it; fix the entry and run again",
    ]);
  });
});

describe("the new clients' shapes (docs/clients.md)", () => {
  function storedAs(client: ConfigLocation["client"], raw: Record<string, unknown>): MigrationServer {
    const loc: ConfigLocation = { client, scope: "user", path: `/h/${client}`, format: "json", keyPath: ["x"] };
    const spec = readEntry(client, raw) as ServerSpec;
    return { loc, name: "s", raw, spec, viaMcpOp: false, findings: detectSecrets(spec) };
  }
  const ENV = "/h/.config/mcp-op/";

  test("opencode: the token leaves `environment`, the command array runs through mcp-op, other keys stay", () => {
    const m = migration([
      storedAs("opencode", {
        type: "local",
        command: ["npx", "-y", "srv"],
        environment: { GITHUB_TOKEN: GH1, PORT: "1" },
        enabled: true,
      }),
    ]);
    expect(m.plans[0]?.entry).toEqual({
      type: "local",
      command: ["mcp-op", "run", "--env-file", `${ENV}opencode-s.env`, "--", "npx", "-y", "srv"],
      environment: { PORT: "1" },
      enabled: true,
    });
  });

  test("goose: `envs`, `cmd`, and the rest of the extension stay goose's", () => {
    const m = migration([
      storedAs("goose", { enabled: true, type: "stdio", cmd: "npx", args: ["srv"], envs: { GITHUB_TOKEN: GH1 } }),
      storedAs("crush", { type: "stdio", command: "srv", env: { GITHUB_TOKEN: GH2 }, timeout: 120 }),
    ]);
    // A longer window the user set stays; a shorter one gets mcp-op's.
    expect(m.plans[1]?.entry.timeout).toBe(120);
    expect(m.plans[0]?.entry).toEqual({
      enabled: true,
      type: "stdio",
      cmd: "mcp-op",
      args: ["run", "--env-file", `${ENV}goose-s.env`, "--", "npx", "srv"],
      timeout: 300,
    });
  });

  test("cline's nested form becomes the flat one both Cline versions read", () => {
    const m = migration([
      storedAs("cline", { transport: { type: "stdio", command: "srv", env: { GITHUB_TOKEN: GH1 } }, disabled: false }),
    ]);
    expect(m.plans[0]?.entry).toEqual({
      disabled: false,
      type: "stdio",
      command: "mcp-op",
      args: ["run", "--env-file", `${ENV}cline-s.env`, "--", "srv"],
      timeout: 60,
    });
  });
});

describe("undoEntries", () => {
  const loc: ConfigLocation = {
    client: "cursor",
    scope: "user",
    path: "/h/c.json",
    format: "json",
    keyPath: ["mcpServers"],
  };
  const backup = JSON.stringify({ mcpServers: { a: { command: "a0" }, b: { command: "b0" } } });
  const ours = { a: { command: "mcp-op", args: ["a"] }, b: { command: "mcp-op", args: ["b"] } };

  test("entries still as migrated go back; one changed since is left alone and named; the rest stays", () => {
    const now = JSON.stringify({ other: 1, mcpServers: { a: ours.a, b: { command: "edited" }, c: { command: "c" } } });
    const entries = [
      { loc, name: "a", ours: ours.a },
      { loc, name: "b", ours: ours.b },
    ];
    const r = undoEntries(now, backup, entries);
    expect(r.leftAlone.map((e) => e.name)).toEqual(["b"]);
    expect(JSON.parse(r.text)).toEqual({
      other: 1,
      mcpServers: { a: { command: "a0" }, b: { command: "edited" }, c: { command: "c" } },
    });
  });

  test("an entry already back is no change", () => {
    const r = undoEntries(backup, backup, [{ loc, name: "a", ours: ours.a }]);
    expect(r).toEqual({ text: backup, changed: false, leftAlone: [] });
  });
});
