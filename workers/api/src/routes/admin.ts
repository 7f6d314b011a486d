/**
 * Platform operator routes (the admin console's API). Access is the `users.is_operator` flag,
 * which no API grants: an operator is made with `wrangler d1 execute`. Operators see every tenant,
 * soft-deleted ones included, so these routes load tenants themselves instead of through
 * tenantAccess (which only resolves tenants the caller is a member of).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { eq, getTableName, gt, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Context } from "hono";
import { agents, memberships, teams, tenants, users } from "../../../shared/db/schema";
import { OperatorTenantDetailSchema, OperatorTenantSchema, PlatformHealthSchema } from "../../../shared/schemas/admin";
import { pageOf, PageQuerySchema, toIso } from "../../../shared/schemas/common";
import type { AppEnv } from "../env";
import { notFound } from "../http/api-error";
import { decodeCursor, toPage } from "../http/pagination";
import { TenantParams } from "../http/params";
import { defineRoute, jsonResponse } from "../http/route";
import { toMember, toTenant } from "../serializers";
import { log } from "../../../shared/observability/log";

export const adminRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Operator"];

/**
 * `"table"."column"`. drizzle writes bare column names in a single-table select, and inside a
 * correlated subquery a bare `"id"` would bind to the inner table instead of the outer tenant.
 */
const qualified = (column: AnySQLiteColumn) => sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;

/** Correlated subqueries: the counts come back in the same query as the tenant rows, one query per page. */
const tenantCounts = {
  members: sql<number>`(select count(*) from ${memberships} where ${qualified(memberships.tenantId)} = ${qualified(tenants.id)})`.mapWith(Number),
  agents: sql<number>`(select count(*) from ${agents} where ${qualified(agents.tenantId)} = ${qualified(tenants.id)} and ${qualified(agents.deletedAt)} is null)`.mapWith(Number),
  teams: sql<number>`(select count(*) from ${teams} where ${qualified(teams.tenantId)} = ${qualified(tenants.id)} and ${qualified(teams.deletedAt)} is null)`.mapWith(Number),
};

function selectTenantsWithCounts(c: Context<AppEnv>) {
  return c.get("db").select({ tenant: tenants, ...tenantCounts }).from(tenants);
}

type TenantWithCounts = Awaited<ReturnType<ReturnType<typeof selectTenantsWithCounts>["all"]>>[number];

const toOperatorTenant = ({ tenant, ...counts }: TenantWithCounts): z.infer<typeof OperatorTenantSchema> => ({
  ...toTenant(tenant),
  deletedAt: toIso(tenant.deletedAt),
  counts,
});

adminRoutes.openapi(
  defineRoute("operator", {
    method: "get",
    path: "/v1/admin/tenants",
    tags,
    summary: "All tenants, deleted ones included, with member, agent and team counts",
    request: { query: PageQuerySchema },
    responses: { 200: jsonResponse(pageOf(OperatorTenantSchema, "OperatorTenantPage"), "A page of tenants, oldest first.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const rows = await selectTenantsWithCounts(c)
      .where(after !== undefined ? gt(tenants.id, after) : undefined)
      .orderBy(tenants.id)
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, toOperatorTenant, (r) => r.tenant.id), 200);
  },
);

adminRoutes.openapi(
  defineRoute("operator", {
    method: "get",
    path: "/v1/admin/tenants/{tenantId}",
    tags,
    summary: "One tenant (deleted or not) with its members and counts",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(OperatorTenantDetailSchema, "The tenant.") },
  }),
  async (c) => {
    const { tenantId } = c.req.valid("param");
    const db = c.get("db");
    const [found, members] = await db.batch([
      selectTenantsWithCounts(c).where(eq(tenants.id, tenantId)),
      db
        .select({ userId: memberships.userId, email: users.email, name: users.name, role: memberships.role, createdAt: memberships.createdAt })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.tenantId, tenantId))
        .orderBy(users.id),
    ]);
    const row = found[0];
    if (!row) throw notFound("Tenant");
    return c.json({ tenant: toOperatorTenant(row), members: members.map(toMember) }, 200);
  },
);

adminRoutes.openapi(
  defineRoute("operator", {
    method: "get",
    path: "/v1/admin/health",
    tags,
    summary: "Platform health: D1 reachability, totals and the newest applied migration",
    responses: { 200: jsonResponse(PlatformHealthSchema, "Healthy."), 503: jsonResponse(PlatformHealthSchema, "D1 is not answering.") },
  }),
  async (c) => {
    const db = c.get("db");
    const started = Date.now();
    let counts: { users: number; tenants: number; agents: number };
    try {
      const [row] = await db
        .select({
          users: sql<number>`(select count(*) from ${users})`.mapWith(Number),
          tenants: sql<number>`(select count(*) from ${tenants} where ${tenants.deletedAt} is null)`.mapWith(Number),
          agents: sql<number>`(select count(*) from ${agents} where ${agents.deletedAt} is null)`.mapWith(Number),
        })
        // three scalar subqueries in one round trip; drizzle wants a FROM, so a one-row dummy
        .from(sql`(select 1)`);
      counts = row!;
    } catch (err) {
      log.error("admin health: D1 query failed", { error: err });
      return c.json({ status: "degraded" as const, d1: { reachable: false, latencyMs: null }, counts: null, latestMigration: null, time: new Date().toISOString() }, 503);
    }
    const latencyMs = Date.now() - started;
    return c.json({ status: "ok" as const, d1: { reachable: true, latencyMs }, counts, latestMigration: await latestMigration(c.env.DB), time: new Date().toISOString() }, 200);
  },
);

/** wrangler (and applyD1Migrations) record applied migrations in `d1_migrations`; a database set up another way has none. */
async function latestMigration(d1: D1Database): Promise<string | null> {
  try {
    const row = await d1.prepare("select name from d1_migrations order by id desc limit 1").first<{ name: string }>();
    return row?.name ?? null;
  } catch (err) {
    if (String(err).includes("no such table")) return null;
    throw err;
  }
}
