/**
 * mcp-op's own directories (core/paths.ts), built in one place: a relative or blank XDG
 * variable is ignored, as the XDG Base Directory specification requires; and the `claude` CLI
 * found the way a server command is (PATHEXT on Windows).
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configLocation } from "../../src/core/clients.ts";
import { backupRoot, envFileDir, isAbsolutePath, stateDir, xdgHome } from "../../src/core/paths.ts";
import { candidatePaths } from "../../src/core/search-path.ts";
import { claudeCli, editBackupDir } from "../../src/effects/registry.ts";

describe("XDG directories", () => {
  const home = "/home/me";
  test("absolute values are used", () => {
    const env = { XDG_CONFIG_HOME: "/xdg/config", XDG_STATE_HOME: "/xdg/state" };
    expect(envFileDir(env, home, "linux")).toBe("/xdg/config/mcp-op");
    expect(stateDir(env, home, "linux")).toBe("/xdg/state/mcp-op");
    expect(backupRoot(env, home, "linux")).toBe("/xdg/state/mcp-op/backups");
  });

  for (const value of [undefined, "", "  ", "rel", "./rel", "~/cfg"]) {
    test(`${JSON.stringify(value)} is ignored: the defaults under home`, () => {
      const env = { XDG_CONFIG_HOME: value, XDG_STATE_HOME: value };
      expect(envFileDir(env, home, "linux")).toBe("/home/me/.config/mcp-op");
      expect(stateDir(env, home, "linux")).toBe("/home/me/.local/state/mcp-op");
      expect(backupRoot(env, home, "linux")).toBe("/home/me/.local/state/mcp-op/backups");
    });
  }

  test("the env-file directory and the clients' config directory agree on a relative XDG_CONFIG_HOME", () => {
    const env = { XDG_CONFIG_HOME: "rel" };
    const zed = configLocation("zed", "user", { home, platform: "linux", cwd: "/home/me/p", env }).path;
    expect(zed).toBe(`${xdgHome("XDG_CONFIG_HOME", env, home, "linux")}/zed/settings.json`);
    expect(envFileDir(env, home, "linux")).toBe(`${xdgHome("XDG_CONFIG_HOME", env, home, "linux")}/mcp-op`);
  });

  test("Windows: drive and UNC paths are absolute, names are case-insensitive", () => {
    expect(isAbsolutePath("C:\\x", "win32")).toBe(true);
    expect(isAbsolutePath("C:/x", "win32")).toBe(true);
    expect(isAbsolutePath("\\\\server\\share", "win32")).toBe(true);
    expect(isAbsolutePath("x\\y", "win32")).toBe(false);
    expect(isAbsolutePath("C:\\x", "linux")).toBe(false);
    expect(stateDir({ xdg_state_home: "D:\\state" }, "C:\\Users\\me", "win32")).toBe("D:\\state\\mcp-op");
    expect(envFileDir({}, "C:\\Users\\me", "win32")).toBe("C:\\Users\\me\\.config\\mcp-op");
  });

  test("edit backups ignore a relative XDG_STATE_HOME: created under ~/.local/state, nothing in cwd", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-paths-")));
    const loc = configLocation("cursor", "user", { home: dir, platform: "linux", cwd: dir, env: {} });
    const got = editBackupDir({ XDG_STATE_HOME: "relative-state" }, dir, loc);
    expect(got).toBe(join(dir, ".local", "state", "mcp-op", "backups", "edits", "cursor-user"));
    expect(existsSync(got)).toBe(true);
    expect(existsSync(join(process.cwd(), "relative-state"))).toBe(false);
  });
});

describe("claude CLI on PATH", () => {
  test("Windows: PATHEXT names are candidates (claude.cmd, as npm installs it)", () => {
    const env = { PATHEXT: ".EXE;.CMD" };
    expect(candidatePaths("claude", "C:\\npm;C:\\bin", env, "win32")).toEqual([
      "C:\\npm\\claude.exe",
      "C:\\npm\\claude.cmd",
      "C:\\bin\\claude.exe",
      "C:\\bin\\claude.cmd",
    ]);
  });

  test.skipIf(process.platform === "win32")(
    "the first executable `claude` on PATH; a non-executable one is skipped",
    () => {
      const dir = realpathSync(mkdtempSync(join(tmpdir(), "mcp-op-claude-")));
      for (const d of ["a", "b", "c"]) mkdirSync(join(dir, d));
      writeFileSync(join(dir, "a", "claude"), "#!/bin/sh\n", { mode: 0o644 });
      writeFileSync(join(dir, "b", "claude"), "#!/bin/sh\n", { mode: 0o755 });
      chmodSync(join(dir, "b", "claude"), 0o755);
      const PATH = ["a", "b", "c"].map((d) => join(dir, d)).join(":");
      expect(claudeCli({ PATH })).toBe(join(dir, "b", "claude"));
      expect(claudeCli({ PATH: join(dir, "c") })).toBeUndefined();
      expect(claudeCli({})).toBeUndefined();
    },
  );
});
