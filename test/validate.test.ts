import { describe, expect, test } from "bun:test";
import { checkEnvFile, checkEnvironment } from "../src/core/validate.ts";

describe("checkEnvFile", () => {
  test("the issue's example message", () => {
    const { problems } = checkEnvFile("github.env", "# gh\nA=1\nGH=op://Private/gh\n", {});
    expect(problems.map((p) => [p.where, p.message, p.exitCode])).toEqual([
      ["github.env:3", '"op://Private/gh" is not a secret reference: it needs vault, item and field', 65],
    ]);
  });
  test("a reference inside a template is checked too", () => {
    const { problems } = checkEnvFile("f.env", "H=Bearer {{ op://v/i }}\n", {});
    expect(problems[0]?.message).toBe('"op://v/i" is not a secret reference: it needs vault, item and field');
  });
  test("a reference using an unset variable", () => {
    const { problems } = checkEnvFile("f.env", "A=op://$APP_ENV/db/pw\n", {});
    expect(problems.map((p) => p.message)).toEqual(["the reference uses $APP_ENV, which is not set"]);
  });
  test("expanded references validate against the environment", () => {
    expect(checkEnvFile("f.env", "A=op://$APP_ENV/db/pw\n", { APP_ENV: "prod" }).problems).toEqual([]);
  });
  const risky = ["PATH", "NODE_OPTIONS", "LD_PRELOAD", "DYLD_INSERT_LIBRARIES", "BUN_OPTIONS"];
  for (const key of risky) {
    test(`warns when the file sets ${key}`, () => {
      const { problems } = checkEnvFile("f.env", `${key}=x\n`, {});
      expect(problems).toEqual([
        {
          severity: "warning",
          where: "f.env:1",
          message: `sets ${key} for the server: it changes what code runs, so keep this file as private as a key`,
          exitCode: 65,
        },
      ]);
    });
  }
  test("plain values are allowed", () => {
    expect(checkEnvFile("f.env", "LOG_LEVEL=debug\nURL=https://x/y\n", {}).problems).toEqual([]);
  });
});

describe("checkEnvironment", () => {
  test("references arriving in the environment are validated by name", () => {
    const problems = checkEnvironment({ GITHUB_TOKEN: "op://Private/gh", OK: "op://v/i/f", PLAIN: "x" });
    expect(problems.map((p) => `${p.where}: ${p.message}`)).toEqual([
      'environment variable GITHUB_TOKEN: "op://Private/gh" is not a secret reference: it needs vault, item and field',
    ]);
  });
});
