/**
 * The benchmark in quick mode: proves it runs end to end and reports every scenario. It asserts
 * the facts it measures that are not timings (processes left between client and server, sign-in
 * prompts for 8 concurrent launches); nothing here fails on timing.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../unit/support.ts";

test("bun run bench --quick writes every table", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "mcp-op-bench-test-")), "RESULTS.md");
  const proc = Bun.spawn(["bun", join(ROOT, "scripts", "bench", "bench.ts"), "--quick", "--out", out], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
  const results = readFileSync(out, "utf8");
  for (const heading of [
    "## Targets",
    "## 1. Cold start to the `initialize` answer",
    "### mcp-op's own time from process start to `execve` of op",
    "### Against the floor: minimal server, exec-only op",
    "### What the scrubbing stage adds",
    "## 2. Residency after `initialize`",
    "## 3. Per-message cost",
    "## 4. Throughput: 1 MiB results",
    "## 4b. `--redact`: per-message cost and throughput",
    "## 5. Concurrent launch: 8 servers at once under app integration",
    "## 6. Binary size",
    "## 8. `mcp-op proxy`: per-message cost and throughput",
    "## What we tried",
  ]) {
    expect(results).toContain(heading);
  }
  expect(results).toContain(`Bun ${Bun.version}`);
  // No process between client and server that the recipe does not also have, in any mode.
  const extras = [...results.matchAll(/\| \*\*extra \(c\)-\(b\)\*\* \| \*\*(-?\d+)\*\* \|/g)].map((m) => m[1]);
  expect(extras).toEqual(["0", "0", "0"]);
  // One prompt for eight launches through mcp-op (the recipe's count depends on timing).
  expect(results).toMatch(/\| \(c\) mcp-op \| 1 \| 8\/8 \|/);
  expect(results).toMatch(/\| \(b\) recipe \| \d+ \| 8\/8 \|/);
  // The summary reports every target; the two that are not timings are met in any run.
  expect(results).toContain("| extra processes resident, every mode: 0 | 0, 0, 0 | yes |");
  expect(results).toContain("| sign-in prompts for 8 concurrent launches: 1 | 1 | yes |");
  expect([
    ...results.matchAll(
      /^\| [^|]+ \| [^|]+ \| (yes|\*\*no\*\*)( \(within noise: the interval includes the limit\))? \|$/gm,
    ),
  ]).toHaveLength(13);
  // The floor's targets replace the retired server-everything ratio.
  expect(results).toContain(
    "| mcp-op fast path (app integration) over the floor, minimal server, exec-only op: <= 1.15 |",
  );
  expect(results).toContain("| service account (scrubbed) over the fast path: <= 1.10 |");
  expect(results).toContain("| `OP_SESSION_*` session (scrubbed) over the fast path: <= 1.10 |");
  expect(results).not.toContain("(c)/(b), server-everything: <= 1.02");
  // The big-config scenario ran every command to its end and left the file as it was.
  expect(results).toMatch(
    /^## 7\. A [\d.]+ MB `~\/\.claude\.json` with 400 projects: `list`, `doctor`, `add`, `remove`$/m,
  );
  expect(results).toContain("after the last `remove` it is byte for byte the file it was");
  expect(results).toMatch(/\| `list` \| 0 \|/);
  expect(results).toMatch(/\| `doctor` \| 0 \|/);
  expect(results).toMatch(/\| `add` \| 0 \|/);
  expect(results).toMatch(/\| `remove` \| 0 \|/);
}, 300_000);
