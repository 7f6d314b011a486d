/**
 * The API's side of the alerts that live in a tenant's AuditLedger object: telling it that rules
 * changed or an alert's status changed, and forwarding live-inbox upgrades. Pokes follow a D1
 * change that already stands: if the object cannot be reached the failure is logged, and the
 * object re-reads its rules from D1 within a minute anyway (RULES_MAX_AGE_MS).
 */
import { ALERTS_ORIGIN, ALERTS_PATHS, IDENTITY_HEADER, type LiveIdentity } from "../../../../shared/alerts/ledger-endpoints";
import type { Alert } from "../../../../shared/schemas/alerts";
import { log } from "../../../../shared/observability/log";

export function ledgerOf(env: Env, tenantId: string) {
  return env.AUDIT_LEDGER.get(env.AUDIT_LEDGER.idFromName(tenantId));
}

async function poke(env: Env, tenantId: string, path: string, body: unknown): Promise<void> {
  try {
    const res = await ledgerOf(env, tenantId).fetch(`${ALERTS_ORIGIN}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${res.status} ${(await res.text()).slice(0, 200)}`);
  } catch (err) {
    log.error("alerts ledger poke failed", { tenantId, path, error: err });
  }
}

export const rulesChanged = (env: Env, tenantId: string) => poke(env, tenantId, ALERTS_PATHS.reloadRules, { tenantId });

export const alertChanged = (env: Env, alert: Alert) =>
  poke(env, alert.tenantId, ALERTS_PATHS.alertChanged, { tenantId: alert.tenantId, alert });

export function forwardLive(env: Env, identity: LiveIdentity): Promise<Response> {
  return ledgerOf(env, identity.tenantId).fetch(`${ALERTS_ORIGIN}${ALERTS_PATHS.live}`, {
    headers: { upgrade: "websocket", [IDENTITY_HEADER]: JSON.stringify(identity) },
  });
}
