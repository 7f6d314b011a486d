import type { Context } from "hono";
import { emitAudit, type AuditActor, type AuditEvent } from "../../../shared/audit/emit";
import type { AppEnv, Principal } from "../env";

export function actorOf(principal: Principal | null): AuditActor {
  if (!principal) return { type: "anonymous", id: null, name: null };
  if (principal.type === "user") return { type: "user", id: principal.user.id, name: principal.user.email };
  return { type: "api_key", id: principal.apiKey.id, name: principal.apiKey.name };
}

/**
 * Audits an action of the current request: actor, ip and user agent come from the context; the
 * tenant from the route's tenant unless given. Awaited, so an acknowledged change has its record.
 */
export function audit(c: Context<AppEnv>, event: Omit<AuditEvent, "actor" | "ip" | "userAgent" | "tenantId"> & { tenantId?: string | null; actor?: AuditActor }): Promise<void> {
  const tenantId = event.tenantId !== undefined ? event.tenantId : (c.get("tenantAccess")?.tenant.id ?? null);
  return emitAudit(c.env, {
    ...event,
    tenantId,
    actor: event.actor ?? actorOf(c.get("principal")),
    ip: c.get("ip"),
    userAgent: c.get("userAgent"),
  });
}
