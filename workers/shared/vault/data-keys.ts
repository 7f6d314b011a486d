/**
 * Tenants' data keys: created on first use (a conditional insert, so racing first uses converge on
 * one key), unwrapped with the KEK named by the row, cached per isolate by (row, KEK).
 */
import { eq } from "drizzle-orm";
import { newId } from "../crypto/ids";
import { createDb } from "../db/client";
import { vaultKeys } from "../db/schema";
import { DEK_BYTES, dekAad, importDek, open, seal } from "./envelope";
import { loadKeks } from "./keks";

export interface DataKey {
  vaultKeyId: string;
  key: CryptoKey;
}

type VaultEnv = Pick<Env, "DB"> & { VAULT_KEKS?: string };

const cache = new Map<string, Promise<CryptoKey>>();

/** The tenant's data key, created if `create` and it has none yet; null if it has none and `create` is false. */
export async function tenantDataKey(env: VaultEnv, tenantId: string, options: { create: boolean }): Promise<DataKey | null> {
  const db = createDb(env.DB);
  let row = await db.select().from(vaultKeys).where(eq(vaultKeys.tenantId, tenantId)).get();
  if (!row) {
    if (!options.create) return null;
    const [current] = await loadKeks(env.VAULT_KEKS);
    const raw = crypto.getRandomValues(new Uint8Array(DEK_BYTES));
    const id = newId("vaultKey");
    await db
      .insert(vaultKeys)
      .values({ id, tenantId, kekId: current!.id, wrappedKey: await seal(current!.key, raw, dekAad(tenantId, current!.id)) })
      .onConflictDoNothing()
      .run();
    row = await db.select().from(vaultKeys).where(eq(vaultKeys.tenantId, tenantId)).get();
    if (!row) throw new Error("vault key insert lost");
  }
  return { vaultKeyId: row.id, key: await unwrap(env, row) };
}

export function unwrap(env: VaultEnv, row: { id: string; tenantId: string; kekId: string; wrappedKey: string }): Promise<CryptoKey> {
  // Keyed by the KEK list too: an isolate only ever sees one, but a test (or a misconfiguration) must not reuse a key unwrapped under another.
  const cacheKey = `${row.id}|${row.kekId}|${row.wrappedKey}|${env.VAULT_KEKS ?? ""}`;
  let key = cache.get(cacheKey);
  if (!key) {
    key = (async () => {
      const keks = await loadKeks(env.VAULT_KEKS);
      const kek = keks.find((k) => k.id === row.kekId);
      if (!kek)
        throw new Error(
          `vault key ${row.id} is wrapped by ${row.kekId}, which is not in VAULT_KEKS (was it removed before the rewrap job finished?)`,
        );
      return importDek(await open(kek.key, row.wrappedKey, dekAad(row.tenantId, row.kekId)));
    })();
    cache.set(cacheKey, key);
    key.catch(() => cache.delete(cacheKey));
  }
  return key;
}
