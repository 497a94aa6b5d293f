/** The --redact filter through the compiled binary (its in-process plumbing: test/unit/filter.test.ts). */
import { expect, test } from "bun:test";
import { binary, NODE, run, SECRETS, sandbox } from "./helpers.ts";

test("the server closing stdout early: the filter keeps waiting for its exit code", async () => {
  const bin = await binary();
  const s = sandbox();
  const file = s.envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
  const script = `process.stdout.write(process.env.GITHUB_TOKEN + "\\n", () => { process.stdout.destroy(); process.stderr.write("closed\\n"); setImmediate(() => process.exit(5)); });`;
  const r = await run([bin, "run", "--redact", "--env-file", file, "--", NODE, "-e", script], { env: s.env() });
  expect(r).toEqual({ code: 5, stdout: "[redacted:GITHUB_TOKEN]\n", stderr: "closed\n" });
  expect(r.stdout).not.toContain(SECRETS.github);
});
