/**
 * Budgets (docs/billing.md, "Budgets"): soft and hard monthly caps per tenant or per agent, in
 * units of a usage kind or in cents of spend. One per scope and metric. Soft: an audit event
 * (`budget.soft_cap_reached`) that alert rules turn into alerts and webhooks — the first budget
 * creates a "Budget caps reached" rule if the tenant has none on `budget.*`. Hard: usage is refused
 * (402 `budget_exceeded`, relay error frame `budget_exceeded`). Every change reloads the tenant's
 * UsageMeter at once.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { reloadUsageMeter, usageMeterFor } from "../../../shared/billing/usage";
import { newId } from "../../../shared/crypto/ids";
import { agents, budgets, type BudgetRow } from "../../../shared/db/schema";
import {
  BudgetCheckSchema,
  BudgetSchema,
  CreateBudgetInputSchema,
  UpdateBudgetInputSchema,
  type Budget,
} from "../../../shared/schemas/billing";
import { toIso } from "../../../shared/schemas/common";
import { log } from "../../../shared/observability/log";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { ensureAlertRuleFor } from "../services/alerts/ensure-rule";

export const budgetsRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Billing"];
const BudgetParams = TenantParams.extend({
  budgetId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "budgetId", in: "path" }, example: "bgt_01JD0000000000000000000000" }),
});
const BudgetEnvelope = z.object({ budget: BudgetSchema });

const toBudget = (row: BudgetRow): Budget => ({
  id: row.id,
  agentId: row.agentId,
  metric: row.metric,
  period: "month",
  softLimit: row.softLimit,
  hardLimit: row.hardLimit,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
});

async function findBudget(c: Context<AppEnv>, budgetId: string): Promise<BudgetRow> {
  const row = await c
    .get("db")
    .select()
    .from(budgets)
    .where(and(eq(budgets.id, budgetId), eq(budgets.tenantId, c.get("tenantAccess").tenant.id)))
    .get();
  if (!row) throw notFound("Budget");
  return row;
}

async function changed(c: Context<AppEnv>): Promise<void> {
  await reloadUsageMeter(c.env, c.get("tenantAccess").tenant.id).catch((error: unknown) =>
    log.warn("usage meter reload failed (it refreshes within a minute)", { error }),
  );
}

budgetsRoutes.openapi(
  defineRoute("billing:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/budgets",
    tags,
    summary: "The tenant's budgets, with where each stands this month",
    request: { params: TenantParams },
    responses: {
      200: jsonResponse(
        z.object({ data: z.array(BudgetSchema.extend({ status: BudgetCheckSchema.shape.limits.element.nullable() })) }),
        "Tenant budgets first, then per agent.",
      ),
    },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const [rows, meter] = await Promise.all([
      c.get("db").select().from(budgets).where(eq(budgets.tenantId, tenant.id)).orderBy(budgets.scopeKey, budgets.id).all(),
      usageMeterFor(c.env, tenant.id).summary(tenant.id),
    ]);
    const limits = [...meter.tenant, ...meter.agents].flatMap((ch) => ch.limits);
    return c.json({ data: rows.map((row) => ({ ...toBudget(row), status: limits.find((l) => l.budgetId === row.id) ?? null })) }, 200);
  },
);

budgetsRoutes.openapi(
  defineRoute("billing:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/budgets",
    tags,
    summary: "Create a budget for the tenant or one agent",
    description:
      "One budget per scope (tenant, or an agent) and metric; a second is 409. The first budget also creates a `budget.*` alert rule if the tenant has none (`alertRuleId`).",
    request: { params: TenantParams, body: jsonBody(CreateBudgetInputSchema) },
    responses: {
      201: jsonResponse(BudgetEnvelope.extend({ alertRuleId: z.string().nullable() }), "Created."),
      409: jsonResponse(z.any(), "`conflict`: a budget for this scope and metric exists."),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    if (input.agentId !== null) {
      const agent = await db
        .select({ id: agents.id })
        .from(agents)
        .where(and(eq(agents.id, input.agentId), eq(agents.tenantId, tenant.id), isNull(agents.deletedAt)))
        .get();
      if (!agent)
        throw new ApiError("validation_failed", "No such agent in this tenant.", {
          issues: [{ path: ["agentId"], message: "No such agent in this tenant." }],
        });
    }
    const now = Date.now();
    const principal = c.get("principal");
    const row: BudgetRow = {
      id: newId("budget", now),
      tenantId: tenant.id,
      agentId: input.agentId,
      scopeKey: input.agentId ?? "*",
      metric: input.metric,
      softLimit: input.softLimit,
      hardLimit: input.hardLimit,
      createdBy: principal?.type === "user" ? principal.user.id : (principal?.apiKey.id ?? null),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await db.insert(budgets).values(row);
    } catch (error) {
      // drizzle wraps D1's error: the constraint is named in its cause.
      if (/UNIQUE/.test(`${String(error)} ${String((error as { cause?: unknown }).cause)}`))
        throw new ApiError(
          "conflict",
          `There is already a ${input.metric} budget for ${input.agentId ? "this agent" : "the tenant"}; change it instead.`,
          { metric: input.metric, agentId: input.agentId },
        );
      throw error;
    }
    await audit(c, {
      action: "budget.created",
      target: { type: "budget", id: row.id },
      details: { agentId: row.agentId, metric: row.metric, softLimit: row.softLimit, hardLimit: row.hardLimit },
    });
    // Soft caps alert through the tenant's alert rules: make sure one listens to `budget.*`.
    const alertRuleId = await ensureAlertRuleFor(c, { actionPrefix: "budget", templateId: "budget-caps", reason: "first budget" });
    await changed(c);
    return c.json({ budget: toBudget(row), alertRuleId }, 201);
  },
);

budgetsRoutes.openapi(
  defineRoute("billing:write", {
    method: "patch",
    path: "/v1/tenants/{tenantId}/budgets/{budgetId}",
    tags,
    summary: "Change a budget's limits",
    request: { params: BudgetParams, body: jsonBody(UpdateBudgetInputSchema) },
    responses: { 200: jsonResponse(BudgetEnvelope, "Updated.") },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const current = await findBudget(c, c.req.valid("param").budgetId);
    const next = {
      softLimit: input.softLimit !== undefined ? input.softLimit : current.softLimit,
      hardLimit: input.hardLimit !== undefined ? input.hardLimit : current.hardLimit,
    };
    const issue = (message: string) => new ApiError("validation_failed", message, { issues: [{ path: ["softLimit"], message }] });
    if (next.softLimit === null && next.hardLimit === null)
      throw issue("A budget needs a soft limit, a hard limit or both; delete it instead.");
    if (next.softLimit !== null && next.hardLimit !== null && next.softLimit > next.hardLimit)
      throw issue("The soft limit must not be above the hard limit.");
    const now = Date.now();
    await c
      .get("db")
      .update(budgets)
      .set({ ...next, updatedAt: now })
      .where(eq(budgets.id, current.id));
    await audit(c, {
      action: "budget.updated",
      target: { type: "budget", id: current.id },
      details: { from: { softLimit: current.softLimit, hardLimit: current.hardLimit }, to: next },
    });
    await changed(c);
    return c.json({ budget: toBudget({ ...current, ...next, updatedAt: now }) }, 200);
  },
);

budgetsRoutes.openapi(
  defineRoute("billing:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/budgets/{budgetId}",
    tags,
    summary: "Delete a budget",
    request: { params: BudgetParams },
    responses: { 204: { description: "Deleted." } },
  }),
  async (c) => {
    const current = await findBudget(c, c.req.valid("param").budgetId);
    await c.get("db").delete(budgets).where(eq(budgets.id, current.id));
    await audit(c, {
      action: "budget.deleted",
      target: { type: "budget", id: current.id },
      details: { agentId: current.agentId, metric: current.metric },
    });
    await changed(c);
    return c.body(null, 204);
  },
);
