/**
 * An in-memory `Op` (src/effects/op.ts) for unit tests of commands: vaults and their items,
 * accounts, signed in or not, and failures injected per operation. It answers as op does where
 * the commands look (the messages of op 2.x, without their `[ERROR] <time>` prefix), and records
 * each call, so that a test can assert what was asked and in what order. Its messages follow
 * the stand-in op's (test/fixtures/bin/op).
 */
import type { Op, OpAccount, OpCall, OpFailure, OpResult } from "../../src/effects/op.ts";

export interface FakeItem {
  id: string;
  title: string;
  /** Field label -> value; an API Credential item made by itemCreate has `credential`. */
  fields: Record<string, string>;
}

export interface FakeVault {
  id: string;
  name: string;
  items: FakeItem[];
}

export interface FakeOpState {
  signedIn?: boolean;
  accounts?: OpAccount[];
  vaults?: FakeVault[];
  version?: string;
  /** What `op signin` prints as variables (none under the app integration). */
  session?: Record<string, string>;
  /** Whether `op signin` succeeds (a person approves); false: it fails as a refusal. */
  approves?: boolean;
}

type Method = keyof Op;

export const NOT_SIGNED_IN = "You are not currently signed in. Please run `op signin --help` for instructions";

/** A failure as op's: exit 1 and this message. */
export function exitFailure(what: string, message: string, code = 1): OpFailure {
  return { ok: false, kind: "exit", what, code, message };
}

export function timeout(what: string): OpFailure {
  return { ok: false, kind: "timeout", what, message: `${what} timed out` };
}

const WHAT: Record<Method, string> = {
  whoami: "op whoami",
  signedIn: "op whoami",
  signin: "op signin",
  accountList: "op account list",
  vaultList: "op vault list",
  itemList: "op item list",
  itemCreate: "op item create",
  read: "op read",
  version: "op --version",
};

export class FakeOp implements Op {
  signedInNow: boolean;
  accounts: OpAccount[];
  vaults: FakeVault[];
  versionText: string;
  session: Record<string, string>;
  approves: boolean;
  /** Every call, in order: the method and its first argument, if any. */
  readonly calls: Array<{ method: Method; arg?: string; call?: OpCall }> = [];
  private readonly failures = new Map<Method, OpFailure>();
  private nextId = 1;

  constructor(state: FakeOpState = {}) {
    this.signedInNow = state.signedIn ?? true;
    this.accounts = state.accounts ?? [{ url: "my.1password.com", email: "me@example.com", shorthand: "my" }];
    this.vaults = state.vaults ?? [{ id: "v1private", name: "Private", items: [] }];
    this.versionText = state.version ?? "2.30.0";
    this.session = state.session ?? {};
    this.approves = state.approves ?? true;
  }

  /** Every later call of `method` fails so (until cleared with `undefined`). */
  fail(method: Method, failure: OpFailure | undefined): this {
    if (failure) this.failures.set(method, failure);
    else this.failures.delete(method);
    return this;
  }

  /** The injected failure, else op's answer when no one is signed in (for the calls that need it). */
  private check(method: Method, arg?: string, call?: OpCall): OpFailure | undefined {
    this.calls.push({ method, ...(arg !== undefined ? { arg } : {}), ...(call ? { call } : {}) });
    const injected = this.failures.get(method);
    if (injected) return injected;
    const needsAuth = method !== "version" && method !== "accountList" && method !== "signin";
    return needsAuth && !this.signedInNow ? exitFailure(WHAT[method], NOT_SIGNED_IN) : undefined;
  }

  private vault(name: string): FakeVault | undefined {
    const n = name.toLowerCase();
    return this.vaults.find((v) => v.name.toLowerCase() === n || v.id === name);
  }

  async whoami(call?: OpCall): Promise<OpResult> {
    return this.check("whoami", undefined, call) ?? { ok: true };
  }

  async signedIn(call?: Pick<OpCall, "deadline">): Promise<OpResult> {
    const failed = this.check("signedIn", undefined, call);
    // Status only: the real one reads no message either.
    return failed
      ? { ...failed, ...(failed.kind === "exit" ? { message: `op exited ${failed.code}` } : {}) }
      : { ok: true };
  }

  async signin(call?: OpCall): Promise<OpResult<{ session: Record<string, string> }>> {
    const failed = this.check("signin", undefined, call);
    if (failed) return failed;
    if (!this.approves) return exitFailure("op signin", "authorization prompt dismissed, please try again");
    this.signedInNow = true;
    return { ok: true, session: { ...this.session } };
  }

  async accountList(call?: OpCall): Promise<OpResult<{ accounts: OpAccount[] | undefined }>> {
    return this.check("accountList", undefined, call) ?? { ok: true, accounts: this.accounts.map((a) => ({ ...a })) };
  }

  async vaultList(call?: OpCall): Promise<OpResult<{ vaults: Array<{ id: string; name: string }> | undefined }>> {
    return (
      this.check("vaultList", undefined, call) ?? {
        ok: true,
        vaults: this.vaults.map(({ id, name }) => ({ id, name })),
      }
    );
  }

  async itemList(vault: string, call?: OpCall): Promise<OpResult<{ items: Array<{ id: string; title: string }> }>> {
    const failed = this.check("itemList", vault, call);
    if (failed) return { ...failed, what: `op item list --vault ${vault}` };
    const v = this.vault(vault);
    if (!v)
      return exitFailure(
        `op item list --vault ${vault}`,
        `"${vault}" isn't a vault in this account. Specify the vault with its ID or name.`,
      );
    return { ok: true, items: v.items.map(({ id, title }) => ({ id, title })) };
  }

  async itemCreate(
    item: { vault: string; title: string; credential: string; dir: string },
    call?: OpCall,
  ): Promise<OpResult<{ id?: string }>> {
    const failed = this.check("itemCreate", item.title, call);
    if (failed) return failed;
    const v = this.vault(item.vault);
    if (!v)
      return exitFailure(
        "op item create",
        `"${item.vault}" isn't a vault in this account. Specify the vault with its ID or name.`,
      );
    const id = `item${this.nextId++}`;
    v.items.push({ id, title: item.title, fields: { credential: item.credential } });
    return { ok: true, id };
  }

  async read(reference: string, call?: OpCall): Promise<OpResult<{ value: string }>> {
    const failed = this.check("read", reference, call);
    if (failed) return failed;
    const value = this.resolve(reference);
    return typeof value === "string"
      ? { ok: true, value }
      : exitFailure("op read", `could not read secret '${reference}': ${value.why}`);
  }

  async version(call?: OpCall): Promise<OpResult<{ version: string }>> {
    return this.check("version", undefined, call) ?? { ok: true, version: this.versionText };
  }

  /** `op://vault/item/[section/]field`: vault and item by name (any case) or ID, field by label. */
  private resolve(reference: string): string | { why: string } {
    const parts = reference.startsWith("op://") ? reference.slice(5).split("/") : [];
    if (parts.length < 3 || parts.length > 4) return { why: "invalid secret reference" };
    const [vaultName, itemName] = parts as [string, string];
    const field = parts.at(-1) as string;
    const v = this.vault(vaultName);
    if (!v)
      return {
        why: `could not get item ${vaultName}/${itemName}: "${vaultName}" isn't a vault in this account. Specify the vault with its ID or name.`,
      };
    const matches = v.items.filter((i) => i.id === itemName || i.title.toLowerCase() === itemName.toLowerCase());
    if (matches.length === 0) {
      return {
        why: `could not get item ${vaultName}/${itemName}: "${itemName}" isn't an item in the "${v.name}" vault. Specify the item with its UUID, name, or domain.`,
      };
    }
    if (matches.length > 1) {
      return {
        why: `could not get item ${vaultName}/${itemName}: More than one item matches "${itemName}". Try again and specify the item by its ID`,
      };
    }
    const value = (matches[0] as FakeItem).fields[field];
    return value ?? { why: `item '${vaultName}/${itemName}' does not have a field '${field}'` };
  }
}
