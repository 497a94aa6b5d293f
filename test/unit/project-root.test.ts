/** facts().projectRoot: the git repository root Claude Code keys local servers by, found without running git. */
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { facts } from "../../src/effects/registry.ts";

const env = (home: string) => ({ HOME: home });

describe("projectRoot", () => {
  test("a subdirectory of a repository: the directory holding .git", () => {
    const top = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-root-")));
    mkdirSync(join(top, ".git"));
    mkdirSync(join(top, "a", "b"), { recursive: true });
    expect(facts(env(top), join(top, "a", "b")).projectRoot).toBe(top);
  });

  test("a worktree or submodule (.git is a file): its own directory", () => {
    const top = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-root-")));
    mkdirSync(join(top, ".git"));
    mkdirSync(join(top, "sub", "deep"), { recursive: true });
    writeFileSync(join(top, "sub", ".git"), "gitdir: ../.git/modules/sub\n");
    expect(facts(env(top), join(top, "sub", "deep")).projectRoot).toBe(join(top, "sub"));
  });

  test("reached through a symbolic link: the real path, as git prints it", () => {
    const top = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-root-")));
    mkdirSync(join(top, "repo", ".git"), { recursive: true });
    symlinkSync(join(top, "repo"), join(top, "link"));
    expect(facts(env(top), join(top, "link")).projectRoot).toBe(join(top, "repo"));
  });

  test("outside any repository: the working directory itself", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-root-")));
    expect(facts(env(dir), dir).projectRoot).toBe(dir);
  });
});
