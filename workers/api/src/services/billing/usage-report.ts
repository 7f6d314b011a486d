/**
 * Usage to Stripe Billing Meters (docs/billing.md, "Reporting"). A `report_usage` job (BILLING_JOBS,
 * scheduled by the tenant's UsageMeter after a flush, and by the daily sweep) does two steps:
 *
 * 1. **Cut**: for every tenant total (`usage_counters`, agent '') that grew past what was reported,
 *    a `usage_reports` row for the growth, and `reported` moved up — in one D1 batch, both
 *    conditional on `reported` still being what was read, so two jobs racing cut each growth once.
 *    Rows of a counter tile it: their quantities add up to exactly what was counted.
 * 2. **Send**: every pending row as one v1 meter event with `identifier` = the row id (and the same
 *    Stripe idempotency key), then marked sent. A crash or a redelivered job resends pending rows
 *    with the same identifier, which Stripe counts once.
 *
 * A tenant without a plan-granting subscription has nothing to bill: its rows are cut as
 * `not_billable` and not sent (so usage from before an upgrade is never billed after it).
 * Stripe takes events up to 35 days old; a row older than that is marked `expired` and logged.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import Stripe from "stripe";
import { periodBounds } from "../../../../shared/billing/period";
import { USAGE_KINDS } from "../../../../shared/billing/usage-kinds";
import { newId } from "../../../../shared/crypto/ids";
import { createDb } from "../../../../shared/db/client";
import { billingCustomers, billingSubscriptions, usageCounters, usageReports } from "../../../../shared/db/schema";
import { log } from "../../../../shared/observability/log";
import { billingConfig } from "./stripe-client";
import { PLAN_GRANTING_STATUSES } from "./subscription-state";
import type { BillingJob } from "./queue-messages";

const SEND_BATCH = 100;
const MAX_EVENT_AGE_MS = 35 * 86_400_000 - 3_600_000;

export interface ReportResult {
  cut: number;
  sent: number;
  notBillable: number;
  expired: number;
}

export async function reportUsage(env: Env, tenantId: string, now = Date.now()): Promise<ReportResult> {
  const config = billingConfig(env);
  const result: ReportResult = { cut: 0, sent: 0, notBillable: 0, expired: 0 };
  if (!config) return result;
  const db = createDb(env.DB);
  const [customer, paying, grown] = await Promise.all([
    db.select({ id: billingCustomers.stripeCustomerId }).from(billingCustomers).where(eq(billingCustomers.tenantId, tenantId)).get(),
    db
      .select({ id: billingSubscriptions.id })
      .from(billingSubscriptions)
      .where(and(eq(billingSubscriptions.tenantId, tenantId), inArray(billingSubscriptions.status, [...PLAN_GRANTING_STATUSES])))
      .get(),
    db
      .select()
      .from(usageCounters)
      .where(
        and(
          eq(usageCounters.tenantId, tenantId),
          eq(usageCounters.agentId, ""),
          sql`${usageCounters.quantity} > ${usageCounters.reported}`,
        ),
      )
      .all(),
  ]);
  const billable = Boolean(customer && paying);

  if (grown.length > 0) {
    const where = "tenant_id = ? AND period = ? AND kind = ? AND agent_id = '' AND reported = ?";
    const statements = grown.flatMap((c) => [
      env.DB.prepare(
        `INSERT INTO usage_reports (id, tenant_id, period, kind, quantity, from_total, to_total, status, created_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM usage_counters WHERE ${where})`,
      ).bind(
        newId("usageReport", now),
        tenantId,
        c.period,
        c.kind,
        c.quantity - c.reported,
        c.reported,
        c.quantity,
        billable ? "pending" : "not_billable",
        now,
        tenantId,
        c.period,
        c.kind,
        c.reported,
      ),
      env.DB.prepare(`UPDATE usage_counters SET reported = ? WHERE ${where}`).bind(c.quantity, tenantId, c.period, c.kind, c.reported),
    ]);
    const results = await env.DB.batch(statements);
    for (let i = 0; i < grown.length; i++) {
      if (results[i * 2]!.meta.changes > 0) {
        result.cut += 1;
        if (!billable) result.notBillable += 1;
      }
    }
  }
  if (!billable || !customer) return result;

  const pending = await db
    .select()
    .from(usageReports)
    .where(and(eq(usageReports.tenantId, tenantId), eq(usageReports.status, "pending")))
    .orderBy(usageReports.id)
    .limit(SEND_BATCH)
    .all();
  // One at a time: Stripe allows one concurrent meter event per customer and meter.
  for (const row of pending) {
    const end = periodBounds(row.period).end;
    const at = Math.min(now, end - 1000);
    if (at < now - MAX_EVENT_AGE_MS) {
      log.error("usage report too old for Stripe; not billed", {
        reportId: row.id,
        tenantId,
        period: row.period,
        kind: row.kind,
        quantity: row.quantity,
      });
      await db.update(usageReports).set({ status: "expired" }).where(eq(usageReports.id, row.id));
      result.expired += 1;
      continue;
    }
    try {
      await config.stripe.billing.meterEvents.create(
        {
          event_name: USAGE_KINDS[row.kind].meterEventName,
          payload: { stripe_customer_id: customer.id, value: String(row.quantity) },
          identifier: row.id,
          timestamp: Math.floor(at / 1000),
        },
        { idempotencyKey: `meter-event-${row.id}` },
      );
    } catch (error) {
      // Already counted by Stripe (an earlier attempt got through but we did not record it).
      if (!(error instanceof Stripe.errors.StripeError && /identifier/i.test(error.message) && /already/i.test(error.message))) throw error;
    }
    await db.update(usageReports).set({ status: "sent", sentAt: Date.now() }).where(eq(usageReports.id, row.id));
    result.sent += 1;
  }
  if (pending.length === SEND_BATCH) await env.BILLING_JOBS.send({ type: "report_usage", tenantId } satisfies BillingJob);
  return result;
}

/** Daily safety net: every tenant with unreported growth or pending rows gets a report job. */
export async function sweepUsageReports(env: Env): Promise<number> {
  if (!billingConfig(env)) return 0;
  const rows = await env.DB.prepare(
    "SELECT DISTINCT tenant_id FROM usage_counters WHERE agent_id = '' AND quantity > reported UNION SELECT DISTINCT tenant_id FROM usage_reports WHERE status = 'pending' LIMIT 1000",
  ).all<{ tenant_id: string }>();
  for (let i = 0; i < rows.results.length; i += 100) {
    await env.BILLING_JOBS.sendBatch(
      rows.results.slice(i, i + 100).map((r) => ({ body: { type: "report_usage", tenantId: r.tenant_id } satisfies BillingJob })),
    );
  }
  return rows.results.length;
}
