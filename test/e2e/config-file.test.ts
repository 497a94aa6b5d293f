/** Client configs on disk against other processes: a lock's holder, dead or alive, and two writers at once (the rest: test/unit/config-file.test.ts). */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listServers } from "../../src/core/config-edit.ts";
import { edit } from "../../src/effects/config-file.ts";
import { add, jsonLoc, sandboxes, tomlLoc } from "../unit/config-fixtures.ts";
import { ROOT } from "./helpers.ts";

const sandbox = sandboxes("mcp-op-config-file-");

describe("withLock", () => {
  test("a lock left by a dead process is taken over", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    const loc = jsonLoc(path);
    const dead = Bun.spawnSync(["true"]).pid;
    writeFileSync(`${path}.mcp-op.lock`, `${dead}\n`);
    const started = Date.now();
    const result = await edit(loc, add(loc, "a"), { dryRun: false });
    expect(result.changed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(readdirSync(dir)).toEqual(["mcp.json"]);
  });

  test("a lock held by a live process is waited for", async () => {
    const dir = sandbox();
    const path = join(dir, "mcp.json");
    const loc = jsonLoc(path);
    const holder = Bun.spawn(["sleep", "0.3"]);
    writeFileSync(`${path}.mcp-op.lock`, `${holder.pid}\n`);
    const pending = edit(loc, add(loc, "a"), { dryRun: false });
    await Bun.sleep(100);
    expect(existsSync(path)).toBe(false); // still waiting
    await holder.exited;
    expect((await pending).changed).toBe(true);
  });
});

describe("two processes editing one file at once lose nothing", () => {
  const script = `
    const { edit } = await import(${JSON.stringify(join(ROOT, "src", "effects", "config-file.ts"))});
    const { setServer } = await import(${JSON.stringify(join(ROOT, "src", "core", "config-edit.ts"))});
    const loc = JSON.parse(process.env.LOC);
    for (let i = 0; i < 20; i++) {
      const name = process.env.TAG + "-" + i;
      await edit(loc, (text) => setServer(loc, text, name, { command: "x", args: [String(i)] }, { force: false }), {
        dryRun: false,
        backupDir: process.env.BACKUPS,
      });
    }
  `;

  for (const [kind, loc] of [
    ["JSON", (dir: string) => jsonLoc(join(dir, "mcp.json"))],
    ["TOML", (dir: string) => tomlLoc(join(dir, "config.toml"))],
  ] as const) {
    test(kind, async () => {
      const dir = sandbox();
      const where = loc(dir);
      const env = { ...process.env, LOC: JSON.stringify(where), BACKUPS: join(dir, "backups") };
      const procs = ["a", "b"].map((tag) =>
        Bun.spawn([process.execPath, "-e", script], { env: { ...env, TAG: tag }, stdout: "pipe", stderr: "pipe" }),
      );
      const results = await Promise.all(
        procs.map(async (p) => ({ code: await p.exited, stderr: await new Response(p.stderr).text() })),
      );
      expect(results).toEqual([
        { code: 0, stderr: "" },
        { code: 0, stderr: "" },
      ]);
      const names = Object.keys(listServers(where, readFileSync(where.path, "utf8"))).sort();
      const want = ["a", "b"].flatMap((t) => Array.from({ length: 20 }, (_, i) => `${t}-${i}`)).sort();
      expect(names).toEqual(want);
      expect(readdirSync(dir).sort()).toEqual(["backups", where.path.slice(dir.length + 1)].sort());
    }, 60_000);
  }
});
