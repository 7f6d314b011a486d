/**
 * Plan limits, enforced atomically. The count and the insert are one SQL statement
 * (`INSERT … SELECT … WHERE (SELECT count(*) …) < max`), so two concurrent creates cannot both
 * slip under the limit the way a count-then-insert would. Limits come from shared/plans.ts.
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Context } from "hono";
import { PLANS, planLimit, type PlanLimitName } from "../../../shared/plans";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";

export function planLimitError(c: Context<AppEnv>, limit: PlanLimitName, max: number): ApiError {
  const plan = c.get("tenantAccess").tenant.plan;
  return new ApiError("plan_limit_exceeded", `The ${PLANS[plan].name} plan allows ${max} ${limit}. Remove some or upgrade the plan.`, { limit, max, plan });
}

/**
 * Inserts `row` into `table` only while fewer than the plan's limit of rows match `countWhere`
 * in the same table. Throws `plan_limit_exceeded` (402) when the limit is reached.
 */
export async function insertWithinPlanLimit<T extends SQLiteTable>(c: Context<AppEnv>, limit: PlanLimitName, table: T, row: T["$inferInsert"], countWhere: SQL): Promise<void> {
  const db = c.get("db");
  const max = planLimit(c.get("tenantAccess").tenant.plan, limit);
  if (max === null) {
    await db.insert(table).values(row);
    return;
  }
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => (row as Record<string, unknown>)[key] !== undefined);
  const names = sql.join(columns.map(([, column]) => sql.identifier(column.name)), sql`, `);
  const values = sql.join(columns.map(([key, column]) => sql`${column.mapToDriverValue((row as Record<string, unknown>)[key])}`), sql`, `);
  const result = await db.run(sql`INSERT INTO ${table} (${names}) SELECT ${values} WHERE (SELECT count(*) FROM ${table} WHERE ${countWhere}) < ${max}`);
  if (result.meta.changes === 0) throw planLimitError(c, limit, max);
}
