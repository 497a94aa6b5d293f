/**
 * What `run` makes the runtime compile before it execs `op`, through the compiled binary: none
 * of the JavaScript that JavaScriptCore and Bun write their own functions in. Each such function
 * is compiled from source on its first call (flatMap alone cost the session path ~0.27 ms, a
 * first `await` ~0.15 ms, node:fs ~1.6 ms; scripts/bench/RESULTS.md), and the fast path's budget
 * is the floor's plus 15%. `BUN_JSC_dumpGeneratedBytecodes=1` lists every code block a run
 * compiles: the release's own functions under minified names, the runtime's under theirs.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { binary, run, sandbox, TRUE } from "./helpers.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

/** Functions the runtime writes in JavaScript, met on `run`'s path before (RESULTS.md, "What we tried"). */
const RUNTIME_JS = new Set([
  // JavaScriptCore's array and object methods
  ...["map", "filter", "some", "every", "find", "findIndex", "findLast", "findLastIndex", "forEach"],
  ...["reduce", "reduceRight", "flat", "flatMap", "flatIntoArray", "flatIntoArrayWithCallback", "sort"],
  ...["from", "fromEntries", "toSorted", "toSpliced", "fill", "copyWithin"],
  // Bun's process.nextTick machinery (what process.execve's warning loads) and its event loop
  ...["nextTick", "processTicksAndRejections", "hideFromStack", "FixedQueue", "FixedCircularBuffer"],
]);

/** The names of the code blocks a run compiled: `name#hash:[...]` lines on stderr. */
function compiled(stderr: string): string[] {
  const names: string[] = [];
  for (const line of stderr.split("\n")) {
    const m = /^(\S+)#\S+:\[0x/.exec(line);
    if (m) names.push(m[1] as string);
  }
  return names;
}

describe("run compiles none of the runtime's own JavaScript before it execs op", () => {
  const paths: Array<[string, Record<string, string>]> = [
    ["app integration (op whoami, no stage)", {}],
    ["a session (op whoami, env -u stage)", { OP_SESSION_my: "session-token" }],
    ["a service account (env -u stage)", { OP_SERVICE_ACCOUNT_TOKEN: "ops_token" }],
  ];
  for (const [name, extra] of paths) {
    test(name, async () => {
      const s = sandbox();
      const env = s.envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
      const r = await run([bin, "run", "--env-file", env, "--", TRUE], {
        env: s.env({ ...extra, BUN_JSC_dumpGeneratedBytecodes: "1" }),
      });
      expect(r.code).toBe(0);
      const names = compiled(r.stderr);
      // The dump works (else this test would pass on nothing): the release's chunks and functions.
      expect(names.filter((n) => n.startsWith("/$bunfs/")).length).toBeGreaterThan(0);
      expect(names.length).toBeGreaterThan(50);
      const runtime = names.filter((n) => RUNTIME_JS.has(n) || (n.includes(":") && !n.startsWith("/$bunfs/")));
      expect(runtime).toEqual([]);
    });
  }
});
