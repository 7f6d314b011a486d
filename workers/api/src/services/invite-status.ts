/**
 * When an invite is pending, in SQL: the twin of `inviteStatus(…) === "pending"` (serializers.ts).
 * Used by the invites routes and by the members plan limit (pending invites hold a seat).
 */
import { sql, type SQL } from "drizzle-orm";

/** The invite row named `alias` is still usable at `now`. */
export function pendingInviteAt(alias: string, now: number): SQL {
  const t = sql.identifier(alias);
  return sql`${t}.accepted_at IS NULL AND ${t}.revoked_at IS NULL AND ${t}.expires_at > ${now}`;
}
