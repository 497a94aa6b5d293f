/** Header templates for `headers` and `proxy` (core/headers.ts), and the bridge's pure side (core/bridge.ts). */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  answerFor,
  checkUrlTemplate,
  describeFailure,
  redactSecrets,
  resolveUrl,
  shownUrl,
} from "../../src/core/bridge.ts";
import {
  checkHeaders,
  type HeaderEntry,
  headersJson,
  isHeaderName,
  parseHeaderFlag,
  parseHeadersFile,
  parseStepPairs,
  remoteTemplates,
  resolveHeaders,
} from "../../src/core/headers.ts";
import { McpOpError } from "../../src/errors.ts";

const flag = (text: string, i = 0) => parseHeaderFlag(text, i);
const problems = (entries: HeaderEntry[], allowPlain = false) =>
  checkHeaders(entries, allowPlain).map((p) => `${p.where}: ${p.message} (${p.exitCode})`);

describe("header names (RFC 9110 token)", () => {
  test("a character test that agrees with the grammar's RegExp", () => {
    const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (s) => {
        expect(isHeaderName(s)).toBe(token.test(s));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("--header and headers files", () => {
  test("'Name: value' split at the first colon, spaces trimmed", () => {
    expect(flag("Authorization:  Bearer {{ op://V/I/f }} ")).toEqual({
      name: "Authorization",
      value: "Bearer {{ op://V/I/f }}",
      where: "--header 1",
      exitCode: 64,
    });
    expect(flag("X-Url: https://a.b/c?d=e", 2).value).toBe("https://a.b/c?d=e");
  });

  test("a flag without a colon is a usage error that does not repeat the flag (it may be a token)", () => {
    expect(() => flag("ghp_pastedTokenWithoutName", 1)).toThrow(
      new McpOpError(64, `--header 2: expected 'Name: value', found no ":"`),
    );
  });

  test("a file: comments and blank lines skipped, CRLF and a BOM read, every bad line reported", () => {
    const text =
      "\uFEFF# for the example server\r\n\r\nAuthorization: Bearer {{ op://V/I/f }}\r\nno colon here\nX-Team:{{ TEAM }}\n";
    const { entries, problems: found } = parseHeadersFile(text, "ex.headers");
    expect(entries).toEqual([
      { name: "Authorization", value: "Bearer {{ op://V/I/f }}", where: "ex.headers:3", exitCode: 65 },
      { name: "X-Team", value: "{{ TEAM }}", where: "ex.headers:5", exitCode: 65 },
    ]);
    expect(found.map((p) => `${p.where}: ${p.message}`)).toEqual([
      `ex.headers:4: expected "Name: value", found no ":"`,
    ]);
  });

  test("checks: names, reserved names, duplicates in any case, plain values, credentials; values never quoted", () => {
    const entries = [
      flag("Bad Name: {{ op://V/I/f }}", 0),
      flag(": {{ op://V/I/f }}", 1),
      flag("Content-Type: {{ op://V/I/f }}", 2),
      flag("Authorization: Bearer {{ op://V/I/f }}", 3),
      flag("authorization: op://V/I/g", 4),
      flag("X-Plain: ghp_S3cretValueF0rTests0000000000000000", 5),
      flag("X-Session: {{ OP_SERVICE_ACCOUNT_TOKEN }}", 6),
      flag("X-Ref: op://V/I/f", 7),
    ];
    const found = problems(entries);
    expect(found).toEqual([
      `--header 1: "Bad Name" is not a header name: use letters, digits and !#$%&'*+-.^_\`|~ only (RFC 9110 token) (64)`,
      '--header 2: the header name before ":" is empty (64)',
      "--header 3: Content-Type is set by the MCP transport or the connection itself; mcp-op does not override it (64)",
      "--header 5: authorization is given twice (first at --header 4): give each header once (64)",
      "--header 6: X-Plain: not a secret reference or {{ }} template; refusing a plain value (it may be the token itself): store it in 1Password and use its reference, or pass --allow-plain (65)",
      "--header 7: X-Session: {{ OP_SERVICE_ACCOUNT_TOKEN }} names a 1Password credential, a key to the whole account: mcp-op never sends one to a server (65)",
    ]);
    expect(found.join("\n")).not.toContain("S3cret");
    expect(problems([flag("X-Plain: not a secret")], true)).toEqual([]);
  });
});

describe("templates for the inner step", () => {
  const entries = [
    flag("Authorization: Bearer {{ op://Private/GitHub/token }}", 0),
    flag("X-Again: op://Private/GitHub/token", 1),
    flag("X-Team: {{ TEAM }}", 2),
  ];

  test("references become variables op resolves; a whole-value reference too; names stay", () => {
    const t = remoteTemplates("https://x.dev/mcp?key={{ op://Private/Key/value }}", entries, (n) => n === "TEAM");
    expect(t.url).toBe("https://x.dev/mcp?key={{ MCP_OP_REMOTE_1 }}");
    expect(t.values).toEqual(["Bearer {{ MCP_OP_REMOTE_2 }}", "{{ MCP_OP_REMOTE_2 }}", "{{ TEAM }}"]);
    expect(t.templates.generated).toEqual({
      MCP_OP_REMOTE_1: "op://Private/Key/value",
      MCP_OP_REMOTE_2: "op://Private/GitHub/token",
    });
  });

  test("errors name the header (or --url), never the value", () => {
    expect(() => remoteTemplates(undefined, entries, () => false)).toThrow(
      new McpOpError(
        65,
        "--header 3 (X-Team): {{ TEAM }} names a variable that neither the env files nor the environment define",
      ),
    );
    expect(() => remoteTemplates("https://x.dev/{{ op://V }}", [], () => false)).toThrow(
      /^--url: "op:\/\/V" is not a secret reference/,
    );
  });

  test("the step's pairs: names and templates; anything else is refused", () => {
    expect(parseStepPairs(["A", "{{ X }}", "B", "b"], "__headers")).toEqual({
      names: ["A", "B"],
      values: ["{{ X }}", "b"],
    });
    expect(() => parseStepPairs(["A"], "__headers")).toThrow(/come in pairs/);
    expect(() => parseStepPairs(["A B", "x"], "__headers")).toThrow(/"A B" is not a header name/);
  });
});

describe("the inner step's values and JSON", () => {
  test("any value makes one valid JSON object of strings, in order (quotes, backslashes, unicode, controls)", () => {
    // Starting with a letter: JS objects list integer-like keys first, whatever the JSON order.
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/);
    // CR, LF and NUL are refused before this (below); everything else is escaped.
    const value = fc.string({ unit: "binary", maxLength: 40 }).filter((v) => !/[\r\n\0]/.test(v));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(name, value), { selector: ([n]) => n.toLowerCase(), maxLength: 5 }),
        (pairs) => {
          const env: Record<string, string> = {};
          const templates = pairs.map((_, i) => `{{ V${i} }}`);
          pairs.forEach(([, v], i) => {
            env[`V${i}`] = v;
          });
          const resolved = resolveHeaders(
            pairs.map(([n]) => n),
            templates,
            env,
          );
          const json = headersJson(resolved);
          const parsed = JSON.parse(json) as Record<string, string>;
          expect(Object.entries(parsed)).toEqual(pairs.map(([n, v]) => [n, v.trim()]));
        },
      ),
      { numRuns: 500 },
    );
  });

  test("a header named __proto__ is an ordinary key", () => {
    expect(headersJson([["__proto__", "x"]])).toBe('{"__proto__":"x"}');
  });

  test("CR, LF or NUL in a resolved value is refused (header injection), the value not quoted", () => {
    for (const [bad, what] of [
      ["\r", "a carriage return (CR)"],
      ["\n", "a line feed (LF)"],
      ["\0", "a NUL character"],
    ]) {
      expect(() => resolveHeaders(["Authorization"], ["Bearer {{ T }}"], { T: `s3cret${bad}X-Evil: 1` })).toThrow(
        new McpOpError(
          65,
          `header Authorization: its value from 1Password holds ${what}, which would end the header line (header injection); refusing to send it`,
        ),
      );
    }
  });

  test("a variable without a value names the header", () => {
    expect(() => resolveHeaders(["X-Team"], ["{{ TEAM }}"], {})).toThrow(
      new McpOpError(65, "header X-Team: {{ TEAM }} has no value"),
    );
  });
});

describe("the bridge's URL and failures", () => {
  test("the URL: checked with its placeholders, shown without values, values percent-encoded inside it", () => {
    expect(() => checkUrlTemplate("https://x.dev/mcp?key={{ op://V/I/f }}")).not.toThrow();
    expect(() => checkUrlTemplate("ftp://x.dev/")).toThrow(/only http and https URLs/);
    expect(() => checkUrlTemplate("x.dev/mcp")).toThrow(/is not a URL/);
    expect(shownUrl("https://x.dev/mcp?key={{ K }}&b=\\{{")).toBe("https://x.dev/mcp?key=…&b={{");
    expect(resolveUrl("https://x.dev/mcp?key={{ K }}", { K: 'a&b#c"d\\' })).toBe(
      "https://x.dev/mcp?key=a%26b%23c%22d%5C",
    );
    expect(resolveUrl("{{ U }}", { U: "https://x.dev/mcp?a=b&c=d" })).toBe("https://x.dev/mcp?a=b&c=d");
    expect(() => resolveUrl("{{ U }}", { U: "s3cret-not-a-url" })).toThrow(
      new McpOpError(65, "--url …: with its values from 1Password it is not a URL"),
    );
  });

  test("secrets are taken out of messages, also URL-encoded or JSON-escaped", () => {
    const secret = 'tok"en\\x';
    const text = `echo: ${secret} ${encodeURIComponent(secret)} ${JSON.stringify(secret)}`;
    expect(redactSecrets(text, [secret])).toBe('echo: <redacted> <redacted> "<redacted>"');
  });

  const url = "http://127.0.0.1:1/mcp";
  test("a 401 of streamable HTTP: the status, the body, fatal at connect, 77", () => {
    const f = describeFailure(
      { code: 401, message: 'Streamable HTTP error: Error POSTing to endpoint: {"error":"unauthorized"}' },
      url,
      [],
    );
    expect(f).toEqual({
      status: 401,
      text: `${url} answered HTTP 401: {"error":"unauthorized"} (the server refused the headers: check their secrets in 1Password)`,
      fatal: true,
      exitCode: 77,
    });
    expect(answerFor(f, true)).toEqual({
      code: -32010,
      message: `mcp-op: ${f.text}`,
      data: { exitCode: 77, status: 401 },
    });
  });

  test("a JSON-RPC error in an HTTP error body answers as the server's own error", () => {
    const body =
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}';
    const f = describeFailure(
      { code: 400, message: `Streamable HTTP error: Error POSTing to endpoint: ${body}` },
      url,
      [],
    );
    expect(f.fatal).toBe(false);
    expect(answerFor(f, true)).toEqual({
      code: -32000,
      message: "Bad Request: No valid session ID provided",
      data: { status: 400 },
    });
  });

  test("SSE's texts, and a server nobody answers for", () => {
    expect(describeFailure({ code: 403, message: "SSE error: Non-200 status code (403)" }, url, []).text).toBe(
      `${url} answered HTTP 403: Non-200 status code (403) (the server refused the headers: check their secrets in 1Password)`,
    );
    const posted = describeFailure({ message: "Error POSTing to endpoint (HTTP 500): boom" }, url, []);
    expect([posted.status, posted.fatal, posted.exitCode]).toEqual([500, false, 69]);
    expect(answerFor(posted, false)).toEqual({
      code: -32011,
      message: `mcp-op: ${url} answered HTTP 500: boom`,
      data: { status: 500 },
    });
    const refused = describeFailure(
      { code: "ECONNREFUSED", message: "Unable to connect. Is the computer able to access the url?" },
      url,
      [],
    );
    expect(refused).toEqual({
      text: `cannot reach ${url}: Unable to connect. Is the computer able to access the url? (ECONNREFUSED)`,
      fatal: true,
      exitCode: 69,
    });
  });

  test("a server that echoes the token gets it redacted, and a long body is cut", () => {
    const f = describeFailure(
      { code: 401, message: `Error POSTing to endpoint: bad token s3cretT0ken ${"x".repeat(400)}` },
      url,
      ["s3cretT0ken"],
    );
    expect(f.text).toStartWith(`${url} answered HTTP 401: bad token <redacted> xxx`);
    expect(f.text).toContain("x… (the server refused");
  });
});
