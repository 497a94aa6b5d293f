/**
 * The pure parts of src/effects/op.ts, in process: op's arguments, the reading of its errors,
 * the timeout rule and the errors a failure becomes. Spawning op is covered by the e2e tests
 * (signin, doctor, check --resolve, migrate) against the stand-in op. Also the in-memory Op
 * (fake-op.ts) that unit tests of commands use.
 */
import { describe, expect, test } from "bun:test";
import {
  callTimeout,
  cannotStart,
  DEFAULT_TIMEOUT_MS,
  needsSignin,
  type Op,
  opArgv,
  opClient,
  opError,
  opErrorMessage,
  readFailure,
} from "../../src/effects/op.ts";
import { EXIT, McpOpError } from "../../src/errors.ts";
import { exitFailure, FakeOp, NOT_SIGNED_IN, timeout } from "./fake-op.ts";

describe("opArgv", () => {
  test("the global --account comes first", () => {
    expect(opArgv("my", ["read", "--no-newline", "op://v/i/f"])).toEqual([
      "--account",
      "my",
      "read",
      "--no-newline",
      "op://v/i/f",
    ]);
  });

  test("no account: the arguments alone (an empty one counts as none)", () => {
    expect(opArgv(undefined, ["whoami"])).toEqual(["whoami"]);
    expect(opArgv("", ["whoami"])).toEqual(["whoami"]);
  });
});

describe("opErrorMessage", () => {
  test("op's last [ERROR] line, without its timestamp", () => {
    const stderr =
      "[ERROR] 2026/01/02 03:04:05 first\nnoise\n[ERROR] 2026/01/02 03:04:06 could not read secret 'op://v/i/f': nope\r\ntrailer\n";
    expect(opErrorMessage(stderr)).toBe("could not read secret 'op://v/i/f': nope");
  });

  test("no [ERROR] line: the last non-blank line; nothing at all: empty", () => {
    expect(opErrorMessage("something odd\n\n  \n")).toBe("something odd");
    expect(opErrorMessage("")).toBe("");
  });
});

describe("readFailure", () => {
  test("exit 0 is no failure", () => {
    expect(readFailure("op read", { code: 0, stderr: "[ERROR] 2026/01/02 03:04:05 ignored" })).toBeUndefined();
  });

  test("a non-zero exit: op's message, with the code", () => {
    expect(readFailure("op whoami", { code: 1, stderr: `[ERROR] 2026/01/02 03:04:05 ${NOT_SIGNED_IN}\n` })).toEqual({
      ok: false,
      kind: "exit",
      what: "op whoami",
      code: 1,
      message: NOT_SIGNED_IN,
    });
  });

  test("a non-zero exit with nothing on stderr (or stderr shown to a person): the exit code", () => {
    expect(readFailure("op signin", { code: 3, stderr: "" })).toMatchObject({ kind: "exit", message: "op exited 3" });
  });

  test("no result (killed at its time limit): timed out, named", () => {
    expect(readFailure("op item list --vault Private", undefined)).toEqual({
      ok: false,
      kind: "timeout",
      what: "op item list --vault Private",
      message: "op item list --vault Private timed out",
    });
  });
});

describe("the timeout rule", () => {
  test("without a deadline: the client's limit", () => {
    expect(callTimeout(20_000, undefined, 1_000)).toBe(20_000);
  });

  test("a nearer deadline cuts it; a farther one does not", () => {
    expect(callTimeout(60_000, 5_000, 1_000)).toBe(4_000);
    expect(callTimeout(2_000, 5_000, 1_000)).toBe(2_000);
  });

  test("a deadline passed leaves no time (<= 0)", () => {
    expect(callTimeout(60_000, 1_000, 1_000)).toBe(0);
    expect(callTimeout(60_000, 1_000, 1_500)).toBeLessThan(0);
  });

  test("a call with no time left fails as timed out without starting op", async () => {
    // The path cannot be started: reaching the spawn would throw 69 instead.
    const op = opClient({ opPath: "/nonexistent/op", env: {}, timeoutMs: DEFAULT_TIMEOUT_MS });
    const past = Date.now() - 1;
    expect(await op.read("op://v/i/f", { deadline: past })).toMatchObject({ ok: false, kind: "timeout" });
    expect(await op.signedIn({ deadline: past })).toEqual({
      ok: false,
      kind: "timeout",
      what: "op whoami",
      message: "op whoami timed out",
    });
  });
});

describe("errors", () => {
  test("op that cannot start: 69, naming the path", async () => {
    expect(cannotStart("/x/op", new Error("ENOENT: no such file"))).toMatchObject({
      exitCode: EXIT.UNAVAILABLE,
      message: "could not run /x/op: ENOENT: no such file",
    });
    const op = opClient({ opPath: "/nonexistent/op", env: {} });
    const thrown = await op.version().catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(McpOpError);
    expect((thrown as McpOpError).exitCode).toBe(EXIT.UNAVAILABLE);
    expect((thrown as McpOpError).message).toStartWith("could not run /nonexistent/op: ");
  });

  test("a timeout: 75, its message", () => {
    expect(opError(timeout("op vault list"))).toMatchObject({
      exitCode: EXIT.TEMPFAIL,
      message: "op vault list timed out",
    });
  });

  test("not signed in, or no such account: 77, with how to sign in", () => {
    const e = opError(exitFailure("op vault list", "no account found for filter"), "run migrate again");
    expect(e).toMatchObject({
      exitCode: EXIT.NOPERM,
      message: "op vault list failed: no account found for filter",
      hint: "sign in first (turn on 1Password app integration, or run: eval $(op signin)), then run migrate again",
    });
    expect(needsSignin(exitFailure("op whoami", NOT_SIGNED_IN))).toBe(true);
    expect(needsSignin(exitFailure("op whoami", "account is not signed in"))).toBe(true);
    expect(needsSignin(timeout("op whoami"))).toBe(false);
  });

  test("any other failure: 69, op's message", () => {
    const e = opError(exitFailure("op item list --vault X", `"X" isn't a vault in this account.`));
    expect(e).toMatchObject({
      exitCode: EXIT.UNAVAILABLE,
      message: `op item list --vault X failed: "X" isn't a vault in this account.`,
    });
    expect(e.hint).toBeUndefined();
  });
});

describe("FakeOp", () => {
  test("signed out: whoami and reads fail as op's do; signin signs in and hands over its session", async () => {
    const op: Op = new FakeOp({ signedIn: false, session: { OP_SESSION_my: "tok" } });
    expect(await op.whoami()).toMatchObject({ ok: false, kind: "exit", message: NOT_SIGNED_IN });
    expect(await op.read("op://Private/x/credential")).toMatchObject({ ok: false, message: NOT_SIGNED_IN });
    expect(await op.signin()).toEqual({ ok: true, session: { OP_SESSION_my: "tok" } });
    expect(await op.whoami()).toEqual({ ok: true });
  });

  test("an item created reads back by title (any case) or ID; a wrong name says what op says", async () => {
    const op = new FakeOp();
    const made = await op.itemCreate({ vault: "private", title: "GitHub", credential: "s3cret", dir: "/unused" });
    expect(made).toEqual({ ok: true, id: "item1" });
    expect(await op.read("op://Private/github/credential")).toEqual({ ok: true, value: "s3cret" });
    expect(await op.read("op://Private/item1/credential")).toEqual({ ok: true, value: "s3cret" });
    expect(await op.itemList("Private")).toEqual({ ok: true, items: [{ id: "item1", title: "GitHub" }] });
    expect(await op.read("op://Private/Nope/token")).toMatchObject({
      ok: false,
      message: `could not read secret 'op://Private/Nope/token': could not get item Private/Nope: "Nope" isn't an item in the "Private" vault. Specify the item with its UUID, name, or domain.`,
    });
    expect(op.calls.map((c) => c.method)).toEqual(["itemCreate", "read", "read", "itemList", "read"]);
  });

  test("an injected failure answers every call of that method until cleared", async () => {
    const op = new FakeOp().fail("vaultList", timeout("op vault list"));
    expect(await op.vaultList()).toMatchObject({ ok: false, kind: "timeout", message: "op vault list timed out" });
    expect(await op.version()).toEqual({ ok: true, version: "2.30.0" });
    op.fail("vaultList", undefined);
    expect(await op.vaultList()).toEqual({ ok: true, vaults: [{ id: "v1private", name: "Private" }] });
  });
});
