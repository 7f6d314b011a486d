/**
 * Alert rules: which audit events, how many within what window, how severe, which webhooks.
 * Stored in D1; evaluated inside the tenant's AuditLedger object, which is told to reload after
 * every change. Semantics (fires once per window, quiet period): docs/alerts.md.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, count, eq, inArray } from "drizzle-orm";
import type { Context } from "hono";
import { toAlertRule } from "../../../shared/alerts/serialize";
import { ALERT_RULE_TEMPLATES } from "../../../shared/alerts/templates";
import { newId } from "../../../shared/crypto/ids";
import { alertRules, webhooks, type AlertRuleRow } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import {
  ALERT_LIMITS,
  AlertRuleSchema,
  AlertRuleTemplateSchema,
  CreateAlertRuleInputSchema,
  RULE_DEFAULTS,
  UpdateAlertRuleInputSchema,
} from "../../../shared/schemas/alerts";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { invalidFields } from "../http/validation-hook";
import { audit } from "../http/audit";
import { TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { rulesChanged } from "../services/alerts/ledger";

export const alertRulesRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Alerts"];
const RuleEnvelope = z.object({ rule: AlertRuleSchema });
const RuleParams = TenantParams.extend({
  ruleId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "ruleId", in: "path" }, example: "alr_01JD0000000000000000000000" }),
});

alertRulesRoutes.openapi(
  defineRoute("authenticated", {
    method: "get",
    path: "/v1/alert-rule-templates",
    tags,
    summary: "Built-in alert rule templates",
    description:
      "Starting points for common rules (denied relay messages, failed sign-ins, agent suspended, egress denied). POST a template's `rule` to a tenant's alert rules, adjusted as needed.",
    responses: { 200: jsonResponse(z.object({ data: z.array(AlertRuleTemplateSchema) }), "The templates.") },
  }),
  (c) => c.json({ data: ALERT_RULE_TEMPLATES }, 200),
);

alertRulesRoutes.openapi(
  defineRoute("audit:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/alert-rules",
    tags,
    summary: "List alert rules, oldest first",
    description: `All of them (a tenant has at most ${ALERT_LIMITS.rulesPerTenant}).`,
    request: { params: TenantParams },
    responses: { 200: jsonResponse(z.object({ data: z.array(AlertRuleSchema) }).meta({ id: "AlertRuleList" }), "The tenant's rules.") },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const rows = await c.get("db").select().from(alertRules).where(eq(alertRules.tenantId, tenant.id)).orderBy(asc(alertRules.id)).all();
    return c.json({ data: rows.map(toAlertRule) }, 200);
  },
);

alertRulesRoutes.openapi(
  defineRoute("alerts:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/alert-rules",
    tags,
    summary: "Create an alert rule",
    description:
      "Takes effect for events appended after the tenant's ledger has reloaded its rules (immediately, or within a minute if it could not be reached).",
    request: { params: TenantParams, body: jsonBody(CreateAlertRuleInputSchema) },
    responses: {
      201: jsonResponse(RuleEnvelope, "Created."),
      409: jsonResponse(ErrorBodySchema, `\`conflict\`: the tenant already has ${ALERT_LIMITS.rulesPerTenant} rules.`),
    },
  }),
  async (c) => {
    const input = { ...RULE_DEFAULTS, ...c.req.valid("json") };
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    await assertWebhooksOfTenant(c, tenant.id, input.webhookIds);
    const existing = (await db.select({ n: count() }).from(alertRules).where(eq(alertRules.tenantId, tenant.id)).get())?.n ?? 0;
    if (existing >= ALERT_LIMITS.rulesPerTenant)
      throw new ApiError("conflict", `A tenant can have at most ${ALERT_LIMITS.rulesPerTenant} alert rules.`, {
        max: ALERT_LIMITS.rulesPerTenant,
      });
    const now = Date.now();
    const row: AlertRuleRow = {
      id: newId("alertRule", now),
      tenantId: tenant.id,
      ...input,
      webhookIds: [...new Set(input.webhookIds)],
      createdBy: principalId(c),
      createdAt: now,
      updatedAt: now,
    };
    await db.insert(alertRules).values(row);
    await audit(c, {
      action: "alert_rule.created",
      target: { type: "alert_rule", id: row.id },
      details: {
        name: row.name,
        match: row.match,
        threshold: row.threshold,
        windowSeconds: row.windowSeconds,
        severity: row.severity,
        enabled: row.enabled,
      },
    });
    await rulesChanged(c.env, tenant.id);
    return c.json({ rule: toAlertRule(row) }, 201);
  },
);

alertRulesRoutes.openapi(
  defineRoute("audit:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/alert-rules/{ruleId}",
    tags,
    summary: "Get an alert rule",
    request: { params: RuleParams },
    responses: { 200: jsonResponse(RuleEnvelope, "The rule.") },
  }),
  async (c) => c.json({ rule: toAlertRule(await findRule(c, c.req.valid("param").ruleId)) }, 200),
);

alertRulesRoutes.openapi(
  defineRoute("alerts:write", {
    method: "patch",
    path: "/v1/tenants/{tenantId}/alert-rules/{ruleId}",
    tags,
    summary: "Change an alert rule",
    description:
      "Changing `match`, `threshold`, `windowSeconds` or `enabled` restarts the rule's window (events counted under the old conditions are dropped) and ends its quiet period.",
    request: { params: RuleParams, body: jsonBody(UpdateAlertRuleInputSchema) },
    responses: { 200: jsonResponse(RuleEnvelope, "Updated.") },
  }),
  async (c) => {
    const { ruleId } = c.req.valid("param");
    const input = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const before = await findRule(c, ruleId);
    if (input.webhookIds) await assertWebhooksOfTenant(c, tenant.id, input.webhookIds);
    const set = { ...input, ...(input.webhookIds ? { webhookIds: [...new Set(input.webhookIds)] } : {}), updatedAt: Date.now() };
    const updated = await c
      .get("db")
      .update(alertRules)
      .set(set)
      .where(and(eq(alertRules.id, ruleId), eq(alertRules.tenantId, tenant.id)))
      .returning()
      .get();
    if (!updated) throw notFound("Alert rule");
    const changed = Object.keys(input) as Array<keyof typeof input>;
    await audit(c, {
      action: "alert_rule.updated",
      target: { type: "alert_rule", id: ruleId },
      details: {
        changed,
        from: Object.fromEntries(changed.map((k) => [k, before[k]])),
        to: Object.fromEntries(changed.map((k) => [k, updated[k]])),
      },
    });
    await rulesChanged(c.env, tenant.id);
    return c.json({ rule: toAlertRule(updated) }, 200);
  },
);

alertRulesRoutes.openapi(
  defineRoute("alerts:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/alert-rules/{ruleId}",
    tags,
    summary: "Delete an alert rule",
    description: "Its alerts stay (they carry the rule's name).",
    request: { params: RuleParams },
    responses: { 204: { description: "Deleted." } },
  }),
  async (c) => {
    const { ruleId } = c.req.valid("param");
    const { tenant } = c.get("tenantAccess");
    const deleted = await c
      .get("db")
      .delete(alertRules)
      .where(and(eq(alertRules.id, ruleId), eq(alertRules.tenantId, tenant.id)))
      .returning()
      .get();
    if (!deleted) throw notFound("Alert rule");
    await audit(c, { action: "alert_rule.deleted", target: { type: "alert_rule", id: ruleId }, details: { name: deleted.name } });
    await rulesChanged(c.env, tenant.id);
    return c.body(null, 204);
  },
);

async function findRule(c: Context<AppEnv>, ruleId: string): Promise<AlertRuleRow> {
  const { tenant } = c.get("tenantAccess");
  const row = await c
    .get("db")
    .select()
    .from(alertRules)
    .where(and(eq(alertRules.id, ruleId), eq(alertRules.tenantId, tenant.id)))
    .get();
  if (!row) throw notFound("Alert rule");
  return row;
}

async function assertWebhooksOfTenant(c: Context<AppEnv>, tenantId: string, ids: readonly string[]): Promise<void> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return;
  const found = new Set(
    (
      await c
        .get("db")
        .select({ id: webhooks.id })
        .from(webhooks)
        .where(and(eq(webhooks.tenantId, tenantId), inArray(webhooks.id, wanted)))
        .all()
    ).map((r) => r.id),
  );
  const unknown = wanted.filter((id) => !found.has(id));
  if (unknown.length > 0)
    throw invalidFields(
      unknown.map((id) => ({ path: "webhookIds", message: `Not a webhook of this tenant: ${id}` })),
      { unknownWebhookIds: unknown },
    );
}

export function principalId(c: Context<AppEnv>): string | null {
  const principal = c.get("principal");
  if (!principal) return null;
  return principal.type === "user" ? principal.user.id : principal.apiKey.id;
}
