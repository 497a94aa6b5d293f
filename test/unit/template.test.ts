import { describe, expect, test } from "bun:test";
import { parseArgTemplates, substituteArgs } from "../../src/core/template.ts";
import { McpOpError } from "../../src/errors.ts";

const defined = (names: string[]) => (name: string) => names.includes(name);

describe("parseArgTemplates (outer stage)", () => {
  test("references become generated variables; names stay; the same reference is one variable", () => {
    const t = parseArgTemplates(
      [
        "--token",
        "{{ op://Private/GitHub/token }}",
        "--header",
        "Authorization: Bearer {{op://Private/GitHub/token}}",
        "--user={{ GH_USER }}",
        "plain",
      ],
      defined(["GH_USER"]),
    );
    expect(t).toEqual({
      args: [
        "--token",
        "{{ MCP_OP_ARG_1 }}",
        "--header",
        "Authorization: Bearer {{ MCP_OP_ARG_1 }}",
        "--user={{ GH_USER }}",
        "plain",
      ],
      generated: { MCP_OP_ARG_1: "op://Private/GitHub/token" },
      names: ["MCP_OP_ARG_1", "GH_USER"],
    });
  });
  test("\\{{ keeps a literal {{ through both stages", () => {
    const t = parseArgTemplates(["\\{{ not a template }}", "a\\{{b{{ X }}"], defined(["X"]));
    expect(t.args).toEqual(["\\{{ not a template }}", "a\\{{b{{ X }}"]);
    expect(substituteArgs(t.args, { X: "v" })).toEqual(["{{ not a template }}", "a{{bv"]);
  });
  const bad: Array<[string[], string]> = [
    [
      ["{{ NOPE }}"],
      "server argument 1: {{ NOPE }} names a variable that neither the env files nor the environment define",
    ],
    [
      ["x", "{{ op://Private/gh }}"],
      'server argument 2: "op://Private/gh" is not a secret reference: it needs vault, item and field',
    ],
    [
      ["{{ two words }}"],
      "server argument 1: {{ }} holds neither an op:// reference nor a variable name (write \\{{ for a literal {{)",
    ],
    [["{{ op://a/b/c"], "server argument 1: an unclosed {{ (write \\{{ for a literal {{)"],
  ];
  for (const [args, message] of bad) {
    test(`exit 65: ${message}`, () => {
      expect(() => parseArgTemplates(args, defined([]))).toThrow(new McpOpError(65, message));
    });
  }
  // Whatever the internal stage scrubs from the server's environment: set or not (a token
  // file's token is not set yet when the arguments are checked), one refusal, one message.
  const credentials = [
    "OP_SERVICE_ACCOUNT_TOKEN",
    "OP_CONNECT_TOKEN",
    "OP_CONNECT_HOST",
    "MCP_OP_TOKEN_FILE",
    "OP_SESSION_ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "OP_SESSION_my",
  ];
  for (const name of credentials) {
    test(`exit 65: {{ ${name} }} is a credential, defined or not`, () => {
      const message = `server argument 2: {{ ${name} }} names a 1Password credential, a key to the whole account: mcp-op never hands one to a server, least of all in its arguments, which any local user can read`;
      for (const isDefined of [defined([name]), defined([])]) {
        expect(() => parseArgTemplates(["srv", `--tok={{ ${name} }}`], isDefined)).toThrow(new McpOpError(65, message));
      }
    });
  }
});

describe("substituteArgs (internal stage)", () => {
  test("values go in verbatim, metacharacters and all", () => {
    const value = `a"b\\c $HOME {{ x }} é`;
    expect(substituteArgs(["--t={{ T }}", "{{T}}"], { T: value })).toEqual([`--t=${value}`, value]);
  });
  test("a missing value is exit 65", () => {
    expect(() => substituteArgs(["{{ T }}"], {})).toThrow(
      new McpOpError(65, "server argument 1: {{ T }} has no value"),
    );
  });
});
