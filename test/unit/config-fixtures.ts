/** Config locations and a throwaway directory per test, shared by the unit and e2e config-file tests. */
import { afterAll } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigLocation } from "../../src/core/clients.ts";
import { setServer } from "../../src/core/config-edit.ts";

/** A fresh directory per call, all under one temp dir removed after the file's tests. */
export function sandboxes(prefix: string): () => string {
  const base = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  let n = 0;
  return () => {
    const dir = join(base, `t${++n}`);
    mkdirSync(dir);
    return dir;
  };
}

export const jsonLoc = (path: string): ConfigLocation => ({
  client: "cursor",
  scope: "user",
  path,
  format: "json",
  keyPath: ["mcpServers"],
});

export const tomlLoc = (path: string): ConfigLocation => ({
  client: "codex",
  scope: "user",
  path,
  format: "toml",
  keyPath: ["mcp_servers"],
});

/** An edit that adds server `name` to the config at `loc`. */
export const add = (loc: ConfigLocation, name: string) => (text: string) =>
  setServer(loc, text, name, { command: "/bin/mcp-op", args: ["run", "--", name] }, { force: false });
