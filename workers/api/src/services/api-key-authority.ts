/**
 * What an API key may do, decided at use time: at most its scopes, and at most what whoever made it
 * may do *now*. A key is made by a person (`created_by` = user id) or by another key
 * (`apikey:<id>`), so its authority is the intersection of its own scopes with its maker's
 * authority, down the chain to a person, whose authority is the role they hold in the key's tenant
 * today. Consequences:
 * - an admin demoted to viewer: their keys keep only the viewer permissions among their scopes;
 * - a person removed from the tenant (or whose account is deleted): their keys stop working (401),
 *   and so do keys those keys made;
 * - a key whose maker-key is revoked or expired stops working too.
 *
 * The chain is loaded in one query (a recursive CTE, at most MAX_CHAIN keys); the decision is the
 * pure `authorityOf` below, so every rule is tested without a database.
 */
import type { Database } from "../../../shared/db/client";
import { ROLE_PERMISSIONS, type Permission } from "../../../shared/auth/permissions";
import type { Role } from "../../../shared/auth/roles";
import type { ApiKeyRow } from "../../../shared/db/schema";
import { sql } from "drizzle-orm";

/** `created_by` of a key made by another key. */
export const KEY_CREATOR_PREFIX = "apikey:";
/** Keys made by keys made by keys…: deeper chains are refused (no legitimate use needs more). */
export const MAX_CHAIN = 8;

/** One link of the chain: a key, and the role its `created_by` has in the tenant (when that is a person). */
export interface ChainLink {
  id: string;
  createdBy: string;
  scopes: Permission[];
  revokedAt: number | null;
  expiresAt: number | null;
  creatorRole: Role | null;
}

export type Authority =
  | { ok: true; permissions: ReadonlySet<Permission>; creatorRole: Role }
  | { ok: false; reason: "creator_not_member" | "creator_key_inactive" | "chain_too_long" };

/** The key's authority from its chain (links[0] is the key itself, each next link the key that made the previous one). */
export function authorityOf(links: readonly ChainLink[], now: number): Authority {
  // Scopes of every key in the chain, intersected as we walk towards the person who started it.
  let permissions: Permission[] | undefined;
  for (const [i, link] of links.entries()) {
    // The key itself was checked by the authenticator; a maker-key must still be live.
    if (i > 0 && (link.revokedAt !== null || (link.expiresAt !== null && link.expiresAt <= now)))
      return { ok: false, reason: "creator_key_inactive" };
    const held = permissions;
    permissions = held === undefined ? [...link.scopes] : link.scopes.filter((p) => held.includes(p));
    if (link.createdBy.startsWith(KEY_CREATOR_PREFIX)) {
      const makerId = link.createdBy.slice(KEY_CREATOR_PREFIX.length);
      if (links[i + 1]?.id === makerId) continue;
      return { ok: false, reason: i + 1 >= MAX_CHAIN ? "chain_too_long" : "creator_key_inactive" };
    }
    const role = link.creatorRole;
    if (role === null) return { ok: false, reason: "creator_not_member" };
    return { ok: true, permissions: new Set(permissions.filter((p) => ROLE_PERMISSIONS[role].has(p))), creatorRole: role };
  }
  return { ok: false, reason: "creator_key_inactive" };
}

/** Loads the key's chain (the key, the key that made it, …) with each person-maker's current role in the key's tenant. */
export async function loadChain(db: Database, key: Pick<ApiKeyRow, "id" | "tenantId">): Promise<ChainLink[]> {
  const rows = await db.all<{
    id: string;
    created_by: string;
    scopes: string;
    revoked_at: number | null;
    expires_at: number | null;
    role: Role | null;
  }>(sql`
    WITH RECURSIVE chain(id, created_by, scopes, revoked_at, expires_at, depth) AS (
      SELECT id, created_by, scopes, revoked_at, expires_at, 0 FROM api_keys WHERE id = ${key.id}
      UNION ALL
      SELECT k.id, k.created_by, k.scopes, k.revoked_at, k.expires_at, chain.depth + 1
        FROM api_keys AS k JOIN chain ON chain.created_by = ${KEY_CREATOR_PREFIX} || k.id
       WHERE chain.depth + 1 < ${MAX_CHAIN} AND k.tenant_id = ${key.tenantId}
    )
    SELECT chain.id, chain.created_by, chain.scopes, chain.revoked_at, chain.expires_at, m.role
      FROM chain LEFT JOIN memberships AS m ON m.tenant_id = ${key.tenantId} AND m.user_id = chain.created_by
     ORDER BY chain.depth`);
  return rows.map((r) => ({
    id: r.id,
    createdBy: r.created_by,
    scopes: JSON.parse(r.scopes) as Permission[],
    revokedAt: r.revoked_at,
    expiresAt: r.expires_at,
    creatorRole: r.role,
  }));
}

export async function apiKeyAuthority(db: Database, key: Pick<ApiKeyRow, "id" | "tenantId">, now = Date.now()): Promise<Authority> {
  return authorityOf(await loadChain(db, key), now);
}
