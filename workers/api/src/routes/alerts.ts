/**
 * Alerts: the inbox (list, newest first), acknowledging and resolving, and the live feed — a
 * WebSocket held by the tenant's AuditLedger object, which pushes `{ "type": "alert", "alert" }`
 * for every new alert and every change of one. Alerts are created only by the ledger (rules in
 * ./alert-rules.ts); docs/alerts.md.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, inArray, lt } from "drizzle-orm";
import type { Context } from "hono";
import { toAlert } from "../../../shared/alerts/serialize";
import { alerts, type AlertRow } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { AlertListQuerySchema, AlertSchema, ResolveAlertInputSchema, type AlertStatus } from "../../../shared/schemas/alerts";
import { pageOf } from "../../../shared/schemas/common";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { TenantParams } from "../http/params";
import { defineRoute, jsonResponse } from "../http/route";
import { allowedOrigins } from "../middleware/csrf";
import { alertChanged, forwardLive } from "../services/alerts/ledger";
import { principalId } from "./alert-rules";

export const alertsRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Alerts"];
const AlertEnvelope = z.object({ alert: AlertSchema });
const AlertParams = TenantParams.extend({
  alertId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "alertId", in: "path" }, example: "alt_01JD0000000000000000000000" }),
});

// Registered before /alerts/{alertId} so "live" is never taken for an id.
alertsRoutes.openapi(
  defineRoute("audit:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/alerts/live",
    tags,
    summary: "Live alerts (WebSocket, read-only)",
    description:
      'Upgrade to a WebSocket (`Upgrade: websocket`) with the session cookie (or an API key with audit:read). Every new alert, and every change to one (grown during its quiet period, acknowledged, resolved), arrives as `{ "type": "alert", "alert": Alert }`: upsert by `alert.id`. Send `ping` to get `pong` (heartbeat). Anything else sent gets an `error` frame. Browsers must connect from an allowed origin. Frames are pushed from the moment the socket opens: load `GET .../alerts` after connecting to avoid a gap.',
    request: { params: TenantParams },
    responses: {
      101: { description: "Switching Protocols: the connection is now the live alerts feed." },
      426: jsonResponse(ErrorBodySchema, "`upgrade_required`: the request is not a WebSocket upgrade."),
    },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
      throw new ApiError("upgrade_required", "This is a WebSocket endpoint: connect with `Upgrade: websocket`.");
    // WebSockets are not covered by CORS: without this, any site could open the feed with a visitor's cookie.
    const origin = c.req.header("origin");
    if (origin !== undefined && !allowedOrigins(c).has(origin))
      throw new ApiError("csrf_rejected", `WebSocket connections from origin ${origin} are not allowed.`, { origin });
    const response = await forwardLive(c.env, { tenantId: tenant.id, principalId: principalId(c) ?? "unknown" });
    if (response.status !== 101)
      throw new ApiError("internal_error", `The audit ledger refused the connection: ${(await response.text()).slice(0, 200)}`);
    return response;
  },
);

alertsRoutes.openapi(
  defineRoute("audit:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/alerts",
    tags,
    summary: "List alerts, newest first",
    request: { params: TenantParams, query: AlertListQuerySchema },
    responses: { 200: jsonResponse(pageOf(AlertSchema, "AlertPage"), "A page of alerts.") },
  }),
  async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const before = decodeCursor(cursor);
    const { tenant } = c.get("tenantAccess");
    const rows = await c
      .get("db")
      .select()
      .from(alerts)
      .where(
        and(
          eq(alerts.tenantId, tenant.id),
          status ? eq(alerts.status, status) : undefined,
          before !== undefined ? lt(alerts.id, before) : undefined,
        ),
      )
      .orderBy(desc(alerts.id))
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, toAlert), 200);
  },
);

alertsRoutes.openapi(
  defineRoute("audit:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/alerts/{alertId}",
    tags,
    summary: "Get an alert",
    description:
      "Its events: `GET /v1/tenants/{tenantId}/audit` for seqs `firstSeq`..`lastSeq` (the alert's own events among them, see `sampleEventIds`).",
    request: { params: AlertParams },
    responses: { 200: jsonResponse(AlertEnvelope, "The alert.") },
  }),
  async (c) => c.json({ alert: toAlert(await findAlert(c, c.req.valid("param").alertId)) }, 200),
);

const STATUS_CONFLICT = (from: string) => jsonResponse(ErrorBodySchema, `\`conflict\`: the alert is not ${from}.`);

alertsRoutes.openapi(
  defineRoute("alerts:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/alerts/{alertId}/acknowledge",
    tags,
    summary: "Acknowledge an alert: someone is on it",
    description: "Audited (`alert.acknowledged`). An acknowledged alert still grows during its quiet period.",
    request: { params: AlertParams },
    responses: { 200: jsonResponse(AlertEnvelope, "The alert, acknowledged."), 409: STATUS_CONFLICT("open") },
  }),
  async (c) => c.json({ alert: await transition(c, c.req.valid("param").alertId, "acknowledged", null) }, 200),
);

alertsRoutes.openapi(
  defineRoute("alerts:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/alerts/{alertId}/resolve",
    tags,
    summary: "Resolve an alert (optionally with a note)",
    description:
      'Audited (`alert.resolved`). Ends the rule\'s quiet period if this alert is in one, so the next matching event starts a new window. Body optional: `{ "note": "…" }`.',
    request: { params: AlertParams, body: { required: false, content: { "application/json": { schema: ResolveAlertInputSchema } } } },
    responses: { 200: jsonResponse(AlertEnvelope, "The alert, resolved."), 409: STATUS_CONFLICT("open or acknowledged") },
  }),
  async (c) => c.json({ alert: await transition(c, c.req.valid("param").alertId, "resolved", c.req.valid("json")?.note ?? null) }, 200),
);

const ALLOWED_FROM: Record<"acknowledged" | "resolved", AlertStatus[]> = { acknowledged: ["open"], resolved: ["open", "acknowledged"] };

/** A conditional UPDATE on the current status (of two racing requests exactly one wins), audited, pushed live. */
async function transition(c: Context<AppEnv>, alertId: string, to: "acknowledged" | "resolved", note: string | null) {
  const { tenant } = c.get("tenantAccess");
  const from = ALLOWED_FROM[to];
  const by = principalId(c);
  const now = Date.now();
  const set =
    to === "resolved"
      ? { status: to, resolvedAt: now, resolvedBy: by, resolutionNote: note }
      : { status: to, acknowledgedAt: now, acknowledgedBy: by };
  const updated = await c
    .get("db")
    .update(alerts)
    .set(set)
    .where(and(eq(alerts.id, alertId), eq(alerts.tenantId, tenant.id), inArray(alerts.status, from)))
    .returning()
    .get();
  if (!updated) {
    const current = await findAlert(c, alertId);
    throw new ApiError("conflict", `The alert is ${current.status}; only ${from.join(" or ")} alerts can be ${to}.`, {
      status: current.status,
    });
  }
  await audit(c, {
    action: `alert.${to}`,
    target: { type: "alert", id: alertId },
    details: { ruleId: updated.ruleId, ruleName: updated.ruleName, severity: updated.severity, ...(note ? { note } : {}) },
  });
  const alert = toAlert(updated);
  await alertChanged(c.env, alert);
  return alert;
}

async function findAlert(c: Context<AppEnv>, alertId: string): Promise<AlertRow> {
  const { tenant } = c.get("tenantAccess");
  const row = await c
    .get("db")
    .select()
    .from(alerts)
    .where(and(eq(alerts.id, alertId), eq(alerts.tenantId, tenant.id)))
    .get();
  if (!row) throw notFound("Alert");
  return row;
}
