/**
 * Plan limits, in one place: how each limit is counted (`usageOf`) and how it is enforced. The
 * count and the insert are one SQL statement (`INSERT … SELECT … WHERE (count) < max`), so two
 * concurrent creates cannot both slip under the limit the way a count-then-insert would. The
 * limits themselves come from shared/plans.ts.
 *
 * - agents, teams: rows not soft-deleted;
 * - members: memberships plus pending invites (an invite holds a seat until it is accepted,
 *   revoked or expires, so accepting one never overshoots).
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Context } from "hono";
import { agents, invites, memberships, teams } from "../../../shared/db/schema";
import { PLANS, planLimit, type PlanId, type PlanLimitName } from "../../../shared/plans";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { pendingInviteAt } from "./invite-status";

/** SQL for how much of `limit` the tenant uses at `now`. */
export function usageOf(limit: PlanLimitName, tenantId: string, now: number): SQL {
  switch (limit) {
    case "agents":
      return sql`(SELECT count(*) FROM ${agents} WHERE ${agents.tenantId} = ${tenantId} AND ${agents.deletedAt} IS NULL)`;
    case "teams":
      return sql`(SELECT count(*) FROM ${teams} WHERE ${teams.tenantId} = ${tenantId} AND ${teams.deletedAt} IS NULL)`;
    case "members":
      return sql`((SELECT count(*) FROM ${memberships} WHERE ${memberships.tenantId} = ${tenantId}) + (SELECT count(*) FROM ${invites} AS seat WHERE seat.tenant_id = ${tenantId} AND ${pendingInviteAt("seat", now)}))`;
  }
}

export function planLimitError(c: Context<AppEnv>, limit: PlanLimitName, max: number): ApiError {
  const plan = c.get("tenantAccess").tenant.plan;
  return new ApiError("plan_limit_exceeded", `The ${PLANS[plan].name} plan allows ${max} ${limit}. Remove some or upgrade the plan.`, {
    limit,
    max,
    plan,
  });
}

export interface PlanLimitedInsertOptions {
  /** A further condition the insert needs (evaluated in the same statement), e.g. "no pending invite for this email". */
  also?: SQL;
  /** When nothing was inserted and `also` may be why: the error to throw instead of `plan_limit_exceeded` (null: it was the limit). */
  explainRefusal?: () => Promise<ApiError | null>;
  now?: number;
}

/**
 * Inserts `row` into `table` only while the route's tenant is under its plan's `limit` (and
 * `options.also` holds). Throws `plan_limit_exceeded` (402) when the limit is reached.
 */
export async function insertWithinPlanLimit<T extends SQLiteTable>(
  c: Context<AppEnv>,
  limit: PlanLimitName,
  table: T,
  row: T["$inferInsert"],
  options: PlanLimitedInsertOptions = {},
): Promise<void> {
  const { tenant } = c.get("tenantAccess");
  const max = planLimit(tenant.plan, limit);
  const conditions = [
    ...(max === null ? [] : [sql`${usageOf(limit, tenant.id, options.now ?? Date.now())} < ${max}`]),
    ...(options.also ? [options.also] : []),
  ];
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => (row as Record<string, unknown>)[key] !== undefined);
  const names = sql.join(
    columns.map(([, column]) => sql.identifier(column.name)),
    sql`, `,
  );
  const values = sql.join(
    columns.map(([key, column]) => sql`${column.mapToDriverValue((row as Record<string, unknown>)[key])}`),
    sql`, `,
  );
  const where = conditions.length > 0 ? sql` WHERE ${sql.join(conditions, sql` AND `)}` : sql``;
  const result = await c.get("db").run(sql`INSERT INTO ${table} (${names}) SELECT ${values}${where}`);
  if (result.meta.changes > 0) return;
  const explained = options.explainRefusal ? await options.explainRefusal() : null;
  if (explained) throw explained;
  if (max === null) throw new Error(`insert into a plan-limited table changed nothing without a limit (${limit})`);
  throw planLimitError(c, limit, max);
}

/**
 * What the tenant uses of each plan limit, against `plan`'s maxima (one query). After a downgrade
 * `used` can be above `max`: nothing is removed, new ones are refused (docs/billing.md, "Downgrades").
 */
export async function planLimitsUsage(
  db: import("../../../shared/db/client").Database,
  tenantId: string,
  plan: PlanId,
  now = Date.now(),
): Promise<Array<{ limit: PlanLimitName; used: number; max: number | null }>> {
  const names: PlanLimitName[] = ["agents", "teams", "members"];
  const [row] = await db
    .select(Object.fromEntries(names.map((n) => [n, usageOf(n, tenantId, now).mapWith(Number)])) as Record<PlanLimitName, SQL<number>>)
    .from(sql`(select 1)`);
  return names.map((limit) => ({ limit, used: row?.[limit] ?? 0, max: planLimit(plan, limit) }));
}
