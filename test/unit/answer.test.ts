/** The answers run gives the client's requests when it fails before exec (core/answer.ts). */
import { describe, expect, test } from "bun:test";
import { MAX_ANSWERS, RequestAnswerer, startFailure } from "../../src/core/answer.ts";
import { JSONRPC_START_FAILED } from "../../src/errors.ts";

const ERROR = { code: JSONRPC_START_FAILED, message: "mcp-op: a.env: no such file", data: { exitCode: 66 } };
const bytes = (text: string) => new TextEncoder().encode(text);
const errorOf = (id: string) => `{"jsonrpc":"2.0","id":${id},"error":${JSON.stringify(ERROR)}}\n`;

/** Everything the answerer writes for these chunks. */
function answersFor(chunks: string[], answerer = new RequestAnswerer(ERROR)): string[] {
  return chunks.flatMap((c) => answerer.push(bytes(c)).answers);
}

describe("RequestAnswerer", () => {
  test("each request gets its own id back, string or number, as sent", () => {
    const lines = [
      '{"jsonrpc":"2.0","id":"server-discover-probe-1","method":"server/discover","params":{}}',
      '{"method":"initialize","params":{"protocolVersion":"2025-11-25"},"jsonrpc":"2.0","id":0}',
      '{"jsonrpc":"2.0","id":-7,"method":"ping"}',
      '{"jsonrpc":"2.0","id":1.5e3,"method":"ping"}',
      // Beyond 2^53: parsed as a double it would come back as 12345678901234567000.
      '{"jsonrpc":"2.0","id":12345678901234567890,"method":"ping"}',
      '{"jsonrpc":"2.0","id":"\\u00e9\\"q","method":"ping"}',
    ];
    expect(answersFor([`${lines.join("\n")}\n`])).toEqual([
      errorOf('"server-discover-probe-1"'),
      errorOf("0"),
      errorOf("-7"),
      errorOf("1.5e3"),
      errorOf("12345678901234567890"),
      errorOf('"é\\"q"'),
    ]);
  });

  test("notifications, responses, ids that are neither string nor number, and non-JSON get nothing", () => {
    const lines = [
      '{"jsonrpc":"2.0","method":"notifications/initialized"}',
      '{"jsonrpc":"2.0","id":3,"result":{}}',
      '{"jsonrpc":"2.0","id":4,"error":{"code":1,"message":"x"}}',
      '{"jsonrpc":"2.0","id":null,"method":"ping"}',
      '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}',
      '{"jsonrpc":"2.0","id":5,"method":7}',
      "Content-Length: 52",
      "",
      "   ",
      '"just a string"',
      "[]",
      "{not json",
    ];
    expect(answersFor([`${lines.join("\n")}\n`])).toEqual([]);
  });

  test("a message split across chunks (even inside a UTF-8 character) is answered once whole", () => {
    const line = bytes('{"jsonrpc":"2.0","id":"ü","method":"initialize"}\n');
    const answerer = new RequestAnswerer(ERROR);
    const out: string[] = [];
    for (let i = 0; i < line.length; i++) out.push(...answerer.push(line.subarray(i, i + 1)).answers);
    expect(out).toEqual([errorOf('"ü"')]);
  });

  test("CRLF line ends and a request after blank lines", () => {
    expect(answersFor(['\r\n\n{"jsonrpc":"2.0","id":1,"method":"ping"}\r\n'])).toEqual([errorOf("1")]);
  });

  test("a batch gets an array of answers for its requests only", () => {
    const batch =
      '[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"n"},{"jsonrpc":"2.0","id":"b","method":"b"}]\n';
    expect(answersFor([batch])).toEqual([`[${errorOf("1").trimEnd()},${errorOf('"b"').trimEnd()}]\n`]);
    expect(answersFor(['[{"jsonrpc":"2.0","method":"n"}]\n'])).toEqual([]);
  });

  test(`at most ${MAX_ANSWERS} requests are answered, then it is done`, () => {
    const answerer = new RequestAnswerer(ERROR);
    const requests = Array.from({ length: 12 }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"ping"}\n`);
    const out = answersFor(requests, answerer);
    expect(out).toEqual(Array.from({ length: MAX_ANSWERS }, (_, i) => errorOf(String(i))));
    expect(answerer.done).toBe(true);
    expect(answerer.answered).toBe(MAX_ANSWERS);
    // A batch that crosses the limit is cut at it.
    const cut = new RequestAnswerer(ERROR, 2);
    const batch = `[${[1, 2, 3].map((i) => `{"jsonrpc":"2.0","id":${i},"method":"p"}`).join(",")}]\n`;
    expect(answersFor([batch], cut)).toEqual([`[${errorOf("1").trimEnd()},${errorOf("2").trimEnd()}]\n`]);
  });

  test("no newline, no message: a last line without one is not answered (EOF)", () => {
    const answerer = new RequestAnswerer(ERROR);
    expect(answerer.push(bytes('{"jsonrpc":"2.0","id":1,"method":"initialize"}'))).toEqual({ answers: [], lines: 0 });
    expect(answerer.answered).toBe(0);
  });

  test("a line over the limit is skipped to its end without being kept; the next one is answered", () => {
    const answerer = new RequestAnswerer(ERROR, MAX_ANSWERS, 64);
    const huge = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${"x".repeat(200)}"}}`;
    const out: string[] = [];
    for (let i = 0; i < huge.length; i += 16) out.push(...answerer.push(bytes(huge.slice(i, i + 16))).answers);
    // Nothing of it is held while it is being skipped.
    expect((answerer as unknown as { size: number }).size).toBe(0);
    out.push(...answerer.push(bytes('\n{"jsonrpc":"2.0","id":2,"method":"ping"}\n')).answers);
    expect(out).toEqual([errorOf("2")]);
  });

  test("lines counts every complete line, answered or not (the idle limit restarts on each)", () => {
    const answerer = new RequestAnswerer(ERROR);
    expect(answerer.push(bytes('x\n{"jsonrpc":"2.0","method":"n"}\n{"jsonrpc":"2.0","id'))).toMatchObject({
      lines: 2,
    });
    expect(answerer.push(bytes('":1,"method":"m"}\n'))).toEqual({ answers: [errorOf("1")], lines: 1 });
  });
});

describe("startFailure", () => {
  test("the stderr lines, joined on one line, with the exit code", () => {
    expect(startFailure(["a.env: no such file"], 66)).toEqual({
      code: -32010,
      message: "mcp-op: a.env: no such file",
      data: { exitCode: 66 },
    });
    expect(startFailure(["a.env: no such file", "b.env:2: bad"], 66).message).toBe(
      "mcp-op: a.env: no such file | b.env:2: bad",
    );
  });
  test("many lines: the first five and how many more; a message is at most 2000 characters", () => {
    const lines = Array.from({ length: 8 }, (_, i) => `f.env:${i + 1}: bad`);
    expect(startFailure(lines, 65).message).toBe(
      "mcp-op: f.env:1: bad | f.env:2: bad | f.env:3: bad | f.env:4: bad | f.env:5: bad | and 3 more",
    );
    const long = startFailure(["é".repeat(5000)], 65).message;
    expect([...long]).toHaveLength(2000);
    expect(long.endsWith("é…")).toBe(true);
  });
  test("nothing logged: still says that the server did not start, and the exit code", () => {
    expect(startFailure([], 70).message).toBe("mcp-op: failed before the server started (exit 70)");
  });
  test("the code is none that the SDK or MCP gives another meaning", () => {
    // -32000 ConnectionClosed, -32001 RequestTimeout (SDK); -32002, -32042 (reserved by MCP);
    // -32020..-32099 allocated by MCP (schema 2026-07-28).
    expect([-32000, -32001, -32002, -32042]).not.toContain(JSONRPC_START_FAILED);
    expect(JSONRPC_START_FAILED).toBeGreaterThan(-32020);
    expect(JSONRPC_START_FAILED).toBeLessThanOrEqual(-32000);
  });
});
