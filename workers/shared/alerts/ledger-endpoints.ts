/**
 * The alert endpoints of a tenant's AuditLedger Durable Object, as the API Worker calls them with
 * `fetch()` (the ledger's own interface is RPC; every fetch goes to the alerts hook). One place for
 * the paths and headers both sides use.
 */
export const ALERTS_ORIGIN = "https://audit-ledger.internal";
export const ALERTS_PATHS = {
  /** WebSocket upgrade for the live inbox; identity in IDENTITY_HEADER. */
  live: "/alerts/live",
  /** POST: rules changed in D1, reload them (body: `{ tenantId }`). */
  reloadRules: "/alerts/rules/reload",
  /** POST: an alert's status changed through the API (body: `{ tenantId, alert }`). */
  alertChanged: "/alerts/changed",
} as const;
export const IDENTITY_HEADER = "x-alerts-identity";
/** The tag live-inbox sockets carry in the ledger (`ctx.getWebSockets(LIVE_TAG)`). */
export const LIVE_TAG = "alerts-live";

export interface LiveIdentity {
  tenantId: string;
  /** User id or API key id. */
  principalId: string;
}
