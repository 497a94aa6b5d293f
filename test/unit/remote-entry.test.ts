/**
 * core/remote-entry.ts: the remote entries add and migrate write, read back. The helper's
 * command line is quoted for the shell that runs it and split back to the same words; a proxy
 * entry and a helper entry are recognised; anything else is not.
 */
import { describe, expect, test } from "bun:test";
import {
  helperCommand,
  mcpOpRemoteOf,
  remoteEntryFor,
  sameHeaders,
  shellWords,
  spacedArguments,
} from "../../src/core/remote-entry.ts";

const SELF = ["/usr/local/bin/mcp-op"];
const R = { url: "https://mcp.example.com/mcp", headersFile: "/home/me/.config/mcp-op/x.headers", envFiles: [] };

describe("remote entries", () => {
  test("Claude Code: a headersHelper entry; a URL with a template or no headers: no helper", () => {
    expect(remoteEntryFor("claude-code", SELF, R, "linux")).toEqual({
      type: "http",
      url: R.url,
      headersHelper: "/usr/local/bin/mcp-op headers --headers-file /home/me/.config/mcp-op/x.headers",
    });
    expect(remoteEntryFor("claude-code", SELF, { ...R, headersFile: undefined }, "linux")).toEqual({
      type: "http",
      url: R.url,
    });
    expect(remoteEntryFor("claude-code", SELF, { ...R, url: `${R.url}?k={{K}}` }, "linux")).toEqual({
      command: SELF[0],
      args: ["proxy", "--url", `${R.url}?k={{K}}`, "--headers-file", R.headersFile],
    });
  });

  test("every other client: mcp-op proxy, in the client's own shape (VS Code typed, Codex's timeout)", () => {
    const args = ["proxy", "--url", R.url, "--account", "work", "--headers-file", R.headersFile, "--env-file", "/e"];
    const r = { ...R, account: "work", envFiles: ["/e"] };
    expect(remoteEntryFor("cursor", SELF, r, "linux")).toEqual({ command: SELF[0], args });
    expect(remoteEntryFor("vscode", SELF, r, "linux")).toEqual({ type: "stdio", command: SELF[0], args });
    expect(remoteEntryFor("codex", SELF, r, "linux")).toEqual({ command: SELF[0], args, startup_timeout_sec: 30 });
  });

  test("the helper's words are quoted for sh (and cmd.exe) and split back unchanged", () => {
    const self: [string] = ["/Users/J Doe/bin/mcp-op"];
    const r = { ...R, headersFile: "/Users/J Doe/it's.headers" };
    const line = helperCommand(self, r, "linux");
    expect(line).toBe(`'/Users/J Doe/bin/mcp-op' headers --headers-file '/Users/J Doe/it'\\''s.headers'`);
    expect(shellWords(line)).toEqual([self[0], "headers", "--headers-file", r.headersFile]);
    expect(helperCommand(["C:\\Program Files\\mcp-op.exe"], R, "win32")).toBe(
      `"C:\\Program Files\\mcp-op.exe" headers --headers-file ${R.headersFile}`,
    );
    for (const line of ["a; rm -rf x", "a $(b)", "a | b", "'open"]) expect(shellWords(line)).toBeUndefined();
    // A space in a path is what spacedArguments reports (add warns about it).
    expect(spacedArguments({ headersHelper: line })).toEqual([self[0], r.headersFile]);
  });

  test("read back: both forms, their files and flags; other entries are not mcp-op's", () => {
    const helper = remoteEntryFor("claude-code", SELF, { ...R, envFiles: ["/e"], tokenFile: "/t" }, "linux");
    expect(mcpOpRemoteOf(helper, undefined)).toEqual({
      form: "helper",
      self: SELF,
      flags: ["--headers-file", R.headersFile, "--env-file", "/e", "--token-file", "/t"],
      url: R.url,
      headersFile: R.headersFile,
      envFiles: ["/e"],
      tokenFile: "/t",
      account: undefined,
      allowPlain: false,
    });
    const proxy = { command: SELF[0] as string, args: ["proxy", "--url", R.url, "--allow-plain"] };
    expect(mcpOpRemoteOf(proxy, proxy)).toMatchObject({ form: "proxy", url: R.url, allowPlain: true });
    expect(mcpOpRemoteOf({ url: R.url, headersHelper: "/bin/other headers" }, undefined)).toBeUndefined();
    expect(mcpOpRemoteOf(undefined, { command: "npx", args: ["mcp-remote", "proxy", "--url", R.url] })).toBeUndefined();
    expect(mcpOpRemoteOf(undefined, { command: SELF[0] as string, args: ["run", "--", "x", "proxy"] })).toBeUndefined();
  });

  test("two headers files are the same when their headers are, whatever the comments", () => {
    expect(sameHeaders("# a\nA: op://v/i/f\n", "A: op://v/i/f\n# b\n")).toBe(true);
    expect(sameHeaders("A: op://v/i/f\n", "A: op://v/i/g\n")).toBe(false);
    expect(sameHeaders("A: op://v/i/f\n", "A: op://v/i/f\nB: x\n")).toBe(false);
  });
});
