/**
 * The exec'd-side probe (test/fixtures/probe/probe.c): compiled with `cc` when this module is
 * first imported, once per test process, so only the tests that exec it need a C compiler.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../unit/support.ts";

export const PROBE = compileProbe(
  join(ROOT, "test", "fixtures", "probe", "probe.c"),
  join(ROOT, "dist", "test", "probe"),
);
export const NONBLOCKING_LAUNCH = join(ROOT, "test", "fixtures", "probe", "nonblocking-launch");

function compileProbe(source: string, out: string): string {
  mkdirSync(join(out, ".."), { recursive: true });
  const temp = `${out}.${process.pid}`; // test files run in parallel processes: rename into place
  const cc = spawnSync("cc", ["-O2", "-Wall", "-Werror", "-o", temp, source], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(`cannot compile ${source} (a C compiler is needed): ${cc.stderr}`);
  renameSync(temp, out);
  return out;
}

/** Parse the probe's key: value report. */
export function readProbe(path: string): {
  fields: Record<string, string>;
  args: string[];
  envNames: string[];
  /** `N /target` for each inherited descriptor above 2. */
  openFds: string[];
} {
  const fields: Record<string, string> = {};
  const args: string[] = [];
  const envNames: string[] = [];
  const openFds: string[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const at = line.indexOf(":");
    if (at === -1) continue;
    const key = line.slice(0, at);
    const value = line.slice(at + 1).trim();
    if (key === "arg") args.push(line.slice(at + 2));
    else if (key === "envname") envNames.push(value);
    else if (key === "openfd") openFds.push(value);
    else fields[key] = value;
  }
  return { fields, args, envNames, openFds };
}
