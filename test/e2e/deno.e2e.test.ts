/**
 * The same source under Deno (`deno run -A src/cli.ts`): Deno has no process.execve, so mcp-op
 * execs through libc via Deno.dlopen. Proven the same way as under Bun: the client's child is
 * `op`, not mcp-op, and the server sees the resolved secrets.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { NODE, OP, ROOT, run, SECRETS, SERVER_EVERYTHING, sandbox } from "./helpers.ts";
import { PROBE, readProbe } from "./probe.ts";

/** The platform binary from the `deno` npm package (its bin.cjs wrapper would add a node process). */
function denoBinary(): string | undefined {
  const dir = join(ROOT, "node_modules", "@deno");
  if (!existsSync(dir)) return undefined;
  for (const pkg of readdirSync(dir)) {
    const path = join(dir, pkg, process.platform === "win32" ? "deno.exe" : "deno");
    if (existsSync(path)) return path;
  }
  return undefined;
}

const deno = denoBinary();
if (!deno && process.env.CI === "true") throw new Error("deno is missing: bun install should have installed it");
const CLI = join(ROOT, "src", "cli.ts");

describe.skipIf(!deno)("under Deno", () => {
  const denoRun = (...args: string[]) => ["run", "-A", CLI, ...args];

  /** An MCP client connected through `deno ... run [flags] --env-file github.env -- server-everything`. */
  async function connect(flags: string[], extra: Record<string, string> = {}) {
    const s = sandbox();
    const file = s.envFile("github.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    const transport = new StdioClientTransport({
      command: deno as string,
      args: denoRun("run", ...flags, "--env-file", file, "--", NODE, SERVER_EVERYTHING),
      env: s.env({ ...extra, DENO_NO_UPDATE_CHECK: "1" }),
      stderr: "pipe",
    });
    const client = new Client({ name: "deno-e2e", version: "0" });
    await client.connect(transport);
    return { client, transport };
  }

  for (const [mode, extra] of [
    ["fast path", {}],
    ["env stage (service account)", { OP_SERVICE_ACCOUNT_TOKEN: "ops_deno_test" }],
  ] as const) {
    test(`MCP client -> deno mcp-op -> op -> server-everything (${mode})`, async () => {
      const { client, transport } = await connect([], extra);
      try {
        const result = await client.callTool({ name: "get-env", arguments: {} });
        const env = JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? "{}") as Record<string, string>;
        expect(env.GITHUB_TOKEN).toBe(SECRETS.github);
        expect(env.OP_SERVICE_ACCOUNT_TOKEN).toBeUndefined();
        const pid = transport.pid as number;
        expect(readlinkSync(`/proc/${pid}/exe`)).toBe(NODE);
        expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain(OP);
        const child = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0];
        expect(readlinkSync(`/proc/${child}/exe`)).toBe(NODE);
      } finally {
        await client.close();
      }
    });
  }

  test("the exec'd program gets default signals and blocking stdio under Deno too", async () => {
    const s = sandbox();
    const out = join(s.dir, "probe.txt");
    const r = await run([deno as string, ...denoRun("run", "--no-signin", "--op", PROBE, "--", "true", "-h")], {
      env: s.env({ PROBE_OUT: out, DENO_NO_UPDATE_CHECK: "1" }),
      input: "",
    });
    expect(r.code).toBe(0);
    const probe = readProbe(out);
    expect(BigInt(`0x${probe.fields.SigIgn}`) & ((1n << 12n) | (1n << 24n))).toBe(0n);
    expect(probe.fields.SigBlk).toBe("0000000000000000");
  });

  test("--redact under Deno: the filter stage redacts what the server prints", async () => {
    const { client } = await connect(["--redact"]);
    try {
      const result = await client.callTool({ name: "get-env", arguments: {} });
      const env = JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? "{}") as Record<string, string>;
      expect(env.GITHUB_TOKEN).toBe("[redacted:GITHUB_TOKEN]");
      expect(JSON.stringify(result)).not.toContain(SECRETS.github);
    } finally {
      await client.close();
    }
  });

  test("migrate --apply under Deno: the item template reaches op (it opens /dev/fd/3 by path), no value in argv", async () => {
    const s = sandbox({ Private: {} });
    const token = "glpat-DenoMigrate0123456789";
    mkdirSync(join(s.home, ".cursor"));
    const cursor = join(s.home, ".cursor", "mcp.json");
    writeFileSync(cursor, JSON.stringify({ mcpServers: { gitlab: { command: "npx", args: ["--token", token] } } }));
    const r = await run([deno as string, ...denoRun("migrate", "--apply", "--client", "cursor")], {
      env: s.env({ DENO_NO_UPDATE_CHECK: "1" }),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  created op://Private/mcp-op gitlab GITLAB_PERSONAL_ACCESS_TOKEN/credential\n");
    const vault = JSON.parse(readFileSync(join(s.dir, "vault.json"), "utf8"));
    expect(vault.Private["mcp-op gitlab GITLAB_PERSONAL_ACCESS_TOKEN"].credential).toBe(token);
    expect(readFileSync(cursor, "utf8")).not.toContain(token);
    expect(s.opCalls().find((a) => a.includes("create"))).toContain("/dev/fd/3");
    expect(s.opLog()).not.toContain(token);
  });

  test("bad input under Deno: same message and exit code", async () => {
    const s = sandbox();
    const file = s.envFile("github.env", "GH=op://Private/gh\n");
    const r = await run([deno as string, ...denoRun("run", "--env-file", file, "--", "true")], { env: s.env() });
    expect(r.code).toBe(65);
    expect(r.stderr).toBe(
      `[error] [mcp-op] ${file}:1: "op://Private/gh" is not a secret reference: it needs vault, item and field\n`,
    );
  });
});
