/**
 * The 1Password accounts op knows, asked of op itself: `mcp-op add` checks its --account and
 * asks for one when there are several; `mcp-op doctor` lists them.
 */
import { definedOnly } from "../runtime.ts";
import { locateOp } from "./executables.ts";
import type { Op, OpFactory } from "./op.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** 20 s a call, so that a hung op cannot stall a report for long. */
function op(make: OpFactory, opPath: string, env: Env, account?: string): Op {
  return make({ opPath, account, env: definedOnly(env), timeoutMs: 20_000 });
}

/** The accounts op knows (shorthand or sign-in address); undefined when op cannot say. */
export async function accountList(opPath: string, env: Env, make: OpFactory): Promise<string[] | undefined> {
  const r = await op(make, opPath, env).accountList();
  return r.ok ? r.accounts?.map((a) => a.shorthand ?? a.url ?? a.email ?? "?") : undefined;
}

/** The accounts op knows, or none when op is missing or says nothing. */
export async function opAccounts(env: Env, opFlag: string | undefined, make: OpFactory): Promise<string[]> {
  try {
    return (await accountList(locateOp(opFlag, env), env, make)) ?? [];
  } catch {
    return [];
  }
}

/**
 * False when op knows no account by that name, as op itself matches it (sign-in address, email,
 * shorthand or ID): `op whoami --account X` says so without prompting, signed in or not.
 * Undefined when that cannot be told (no op).
 */
export async function accountKnown(account: string, env: Env, make: OpFactory): Promise<boolean | undefined> {
  let opPath: string;
  try {
    opPath = locateOp(undefined, env);
  } catch {
    return undefined;
  }
  const r = await op(make, opPath, env, account).whoami();
  if (!r.ok && r.kind === "timeout") return undefined;
  return !(!r.ok && r.message.startsWith("no account found for filter"));
}
