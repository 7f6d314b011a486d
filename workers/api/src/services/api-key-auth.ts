/**
 * API keys look like `sbk_<prefix>_<secret>`. The prefix finds the row through a unique index; the
 * whole key is compared by SHA-256 hash in constant time.
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { secretMatches } from "../../../shared/crypto/secrets";
import { apiKeys, type ApiKeyRow } from "../../../shared/db/schema";
import type { AppEnv } from "../env";

export const API_KEY_PREFIX = "sbk_";
/** lastUsedAt is written at most this often per key. */
const LAST_USED_INTERVAL_MS = 60 * 1000;

export function parseApiKey(key: string): { prefix: string } | null {
  const match = /^sbk_([A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$/.exec(key);
  return match ? { prefix: match[1]! } : null;
}

/** The live key row for a presented key, or null when unknown, wrong, revoked or expired. */
export async function apiKeyFromBearer(c: Context<AppEnv>, presented: string): Promise<ApiKeyRow | null> {
  const parsed = parseApiKey(presented);
  if (!parsed) return null;
  const db = c.get("db");
  const row = await db.select().from(apiKeys).where(eq(apiKeys.prefix, parsed.prefix)).get();
  if (!row || !(await secretMatches(presented, row.secretHash))) return null;
  const now = Date.now();
  if (row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  if (row.lastUsedAt === null || now - row.lastUsedAt > LAST_USED_INTERVAL_MS) {
    c.executionCtx.waitUntil(
      db
        .update(apiKeys)
        .set({ lastUsedAt: now })
        .where(eq(apiKeys.id, row.id))
        .run()
        .then(() => undefined),
    );
  }
  return row;
}
