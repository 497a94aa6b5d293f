/** The one linter/formatter and the strict type check run with the suite, so CI enforces them. */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT } from "../unit/support.ts";

const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);

for (const [name, argv] of [
  ["biome ci (lint + format)", [bin("biome"), "ci", "."]],
  ["tsc --noEmit (strict)", [bin("tsc"), "--noEmit", "-p", "."]],
] as const) {
  test(name, () => {
    const r = Bun.spawnSync([...argv], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const output = `${r.stdout.toString()}${r.stderr.toString()}`;
    expect({ exitCode: r.exitCode, output: r.exitCode === 0 ? "" : output }).toEqual({ exitCode: 0, output: "" });
  }, 120_000); // tsc takes ~4 s alone, more while the rest of the suite runs
}
