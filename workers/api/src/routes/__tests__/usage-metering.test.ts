/**
 * Usage metering end to end: producers' records (streams with re-sends, running totals, keys) are
 * counted exactly once by the tenant's UsageMeter, flushed to D1 in batches, cut into usage reports
 * and sent to the Stripe fake's Billing Meters — and what Stripe received adds up to exactly what
 * was sent, also after a crash between sending and marking a report sent.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { recordUsage, usageMeterFor, type UsageInput } from "../../../../shared/billing/usage";
import { createDb } from "../../../../shared/db/client";
import { usageCounters, usageReports } from "../../../../shared/db/schema";
import { meterEventsOf, subscribedTenant, tenantWithCustomer } from "../../../../../test/workers/stripe-test";
import { reportUsage } from "../../services/billing/usage-report";

const sumOf = (events: Array<{ event_name: string; payload: Record<string, string> }>, name: string) =>
  events.filter((e) => e.event_name === name).reduce((n, e) => n + Number(e.payload.value), 0);

describe("usage metering → Stripe Billing Meters", () => {
  it("reconciles: every message sent is reported once, however the records were re-sent", async () => {
    const t = await subscribedTenant("team", "reconcile");
    const agentIds = ["agt_a", "agt_b", "agt_c"];
    let sent = 0;
    // Three agents' relay streams in batches of 40, each batch sent twice (a producer retrying after a timeout).
    for (let batch = 0; batch < 5; batch++) {
      const records: UsageInput[] = agentIds.flatMap((agentId) =>
        Array.from({ length: 40 }, (_, i) => ({
          tenantId: t.tenantId,
          agentId,
          kind: "relay_messages" as const,
          source: `relay:team:${agentId}`,
          seq: batch * 40 + i + 1,
        })),
      );
      expect((await recordUsage(env, records)).applied).toBe(120);
      expect((await recordUsage(env, records)).applied).toBe(0);
      sent += 120;
    }
    // The egress gate's running daily totals: growth only.
    await recordUsage(
      env,
      [10, 25, 25, 20].map((total) => ({
        tenantId: t.tenantId,
        agentId: "agt_a",
        kind: "egress_calls" as const,
        counter: "egress:agt_a:2026-12-07",
        total,
      })),
    );

    const meter = usageMeterFor(env, t.tenantId);
    const flushed = await meter.flush();
    // One row per (kind, agent) plus the tenant totals: 3 agents + total for relay, 1 + total for egress.
    expect(flushed.counters).toBe(6);
    const first = await reportUsage(env, t.tenantId);
    expect(first).toMatchObject({ cut: 2, sent: 2, notBillable: 0 });

    // More usage, a second report; then a report with nothing new sends nothing.
    await recordUsage(
      env,
      agentIds.map((agentId) => ({
        tenantId: t.tenantId,
        agentId,
        kind: "relay_messages" as const,
        source: `relay:team:${agentId}`,
        seq: 201,
        quantity: 1,
      })),
    );
    sent += 3;
    await meter.flush();
    expect(await reportUsage(env, t.tenantId)).toMatchObject({ cut: 1, sent: 1 });
    expect(await reportUsage(env, t.tenantId)).toMatchObject({ cut: 0, sent: 0 });

    // A crash after Stripe took a meter event but before the row was marked sent: resent with the same identifier, counted once.
    const db = createDb(env.DB);
    const row = (await db.select().from(usageReports).where(eq(usageReports.tenantId, t.tenantId)).all()).find(
      (r) => r.kind === "relay_messages",
    )!;
    await db.update(usageReports).set({ status: "pending", sentAt: null }).where(eq(usageReports.id, row.id));
    expect(await reportUsage(env, t.tenantId)).toMatchObject({ sent: 1 });

    const events = await meterEventsOf(t.customer);
    expect(sumOf(events, "switchboard_relay_messages")).toBe(sent);
    expect(sumOf(events, "switchboard_egress_calls")).toBe(25);
    expect(new Set(events.map((e) => e.identifier)).size).toBe(events.length);
    const reports = await db.select().from(usageReports).where(eq(usageReports.tenantId, t.tenantId)).all();
    expect(reports.every((r) => r.status === "sent")).toBe(true);
    // D1's counters agree with the meter, per agent too.
    const counters = await db.select().from(usageCounters).where(eq(usageCounters.tenantId, t.tenantId)).all();
    expect(counters.find((c) => c.kind === "relay_messages" && c.agentId === "")).toMatchObject({ quantity: sent, reported: sent });
    expect(counters.filter((c) => c.kind === "relay_messages" && c.agentId !== "").map((c) => c.quantity)).toEqual([201, 201, 201]);
  });

  it("a tenant without a paid subscription is metered but not billed: its reports are not_billable and nothing reaches Stripe", async () => {
    const t = await tenantWithCustomer("free-usage");
    await recordUsage(env, { tenantId: t.tenantId, agentId: "agt_x", kind: "relay_messages", quantity: 7, idempotencyKey: "k1" });
    await recordUsage(env, { tenantId: t.tenantId, agentId: "agt_x", kind: "relay_messages", quantity: 7, idempotencyKey: "k1" });
    await usageMeterFor(env, t.tenantId).flush();
    expect(await reportUsage(env, t.tenantId)).toMatchObject({ cut: 1, sent: 0, notBillable: 1 });
    expect(await meterEventsOf(t.customer)).toEqual([]);
    const summary = await usageMeterFor(env, t.tenantId).summary(t.tenantId);
    expect(summary.totals.relay_messages).toBe(7);
  });

  it("the free plan's allowance is a hard cap the meter enforces for callers that can still refuse", async () => {
    const t = await tenantWithCustomer("free-cap");
    const big = await recordUsage(
      env,
      { tenantId: t.tenantId, agentId: null, kind: "runs", quantity: 100, idempotencyKey: "runs-1" },
      { enforce: true },
    );
    expect(big.applied).toBe(100);
    const over = await recordUsage(
      env,
      { tenantId: t.tenantId, agentId: null, kind: "runs", quantity: 1, idempotencyKey: "runs-2" },
      { enforce: true },
    );
    expect(over.applied).toBe(0);
    expect(over.refused[0]).toMatchObject({ decision: "hard_exceeded", kind: "runs", limits: [{ source: "plan", used: 100, hard: 100 }] });
    // Usage that already happened is always counted (no enforce).
    expect(
      (await recordUsage(env, { tenantId: t.tenantId, agentId: null, kind: "runs", quantity: 1, idempotencyKey: "runs-3" })).applied,
    ).toBe(1);
  });
});
