import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { ConfigLocation, ServerSpec } from "../src/core/clients.ts";
import { detectSecrets } from "../src/core/detect.ts";
import {
  envFileBase,
  itemTitle,
  type MigrationServer,
  planMigration,
  shownName,
  uniqueTitle,
} from "../src/core/migrate.ts";

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

const plan = (servers: MigrationServer[], existingTitles?: Set<string>) =>
  planMigration({
    servers,
    vault: "Private",
    self: ["mcp-op"],
    envFileFor: (s) => `/h/.config/mcp-op/${s.loc.client}-${s.name}.env`,
    ...(existingTitles ? { existingTitles } : {}),
  });

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

  test("titles already in the vault (a run after --undo) are not reused", () => {
    const refs = references(plan([server("cursor", "github", spec(GH1))], new Set(["mcp-op github github_token"])));
    expect(refs).toEqual(["op://Private/mcp-op github GITHUB_TOKEN 2/credential"]);
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
