/**
 * KEK rotation without downtime: after the operator puts a new KEK first in VAULT_KEKS (keeping
 * the old one after it), this job re-wraps every tenant data key still under an older KEK with the
 * new one. Secrets are untouched (they are sealed by the data key, which does not change). Each
 * row moves by compare-and-set on its old `kek_id` + `wrapped_key`, so concurrent runs (cron
 * at-least-once, the operator route) never overwrite each other, and a re-run is a no-op. Runs from
 * the daily cron and `POST /v1/admin/vault/rewrap`; when it reports `remaining: 0`, the old KEK
 * can be removed.
 */
import { and, eq, ne, sql } from "drizzle-orm";
import { createDb } from "../db/client";
import { vaultKeys } from "../db/schema";
import { dekAad, open, seal } from "./envelope";
import { loadKeks } from "./keks";

export interface RewrapResult {
  currentKekId: string;
  rewrapped: number;
  /** Rows still under another KEK after this run (more than `limit`, or their KEK is missing). */
  remaining: number;
  /** KEK ids that rows name but VAULT_KEKS lacks: those data keys cannot be opened. */
  missingKekIds: string[];
}

export async function rewrapVaultKeys(
  env: Pick<Env, "DB"> & { VAULT_KEKS?: string },
  options: { limit?: number; now?: number } = {},
): Promise<RewrapResult> {
  const keks = await loadKeks(env.VAULT_KEKS);
  const current = keks[0]!;
  const db = createDb(env.DB);
  const stale = await db
    .select()
    .from(vaultKeys)
    .where(ne(vaultKeys.kekId, current.id))
    .limit(options.limit ?? 500)
    .all();
  let rewrapped = 0;
  const missing = new Set<string>();
  for (const row of stale) {
    const old = keks.find((k) => k.id === row.kekId);
    if (!old) {
      missing.add(row.kekId);
      continue;
    }
    const raw = await open(old.key, row.wrappedKey, dekAad(row.tenantId, row.kekId));
    const wrappedKey = await seal(current.key, raw, dekAad(row.tenantId, current.id));
    const result = await db
      .update(vaultKeys)
      .set({ kekId: current.id, wrappedKey, rewrappedAt: options.now ?? Date.now() })
      .where(and(eq(vaultKeys.id, row.id), eq(vaultKeys.kekId, row.kekId), eq(vaultKeys.wrappedKey, row.wrappedKey)))
      .run();
    if (result.meta.changes > 0) rewrapped++;
  }
  const left = await db.select({ n: sql<number>`count(*)` }).from(vaultKeys).where(ne(vaultKeys.kekId, current.id)).get();
  return { currentKekId: current.id, rewrapped, remaining: left?.n ?? 0, missingKekIds: [...missing].sort() };
}
