/**
 * What `mcp-op migrate` asks 1Password, through an `Op` (effects/op.ts; a fake in unit tests):
 * that the target vault exists, the items in it, and which items earlier runs made (their
 * manifests, effects/migration.ts) still hold a value this run moves.
 */
import type { ReusableItem } from "../core/migrate.ts";
import { parseReference } from "../core/reference.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { itemDigest, recordedItems } from "./migration.ts";
import { type Op, opError } from "./op.ts";

/** The items in the vault: ID and title (references match titles case-insensitively). */
export async function listItems(op: Op, vault: string): Promise<Array<{ id: string; title: string }>> {
  const r = await op.itemList(vault);
  if (!r.ok) throw opError(r, "run migrate again");
  return r.items;
}

/**
 * Items earlier migrations made (their manifests) that hold a value this run moves, so that
 * applying again after --undo does not make `... 2` copies. A keyed digest picks the candidates;
 * 1Password confirms each: the item is still in the vault (`op item list`) and holds the value
 * (`op read` by reference into memory, compared and dropped: the value never goes to argv). The
 * reference uses the item's title now, or its ID when that title is not unique in the vault or
 * cannot stand in a reference.
 */
export async function reusableItems(o: {
  op: Op;
  vault: string;
  key: Uint8Array;
  root: string;
  listed: ReadonlyArray<{ id: string; title: string }>;
  values: readonly string[];
}): Promise<Map<string, ReusableItem>> {
  const reuse = new Map<string, ReusableItem>();
  const recorded = recordedItems(o.root).filter((r) => r.id && r.vault.toLowerCase() === o.vault.toLowerCase());
  if (recorded.length === 0) return reuse;
  const byId = new Map(o.listed.filter((i) => i.id).map((i) => [i.id, i]));
  const titles = new Map<string, number>();
  for (const i of o.listed) titles.set(i.title.toLowerCase(), (titles.get(i.title.toLowerCase()) ?? 0) + 1);
  for (const value of new Set(o.values)) {
    const digest = itemDigest(o.key, value);
    for (const r of recorded) {
      const now = r.digest === digest && r.id ? byId.get(r.id) : undefined;
      if (!now || !(await holds(o.op, `op://${o.vault}/${now.id}/credential`, value))) continue;
      const byTitle = `op://${o.vault}/${now.title}/credential`;
      const unique = titles.get(now.title.toLowerCase()) === 1 && parseReference(byTitle).ok;
      reuse.set(value, {
        id: now.id,
        title: now.title,
        reference: unique ? byTitle : `op://${o.vault}/${now.id}/credential`,
      });
      break;
    }
  }
  return reuse;
}

/** Whether the reference reads as `value` (read into memory, compared, dropped). */
async function holds(op: Op, reference: string, value: string): Promise<boolean> {
  const r = await op.read(reference);
  return r.ok && r.value === value;
}

/** The target vault must exist before anything is backed up or created. */
export async function checkVault(op: Op, vault: string): Promise<void> {
  const r = await op.vaultList();
  if (!r.ok) throw opError(r, "run migrate again");
  // An op that prints no JSON: let item create report the problem.
  if (r.vaults === undefined) return;
  const names = r.vaults.flatMap((v) => [v.name, v.id]);
  if (!names.some((n) => n.toLowerCase() === vault.toLowerCase())) {
    const known = names.filter((_, i) => i % 2 === 0).join(", ");
    throw new McpOpError(
      EXIT.DATAERR,
      `vault "${vault}" not found in 1Password`,
      `pass --vault (one of: ${known || "none"})`,
    );
  }
}
