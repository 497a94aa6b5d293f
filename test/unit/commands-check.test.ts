/**
 * `mcp-op check` in-process: one stdout line per file, errors logged, the exit code first in the
 * table among the files that failed; with --resolve, each reference read through the FakeOp
 * after one sign-in, values never printed.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse, run } from "../../src/commands/check.ts";
import { EXIT } from "../../src/errors.ts";
import { loggedErrors } from "../../src/logger.ts";
import { executable, thrownBy, unitContext, writeFile } from "./context.ts";
import { FakeOp } from "./fake-op.ts";

const SECRET = "ghp_value_never_printed";

function vaultFake(state: ConstructorParameters<typeof FakeOp>[0] = {}) {
  return new FakeOp({
    vaults: [{ id: "v1", name: "Private", items: [{ id: "i1", title: "GitHub", fields: { token: SECRET } }] }],
    ...state,
  });
}

function setup(fake = vaultFake()) {
  const unit = unitContext({ fake });
  const op = executable(join(unit.home, "bin"), "op");
  const file = (name: string, text: string, mode = 0o600) => writeFile(join(unit.home, name), text, mode);
  return { ...unit, op, file };
}

/** Error lines logged while `fn` ran. */
async function errorsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const before = loggedErrors().length;
  await fn();
  return loggedErrors().slice(before);
}

describe("check", () => {
  test("good files: one ok line each, counts of variables and references; no op call", async () => {
    const s = setup();
    const a = s.file("a.env", "GITHUB_TOKEN=op://Private/GitHub/token\nDEBUG=1\n");
    const b = s.file("b.env", "# nothing\n");
    await run(parse([a, b], null), s.ctx);
    expect(s.out).toEqual([
      `${a}: ok (2 variables, 1 secret reference)\n`,
      `${b}: ok (0 variables, 0 secret references)\n`,
    ]);
    expect(s.fake.calls).toEqual([]);
  });

  test("a bad file among good ones: the good ones still print, the error is logged, 65", async () => {
    const s = setup();
    const good = s.file("good.env", "A=op://Private/GitHub/token\n");
    const bad = s.file("bad.env", "B=op://Private\n");
    let error: { exitCode?: number } | undefined;
    const errors = await errorsOf(async () => {
      error = await thrownBy(run(parse([bad, good], null), s.ctx));
    });
    expect(error?.exitCode).toBe(EXIT.DATAERR);
    expect(errors).toEqual([`${bad}:1: "op://Private" is not a secret reference: it needs vault, item and field`]);
    expect(s.out).toEqual([`${good}: ok (1 variable, 1 secret reference)\n`]);
  });

  test("a file others can write to: 77, and with a missing file the code first in the table", async () => {
    const s = setup();
    const open = s.file("open.env", "A=op://Private/GitHub/token\n", 0o664);
    const missing = join(s.home, "missing.env");
    let codes: Array<number | undefined> = [];
    const errors = await errorsOf(async () => {
      codes = [
        (await thrownBy(run(parse([open], null), s.ctx))).exitCode,
        (await thrownBy(run(parse([missing], null), s.ctx))).exitCode,
        (await thrownBy(run(parse([open, missing], null), s.ctx))).exitCode,
        (await thrownBy(run(parse([missing, open], null), s.ctx))).exitCode,
      ];
    });
    expect(codes).toEqual([EXIT.NOPERM, EXIT.NOINPUT, EXIT.NOINPUT, EXIT.NOINPUT]);
    expect(errors.slice(0, 2)).toEqual([
      `${open}: refusing an env file writable by group or others (mode 0664): anyone who can edit it controls the server; fix: chmod go-w ${open}`,
      `${missing}: no such file`,
    ]);
    expect(s.out).toEqual([]);
  });
});

describe("check --resolve", () => {
  test("signed in: each reference read through op, listed as resolving; the value never printed", async () => {
    const s = setup();
    const a = s.file("a.env", "GITHUB_TOKEN=op://Private/GitHub/token\nDEBUG=1\n");
    await run(parse([a, "--resolve", "--op", s.op], null), s.ctx);
    expect(s.out).toEqual([
      `${a}: ok (2 variables, 1 secret reference)\n`,
      "  GITHUB_TOKEN: op://Private/GitHub/token resolves\n",
    ]);
    expect(s.out.join("")).not.toContain(SECRET);
    expect(s.fake.calls.map((c) => [c.method, c.arg])).toEqual([
      ["signedIn", undefined],
      ["read", "op://Private/GitHub/token"],
    ]);
  });

  test("one that does not resolve: failed line, op's reason logged, 65", async () => {
    const s = setup();
    const a = s.file("a.env", "GOOD=op://Private/GitHub/token\nBAD=op://Private/Nope/token\n");
    let error: { exitCode?: number } | undefined;
    const errors = await errorsOf(async () => {
      error = await thrownBy(run(parse([a, "--resolve", "--op", s.op], null), s.ctx));
    });
    expect(error?.exitCode).toBe(EXIT.DATAERR);
    expect(s.out).toEqual([
      `${a}: failed (2 variables, 2 secret references; 1 does not resolve)\n`,
      "  GOOD: op://Private/GitHub/token resolves\n",
    ]);
    expect(errors).toEqual([
      `${a}:2: BAD: op://Private/Nope/token does not resolve: could not read secret 'op://Private/Nope/token': could not get item Private/Nope: "Nope" isn't an item in the "Private" vault. Specify the item with its UUID, name, or domain.`,
    ]);
  });

  test("signed out: one sign-in for all files, the reads get its session", async () => {
    const s = setup(vaultFake({ signedIn: false, session: { OP_SESSION_my: "fresh" } }));
    const a = s.file("a.env", "A=op://Private/GitHub/token\n");
    const b = s.file("b.env", "B=op://Private/GitHub/token\n");
    await run(parse([a, b, "--resolve", "--op", s.op, "--account", "my"], null), s.ctx);
    expect(s.fake.calls.map((c) => c.method)).toEqual(["signedIn", "whoami", "signin", "vaultList", "read", "read"]);
    const readers = s.clients.slice(2);
    expect(readers.map((c) => [c.account, c.env.OP_SESSION_my])).toEqual([
      ["my", "fresh"],
      ["my", "fresh"],
    ]);
  });

  test("a file without references raises no sign-in", async () => {
    const s = setup(vaultFake({ signedIn: false }));
    const a = s.file("a.env", "DEBUG=1\n");
    await run(parse([a, "--resolve", "--op", s.op], null), s.ctx);
    expect(s.fake.calls).toEqual([]);
    expect(s.out).toEqual([`${a}: ok (1 variable, 0 secret references)\n`]);
  });

  test("sign-in refused: 77 with the message, no line printed for the file", async () => {
    const s = setup(vaultFake({ signedIn: false }));
    s.fake.fail("vaultList", { ok: false, kind: "exit", what: "op vault list", code: 1, message: "prompt dismissed" });
    const a = s.file("a.env", "A=op://Private/GitHub/token\n");
    const error = await thrownBy(run(parse([a, "--resolve", "--op", s.op], null), s.ctx));
    expect([error.exitCode, error.message]).toEqual([EXIT.NOPERM, "sign-in refused: prompt dismissed"]);
    expect(s.out).toEqual([]);
  });
});

describe("check --environment", () => {
  const ID = "5hfpicsmni2xf56r2dv5gumz5e";

  test("alone or with files: the ID's form, one line; no op call without --resolve", async () => {
    const s = setup();
    const a = s.file("a.env", "GITHUB_TOKEN=op://Private/GitHub/token\n");
    await run(parse(["--environment", ID], null), s.ctx);
    await run(parse([a, "--environment", ID], null), s.ctx);
    const line = `--environment ${ID}: ok (the ID's form; its variables are read by op run only, when a server starts)\n`;
    expect(s.out).toEqual([line, line, `${a}: ok (1 variable, 1 secret reference)\n`]);
    expect(s.fake.calls).toEqual([]);
  });

  test("a bad ID: run's usage error (64); no file and no --environment: no env file given", async () => {
    const bad = thrownBy(Promise.resolve().then(() => parse(["--environment", "prod"], null)));
    expect(await bad).toMatchObject({
      exitCode: 64,
      message: '--environment "prod": an Environment ID is 26 letters and digits, not 4 characters',
    });
    expect(await thrownBy(Promise.resolve().then(() => parse([], null)))).toMatchObject({
      exitCode: 64,
      message: "no env file given",
    });
  });

  test("--resolve: op's version; older than 2.41.0 fails with run's 69, and no sign-in is needed for it", async () => {
    const recent = setup(vaultFake({ version: "2.41.0", signedIn: false }));
    await run(parse(["--environment", ID, "--resolve", "--op", recent.op], null), recent.ctx);
    expect(recent.out).toEqual([
      `--environment ${ID}: ok (op 2.41.0 reads Environments; its variables are read by op run only, when a server starts)\n`,
    ]);
    expect(recent.fake.calls.map((c) => c.method)).toEqual(["version"]);

    const old = setup(vaultFake({ version: "2.40.0" }));
    let error: { exitCode?: number } | undefined;
    const errors = await errorsOf(async () => {
      error = await thrownBy(run(parse(["--environment", ID, "--resolve", "--op", old.op], null), old.ctx));
    });
    expect(error?.exitCode).toBe(EXIT.UNAVAILABLE);
    expect(errors).toEqual([`1Password Environments (--environment) need op 2.41.0 or later; ${old.op} is 2.40.0`]);
    expect(old.out).toEqual([`--environment ${ID}: failed (op 2.40.0 cannot read Environments)\n`]);
  });
});
