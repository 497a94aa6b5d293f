import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { nearMissReference } from "../../src/core/reference.ts";
import {
  checkEnvFile,
  checkEnvFileFully,
  checkEnvironment,
  problemLine,
  referenceProblems,
  usualEnvFile,
  validateEnvFiles,
} from "../../src/core/validate.ts";
import { EXIT } from "../../src/errors.ts";

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
  test("an inline comment after a reference: refused, quoting only the reference (what follows may be a token)", () => {
    const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    const { problems } = checkEnvFile(
      "f.env",
      `A=op://V/i/f # comment\nB='op://V/i/f' # after a quote is fine\nC=op://V/I/token # ${token}\n`,
      {},
    );
    expect(problems.map((p) => [p.where, p.message])).toEqual([
      [
        "f.env:1",
        '"op://V/i/f" is followed by a comment on its line ("#" and 8 more characters), which op may read as part of the reference: put the comment on a line of its own',
      ],
      [
        "f.env:3",
        '"op://V/I/token" is followed by a comment on its line ("#" and 41 more characters), which op may read as part of the reference: put the comment on a line of its own',
      ],
    ]);
    for (const p of problems) expect(p.message).not.toContain(token.slice(4, 12));
  });
  test("a token pasted into a reference is never repeated in the message, however it is malformed", () => {
    const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    const text = `A=op://V/i/f#${token}\nB=op://V/i/f?${token}\nC=op://V/i/f?attribute=${token}\nD=op://V/i/ ${token}\n`;
    const { problems } = checkEnvFile("f.env", text, {});
    expect(problems.map((p) => [p.where, p.message])).toEqual([
      [
        "f.env:1",
        '"op://V/i/f#ghp_… (40 chars)" is not a secret reference: the field "f#ghp_… (40 chars)" has characters a reference cannot hold: refer to it by its ID',
      ],
      [
        "f.env:2",
        '"op://V/i/f?ghp_… (40 chars)" is not a secret reference: unknown query parameter "ghp_… (40 chars)" (known: attribute, ssh-format)',
      ],
      [
        "f.env:3",
        '"op://V/i/f?attribute=ghp_… (40 chars)" is not a secret reference: "attribute" takes one of type|value|id|purpose|otp|totp|content|size|name, not "ghp_… (40 chars)"',
      ],
      [
        "f.env:4",
        '"op://V/i/ ghp_… (40 chars)" is not a secret reference: the field " ghp_… (40 chars)" starts or ends with a space',
      ],
    ]);
    for (const p of problems) expect(p.message).not.toContain(token.slice(4, 12));
  });
  test("a NUL byte in a value: refused, naming the line and key, never the value", () => {
    const { problems } = checkEnvFile("f.env", 'OK=1\nA=abc\0secret-after-nul\nB="op://V/i/f\0"\n', {});
    expect(problems.map((p) => [p.severity, p.where, p.message, p.exitCode])).toEqual([
      ["error", "f.env:2", "the value of A holds a NUL byte, which no environment variable can carry: remove it", 65],
      ["error", "f.env:3", "the value of B holds a NUL byte, which no environment variable can carry: remove it", 65],
    ]);
  });
  test("a reference inside a template value is valid (op run resolves it), a malformed one is not", () => {
    const text = 'H="Bearer {{ op://v/i/f }}"\nJ="{{op://v/i/f}}:{{ op://v/i }}"\n';
    expect(checkEnvFile("f.env", text, {}).problems.map((p) => [p.where, p.message])).toEqual([
      ["f.env:2", '"op://v/i" is not a secret reference: it needs vault, item and field'],
    ]);
  });
  test("a reference spanning lines is reported on one line, without what follows the break", () => {
    const secret = "ghp_pastedOnTheNextLine0123456789";
    const { problems } = checkEnvFile("f.env", `A="op://V/i/f\n${secret}"\n`, {});
    expect(problems.map((p) => [p.where, p.message])).toEqual([
      ["f.env:1", '"op://V/i/f…" is not a secret reference: it spans lines (a quoted value keeps its line breaks)'],
    ]);
  });
  test("mistyped references are warnings naming the key, never quoting the value", () => {
    const text = 'A=OP://V/i/f\nB=op:/V/i/f\nC=op//V/i/f\nD=" op://V/i/f"\nE=op/bin\nF=op://V/i/f\n';
    const { problems } = checkEnvFile("f.env", text, {});
    const tail = "so op run passes it to the server as plain text";
    expect(problems.map((p) => [p.severity, p.where, p.message])).toEqual([
      ["warning", "f.env:1", `A looks like a mistyped secret reference: it starts with "OP://", not "op://", ${tail}`],
      ["warning", "f.env:2", `B looks like a mistyped secret reference: it starts with "op:/", not "op://", ${tail}`],
      ["warning", "f.env:3", `C looks like a mistyped secret reference: it starts with "op//", not "op://", ${tail}`],
      [
        "warning",
        "f.env:4",
        `D looks like a mistyped secret reference: it starts with whitespace before "op://", ${tail}`,
      ],
    ]);
    for (const p of problems) expect(p.message).not.toContain("V/i/f");
  });
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
  test("a mistyped reference in the environment is a warning naming the variable", () => {
    const problems = checkEnvironment({ GITHUB_TOKEN: "OP://Private/GitHub/token", PATH: "/usr/bin" });
    expect(problems.map((p) => [p.severity, `${p.where}: ${p.message}`])).toEqual([
      [
        "warning",
        'environment variable GITHUB_TOKEN: looks like a mistyped secret reference: it starts with "OP://", not "op://", so op run passes it to the server as plain text',
      ],
    ]);
  });
});

describe("validateEnvFiles: the one validation of run, check, add and doctor", () => {
  const open = {
    display: "open.env",
    failure: {
      exitCode: EXIT.NOPERM,
      message:
        "open.env: refusing an env file writable by group or others (mode 0666): anyone who can edit it controls the server",
      hint: "fix: chmod go-w open.env",
    },
  };
  const missing = { display: "missing.env", failure: { exitCode: EXIT.NOINPUT, message: "missing.env: no such file" } };
  const bad = { display: "bad.env", text: "NODE_OPTIONS=x\nA=op://V/i\n" };

  test("every problem of every file, files in the order given, each by line; warnings alike", () => {
    const r = validateEnvFiles([bad, open, missing], {});
    expect(r.problems.map((p) => [p.severity, problemLine(p)])).toEqual([
      [
        "warning",
        "bad.env:1: sets NODE_OPTIONS for the server: it changes what code runs, so keep this file as private as a key",
      ],
      ["error", 'bad.env:2: "op://V/i" is not a secret reference: it needs vault, item and field'],
      [
        "error",
        "open.env: refusing an env file writable by group or others (mode 0666): anyone who can edit it controls the server; fix: chmod go-w open.env",
      ],
      ["error", "missing.env: no such file"],
    ]);
    expect(r.files.map((f) => [f.display, f.entries.length])).toEqual([
      ["bad.env", 2],
      ["open.env", 0],
      ["missing.env", 0],
    ]);
  });

  test("the exit code is the first in the exit-code table among the errors, whatever the order", () => {
    const orders = [
      [bad, open, missing],
      [missing, open, bad],
      [open, missing],
      [missing, open],
    ];
    expect(orders.map((o) => validateEnvFiles(o, {}).exitCode)).toEqual([65, 65, 66, 66]);
  });

  test("warnings alone fail nothing", () => {
    expect(validateEnvFiles([{ display: "w.env", text: "PATH=/x\n" }], {}).exitCode).toBeUndefined();
  });
});

/**
 * The shortcut for the usual env file (usualEnvFile) against the full parser and checks: what it
 * accepts, checkEnvFileFully accepts with no problem and the same entries; the rest it leaves to
 * the full check. Lines are drawn near the boundary: references of 2-5 parts, empty parts, spaces,
 * quotes, `$`, `#`, `{{ }}`, queries, CR, BOM, non-ASCII, near misses, risky and repeated names.
 */
describe("usualEnvFile: the usual env file without the full parser", () => {
  const part = fc.constantFrom(
    "Private",
    "GitHub",
    "token",
    "a.b",
    "my-item",
    "x_y",
    "",
    " sp",
    "ü",
    "a b",
    "a?b",
    "$V",
    "1",
  );
  const reference = fc
    .array(part, { minLength: 1, maxLength: 5 })
    .chain((parts) => fc.constantFrom("op://", "OP://", "op:/", " op://", "op//").map((p) => `${p}${parts.join("/")}`));
  const plain = fc.constantFrom(
    "1",
    "",
    "https://api.github.com",
    "a=b",
    "x y",
    '"q"',
    "'q'",
    "$HOME",
    "${HOME}",
    "a#b",
    "a #b",
    "{{ op://a/b/c }}",
    "\\x",
    "opx",
    "Op:/x",
    "tab\tx",
    "v\r",
    "é",
    "\u2028",
    "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
    "op",
    "o",
  );
  const name = fc.constantFrom(
    "GITHUB_TOKEN",
    "A",
    "_B",
    "PATH",
    "DYLD_X",
    "NODE_OPTIONS",
    "1A",
    "A-B",
    "export A",
    "A ",
    " A",
    "",
  );
  const line = fc.oneof(
    fc.tuple(name, fc.oneof(reference, plain)).map(([n, v]) => `${n}=${v}`),
    fc.constantFrom("", "# a comment", "#", "  # indented", "   ", "no equals", "=x", "\uFEFFA=1", "A=1\r", "# é"),
  );
  const text = fc
    .tuple(fc.array(line, { maxLength: 6 }), fc.boolean())
    .map(([lines, nl]) => lines.join("\n") + (nl ? "\n" : ""));

  test("accepts only what the full check passes, with the same entries", () => {
    let accepted = 0;
    fc.assert(
      fc.property(text, (t) => {
        const usual = usualEnvFile(t);
        if (usual === undefined) return;
        accepted++;
        const full = checkEnvFileFully("f.env", t, { HOME: "/home/u" });
        expect(full.problems).toEqual([]);
        expect(usual).toEqual(full.entries);
      }),
      { numRuns: 5000 },
    );
    // The property says something only when the shortcut is taken often enough.
    expect(accepted).toBeGreaterThan(500);
  });

  test("the usual files are taken by the shortcut, the rest by the full check", () => {
    expect(usualEnvFile("# gh\nGITHUB_TOKEN=op://Private/GitHub/token\nAPI=https://x.test/v1\n\n")).toEqual([
      { key: "GITHUB_TOKEN", value: "op://Private/GitHub/token", quote: "none", line: 2, undefinedVars: [] },
      { key: "API", value: "https://x.test/v1", quote: "none", line: 3, undefinedVars: [] },
    ]);
    expect(usualEnvFile("A=op://V/i/s/f")).toHaveLength(1);
    for (const t of [
      "A = op://V/i/f",
      "A=op://V/i",
      "A=op://V/i/f\r\n",
      "A=1\nA=2",
      "PATH=/x",
      'A="op://V/i/f"',
      "A=op://V/i/f?attribute=otp",
      "A=$B",
    ]) {
      expect(usualEnvFile(t)).toBeUndefined();
    }
  });
});

describe("checkEnvironment: only values that could be references are checked", () => {
  test("the same problems as checking every value", () => {
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        "op://V/i/f",
        "op://V/i",
        " op://V/i/f",
        "OP://x",
        "oP:/x",
        "\top//x",
        "{{ op://v/i }}",
        "x {{ op://a/b/c }}",
        "op",
        "opx",
        "\u00a0op:/x",
      ),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("A", "B", "TOKEN", "URL"), value), (env) => {
        const every: Array<[string, string]> = [];
        for (const [n, v] of Object.entries(env)) {
          for (const m of referenceProblems(v, [])) every.push([`environment variable ${n}`, m]);
          if (nearMissReference(v)) every.push([`environment variable ${n}`, "near miss"]);
        }
        const got = checkEnvironment(env).map((p) => [p.where, p.severity === "warning" ? "near miss" : p.message]);
        expect(got).toEqual(every);
      }),
      { numRuns: 3000 },
    );
  });
});
