import { describe, expect, test } from "bun:test";
import { maskArgs } from "../../src/core/detect.ts";
import { parseEnvFile } from "../../src/core/env-file.ts";
import { type AuthMode, authMode, buildRunPlan, describePlan, type RunOptions } from "../../src/core/plan.ts";
import { candidatePaths, expandHome, extendedPath, opCandidates } from "../../src/core/search-path.ts";

const base: RunOptions = {
  envFiles: [],
  environment: undefined,
  account: undefined,
  noSignin: false,
  mask: false,
  op: undefined,
  verbose: false,
  signinTimeout: 20,
  tokenFile: undefined,
  redact: false,
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
  const env = { PATH: "/usr/bin:/bin", HOME: "/h" };
  const gui = "/usr/bin:/bin:/opt/homebrew/bin:/usr/local/bin:/h/.local/bin";
  test("passes the environment through, PATH extended, without undefined entries", () => {
    const plan = buildRunPlan({ options: base, opPath: "/op", envFiles: [], env: { ...env, A: "1", B: undefined } });
    expect(plan.env).toEqual({ HOME: "/h", A: "1", PATH: gui });
  });
  test("--mask removes an inherited OP_RUN_NO_MASKING", () => {
    const withVar = { ...env, OP_RUN_NO_MASKING: "1" };
    expect(buildRunPlan({ options: { ...base, mask: true }, opPath: "/op", envFiles: [], env: withVar }).env).toEqual({
      HOME: "/h",
      PATH: gui,
    });
    expect(buildRunPlan({ options: base, opPath: "/op", envFiles: [], env: withVar }).env.OP_RUN_NO_MASKING).toBe("1");
  });
});

describe("buildRunPlan: Windows", () => {
  test("op.exe, Windows paths, Path extended in place, stage through the same exe", () => {
    const plan = buildRunPlan({
      options: { ...base, envFiles: ["C:\\Users\\me\\gh.env"] },
      opPath: "C:\\Program Files\\1Password CLI\\op.exe",
      envFiles: [file("C:\\Users\\me\\gh.env", "GH=op://Private/GitHub/token\r\n")],
      env: { Path: "C:\\Windows", ProgramFiles: "C:\\Program Files", LOCALAPPDATA: "C:\\L" },
      credentials: { OP_SESSION_ABC: "tok" },
      commandPath: "C:\\node\\npx.cmd",
      self: () => ["C:\\tools\\mcp-op.exe"],
      platform: "win32",
    });
    expect(plan.argv).toEqual([
      "C:\\Program Files\\1Password CLI\\op.exe",
      "run",
      "--env-file",
      "C:\\Users\\me\\gh.env",
      "--no-masking",
      "--",
      "C:\\tools\\mcp-op.exe",
      "__stage",
      "--unset",
      "OP_SESSION_ABC",
      "--",
      "C:\\node\\npx.cmd",
      "-y",
      "@modelcontextprotocol/server-github",
    ]);
    expect(plan.env.Path).toBe("C:\\Windows;C:\\Program Files\\1Password CLI;C:\\L\\Microsoft\\WinGet\\Links");
    expect(plan.env.PATH).toBeUndefined();
  });
});

describe("buildRunPlan: credential scrubbing stage", () => {
  const self = ["/usr/local/bin/mcp-op"];
  const server = ["/usr/bin/npx", "-y", "@modelcontextprotocol/server-github"];
  const cases: Array<[string, Record<string, string>, Record<string, string>, string[]]> = [
    ["app integration: no stage (fast path)", {}, {}, []],
    ["a manual session is scrubbed", {}, { OP_SESSION_ABC: "tok" }, ["OP_SESSION_ABC"]],
    ["a service account from the environment", { OP_SERVICE_ACCOUNT_TOKEN: "ops_x" }, {}, ["OP_SERVICE_ACCOUNT_TOKEN"]],
    ["a token file", {}, { OP_SERVICE_ACCOUNT_TOKEN: "ops_x" }, ["OP_SERVICE_ACCOUNT_TOKEN"]],
    ["Connect", { OP_CONNECT_HOST: "https://c", OP_CONNECT_TOKEN: "t" }, {}, ["OP_CONNECT_HOST", "OP_CONNECT_TOKEN"]],
  ];
  for (const [name, env, credentials, scrubbed] of cases) {
    test(name, () => {
      const plan = buildRunPlan({
        options: base,
        opPath: "/op",
        envFiles: [],
        env: { PATH: "/usr/bin", ...env },
        credentials,
        commandPath: "/usr/bin/npx",
        self: () => self,
      });
      const stage = scrubbed.length ? [...self, "__stage", ...scrubbed.flatMap((n) => ["--unset", n]), "--"] : [];
      expect(plan.argv).toEqual(["/op", "run", "--no-masking", "--", ...stage, ...server]);
      expect(plan.scrubbed).toEqual(scrubbed);
      for (const [k, v] of Object.entries(credentials)) expect(plan.env[k]).toBe(v);
      expect(describePlan(plan, maskArgs).join("\n")).not.toContain("ops_x");
    });
  }
});

describe("buildRunPlan: a stage that only removes variables is env -u", () => {
  const self = ["/usr/local/bin/mcp-op"];
  const server = ["/usr/bin/npx", "-y", "@modelcontextprotocol/server-github"];
  const plan = (over: Partial<Parameters<typeof buildRunPlan>[0]> = {}) =>
    buildRunPlan({
      options: base,
      opPath: "/op",
      envFiles: [],
      env: { PATH: "/usr/bin", OP_CONNECT_HOST: "https://c", OP_CONNECT_TOKEN: "t" },
      credentials: { OP_SESSION_ABC: "tok" },
      commandPath: "/usr/bin/npx",
      self: () => self,
      envProgram: "/usr/bin/env",
      ...over,
    });
  const unset = ["OP_CONNECT_HOST", "OP_CONNECT_TOKEN", "OP_SESSION_ABC"];

  test("every credential by -u, then --, then the server as given; -v says env removes them", () => {
    const p = plan();
    expect(p.argv.slice(p.argv.indexOf("--") + 1)).toEqual([
      "/usr/bin/env",
      ...unset.flatMap((n) => ["-u", n]),
      "--",
      ...server,
    ]);
    expect(p.stage).toBe("env");
    expect(p.scrubbed).toEqual(unset);
    expect(describePlan(p, maskArgs)).toContain(`env removes ${unset.join(", ")} before the server starts`);
  });

  test("no credential: no stage, env or other", () => {
    const p = plan({ env: { PATH: "/usr/bin" }, credentials: {} });
    expect(p.argv.slice(p.argv.indexOf("--") + 1)).toEqual(server);
    expect(p.stage).toBe("none");
  });

  const internal: Array<[string, Partial<Parameters<typeof buildRunPlan>[0]>, boolean]> = [
    ["no env program (none at /usr/bin/env)", { envProgram: undefined }, false],
    ["Windows", { platform: "win32" }, false],
    ["--redact (the stage stays as the filter)", { options: { ...base, redact: true } }, false],
    [
      "{{ }} arguments (the stage fills them)",
      { templates: { args: ["--x={{ A }}"], generated: {}, names: ["A"] } },
      true,
    ],
  ];
  for (const [name, over, templated] of internal) {
    test(`the internal stage instead: ${name}`, () => {
      const p = plan(over);
      const at = p.argv.indexOf("__stage");
      expect(p.stage).toBe("internal");
      expect(p.argv.slice(at, at + 1 + unset.length * 2)).toEqual(["__stage", ...unset.flatMap((n) => ["--unset", n])]);
      expect(p.argv).not.toContain("/usr/bin/env");
      expect(p.argv.slice(at).includes("--template")).toBe(templated);
    });
  }

  test("a server path with `=` (env would read it as an assignment): the internal stage", () => {
    const p = plan({ commandPath: "/opt/a=b/server" });
    expect(p.stage).toBe("internal");
    expect(p.argv.slice(-4)).toEqual(["--", "/opt/a=b/server", "-y", "@modelcontextprotocol/server-github"]);
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
    const text = describePlan(plan, maskArgs).join("\n");
    expect(describePlan(plan, maskArgs)).toEqual([
      "auth: service-account",
      "exec: /op run --env-file /gh.env --env-file /b.env --no-masking -- npx -y @modelcontextprotocol/server-github",
      "resolves SERVICE = op://v/svc/key (environment)",
      "resolves GITHUB_TOKEN = op://Private/GitHub/token (/gh.env:1)",
    ]);
    expect(text).not.toContain("hunter2-plain");
    expect(text).not.toContain("ops_SECRET");
  });
});

describe("buildRunPlan: env files handed over open", () => {
  test("an open env file goes to op as /dev/fd/N, kept for the exec, and -v says which file it is", () => {
    const plan = buildRunPlan({
      options: base,
      opPath: "/op",
      envFiles: [{ ...file("/home/me/gh.env", "A=op://v/i/f\n"), fd: 7 }, file("/b.env", "")],
      env: { PATH: "/usr/bin" },
    });
    expect(plan.argv.slice(0, 6)).toEqual(["/op", "run", "--env-file", "/dev/fd/7", "--env-file", "/b.env"]);
    expect(plan.inherited).toEqual([{ fd: 7, path: "/home/me/gh.env" }]);
    expect(describePlan(plan, maskArgs)).toContain(
      "/dev/fd/7 is /home/me/gh.env, opened and checked by mcp-op and kept open for op",
    );
  });
});

describe("buildRunPlan: {{ op://... }} inside an env-file value (op run resolves it)", () => {
  const templated = () =>
    file("/gh.env", 'AUTH="Bearer {{ op://Private/GitHub/token }} as {{ op://Private/GitHub/user }}"\nPLAIN=x\n');
  test("--redact: the variable, and each reference inside it by a variable of its own the stage removes", () => {
    const plan = buildRunPlan({
      options: { ...base, redact: true, command: "srv", args: ["{{ MCP_OP_ARG_1 }}"] },
      opPath: "/op",
      envFiles: [templated()],
      env: { PATH: "/usr/bin" },
      templates: {
        args: ["{{ MCP_OP_ARG_1 }}"],
        generated: { MCP_OP_ARG_1: "op://Private/GitHub/token" },
        names: ["MCP_OP_ARG_1"],
      },
      commandPath: "/bin/srv",
      self: () => ["/mcp-op"],
    });
    expect(plan.argv.slice(plan.argv.indexOf("/mcp-op"))).toEqual([
      "/mcp-op",
      "__stage",
      "--unset",
      "MCP_OP_ARG_1",
      "--unset",
      "MCP_OP_ARG_2",
      "--template",
      "--redact",
      "AUTH",
      "--redact",
      "MCP_OP_ARG_1",
      "--redact",
      "MCP_OP_ARG_2",
      "--",
      "/bin/srv",
      "{{ MCP_OP_ARG_1 }}",
    ]);
    expect(plan.env.MCP_OP_ARG_1).toBe("op://Private/GitHub/token");
    expect(plan.env.MCP_OP_ARG_2).toBe("op://Private/GitHub/user");
    expect(describePlan(plan, maskArgs).filter((l) => l.startsWith("resolves"))).toEqual([
      "resolves AUTH = … {{ op://Private/GitHub/token }} … {{ op://Private/GitHub/user }} … (/gh.env:1)",
      "resolves MCP_OP_ARG_1 = op://Private/GitHub/token (server arguments)",
      "resolves MCP_OP_ARG_2 = op://Private/GitHub/user (inside AUTH)",
    ]);
  });
  test("without --redact no variable is added; -v shows the references, not the text around them", () => {
    const plan = buildRunPlan({
      options: base,
      opPath: "/op",
      envFiles: [file("/gh.env", 'AUTH="hunter2-plain {{ op://Private/GitHub/token }}"\n')],
      env: { PATH: "/usr/bin" },
    });
    expect(Object.keys(plan.env)).toEqual(["PATH"]);
    const text = describePlan(plan, maskArgs).join("\n");
    expect(text).toContain("resolves AUTH = … {{ op://Private/GitHub/token }} … (/gh.env:1)");
    expect(text).not.toContain("hunter2-plain");
  });
});

describe("op and command search", () => {
  test("PATH first, then the well-known dirs, de-duplicated", () => {
    expect(opCandidates({ PATH: "/usr/bin:/usr/local/bin::/bin", HOME: "/h" }, "darwin")).toEqual([
      "/usr/bin/op",
      "/usr/local/bin/op",
      "/bin/op",
      "/opt/homebrew/bin/op",
      "/h/.local/bin/op",
    ]);
  });
  test("the well-known list is overridable", () => {
    expect(opCandidates({ PATH: "/usr/bin", MCP_OP_SEARCH_DIRS: "/x:/y/", HOME: "/h" }, "linux")).toEqual([
      "/usr/bin/op",
      "/x/op",
      "/y/op",
    ]);
    expect(opCandidates({ MCP_OP_SEARCH_DIRS: "" }, "linux")).toEqual([]);
  });
  test("a GUI client's PATH is extended for op and the server", () => {
    expect(extendedPath({ PATH: "/usr/bin:/bin:/usr/sbin:/sbin", HOME: "/Users/me" }, "darwin")).toBe(
      "/usr/bin:/bin:/usr/sbin:/sbin:/opt/homebrew/bin:/usr/local/bin:/Users/me/.local/bin",
    );
    expect(extendedPath({ PATH: "/usr/local/bin:/usr/bin" }, "linux")).toBe(
      "/usr/local/bin:/usr/bin:/opt/homebrew/bin",
    );
  });
  test("Windows: op.exe in PATH, the 1Password CLI install dir and WinGet links", () => {
    const env = {
      Path: "C:\\Windows\\system32;C:\\tools\\",
      ProgramFiles: "C:\\Program Files",
      LOCALAPPDATA: "C:\\Users\\me\\AppData\\Local",
      PATHEXT: ".COM;.EXE;.BAT;.CMD",
    };
    expect(opCandidates(env, "win32").filter((p) => p.endsWith(".exe"))).toEqual([
      "C:\\Windows\\system32\\op.exe",
      "C:\\tools\\op.exe",
      "C:\\Program Files\\1Password CLI\\op.exe",
      "C:\\Users\\me\\AppData\\Local\\Microsoft\\WinGet\\Links\\op.exe",
    ]);
    expect(candidatePaths("npx", "C:\\node", env, "win32")).toEqual([
      "C:\\node\\npx.com",
      "C:\\node\\npx.exe",
      "C:\\node\\npx.bat",
      "C:\\node\\npx.cmd",
    ]);
    expect(extendedPath(env, "win32")).toBe(
      "C:\\Windows\\system32;C:\\tools\\;C:\\Program Files\\1Password CLI;C:\\Users\\me\\AppData\\Local\\Microsoft\\WinGet\\Links",
    );
  });
  test("expandHome", () => {
    expect([expandHome("~", "/h"), expandHome("~/a", "/h"), expandHome("~x/a", "/h"), expandHome("a/~", "/h")]).toEqual(
      ["/h", "/h/a", "~x/a", "a/~"],
    );
  });
});
