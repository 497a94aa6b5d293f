import { describe, expect, test } from "bun:test";
import { parseEnvFile } from "../src/core/env-file.ts";
import { candidatePaths, expandHome } from "../src/core/locate.ts";
import { type AuthMode, authMode, buildRunPlan, describePlan, type RunOptions } from "../src/core/plan.ts";

const base: RunOptions = {
  envFiles: [],
  account: undefined,
  noSignin: false,
  mask: false,
  op: undefined,
  verbose: false,
  command: "npx",
  args: ["-y", "@modelcontextprotocol/server-github"],
};

const file = (path: string, text: string) => ({ path, display: path, entries: parseEnvFile(text).entries });

describe("buildRunPlan: argv", () => {
  const cases: Array<[string, Partial<RunOptions>, string[], string[]]> = [
    [
      "no env file",
      {},
      [],
      ["/bin/op", "run", "--no-masking", "--", "npx", "-y", "@modelcontextprotocol/server-github"],
    ],
    [
      "env files in order, account first",
      { account: "acme" },
      ["/a.env", "/b.env"],
      [
        "/bin/op",
        "--account",
        "acme",
        "run",
        "--env-file",
        "/a.env",
        "--env-file",
        "/b.env",
        "--no-masking",
        "--",
        "npx",
        "-y",
        "@modelcontextprotocol/server-github",
      ],
    ],
    [
      "--mask drops --no-masking",
      { mask: true },
      ["/a.env"],
      ["/bin/op", "run", "--env-file", "/a.env", "--", "npx", "-y", "@modelcontextprotocol/server-github"],
    ],
    [
      "server args untouched",
      { command: "srv", args: ["-h", "--", "--version", "{{ x }}"] },
      [],
      ["/bin/op", "run", "--no-masking", "--", "srv", "-h", "--", "--version", "{{ x }}"],
    ],
  ];
  for (const [name, options, files, argv] of cases) {
    test(name, () => {
      const plan = buildRunPlan({
        options: { ...base, ...options },
        opPath: "/bin/op",
        envFiles: files.map((f) => file(f, "")),
        env: { PATH: "/usr/bin" },
      });
      expect(plan.file).toBe("/bin/op");
      expect(plan.argv).toEqual(argv);
    });
  }
});

describe("buildRunPlan: environment", () => {
  test("passes the environment through, without undefined entries", () => {
    const plan = buildRunPlan({ options: base, opPath: "/op", envFiles: [], env: { A: "1", B: undefined } });
    expect(plan.env).toEqual({ A: "1" });
  });
  test("--mask removes an inherited OP_RUN_NO_MASKING", () => {
    const env = { OP_RUN_NO_MASKING: "1" };
    expect(buildRunPlan({ options: { ...base, mask: true }, opPath: "/op", envFiles: [], env }).env).toEqual({});
    expect(buildRunPlan({ options: base, opPath: "/op", envFiles: [], env }).env).toEqual(env);
  });
});

describe("authMode", () => {
  const cases: Array<[string, boolean, Record<string, string>, AuthMode]> = [
    ["default", false, {}, "interactive"],
    ["--no-signin", true, {}, "no-signin"],
    ["service account", false, { OP_SERVICE_ACCOUNT_TOKEN: "ops_x" }, "service-account"],
    [
      "connect beats service account",
      false,
      { OP_SERVICE_ACCOUNT_TOKEN: "ops_x", OP_CONNECT_HOST: "h", OP_CONNECT_TOKEN: "t" },
      "connect",
    ],
    ["connect needs both", false, { OP_CONNECT_HOST: "h" }, "interactive"],
  ];
  for (const [name, noSignin, env, mode] of cases) test(name, () => expect(authMode({ noSignin }, env)).toBe(mode));
});

describe("describePlan (-v)", () => {
  test("shows references and where they come from, never values", () => {
    const plan = buildRunPlan({
      options: base,
      opPath: "/op",
      envFiles: [
        file("/gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\nPLAIN=hunter2-plain\n"),
        file("/b.env", "FROM_ENV=plain\n"),
      ],
      env: { FROM_ENV: "op://v/i/f", SERVICE: "op://v/svc/key", OP_SERVICE_ACCOUNT_TOKEN: "ops_SECRET" },
    });
    const text = describePlan(plan).join("\n");
    expect(describePlan(plan)).toEqual([
      "auth: service-account",
      "exec: /op run --env-file /gh.env --env-file /b.env --no-masking -- npx -y @modelcontextprotocol/server-github",
      "resolves SERVICE = op://v/svc/key (environment)",
      "resolves GITHUB_TOKEN = op://Private/GitHub/token (/gh.env:1)",
    ]);
    expect(text).not.toContain("hunter2-plain");
    expect(text).not.toContain("ops_SECRET");
  });
});

describe("candidatePaths", () => {
  test("PATH first, then the well-known dirs, de-duplicated", () => {
    expect(
      candidatePaths({
        name: "op",
        pathEnv: "/usr/bin:/usr/local/bin::/bin",
        extraDirsEnv: undefined,
        home: "/h",
        platform: "darwin",
      }),
    ).toEqual(["/usr/bin/op", "/usr/local/bin/op", "/bin/op", "/opt/homebrew/bin/op", "/h/.local/bin/op"]);
  });
  test("the well-known list is overridable", () => {
    expect(
      candidatePaths({ name: "op", pathEnv: "/usr/bin", extraDirsEnv: "/x:/y/", home: "/h", platform: "linux" }),
    ).toEqual(["/usr/bin/op", "/x/op", "/y/op"]);
    expect(candidatePaths({ name: "op", pathEnv: undefined, extraDirsEnv: "", home: "/h", platform: "linux" })).toEqual(
      [],
    );
  });
  test("expandHome", () => {
    expect([expandHome("~", "/h"), expandHome("~/a", "/h"), expandHome("~x/a", "/h"), expandHome("a/~", "/h")]).toEqual(
      ["/h", "/h/a", "~x/a", "a/~"],
    );
  });
});
