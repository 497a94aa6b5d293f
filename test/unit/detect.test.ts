import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { detectSecrets, KNOWN_PREFIXES, maskArgs, maskValue, type PlaintextFinding } from "../../src/core/detect.ts";

// Fake tokens are assembled at run time so no literal in this file looks like a live token to a
// secret scanner (push protection, gitleaks).
const ALNUM = "Zq7Xw2Lk9Mv4Tp8Rb3Nc6Hd1Fg5Js0QaYe";
const UPPER = "IOSFODNN7EXAMPLEQRSTUVWXYZ0123456789";
/** `n` letters and digits (at least one of each). */
const body = (n: number, chars = ALNUM) => chars.repeat(Math.ceil(n / chars.length)).slice(0, n);
const hex = (n: number) => "0123456789abcdef".repeat(Math.ceil(n / 16)).slice(0, n);
const join = (...parts: string[]) => parts.join("");

/** One realistic-shaped fake per known prefix, and the name servers read it from. */
const TOKENS: Record<string, [token: string, name: string]> = {
  ghp_: [join("gh", "p_", body(36)), "GITHUB_TOKEN"],
  gho_: [join("gh", "o_", body(36)), "GITHUB_TOKEN"],
  ghu_: [join("gh", "u_", body(36)), "GITHUB_TOKEN"],
  ghs_: [join("gh", "s_", body(36)), "GITHUB_TOKEN"],
  ghr_: [join("gh", "r_", body(36)), "GITHUB_TOKEN"],
  github_pat_: [join("github", "_pat_", body(22), "_", body(59)), "GITHUB_TOKEN"],
  "xoxb-": [join("xo", "xb-", "1234567890-1234567890123-", body(24)), "SLACK_BOT_TOKEN"],
  "xoxp-": [join("xo", "xp-", "1234567890-1234567890123-1234567890123-", hex(32)), "SLACK_USER_TOKEN"],
  "xoxa-": [join("xo", "xa-", "2-1234567890-", body(30)), "SLACK_TOKEN"],
  "xapp-": [join("xa", "pp-", "1-A0123456789-1234567890123-", hex(64)), "SLACK_APP_TOKEN"],
  "sk-ant-": [join("sk", "-ant-", "api03-", body(93), "-", "AA"), "ANTHROPIC_API_KEY"],
  "sk-proj-": [join("sk", "-proj-", body(60), "_", body(60)), "OPENAI_API_KEY"],
  "sk-": [join("sk", "-", body(48)), "OPENAI_API_KEY"],
  "glpat-": [join("gl", "pat-", body(20)), "GITLAB_PERSONAL_ACCESS_TOKEN"],
  AKIA: [join("AK", "IA", body(16, UPPER)), "AWS_ACCESS_KEY_ID"],
  ASIA: [join("AS", "IA", body(16, UPPER)), "AWS_ACCESS_KEY_ID"],
  lin_api_: [join("lin", "_api_", body(40)), "LINEAR_API_KEY"],
  npm_: [join("np", "m_", body(36)), "NPM_TOKEN"],
  "pypi-": [join("py", "pi-", "AgEIcHlwaS5vcmc", body(60)), "PYPI_TOKEN"],
  shpat_: [join("sh", "pat_", hex(32)), "SHOPIFY_ACCESS_TOKEN"],
  "sq0atp-": [join("sq0", "atp-", body(22)), "SQUARE_ACCESS_TOKEN"],
  "SG.": [join("S", "G.", body(22), ".", body(43)), "SENDGRID_API_KEY"],
  hf_: [join("h", "f_", body(34)), "HF_TOKEN"],
  dop_v1_: [join("dop", "_v1_", hex(64)), "DIGITALOCEAN_API_TOKEN"],
  ntn_: [join("nt", "n_", body(46)), "NOTION_TOKEN"],
  secret_: [join("sec", "ret_", body(43)), "NOTION_TOKEN"],
  AIza: [join("AI", "za", body(35)), "GOOGLE_API_KEY"],
  ops_: [join("op", "s_", "eyJ", body(80)), "OP_SERVICE_ACCOUNT_TOKEN"],
};
const token = (prefix: string): string => TOKENS[prefix]?.[0] ?? "";

/** A secret with no known prefix, and a password. */
const S = body(32);
const PW = "p4ss-W0rd.x";

/** The secret each finding points at: the env value, or the slice of the arg. */
function located(entry: { env?: Record<string, unknown>; args?: unknown[] }, f: PlaintextFinding): string {
  if (f.where === "env") return String(entry.env?.[f.key]);
  return String(entry.args?.[f.argIndex ?? -1]).slice(f.start, f.end);
}

describe("KNOWN_PREFIXES", () => {
  test("has a test token for every prefix, and only those", () => {
    expect(Object.keys(TOKENS).sort()).toEqual([...KNOWN_PREFIXES].sort());
  });
});

describe("every known prefix", () => {
  for (const [prefix, [tok, name]] of Object.entries(TOKENS)) {
    test(`${prefix} in env, under a name that says nothing`, () => {
      expect(detectSecrets({ env: { SETTING: tok } })).toEqual([
        {
          where: "env",
          key: "SETTING",
          reason: `known prefix ${prefix}`,
          display: `${prefix}… (${tok.length} chars)`,
          suggestedName: "SETTING",
        },
      ]);
    });
    test(`${prefix} as a standalone arg`, () => {
      expect(detectSecrets({ args: ["serve", tok] })).toEqual([
        {
          where: "args",
          key: "1",
          argIndex: 1,
          start: 0,
          end: tok.length,
          reason: `known prefix ${prefix}`,
          display: `${prefix}… (${tok.length} chars)`,
          suggestedName: name,
        },
      ]);
    });
    test(`${prefix} inside an arg (JSON), found at its offsets`, () => {
      const args = [`{"auth":"${tok}","n":1}`];
      const [f, ...rest] = detectSecrets({ args });
      expect(rest).toEqual([]);
      expect(args[0]?.slice(f?.start, f?.end)).toBe(tok);
    });
    test(`${prefix} alone or too short is not a token`, () => {
      expect(detectSecrets({ args: [prefix, `${prefix}abc12`], env: { A: prefix, B: `${prefix}x1` } })).toEqual([]);
    });
  }

  test("the longest prefix wins (sk-ant- over sk-, github_pat_ over nothing shorter)", () => {
    expect(maskValue(token("sk-ant-"))).toStartWith("sk-ant-…");
    expect(maskValue(token("sk-proj-"))).toStartWith("sk-proj-…");
    expect(detectSecrets({ args: [token("sk-ant-")] })[0]?.reason).toBe("known prefix sk-ant-");
  });

  const lookalikes: Array<[string, string]> = [
    ["a word starting with sk- (no digits)", "sk-learn-classifier-pipeline-tools"],
    ["an uppercase word starting with ASIA", "ASIAN_MARKETS_OVERVIEW_REPORT"],
    ["AKIA with the wrong length", join("AK", "IA", body(12, UPPER))],
    ["AKIA with lowercase", join("AK", "IA", body(16).toLowerCase())],
    ["secret_ in an identifier", "secret_sauce_recipe_final_v2"],
    ["hf_ in an identifier", "hf_model_cache_directory"],
    ["npm_ in an identifier", "npm_config_registry_url"],
    ["SG. without its two parts", `SG.${body(40)}`],
    ["AIza with the wrong length", join("AI", "za", body(20))],
    ["a prefix inside a word", `task-${body(30)}`],
    ["a prefix inside a word (ghp_)", `xghp_${body(36)}`],
    ["lowercase prefix", `GHP_${body(36)}`],
  ];
  for (const [what, value] of lookalikes) {
    test(`not a token: ${what}`, () => {
      expect(detectSecrets({ env: { SETTING: value }, args: [value] })).toEqual([]);
    });
  }
});

describe("env: sensitive names", () => {
  const sensitive = [
    "GITHUB_TOKEN",
    "GITHUB_PERSONAL_ACCESS_TOKEN",
    "SLACK_BOT_TOKEN",
    "NGROK_AUTHTOKEN",
    "TOKEN",
    "OPENAI_API_KEY",
    "API_KEY",
    "APIKEY",
    "BRAVE_APIKEY",
    "KEY",
    "PRIVATE_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "CLIENT_SECRET",
    "SECRET",
    "DB_PASSWORD",
    "PASSWORD",
    "PASSWORD_HASH",
    "MYSQL_ROOT_PASSWORD",
    "DB_PASSWD",
    "SMTP_PASS",
    "SSH_PASSPHRASE",
    "GITHUB_PAT",
    "PAT",
    "GOOGLE_CREDENTIALS",
    "DOCKER_CREDENTIAL",
    "CREDENTIALS_JSON",
    "AUTH",
    "AUTH_TOKEN",
    "AUTH_HEADER",
    "AUTHORIZATION",
    "github_token",
    "Api_Key",
    "X-API-Key",
  ];
  for (const name of sensitive) {
    test(`${name} is sensitive`, () => {
      expect(detectSecrets({ env: { [name]: "s3cr3t-value" } })).toEqual([
        { where: "env", key: name, reason: `name ${name}`, display: "… (12 chars)", suggestedName: name },
      ]);
    });
  }
  const ordinary = [
    "AWS_ACCESS_KEY_ID", // the AKIA value is caught by its prefix instead
    "AWS_REGION",
    "AUTHOR",
    "AUTHORITY",
    "AUTH_MODE",
    "AUTH_URL",
    "AUTH_PROVIDER",
    "GITHUB_TOKEN_URL",
    "SSH_KEY_FILE",
    "PASSWORD_FILE",
    "GOOGLE_APPLICATION_CREDENTIALS_PATH",
    "CLIENT_ID",
    "MAX_TOKENS",
    "MONKEY",
    "PWD",
    "GIT_ASKPASS",
    "LOG_LEVEL",
    "SLACK_TEAM_ID",
  ];
  for (const name of ordinary) {
    test(`${name} is not sensitive`, () => {
      expect(detectSecrets({ env: { [name]: "s3cr3t-value" } })).toEqual([]);
    });
  }
  test("AWS_ACCESS_KEY_ID with an AKIA value is a finding by prefix", () => {
    expect(detectSecrets({ env: { AWS_ACCESS_KEY_ID: token("AKIA") } })).toEqual([
      {
        where: "env",
        key: "AWS_ACCESS_KEY_ID",
        reason: "known prefix AKIA",
        display: "AKIA… (20 chars)",
        suggestedName: "AWS_ACCESS_KEY_ID",
      },
    ]);
  });
  test("prefix and name together", () => {
    expect(detectSecrets({ env: { GITHUB_TOKEN: token("ghp_") } })[0]?.reason).toBe(
      "known prefix ghp_, name GITHUB_TOKEN",
    );
  });
});

describe("env: values that are not secrets, even under a sensitive name", () => {
  const values: Array<[string, unknown]> = [
    ["a secret reference", "op://Private/GitHub/token"],
    ["a reference with a query", "op://Private/GitHub/token?attribute=otp"],
    ["a {{ }} template", "{{ op://Private/GitHub/token }}"],
    ["a template with text around it", "Bearer {{ op://Private/GitHub/token }}"],
    ["${VAR}", "${GITHUB_TOKEN}"],
    ["$VAR", "$GITHUB_TOKEN"],
    ["${env:VAR} (VS Code)", "${env:GITHUB_TOKEN}"],
    ["${input:...} (VS Code)", "${input:github_token}"],
    ["Bearer ${VAR}", "Bearer ${GITHUB_TOKEN}"],
    ["a path built from a variable", "${HOME}/.config/gh/token"],
    ["empty", ""],
    ["blank", "   "],
    ["true", "true"],
    ["FALSE", "FALSE"],
    ["none", "none"],
    ["a port", "8080"],
    ["a decimal", "1.5"],
    ["a URL without credentials", "https://api.github.com"],
    ["a URL with a user but no password", "https://user@example.com/"],
    ["an absolute path", "/run/secrets/github_token"],
    ["a home path", "~/.config/gh/token"],
    ["a relative path", "./token.txt"],
    ["a Windows path", "C:\\Users\\me\\token.txt"],
    ["a doc placeholder", "<YOUR_GITHUB_TOKEN>"],
    ["a number (not a string)", 12345],
    ["a boolean (not a string)", true],
    ["null", null],
    ["an object", { nested: "s3cr3t-value" }],
  ];
  for (const [what, value] of values) {
    test(what, () => {
      expect(detectSecrets({ env: { GITHUB_TOKEN: value } })).toEqual([]);
    });
  }
});

describe("env: values that are secrets", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["a short password", { DB_PASSWORD: "hunter2" }, "name DB_PASSWORD"],
    ["a long number under a secret name", { PIN_SECRET: "1234567890123456" }, "name PIN_SECRET"],
    [
      "a token as the ${VAR:-default} fallback",
      { GITHUB_TOKEN: `\${GITHUB_TOKEN:-${token("ghp_")}}` },
      "known prefix ghp_, name GITHUB_TOKEN",
    ],
    ["plaintext around a variable", { API_KEY: "abc${SUFFIX}" }, "name API_KEY"],
    ["credentials in a URL, any name", { DATABASE_URL: `postgres://app:${PW}@db:5432/app` }, "credentials in URL"],
    ["a token in a URL query", { SSE_URL: `https://mcp.example.com/sse?token=${S}` }, "token parameter in URL"],
    ["a Bearer header value", { HEADERS: `Authorization: Bearer ${S}` }, "Authorization header, Bearer token"],
    [
      "a private key",
      { SSH: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n" },
      "private key",
    ],
  ];
  for (const [what, env, reason] of cases) {
    test(what, () => {
      const findings = detectSecrets({ env });
      const [key, value] = Object.entries(env)[0] ?? [];
      expect(findings).toEqual([
        {
          where: "env",
          key: String(key),
          reason,
          display: `… (${String(value).length} chars)`,
          suggestedName: String(key),
        },
      ]);
    });
  }
});

describe("args: forms, with exact offsets", () => {
  const BASIC = btoa(`user:${PW}`);
  const PEM = `-----BEGIN PRIVATE KEY-----\n${body(64)}\n-----END PRIVATE KEY-----`;
  // [args, index of the arg, the secret, reason, suggestedName]
  const cases: Array<[string[], number, string, string, string]> = [
    [["--token", S], 1, S, "--token flag", "TOKEN"],
    [[`--token=${S}`], 0, S, "--token flag", "TOKEN"],
    [["--api-key", S], 1, S, "--api-key flag", "API_KEY"],
    [[`--api-key=${S}`], 0, S, "--api-key flag", "API_KEY"],
    [["--api_key", S], 1, S, "--api_key flag", "API_KEY"],
    [["--apikey", S], 1, S, "--apikey flag", "APIKEY"],
    [["--access-token", S], 1, S, "--access-token flag", "ACCESS_TOKEN"],
    [[`--auth-token=${S}`], 0, S, "--auth-token flag", "AUTH_TOKEN"],
    [["--password", PW], 1, PW, "--password flag", "PASSWORD"],
    [["--secret", S], 1, S, "--secret flag", "SECRET"],
    [["--client-secret", S], 1, S, "--client-secret flag", "CLIENT_SECRET"],
    [["--bot-token", S], 1, S, "--bot-token flag", "BOT_TOKEN"],
    [["-token", S], 1, S, "-token flag", "TOKEN"],
    [["--TOKEN", S], 1, S, "--TOKEN flag", "TOKEN"],
    [["--token", `Bearer ${S}`], 1, S, "--token flag, Bearer token", "TOKEN"],
    [["--header", `Authorization: Bearer ${S}`], 1, S, "Authorization header, Bearer token", "AUTH_TOKEN"],
    [["-H", `Authorization: Basic ${BASIC}`], 1, BASIC, "Authorization header", "AUTH_TOKEN"],
    [["--header", `Authorization:Bearer ${S}`], 1, S, "Authorization header, Bearer token", "AUTH_TOKEN"],
    [[`--header=Authorization: Bearer ${S}`], 0, S, "Authorization header, Bearer token", "AUTH_TOKEN"],
    [["--header", `authorization: token ${S}`], 1, S, "authorization header", "AUTH_TOKEN"],
    [["--header", `Authorization: ${S}`], 1, S, "Authorization header", "AUTH_TOKEN"],
    [["--header", `Proxy-Authorization: Basic ${BASIC}`], 1, BASIC, "Proxy-Authorization header", "AUTH_TOKEN"],
    [["--header", `X-API-Key: ${S}`], 1, S, "X-API-Key header", "X_API_KEY"],
    [["-H", `PRIVATE-TOKEN: ${S}`], 1, S, "PRIVATE-TOKEN header", "PRIVATE_TOKEN"],
    [["--auth", `Bearer ${S}`], 1, S, "Bearer token", "AUTH_TOKEN"],
    [[`{"headers":{"Authorization":"Bearer ${S}"}}`], 0, S, "Bearer token", "AUTH_TOKEN"],
    [["run", token("ghp_")], 1, token("ghp_"), "known prefix ghp_", "GITHUB_TOKEN"],
    [["--token", token("ghp_")], 1, token("ghp_"), "known prefix ghp_, --token flag", "GITHUB_TOKEN"],
    [
      [`--api-key=${token("sk-proj-")}`],
      0,
      token("sk-proj-"),
      "known prefix sk-proj-, --api-key flag",
      "OPENAI_API_KEY",
    ],
    [
      ["--header", `Authorization: Bearer ${token("ghp_")}`],
      1,
      token("ghp_"),
      "known prefix ghp_, Authorization header, Bearer token",
      "GITHUB_TOKEN",
    ],
    [[`postgres://user:${PW}@localhost:5432/db`], 0, PW, "credentials in URL", "POSTGRES_PASSWORD"],
    [[`postgresql://user:${PW}@db.internal/app?sslmode=require`], 0, PW, "credentials in URL", "POSTGRES_PASSWORD"],
    [[`mongodb+srv://app:${PW}@cluster0.example.net/`], 0, PW, "credentials in URL", "MONGODB_PASSWORD"],
    [[`redis://:${PW}@localhost:6379/0`], 0, PW, "credentials in URL", "REDIS_PASSWORD"],
    [["postgres://u:pa$$word1@h/db"], 0, "pa$$word1", "credentials in URL", "POSTGRES_PASSWORD"],
    [[`--dsn=mysql://root:${PW}@127.0.0.1/app`], 0, PW, "credentials in URL", "MYSQL_PASSWORD"],
    [[`https://me:${PW}@git.example.com/repo.git`], 0, PW, "credentials in URL", "SECRET_1"],
    [
      [`https://x-access-token:${token("ghs_")}@github.com/o/r.git`],
      0,
      token("ghs_"),
      "known prefix ghs_, credentials in URL",
      "GITHUB_TOKEN",
    ],
    [[`https://mcp.example.com/sse?api_key=${S}&region=eu`], 0, S, "api_key parameter in URL", "API_KEY"],
    [[`https://maps.example.com/v1?key=${S}`], 0, S, "key parameter in URL", "API_KEY"],
    [["-e", `DB_PASSWORD=${PW}`], 1, PW, "name DB_PASSWORD", "DB_PASSWORD"],
    [["--env", `GH_PAT=${token("ghp_")}`], 1, token("ghp_"), "name GH_PAT, known prefix ghp_", "GH_PAT"],
    [["--key-data", PEM], 1, PEM, "private key", "PRIVATE_KEY"],
  ];
  for (const [args, i, secret, reason, suggestedName] of cases) {
    test(args.join(" ").replaceAll("\n", " ").slice(0, 70), () => {
      const findings = detectSecrets({ args });
      expect(findings).toHaveLength(1);
      const f = findings[0] as PlaintextFinding;
      expect(args[i]?.slice(f.start, f.end)).toBe(secret);
      expect(f).toEqual({
        where: "args",
        key: String(i),
        argIndex: i,
        start: args[i]?.indexOf(secret) ?? -1,
        end: (args[i]?.indexOf(secret) ?? -1) + secret.length,
        reason,
        display: maskValue(secret),
        suggestedName,
      });
    });
  }

  test("two secrets in one arg are two findings", () => {
    const args = [`postgres://u:${PW}@h/db?password=${S}`];
    const findings = detectSecrets({ args });
    expect(findings.map((f) => [f.key, args[0]?.slice(f.start, f.end), f.suggestedName])).toEqual([
      ["0", PW, "POSTGRES_PASSWORD"],
      ["0", S, "PASSWORD"],
    ]);
  });

  const clean: Array<[string, unknown[]]> = [
    ["--token ${VAR}", ["--token", "${GITHUB_TOKEN}"]],
    ["--token $VAR", ["--token", "$GITHUB_TOKEN"]],
    ["--token={{ op://... }}", ["--token={{ op://Private/GitHub/token }}"]],
    ["--token op://...", ["--token", "op://Private/GitHub/token"]],
    ["--token ${input:...}", ["--token", "${input:token}"]],
    ["Authorization: Bearer ${VAR}", ["--header", "Authorization: Bearer ${TOKEN}"]],
    ["Authorization:${AUTH_HEADER} (mcp-remote's advice)", ["--header", "Authorization:${AUTH_HEADER}"]],
    ["Authorization: Bearer {{ op://... }}", ["--header", "Authorization: Bearer {{ op://v/i/f }}"]],
    ["X-API-Key: ${VAR}", ["-H", "X-API-Key: ${API_KEY}"]],
    ["a URL password from a variable", ["postgres://user:${PGPASSWORD}@localhost/db"]],
    ["a URL password from a template", ["postgres://user:{{ op://v/db/password }}@localhost/db"]],
    ["--token-file", ["--token-file", "/run/secrets/token"]],
    ["--token with a path", ["--token", "~/.config/token"]],
    ["--max-tokens", ["--max-tokens", "4096"]],
    ["--token true", ["--token", "true"]],
    ["--token with no value", ["--token"]],
    ["--token followed by a flag", ["--token", "--verbose"]],
    ["--no-token", ["--no-token", "abcdefghijklmnop"]],
    ["-t (too generic)", ["-t", "abcdefghijklmnop"]],
    ["--key (too generic)", ["--key", "abcdefghijklmnop"]],
    [
      "-e NAME (docker forwards the variable)",
      ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/x"],
    ],
    ["NAME=${NAME}", ["-e", "GITHUB_TOKEN=${GITHUB_TOKEN}"]],
    ["a URL with a user only", ["postgres://user@localhost/db"]],
    ["a plain URL", ["https://mcp.example.com/sse"]],
    ["a header that is not a credential", ["--header", "Accept: application/json"]],
    ["prose with Bearer", ["Bearer of bad news"]],
    ["an ordinary server command", ["-y", "@modelcontextprotocol/server-github", "--read-only"]],
    ["non-string args", [42, null, { token: S }, ["--token", S]]],
  ];
  for (const [what, args] of clean) {
    test(`not a finding: ${what}`, () => {
      expect(detectSecrets({ args })).toEqual([]);
    });
  }
});

describe("args: -p and numeric passwords, decided by the value's shape", () => {
  // [args, the secret found (undefined: none)]
  const cases: Array<[string[], string | undefined]> = [
    [["mysql", "-u", "root", "-p", "hunter2"], "hunter2"],
    [["mysql", "-uroot", "-phunter2"], "hunter2"],
    [["-p", "s3cr3t!x"], "s3cr3t!x"],
    [["-p", "P@ssw0rd"], "P@ssw0rd"],
    [["-p", "MySecret"], "MySecret"],
    [["--password", "12345678"], "12345678"],
    [["--db-password=20240101"], "20240101"],
    [["--passwd", "31337"], "31337"],
    // Ports, packages, versions, profiles, paths, placeholders: not passwords.
    [["-p", "8080"], undefined],
    [["-p", "12345678"], undefined],
    [["docker", "run", "-p", "3000:3000"], undefined],
    [["-p", "127.0.0.1:8080:80/tcp"], undefined],
    [["npx", "-y", "-p", "@modelcontextprotocol/server-github", "mcp-server-github"], undefined],
    [["-p", "mcp-remote@0.1.2"], undefined],
    [["-p", "mcp-remote@latest"], undefined],
    [["-p", "owner/repo"], undefined],
    [["uv", "run", "-p", "3.12"], undefined],
    [["uv", "run", "-p", "python3.11"], undefined],
    [["-p", "typescript"], undefined],
    [["-p", "my-profile"], undefined],
    [["-p", "default"], undefined],
    [["-p", "/data/db"], undefined],
    [["-p", "./local"], undefined],
    [["-p", "{{ op://Private/DB/password }}"], undefined],
    [["-p", "$DB_PASSWORD"], undefined],
    [["-p", "abc12"], undefined], // shorter than 6
    [["-p", "--verbose"], undefined],
    [["-p8080"], undefined],
    [["-pdefault"], undefined],
    [["--port", "12345678"], undefined],
    [["--token", "12345678"], undefined], // a short number under a token flag stays trivial (a count, an id)
  ];
  for (const [args, secret] of cases) {
    test(`${args.join(" ")}: ${secret === undefined ? "nothing" : "the value"}`, () => {
      const found = detectSecrets({ args });
      if (secret === undefined) {
        expect(found).toEqual([]);
        return;
      }
      expect(found).toHaveLength(1);
      const f = found[0] as PlaintextFinding;
      const arg = args[f.argIndex ?? -1] ?? "";
      expect(arg.slice(f.start, f.end)).toBe(secret);
      expect(f.display).toBe(`… (${secret.length} chars)`);
      expect(maskArgs(args).join(" ")).not.toContain(secret);
    });
  }
});

describe("suggestedName", () => {
  const gh1 = token("ghp_");
  const gh2 = join("gh", "p_", body(36).split("").reverse().join(""));
  test("env findings keep the variable's name", () => {
    expect(detectSecrets({ env: { MY_GH: gh1 } })[0]?.suggestedName).toBe("MY_GH");
  });
  test("a known prefix beats the flag's name", () => {
    expect(detectSecrets({ args: ["--token", gh1] })[0]?.suggestedName).toBe("GITHUB_TOKEN");
  });
  test("a name written in the args beats the prefix, and claims its name first", () => {
    const findings = detectSecrets({ args: [`--token=${gh1}`, "-e", `GITHUB_TOKEN=${gh2}`] });
    expect(findings.map((f) => [f.key, f.suggestedName])).toEqual([
      ["0", "GITHUB_TOKEN_2"],
      ["2", "GITHUB_TOKEN"],
    ]);
  });
  test("names the entry already sets are not reused (case-insensitively)", () => {
    expect(detectSecrets({ env: { GITHUB_TOKEN: "op://v/gh/token" }, args: [gh1] })[0]?.suggestedName).toBe(
      "GITHUB_TOKEN_2",
    );
    expect(detectSecrets({ env: { github_token: "op://v/gh/token" }, args: [gh1] })[0]?.suggestedName).toBe(
      "GITHUB_TOKEN_2",
    );
  });
  test("the same secret twice gets one name", () => {
    const findings = detectSecrets({ env: { GH: gh1 }, args: ["--token", gh1, `--auth=${gh1}`] });
    expect(findings.map((f) => f.suggestedName)).toEqual(["GH", "GH", "GH"]);
  });
  test("different secrets of one kind are numbered", () => {
    expect(detectSecrets({ args: [gh1, gh2] }).map((f) => f.suggestedName)).toEqual(["GITHUB_TOKEN", "GITHUB_TOKEN_2"]);
  });
  test("nothing to derive a name from: SECRET_1, SECRET_2, skipping names in use", () => {
    const args = [`https://a:${PW}@x.example/`, `https://b:${S}@y.example/`];
    expect(detectSecrets({ args }).map((f) => f.suggestedName)).toEqual(["SECRET_1", "SECRET_2"]);
    expect(detectSecrets({ env: { SECRET_1: "x" }, args }).map((f) => f.suggestedName)).toEqual([
      "SECRET_2",
      "SECRET_3",
    ]);
  });
  test("flag names become variable names", () => {
    const names = ["--api-key", "--api_key", "--Access-Token", "-password", "--github-token"].map(
      (flag) => detectSecrets({ args: [flag, S] })[0]?.suggestedName,
    );
    expect(names).toEqual(["API_KEY", "API_KEY", "ACCESS_TOKEN", "PASSWORD", "GITHUB_TOKEN"]);
  });
});

describe("maskValue", () => {
  const cases: Array<[string, string]> = [
    [token("ghp_"), "ghp_… (40 chars)"],
    [token("github_pat_"), `github_pat_… (${token("github_pat_").length} chars)`],
    [S, "… (32 chars)"],
    ["hunter2", "… (7 chars)"],
    ["x", "… (1 char)"],
    ["", "… (0 chars)"],
    ["ghp_short", "… (9 chars)"],
    ["sk-learn-classifier-pipeline-tools", "… (34 chars)"],
  ];
  for (const [value, display] of cases) test(display, () => expect(maskValue(value)).toBe(display));
});

describe("nothing of a secret leaks beyond its public prefix", () => {
  const prefixOf = (value: string) => /^(.*)… \(\d+ chars?\)$/s.exec(maskValue(value))?.[1] ?? "<no match>";
  const secretArb = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.tuple(fc.constantFrom(...KNOWN_PREFIXES), fc.string({ minLength: 0, maxLength: 80 })).map(([p, s]) => p + s),
    fc.constantFrom(...KNOWN_PREFIXES).map(token),
  );

  test("display is exactly <known prefix the value starts with, or nothing>… (<length> chars)", () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        const prefix = prefixOf(secret);
        expect(prefix === "" || (KNOWN_PREFIXES.includes(prefix) && secret.startsWith(prefix))).toBe(true);
        const n = secret.length;
        expect(maskValue(secret)).toBe(`${prefix}… (${n} ${n === 1 ? "char" : "chars"})`);
      }),
      { numRuns: 2000 },
    );
  });

  test("display holds no 3-character piece of the secret outside the known prefix", () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        const display = maskValue(secret);
        const prefix = prefixOf(secret);
        const template = display.slice(prefix.length); // "… (N chars)": fixed text and the length
        for (let i = 0; i + 3 <= secret.length; i++) {
          const piece = secret.slice(i, i + 3);
          if (prefix.includes(piece) || template.includes(piece)) continue;
          expect(display).not.toContain(piece);
        }
      }),
      { numRuns: 2000 },
    );
  });

  // Lowercase letters and digits cannot form a known prefix, a scheme word or a short number,
  // so every template below detects these secrets the same way.
  const plain = fc.string({
    unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
    minLength: 24,
    maxLength: 48,
  });
  type Entry = { env?: Record<string, unknown>; args?: unknown[] };
  const templates: Array<[string, (s: string) => Entry]> = [
    ["env by name", (s) => ({ env: { GITHUB_TOKEN: s } })],
    ["env header value", (s) => ({ env: { AUTH_HEADER: `Bearer ${s}` } })],
    ["env URL", (s) => ({ env: { DATABASE_URL: `postgres://u:${s}@h/db` } })],
    ["--token X", (s) => ({ args: ["--token", s] })],
    ["--api-key=X", (s) => ({ args: [`--api-key=${s}`] })],
    ["Authorization header", (s) => ({ args: ["--header", `Authorization: Bearer ${s}`] })],
    ["X-API-Key header", (s) => ({ args: ["-H", `X-API-Key: ${s}`] })],
    ["URL password", (s) => ({ args: [`postgres://u:${s}@h/db`] })],
    ["URL query", (s) => ({ args: [`https://h/sse?token=${s}`] })],
    ["NAME=X", (s) => ({ args: ["-e", `DB_PASSWORD=${s}`] })],
  ];

  /** Every field but the offsets, as text. */
  const printable = (findings: PlaintextFinding[]) =>
    JSON.stringify(findings.map(({ start: _s, end: _e, argIndex: _i, ...rest }) => rest));

  test("findings depend on a secret's length only, not its characters (no prefix)", () => {
    const pair = fc.integer({ min: 24, max: 48 }).chain((n) =>
      fc.tuple(
        plain.filter((s) => s.length === n),
        plain.filter((s) => s.length === n),
      ),
    );
    for (const [what, make] of templates) {
      fc.assert(
        fc.property(pair, ([a, b]) => {
          const fa = detectSecrets(make(a));
          expect({ what, n: fa.length }).toEqual({ what, n: 1 });
          expect(fa).toEqual(detectSecrets(make(b)));
          for (let i = 0; i + 8 <= a.length; i++) expect(printable(fa)).not.toContain(a.slice(i, i + 8));
        }),
        { numRuns: 200 },
      );
    }
  });

  test("findings depend on a prefixed token's length only, not the characters after the prefix", () => {
    // Each prefix's fake, with the characters after the prefix replaced (same class, same length).
    const upperDigits = fc.string({
      unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
      minLength: 200,
      maxLength: 200,
    });
    const vary = (tok: string, prefix: string, r: string) =>
      prefix + [...tok.slice(prefix.length)].map((c, i) => (/[A-Za-z0-9]/.test(c) ? (r[i] ?? "A") : c)).join("");
    for (const prefix of KNOWN_PREFIXES) {
      const tok = token(prefix);
      const needsDigit = (s: string) => /\d/.test(s) && /[A-Z]/.test(s);
      fc.assert(
        fc.property(upperDigits.filter(needsDigit), upperDigits.filter(needsDigit), (r1, r2) => {
          const a = vary(tok, prefix, r1);
          const b = vary(tok, prefix, r2);
          for (const make of [
            (t: string) => ({ env: { SETTING: t } }),
            (t: string) => ({ args: ["--token", t] }),
            (t: string) => ({ args: [`{"Authorization":"Bearer ${t}"}`] }),
          ]) {
            const fa = detectSecrets(make(a));
            expect({ prefix, n: fa.length }).toEqual({ prefix, n: 1 });
            expect(fa).toEqual(detectSecrets(make(b)));
            expect(fa[0]?.display).toBe(`${prefix}… (${a.length} chars)`);
            const rest = a.slice(prefix.length);
            for (let i = 0; i + 8 <= rest.length; i++) expect(printable(fa)).not.toContain(rest.slice(i, i + 8));
          }
        }),
        { numRuns: 50 },
      );
    }
  });
});

describe("realistic client entries", () => {
  const AWS_SECRET = `wJalrXUtnFEMI/K7MDENG/${body(18)}`;
  const entries: Array<[string, { command?: string; env?: Record<string, unknown>; args?: unknown[] }, string[]]> = [
    [
      "GitHub server (Claude Desktop README)",
      {
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-github"],
        env: { GITHUB_PERSONAL_ACCESS_TOKEN: token("ghp_") },
      },
      ["env GITHUB_PERSONAL_ACCESS_TOKEN known prefix ghp_, name GITHUB_PERSONAL_ACCESS_TOKEN"],
    ],
    [
      "GitHub server in docker (the -e NAME arg only forwards)",
      {
        command: "docker",
        args: ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
        env: { GITHUB_PERSONAL_ACCESS_TOKEN: token("github_pat_") },
      },
      ["env GITHUB_PERSONAL_ACCESS_TOKEN known prefix github_pat_, name GITHUB_PERSONAL_ACCESS_TOKEN"],
    ],
    [
      "Slack server",
      {
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-slack"],
        env: { SLACK_BOT_TOKEN: token("xoxb-"), SLACK_TEAM_ID: "T01234567", SLACK_CHANNEL_IDS: "C01234567, C76543210" },
      },
      ["env SLACK_BOT_TOKEN known prefix xoxb-, name SLACK_BOT_TOKEN"],
    ],
    [
      "mcp-remote with a Bearer header",
      {
        command: "npx",
        args: ["mcp-remote", "https://mcp.example.com/sse", "--header", `Authorization: Bearer ${S}`],
      },
      ["args 3 Authorization header, Bearer token"],
    ],
    [
      "mcp-remote the way its README advises (header from env)",
      {
        command: "npx",
        args: ["mcp-remote", "https://mcp.example.com/sse", "--header", "Authorization:${AUTH_HEADER}"],
        env: { AUTH_HEADER: `Bearer ${S}` },
      },
      ["env AUTH_HEADER Bearer token, name AUTH_HEADER"],
    ],
    [
      "postgres server with the URL as an arg",
      {
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-postgres", `postgresql://mcp:${PW}@localhost:5432/app`],
      },
      ["args 2 credentials in URL"],
    ],
    [
      "Notion server with JSON headers",
      {
        command: "npx",
        args: ["-y", "@notionhq/notion-mcp-server"],
        env: {
          OPENAPI_MCP_HEADERS: `{"Authorization": "Bearer ${token("ntn_")}", "Notion-Version": "2022-06-28"}`,
        },
      },
      ["env OPENAPI_MCP_HEADERS known prefix ntn_, Bearer token"],
    ],
    [
      "AWS credentials",
      {
        command: "uvx",
        args: ["awslabs.aws-api-mcp-server@latest"],
        env: {
          AWS_ACCESS_KEY_ID: token("AKIA"),
          AWS_SECRET_ACCESS_KEY: AWS_SECRET,
          AWS_REGION: "us-east-1",
        },
      },
      ["env AWS_ACCESS_KEY_ID known prefix AKIA", "env AWS_SECRET_ACCESS_KEY name AWS_SECRET_ACCESS_KEY"],
    ],
    [
      "an entry mcp-op already wraps (docs/mcp-clients.md)",
      {
        command: "/opt/homebrew/bin/mcp-op",
        args: [
          "run",
          "--env-file",
          "/Users/me/.config/mcp-op/github.env",
          "--",
          "npx",
          "-y",
          "@modelcontextprotocol/server-github",
        ],
        env: {},
      },
      [],
    ],
    [
      "VS Code with a password input",
      { command: "npx", args: ["-y", "@modelcontextprotocol/server-github"], env: { GITHUB_TOKEN: "${input:gh}" } },
      [],
    ],
    [
      "references in env",
      { command: "mcp-op", env: { GITHUB_TOKEN: "op://Private/GitHub/token", LOG_LEVEL: "debug" } },
      [],
    ],
  ];
  for (const [what, entry, expected] of entries) {
    test(what, () => {
      const findings = detectSecrets(entry);
      expect(findings.map((f) => `${f.where} ${f.key} ${f.reason}`)).toEqual(expected);
    });
  }

  test("replacing every finding (as migrate will) leaves nothing to find", () => {
    for (const [, entry] of entries) {
      const findings = detectSecrets(entry);
      const env = { ...entry.env };
      const args = [...(entry.args ?? [])];
      // Right to left, so earlier offsets in the same arg stay valid.
      for (const f of [...findings].reverse()) {
        if (f.where === "env") env[f.key] = `op://Private/mcp/${f.suggestedName}`;
        else {
          const arg = String(args[f.argIndex ?? -1]);
          args[f.argIndex ?? -1] = `${arg.slice(0, f.start)}{{ ${f.suggestedName} }}${arg.slice(f.end)}`;
        }
      }
      expect(detectSecrets({ env, args })).toEqual([]);
    }
  });

  test("every finding locates its secret, and no printable field holds a piece of any secret", () => {
    const secrets = [S, PW, AWS_SECRET, ...KNOWN_PREFIXES.map((p) => token(p).slice(p.length))];
    for (const [, entry] of entries) {
      for (const f of detectSecrets(entry)) {
        const found = located(entry, f);
        expect(secrets.some((s) => found.includes(s))).toBe(true);
        const text = [f.key, f.reason, f.display, f.suggestedName].join("\n");
        for (const secret of secrets) {
          for (let i = 0; i + 6 <= secret.length; i++) expect(text).not.toContain(secret.slice(i, i + 6));
        }
      }
    }
  });
});

describe("robustness", () => {
  test("never throws, and offsets are inside the arg, ordered and disjoint", () => {
    const fragment = fc.oneof(
      fc.string(),
      fc.constantFrom("--token", "--api-key", "-H", "--header", "Bearer ", "Authorization: ", "postgres://u:", "@h/db"),
      fc.constantFrom(...KNOWN_PREFIXES).map(token),
      fc.constantFrom("${X}", "{{ op://v/i/f }}", "$X", "op://v/i/f", "?token=", "&key=", "=", ":"),
    );
    const arg = fc.array(fragment, { maxLength: 5 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.oneof(arg, fc.anything())),
        fc.array(fc.oneof(arg, arg, fc.anything()), { maxLength: 8 }),
        (env, args) => {
          const findings = detectSecrets({ env, args });
          let last = { index: -1, end: 0 };
          for (const f of findings) {
            expect(f.suggestedName).toMatch(f.where === "env" ? /[\s\S]*/ : /^[A-Za-z_][A-Za-z0-9_]*$/);
            if (f.where === "env") continue;
            const a = args[f.argIndex ?? -1];
            expect(typeof a).toBe("string");
            expect(f.key).toBe(String(f.argIndex));
            const start = f.start ?? -1;
            const end = f.end ?? -1;
            expect(0 <= start && start < end && end <= String(a).length).toBe(true);
            if (f.argIndex === last.index) expect(start >= last.end).toBe(true);
            else expect((f.argIndex ?? -1) > last.index).toBe(true);
            last = { index: f.argIndex ?? -1, end };
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("a malformed entry is just empty", () => {
    expect(detectSecrets({})).toEqual([]);
    expect(detectSecrets({ env: null as never, args: "--token x" as never })).toEqual([]);
    expect(detectSecrets({ env: ["ghp_x"] as never })).toEqual([]);
  });
});
