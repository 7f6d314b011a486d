import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { emitAudit, type AuditActor, type AuditEvent } from "../../../shared/audit/emit";
import { memberships, tenants } from "../../../shared/db/schema";
import type { AppEnv, Principal } from "../env";

export function actorOf(principal: Principal | null): AuditActor {
  if (!principal) return { type: "anonymous", id: null, name: null };
  if (principal.type === "user") return { type: "user", id: principal.user.id, name: principal.user.email };
  return { type: "api_key", id: principal.apiKey.id, name: principal.apiKey.name };
}

/**
 * Audits an action of the current request: actor, ip and user agent come from the context; the
 * tenant from the route's tenant unless given; `details.requestId` is the request's id, so an
 * audit entry leads to the request's logs and to the error a caller quoted. Awaited, so an
 * acknowledged change has its record.
 */
export function audit(
  c: Context<AppEnv>,
  event: Omit<AuditEvent, "actor" | "ip" | "userAgent" | "tenantId"> & { tenantId?: string | null; actor?: AuditActor },
): Promise<void> {
  const tenantId = event.tenantId !== undefined ? event.tenantId : (c.get("tenantAccess")?.tenant.id ?? null);
  return emitAudit(c.env, {
    ...event,
    details: { ...event.details, requestId: c.get("requestId") },
    tenantId,
    actor: event.actor ?? actorOf(c.get("principal")),
    ip: c.get("ip"),
    userAgent: c.get("userAgent"),
  });
}

/**
 * Audits something that happened to a person's account rather than inside one tenant (a failed
 * sign-in, a wrong MFA code): on the platform chain, and also on the chain of every tenant the
 * person belongs to, so each tenant's admins see it in their log and their alert rules can fire
 * on it (e.g. "repeated failed logins"). The per-account throttles bound how often this runs.
 */
export async function auditAccountEvent(
  c: Context<AppEnv>,
  userId: string,
  event: Omit<AuditEvent, "ip" | "userAgent" | "tenantId">,
): Promise<void> {
  const rows = await c
    .get("db")
    .select({ tenantId: memberships.tenantId })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(and(eq(memberships.userId, userId), isNull(tenants.deletedAt)))
    .all();
  await Promise.all([null, ...rows.map((r) => r.tenantId)].map((tenantId) => audit(c, { ...event, tenantId })));
}
