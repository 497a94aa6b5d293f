/**
 * The 1Password accounts op knows, asked of op itself: `mcp-op add` checks its --account and
 * asks for one when there are several; `mcp-op doctor` lists them.
 */
import { definedOnly } from "../runtime.ts";
import { locateOp } from "./executables.ts";
import { type Op, opClient } from "./op.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** How these ask op: a command passes its Context's (unit tests a fake); 20 s a call by default. */
export type OpFor = (opPath: string, env: Env, account?: string) => Op;

/** 20 s a call, so that a hung op cannot stall a report for long. */
const defaultOp: OpFor = (opPath, env, account) =>
  opClient({ opPath, account, env: definedOnly(env), timeoutMs: 20_000 });

/** The accounts op knows (shorthand or sign-in address); undefined when op cannot say. */
export async function accountList(opPath: string, env: Env, op: OpFor = defaultOp): Promise<string[] | undefined> {
  const r = await op(opPath, env).accountList();
  return r.ok ? r.accounts?.map((a) => a.shorthand ?? a.url ?? a.email ?? "?") : undefined;
}

/** The accounts op knows, or none when op is missing or says nothing. */
export async function opAccounts(env: Env, opFlag?: string, op: OpFor = defaultOp): Promise<string[]> {
  try {
    return (await accountList(locateOp(opFlag, env), env, op)) ?? [];
  } catch {
    return [];
  }
}

/**
 * False when op knows no account by that name, as op itself matches it (sign-in address, email,
 * shorthand or ID): `op whoami --account X` says so without prompting, signed in or not.
 * Undefined when that cannot be told (no op).
 */
export async function accountKnown(account: string, env: Env, op: OpFor = defaultOp): Promise<boolean | undefined> {
  let opPath: string;
  try {
    opPath = locateOp(undefined, env);
  } catch {
    return undefined;
  }
  const r = await op(opPath, env, account).whoami();
  if (!r.ok && r.kind === "timeout") return undefined;
  return !(!r.ok && r.message.startsWith("no account found for filter"));
}
