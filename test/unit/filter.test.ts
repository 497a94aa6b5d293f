/** The --redact filter's plumbing: line splitting across partial writes, end of stream, oversize lines. */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createRedactor } from "../../src/core/redact.ts";
import {
  expandSecrets,
  LineSplitter,
  latin1Secrets,
  redactBytes,
  redactorsFor,
  serverCommand,
  withheldResponse,
} from "../../src/effects/filter.ts";
import { selfCommand } from "../../src/runtime.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function split(chunks: string[], limit?: number) {
  const lines: Array<[string, boolean]> = [];
  const overflows: Array<[string, string]> = [];
  const s = new LineSplitter(
    (line, complete) => lines.push([dec.decode(line), complete]),
    (head, tail) => overflows.push([dec.decode(head), dec.decode(tail)]),
    limit,
  );
  for (const c of chunks) s.push(enc.encode(c));
  s.end();
  return { lines, overflows };
}

describe("LineSplitter", () => {
  test("lines split across writes are whole again; a last line without \\n still comes out", () => {
    expect(split(['{"a":', '1}\n{"b"', ":2}\n\n", "tail"]).lines).toEqual([
      ['{"a":1}', true],
      ['{"b":2}', true],
      ["", true],
      ["tail", false],
    ]);
  });
  test("any chunking gives the same lines", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 8 }),
        fc.array(fc.nat(40), { maxLength: 6 }),
        (words, cuts) => {
          const text = words.join("\n");
          const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let at = 0;
          for (const p of points) {
            chunks.push(text.slice(at, p));
            at = p;
          }
          chunks.push(text.slice(at));
          expect(split(chunks).lines).toEqual(split([text]).lines);
        },
      ),
    );
  });
  test("a line over the limit is never delivered: head and tail go to the overflow handler", () => {
    const long = `{"result":"${"x".repeat(100)}","id":5}`;
    const { lines, overflows } = split([long.slice(0, 30), long.slice(30), "\n", "ok\n"], 64);
    expect(lines).toEqual([["ok", true]]);
    expect(overflows).toHaveLength(1);
    expect(overflows[0]?.[1]).toEndWith('"id":5}');
  });
});

describe("secrets the line filter must still see", () => {
  test("a multi-line secret (a PEM key) is redacted line by line", () => {
    const pem = "-----BEGIN KEY-----\nAAAAsecretline1AAAAbbbb\nCCCCsecretline2DDDDeeee\n-----END KEY-----";
    const redactor = createRedactor(expandSecrets([{ name: "K", value: pem }]));
    for (const line of pem.split("\n").slice(1, 3)) {
      const out = dec.decode(redactBytes(redactor, enc.encode(JSON.stringify({ l: line })), true));
      expect(out).toBe('{"l":"[redacted:K]"}');
    }
  });
  test("a non-ASCII secret on a line that is not valid UTF-8", () => {
    const secrets = [{ name: "S", value: "pässwörd-sëcret-123" }];
    const line = Uint8Array.of(0xff, ...enc.encode(` {"a":"${secrets[0]?.value}"}`));
    const out = redactBytes(createRedactor(secrets), line, true, createRedactor(latin1Secrets(secrets)));
    expect(new TextDecoder("latin1").decode(out)).toBe('\u00ff {"a":"[redacted:S]"}'.replace("\\u00ff", "\u00ff"));
  });
  test("a non-ASCII secret encoded on a line that is not valid UTF-8: the same bytes, in every form", () => {
    const value = "pässwörd-sëcret-123";
    const { redactor, bytewise } = redactorsFor([{ name: "S", value }]);
    const bytes = Buffer.from(value);
    for (const form of [
      bytes.toString("base64"),
      bytes.toString("hex").toUpperCase(),
      encodeURIComponent(value),
      [...bytes].map((b) => `%${b.toString(16)}`).join(""),
    ]) {
      const line = Uint8Array.of(0xff, ...enc.encode(` {"a":"x ${form} y"}`));
      const out = new TextDecoder("latin1").decode(redactBytes(redactor, line, true, bytewise));
      expect(out).toBe('\u00ff {"a":"x [redacted:S] y"}'.replace("\\u00ff", "\u00ff"));
    }
  });
});

describe("how the filter starts the server", () => {
  test("on Linux through this program's pre-exec step, which sets the parent-death signal; elsewhere directly", () => {
    expect(serverCommand("/bin/srv", ["-x", "--"], "linux")).toEqual([
      ...selfCommand(),
      "__stage",
      "--pdeathsig",
      String(process.pid),
      "--",
      "/bin/srv",
      "-x",
      "--",
    ]);
    expect(serverCommand("/bin/srv", ["-x"], "darwin")).toEqual(["/bin/srv", "-x"]);
  });
});

describe("withheld responses", () => {
  const redactor = createRedactor([{ name: "T", value: "secret-value-1" }]);
  test("the id is found at the start or at the end of the line", () => {
    expect(JSON.parse(withheldResponse(redactor, '{"jsonrpc":"2.0","id":"a","result":{"x":"', 'xxx"}}', 11e6)).id).toBe(
      "a",
    );
    expect(JSON.parse(withheldResponse(redactor, '{"result":{"x":"xx', 'xx"},"jsonrpc":"2.0","id":42}', 11e6)).id).toBe(
      42,
    );
  });
  test("nothing to answer without an id", () => {
    expect(withheldResponse(redactor, '{"method":"notifications/x","params":{"x":"', '"}}', 11e6)).toBe("");
  });
  test("bytes that are not UTF-8 are masked byte for byte", () => {
    const line = Uint8Array.of(0xff, ...enc.encode("secret-value-1"), 0xfe);
    const out = redactBytes(redactor, line, true);
    expect(out[0]).toBe(0xff);
    expect(out.at(-1)).toBe(0xfe);
    expect(dec.decode(out.subarray(1, -1))).toBe("[redacted:T]");
  });
});
