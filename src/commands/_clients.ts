/**
 * The flags of the commands that read or edit client configs (add, remove, list, migrate):
 * `--client` and `--scope`. Apart from `_shared.ts` because core/clients.ts is not on `run`'s
 * fast path (the import budget in src/cli.ts).
 */
import { CLIENT_IDS, type ClientId, type Scope } from "../core/clients.ts";
import { usageError } from "../errors.ts";

/** `--scope` with `user` when not given. */
export function parseScope(value: string | undefined): Scope {
  const scope = value ?? "user";
  if (!isScope(scope)) throw usageError(`--scope takes user, local or project, not "${scope}"`);
  return scope;
}

/** `--scope` with every scope (undefined) when not given. */
export function parseScopeFilter(value: string | undefined): Scope | undefined {
  return value === undefined ? undefined : parseScope(value);
}

const isScope = (s: string): s is Scope => s === "user" || s === "local" || s === "project";

/** `--client` values, each once, in the order given; an unknown one is a usage error. */
export function parseClients(values: readonly string[]): ClientId[] {
  const out: ClientId[] = [];
  for (const v of values) {
    if (!isClient(v)) throw usageError(`unknown client "${v}" (one of: ${CLIENT_IDS.join(", ")})`);
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

const isClient = (v: string): v is ClientId => (CLIENT_IDS as readonly string[]).includes(v);
