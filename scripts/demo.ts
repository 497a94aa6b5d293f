#!/usr/bin/env bun
/**
 * `bun run demo`: build mcp-op, then let a real MCP client (the official SDK) talk through it to
 * the reference server (server-everything), with the test suite's stand-in `op` and a throwaway
 * vault. Prints which variables reached the server: names and sources, never values.
 */
import { chmodSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { build } from "./build.ts";

const root = join(import.meta.dir, "..");
const server = join(root, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
const node = Bun.which("node");
if (!node) throw new Error("the demo needs node on PATH (server-everything runs on Node.js)");

const { outfile, version } = await build();
const dir = mkdtempSync(join(tmpdir(), "mcp-op-demo-"));
try {
  const vault = join(dir, "vault.json");
  writeFileSync(
    vault,
    JSON.stringify({ Private: { GitHub: { token: `ghp_${"x".repeat(36)}` }, Linear: { "api key": "lin_api_demo" } } }),
  );
  const envFile = join(dir, "demo.env");
  writeFileSync(
    envFile,
    "# references only: op resolves them when the server starts\nGITHUB_TOKEN=op://Private/GitHub/token\nLINEAR_API_KEY=op://Private/Linear/api key\n",
  );
  chmodSync(envFile, 0o600);

  const args = ["run", "--env-file", envFile, "--", node, server];
  console.log(`mcp-op ${version}: ${outfile}`);
  console.log(`client config entry: ${outfile} ${args.join(" ")}\n`);
  const transport = new StdioClientTransport({
    command: outfile,
    args,
    // What an MCP client passes: a minimal environment, plus the stand-in op's controls.
    env: {
      HOME: dir,
      PATH: `${join(root, "test", "fixtures", "bin")}:/usr/local/bin:/usr/bin:/bin`,
      MCP_OP_SEARCH_DIRS: "",
      OP_STUB_VAULT: vault,
      OP_STUB_AUTH: "signed-in",
      FROM_CLIENT_ENV: "op://Private/GitHub/token",
    },
    stderr: "inherit",
  });
  const client = new Client({ name: "mcp-op-demo", version });
  await client.connect(transport);
  const info = client.getServerVersion();
  const tools = await client.listTools();
  console.log(`connected to ${info?.name} ${info?.version}: ${tools.tools.length} tools`);
  const pid = transport.pid;
  if (pid && process.platform === "linux") {
    console.log(`client's child process: ${readlinkSync(`/proc/${pid}/exe`)} (mcp-op exec'd into op; no wrapper left)`);
  }
  const result = await client.callTool({ name: "get-env", arguments: {} });
  const serverEnv = JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? "{}") as Record<string, string>;
  console.log("\nvariables the server received from 1Password (values hidden):");
  for (const name of ["GITHUB_TOKEN", "LINEAR_API_KEY", "FROM_CLIENT_ENV"]) {
    const value = serverEnv[name];
    const resolved = value !== undefined && !value.startsWith("op://");
    console.log(`  ${resolved ? "✔" : "✗"} ${name} (${value?.length ?? 0} chars)`);
  }
  await client.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
