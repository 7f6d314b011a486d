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
import { checkArchives, checkCronJobs, checkD1, checkQueue, queuesOf } from "../services/health/checks";
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
  members: sql<number>`(select count(*) from ${memberships} where ${qualified(memberships.tenantId)} = ${qualified(tenants.id)})`.mapWith(
    Number,
  ),
  agents:
    sql<number>`(select count(*) from ${agents} where ${qualified(agents.tenantId)} = ${qualified(tenants.id)} and ${qualified(agents.deletedAt)} is null)`.mapWith(
      Number,
    ),
  teams:
    sql<number>`(select count(*) from ${teams} where ${qualified(teams.tenantId)} = ${qualified(tenants.id)} and ${qualified(teams.deletedAt)} is null)`.mapWith(
      Number,
    ),
};

function selectTenantsWithCounts(c: Context<AppEnv>) {
  return c
    .get("db")
    .select({ tenant: tenants, ...tenantCounts })
    .from(tenants);
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
    return c.json(
      toPage(rows, limit, toOperatorTenant, (r) => r.tenant.id),
      200,
    );
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
        .select({
          userId: memberships.userId,
          email: users.email,
          name: users.name,
          role: memberships.role,
          createdAt: memberships.createdAt,
        })
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
    summary: "Platform health: D1, queue backlogs and dead letters, each cron job's last run, audit archives in R2",
    description:
      "Every check answers on its own (one failing dependency never hides the others); `status` is `degraded` when any check is. Answers 503 when D1 itself does not answer.",
    responses: {
      200: jsonResponse(PlatformHealthSchema, "The checks (`status` says whether all are ok)."),
      503: jsonResponse(PlatformHealthSchema, "D1 is not answering."),
    },
  }),
  async (c) => {
    const db = c.get("db");
    const now = Date.now();
    const [d1, queues, cronJobs, archives, migration] = await Promise.all([
      checkD1(db),
      Promise.all(queuesOf(c.env, db, now).map((spec) => checkQueue(spec, now))),
      checkCronJobs(db, now).catch((error: unknown) => {
        log.error("health: cron runs unreadable", { error });
        return [];
      }),
      checkArchives(c.env, db, now),
      latestMigration(c.env.DB).catch(() => null),
    ]);
    const degraded = !d1.reachable || [...queues, ...cronJobs, archives].some((check) => check.status === "degraded");
    const body = {
      status: degraded ? ("degraded" as const) : ("ok" as const),
      d1: { reachable: d1.reachable, latencyMs: d1.latencyMs },
      counts: d1.counts,
      latestMigration: migration,
      queues,
      cronJobs,
      archives,
      time: new Date(now).toISOString(),
    };
    return d1.reachable ? c.json(body, 200) : c.json(body, 503);
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
