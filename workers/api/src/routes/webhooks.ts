/**
 * Webhooks: tenant endpoints that receive alerts as signed POSTs (docs/alerts.md "Webhooks").
 * The signing secret is generated here, shown once, stored AES-GCM encrypted. Reading webhooks
 * needs alerts:write, not just audit:read: webhook URLs often carry a token of their own (chat
 * incoming-webhook URLs do), so they are treated as configuration secrets.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, count, desc, eq, lt, sql } from "drizzle-orm";
import type { Context } from "hono";
import { toWebhook, toWebhookDelivery } from "../../../shared/alerts/serialize";
import { DELIVERY_HEADER, EVENT_HEADER, WEBHOOK_SECRET_PREFIX } from "../../../shared/alerts/signature";
import { checkWebhookUrl } from "../../../shared/alerts/webhook-url";
import { decryptField, encryptField } from "../../../shared/crypto/encryption";
import { newId } from "../../../shared/crypto/ids";
import { randomToken } from "../../../shared/crypto/secrets";
import { alertRules, webhookDeliveries, webhooks, type WebhookRow } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import {
  ALERT_LIMITS,
  CreatedWebhookSchema,
  CreateWebhookInputSchema,
  WebhookDeliverySchema,
  WebhookSchema,
  WebhookTestResultSchema,
  type WebhookTestPayload,
} from "../../../shared/schemas/alerts";
import { pageOf, PageQuerySchema } from "../../../shared/schemas/common";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { invalidFields } from "../http/validation-hook";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { rulesChanged } from "../services/alerts/ledger";
import { sendSigned, WEBHOOK_SECRET_PURPOSE } from "../services/alerts/webhook-delivery";
import { principalId } from "./alert-rules";

export const webhooksRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Alerts"];
const WebhookParams = TenantParams.extend({
  webhookId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "webhookId", in: "path" }, example: "whk_01JD0000000000000000000000" }),
});

webhooksRoutes.openapi(
  defineRoute("alerts:write", {
    method: "get",
    path: "/v1/tenants/{tenantId}/webhooks",
    tags,
    summary: "List webhooks, oldest first",
    description: `All of them (a tenant has at most ${ALERT_LIMITS.webhooksPerTenant}). Secrets are never shown again.`,
    request: { params: TenantParams },
    responses: { 200: jsonResponse(z.object({ data: z.array(WebhookSchema) }).meta({ id: "WebhookList" }), "The tenant's webhooks.") },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const rows = await c.get("db").select().from(webhooks).where(eq(webhooks.tenantId, tenant.id)).orderBy(asc(webhooks.id)).all();
    return c.json({ data: rows.map(toWebhook) }, 200);
  },
);

webhooksRoutes.openapi(
  defineRoute("alerts:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/webhooks",
    tags,
    summary: "Register a webhook; its signing secret is shown once",
    description:
      "The URL must be https (http://localhost only in development), with a host name (no IP literal) and no credentials. Attach it to rules with their `webhookIds`.",
    request: { params: TenantParams, body: jsonBody(CreateWebhookInputSchema) },
    responses: {
      201: jsonResponse(CreatedWebhookSchema, "Created. Store `secret` now: it is never shown again."),
      409: jsonResponse(ErrorBodySchema, `\`conflict\`: the tenant already has ${ALERT_LIMITS.webhooksPerTenant} webhooks.`),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const checked = checkWebhookUrl(input.url, c.env.ENVIRONMENT);
    if (!checked.ok) throw invalidFields([{ path: "url", message: `Invalid webhook URL: ${checked.reason}` }]);
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const existing = (await db.select({ n: count() }).from(webhooks).where(eq(webhooks.tenantId, tenant.id)).get())?.n ?? 0;
    if (existing >= ALERT_LIMITS.webhooksPerTenant)
      throw new ApiError("conflict", `A tenant can have at most ${ALERT_LIMITS.webhooksPerTenant} webhooks.`, {
        max: ALERT_LIMITS.webhooksPerTenant,
      });
    const secret = `${WEBHOOK_SECRET_PREFIX}${randomToken(32)}`;
    const now = Date.now();
    const row: WebhookRow = {
      id: newId("webhook", now),
      tenantId: tenant.id,
      url: checked.url,
      description: input.description ?? "",
      secretEnc: await encryptField(secret, c.env.DATA_ENCRYPTION_KEY, WEBHOOK_SECRET_PURPOSE),
      secretPrefix: secret.slice(0, WEBHOOK_SECRET_PREFIX.length + 4),
      createdBy: principalId(c),
      createdAt: now,
    };
    await db.insert(webhooks).values(row);
    // The host only: a webhook URL's path or query may itself be a credential.
    await audit(c, { action: "webhook.created", target: { type: "webhook", id: row.id }, details: { host: new URL(row.url).host } });
    return c.json({ webhook: toWebhook(row), secret }, 201);
  },
);

webhooksRoutes.openapi(
  defineRoute("alerts:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/webhooks/{webhookId}",
    tags,
    summary: "Delete a webhook",
    description: "Removes it from every rule that names it and drops its delivery history; deliveries still queued are skipped.",
    request: { params: WebhookParams },
    responses: { 204: { description: "Deleted." } },
  }),
  async (c) => {
    const { webhookId } = c.req.valid("param");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const [deleted, unlinked] = await db.batch([
      db
        .delete(webhooks)
        .where(and(eq(webhooks.id, webhookId), eq(webhooks.tenantId, tenant.id)))
        .returning(),
      db
        .update(alertRules)
        .set({
          webhookIds: sql`(SELECT json_group_array(value) FROM json_each(${alertRules.webhookIds}) WHERE value <> ${webhookId})`,
          updatedAt: Date.now(),
        })
        .where(
          and(
            eq(alertRules.tenantId, tenant.id),
            sql`EXISTS (SELECT 1 FROM json_each(${alertRules.webhookIds}) WHERE value = ${webhookId})`,
          ),
        )
        .returning({ id: alertRules.id }),
    ]);
    if (deleted.length === 0) throw notFound("Webhook");
    await audit(c, {
      action: "webhook.deleted",
      target: { type: "webhook", id: webhookId },
      details: { host: new URL(deleted[0]!.url).host, removedFromRules: unlinked.map((r) => r.id) },
    });
    if (unlinked.length > 0) await rulesChanged(c.env, tenant.id);
    return c.body(null, 204);
  },
);

webhooksRoutes.openapi(
  defineRoute("alerts:write", {
    method: "get",
    path: "/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries",
    tags,
    summary: "A webhook's deliveries, newest first",
    description:
      "`pending` (being tried or waiting for a retry), `delivered` (a 2xx came back), `failed` (retries exhausted; dead-lettered).",
    request: { params: WebhookParams, query: PageQuerySchema },
    responses: { 200: jsonResponse(pageOf(WebhookDeliverySchema, "WebhookDeliveryPage"), "A page of deliveries.") },
  }),
  async (c) => {
    const { webhookId } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const before = decodeCursor(cursor);
    await findWebhook(c, webhookId);
    const rows = await c
      .get("db")
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.webhookId, webhookId), before !== undefined ? lt(webhookDeliveries.id, before) : undefined))
      .orderBy(desc(webhookDeliveries.id))
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, toWebhookDelivery), 200);
  },
);

webhooksRoutes.openapi(
  defineRoute("alerts:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/webhooks/{webhookId}/test",
    tags,
    summary: "Send a signed test event to a webhook now",
    description:
      'POSTs `{ "type": "webhook.test", … }` signed exactly like an alert (check your verifier with it) and answers what the receiver said. Not queued, not retried, not in the delivery log. Audited (`webhook.tested`).',
    request: { params: WebhookParams },
    responses: { 200: jsonResponse(WebhookTestResultSchema, "What the receiver answered (a failure is still a 200 here: the test ran).") },
  }),
  async (c) => {
    const webhook = await findWebhook(c, c.req.valid("param").webhookId);
    const id = newId("webhookDelivery");
    const payload: WebhookTestPayload = {
      id,
      type: "webhook.test",
      createdAt: new Date().toISOString(),
      tenantId: webhook.tenantId,
      data: { webhookId: webhook.id },
    };
    const secret = await decryptField(webhook.secretEnc, c.env.DATA_ENCRYPTION_KEY, WEBHOOK_SECRET_PURPOSE);
    const started = Date.now();
    const result = await sendSigned(webhook.url, secret, JSON.stringify(payload), {
      [DELIVERY_HEADER]: id,
      [EVENT_HEADER]: payload.type,
      "Switchboard-Attempt": "1",
    });
    const durationMs = Date.now() - started;
    await audit(c, {
      action: "webhook.tested",
      target: { type: "webhook", id: webhook.id },
      outcome: result.error === null ? "success" : "failure",
      details: { host: new URL(webhook.url).host, statusCode: result.statusCode },
    });
    return c.json({ delivered: result.error === null, statusCode: result.statusCode, error: result.error, durationMs }, 200);
  },
);

async function findWebhook(c: Context<AppEnv>, webhookId: string): Promise<WebhookRow> {
  const { tenant } = c.get("tenantAccess");
  const row = await c
    .get("db")
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, webhookId), eq(webhooks.tenantId, tenant.id)))
    .get();
  if (!row) throw notFound("Webhook");
  return row;
}
