/**
 * The 1Password accounts op knows, asked of op itself: `mcp-op add` checks its --account and
 * asks for one when there are several; `mcp-op doctor` lists them.
 */
import { opErrorMessage } from "../core/signin.ts";
import { definedOnly } from "../runtime.ts";
import { locateOp } from "./executables.ts";
import { spawnCapture } from "./native.ts";

type Env = Readonly<Record<string, string | undefined>>;

async function op(opPath: string, args: string[], env: Env) {
  return spawnCapture(opPath, args, { env: definedOnly(env), stdin: "ignore", stderr: "pipe", timeoutMs: 20_000 });
}

/** The accounts op knows (shorthand or sign-in address); undefined when op cannot say. */
export async function accountList(opPath: string, env: Env): Promise<string[] | undefined> {
  const r = await op(opPath, ["account", "list", "--format", "json"], env);
  if (r?.code !== 0) return undefined;
  try {
    const list = JSON.parse(r.stdout) as Array<{ url?: string; email?: string; shorthand?: string }>;
    return Array.isArray(list) ? list.map((a) => a.shorthand ?? a.url ?? a.email ?? "?") : undefined;
  } catch {
    return undefined;
  }
}

/** The accounts op knows, or none when op is missing or says nothing. */
export async function opAccounts(env: Env, opFlag?: string): Promise<string[]> {
  try {
    return (await accountList(locateOp(opFlag, env), env)) ?? [];
  } catch {
    return [];
  }
}

/**
 * False when op knows no account by that name, as op itself matches it (sign-in address, email,
 * shorthand or ID): `op whoami --account X` says so without prompting, signed in or not.
 * Undefined when that cannot be told (no op).
 */
export async function accountKnown(account: string, env: Env): Promise<boolean | undefined> {
  let opPath: string;
  try {
    opPath = locateOp(undefined, env);
  } catch {
    return undefined;
  }
  const r = await op(opPath, ["--account", account, "whoami"], env);
  if (!r) return undefined;
  return !(r.code !== 0 && opErrorMessage(r.stderr).startsWith("no account found for filter"));
}
