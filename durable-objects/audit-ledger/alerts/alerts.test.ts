/**
 * Rule evaluation inside the tenant's AuditLedger, driven through the real emit point: fires once
 * per window, stays silent below the threshold / outside the window / when disabled, survives
 * eviction (window counts, staged alerts, and entries the hook never saw).
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ledgerFor } from "../../../workers/shared/audit/emit";
import type { AuditLedger } from "../audit-ledger";
import type { AppendInput } from "../append";
import { alertRows, alertsTenant, createRule, emit } from "../../../test/workers/alerts-harness";
import { call } from "../../../test/workers/harness";

const DENIED = { name: "Denied burst", match: { action: "relay.message_denied" }, threshold: 3, windowSeconds: 60, severity: "critical" };
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const s = (seconds: number) => T0 + seconds * 1000;

describe("when a rule fires", () => {
  it("fires once when N matching events fall within the window; later matches in the quiet period grow that alert", async () => {
    const t = await alertsTenant();
    const rule = await createRule(t, DENIED);
    for (const at of [0, 10, 20]) await emit(t.tenantId, "relay.message_denied", s(at));
    let rows = await alertRows(t.tenantId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      ruleId: rule.id,
      ruleName: "Denied burst",
      severity: "critical",
      status: "open",
      count: 3,
      firstEventAt: s(0),
      lastEventAt: s(20),
    });
    expect(rows[0]!.sampleEventIds).toHaveLength(3);
    // Still hot (quiet period = 60 s from the event that crossed the threshold, i.e. until s(80)).
    for (const at of [30, 40, 79]) await emit(t.tenantId, "relay.message_denied", s(at));
    rows = await alertRows(t.tenantId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ count: 6, lastEventAt: s(79), lastSeq: rows[0]!.firstSeq + 5 });
    // Quiet period over: counting starts from zero, so two more are not enough…
    for (const at of [80, 81]) await emit(t.tenantId, "relay.message_denied", s(at));
    expect(await alertRows(t.tenantId)).toHaveLength(1);
    // …and the third is a new alert.
    await emit(t.tenantId, "relay.message_denied", s(82));
    rows = await alertRows(t.tenantId);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ count: 3, firstEventAt: s(80), lastEventAt: s(82) });
  });

  it("stays silent below the threshold and when the matches are spread wider than the window", async () => {
    const t = await alertsTenant();
    await createRule(t, DENIED);
    await emit(t.tenantId, "relay.message_denied", s(0));
    await emit(t.tenantId, "relay.message_denied", s(30));
    expect(await alertRows(t.tenantId)).toHaveLength(0);
    // s(0) has slid out of the window by s(61): only two in any 60 s.
    await emit(t.tenantId, "relay.message_denied", s(61));
    expect(await alertRows(t.tenantId)).toHaveLength(0);
    // Other actions and other outcomes do not count.
    await emit(t.tenantId, "relay.message_accepted", s(62));
    expect(await alertRows(t.tenantId)).toHaveLength(0);
    await emit(t.tenantId, "relay.message_denied", s(63));
    expect(await alertRows(t.tenantId)).toHaveLength(1);
  });

  it("a disabled rule is silent, and enabling it starts from an empty window", async () => {
    const t = await alertsTenant();
    const rule = await createRule(t, { ...DENIED, enabled: false });
    for (const at of [0, 1, 2, 3]) await emit(t.tenantId, "relay.message_denied", s(at));
    expect(await alertRows(t.tenantId)).toHaveLength(0);
    const patched = await call(`/v1/tenants/${t.tenantId}/alert-rules/${rule.id}`, {
      method: "PATCH",
      body: { enabled: true },
      cookie: t.owner.cookie,
    });
    expect(patched.status).toBe(200);
    for (const at of [4, 5]) await emit(t.tenantId, "relay.message_denied", s(at));
    expect(await alertRows(t.tenantId)).toHaveLength(0);
    await emit(t.tenantId, "relay.message_denied", s(6));
    expect(await alertRows(t.tenantId)).toHaveLength(1);
  });

  it("threshold 1 alerts on every match; prefix, outcome and actor filters apply", async () => {
    const t = await alertsTenant();
    await createRule(t, {
      name: "Any relay denial by agt_x",
      match: { action: "relay.*", outcome: "denied", actor: { id: "agt_x" } },
      threshold: 1,
    });
    const actor = { type: "agent" as const, id: "agt_x", name: null };
    await emit(t.tenantId, "relay.subscription_denied", s(0), { actor });
    await emit(t.tenantId, "relay.message_denied", s(0), { actor });
    await emit(t.tenantId, "relay.message_accepted", s(0), { actor, outcome: "success" });
    await emit(t.tenantId, "relay.message_denied", s(0), { actor: { ...actor, id: "agt_y" } });
    await emit(t.tenantId, "relayx.message_denied", s(0), { actor });
    const rows = await alertRows(t.tenantId);
    expect(rows.map((r) => [r.count, r.summary])).toEqual([
      [1, "relay.* matched"],
      [1, "relay.* matched"],
    ]);
  });

  it("the platform chain (tenant-less events) never evaluates tenant rules", async () => {
    const t = await alertsTenant();
    await createRule(t, { name: "Failed logins", match: { action: "auth.login_failed" }, threshold: 1 });
    await emitAuditPlatform();
    expect(await alertRows(t.tenantId)).toHaveLength(0);
  });
});

describe("the rules copy in the ledger", () => {
  it("a rule written to D1 without a poke applies once the copy is older than RULES_MAX_AGE_MS", async () => {
    const t = await alertsTenant();
    await emit(t.tenantId, "relay.message_accepted", s(0)); // the ledger loads the (empty) rule set
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO alert_rules (id, tenant_id, name, description, match, threshold, window_seconds, severity, enabled, webhook_ids, created_at, updated_at) VALUES (?, ?, 'Unpoked', '', ?, 1, 60, 'info', 1, '[]', ?, ?)",
    )
      .bind(`alr_unpoked_${crypto.randomUUID()}`, t.tenantId, JSON.stringify({ action: "agent.suspended" }), now, now)
      .run();
    await emit(t.tenantId, "agent.suspended", s(1));
    expect(await alertRows(t.tenantId)).toHaveLength(0); // the copy is fresh: the lost poke is not noticed yet
    const { RULES_MAX_AGE_MS } = await import("./rules");
    await runInDurableObject(ledgerFor(env, t.tenantId), (_: AuditLedger, state) => {
      state.storage.sql.exec("UPDATE alert_meta SET value = ? WHERE key = 'rules_loaded_at'", String(Date.now() - RULES_MAX_AGE_MS - 1));
    });
    // The stale copy is refreshed in the background: this event is judged by the old copy…
    await emit(t.tenantId, "agent.suspended", s(2));
    expect(await alertRows(t.tenantId)).toHaveLength(0);
    // …the next one by the new rules.
    await emit(t.tenantId, "agent.suspended", s(3));
    expect(await alertRows(t.tenantId)).toMatchObject([{ ruleName: "Unpoked", firstEventAt: s(3) }]);
  });
});

describe("eviction", () => {
  it("window counts live in the ledger's SQLite: two events, eviction, one more event fires", async () => {
    const t = await alertsTenant();
    await createRule(t, DENIED);
    await emit(t.tenantId, "relay.message_denied", s(0));
    await emit(t.tenantId, "relay.message_denied", s(1));
    await evictDurableObject(ledgerFor(env, t.tenantId));
    await emit(t.tenantId, "relay.message_denied", s(2));
    expect(await alertRows(t.tenantId)).toMatchObject([{ count: 3 }]);
  });

  it("an alert staged but not yet written to D1 when the object is evicted is written by the next append", async () => {
    const t = await alertsTenant();
    await createRule(t, { ...DENIED, threshold: 1 });
    const stub = ledgerFor(env, t.tenantId);
    await emit(t.tenantId, "relay.message_accepted", s(0)); // binds the chain and loads the rules
    // Stage through the hook's own evaluation, but stop before the flush (as an eviction would).
    const { evaluateEntry } = await import("./evaluate");
    const { alertsOf } = await import("./storage");
    const { cachedRules } = await import("./rules");
    await runInDurableObject(stub, (_: AuditLedger, state) => {
      const inst = alertsOf(state);
      const entry = {
        v: 1,
        chainId: t.tenantId,
        seq: 999,
        id: "aud_staged_only",
        at: s(1),
        tenantId: t.tenantId,
        actor: { type: "agent", id: "a", name: null },
        action: "relay.message_denied",
        target: null,
        severity: "info",
        outcome: "denied",
        details: {},
        ip: null,
        userAgent: null,
        prevHash: "0".repeat(64),
        hash: "0".repeat(64),
      } as const;
      state.storage.transactionSync(() => evaluateEntry(inst, t.tenantId, cachedRules(inst), entry));
    });
    await evictDurableObject(stub);
    expect(await alertRows(t.tenantId)).toHaveLength(0);
    await emit(t.tenantId, "relay.message_denied", s(2));
    const rows = await alertRows(t.tenantId);
    expect(rows.map((r) => r.sampleEventIds[0])).toContain("aud_staged_only");
    expect(rows).toHaveLength(2);
  });

  it("entries committed but never passed to the hook (evicted right after the commit) are evaluated by the next append", async () => {
    const t = await alertsTenant();
    await createRule(t, DENIED);
    await emit(t.tenantId, "relay.message_denied", s(0));
    const stub = ledgerFor(env, t.tenantId);
    const missed: AppendInput[] = [1, 2].map((i) => ({
      tenantId: t.tenantId,
      actor: { type: "agent", id: "a", name: null },
      action: "relay.message_denied",
      outcome: "denied",
      ip: null,
      userAgent: null,
      at: s(i),
    }));
    await runInDurableObject(stub, (ledger: AuditLedger, state) => {
      // The append's synchronous commit alone — what an eviction right after the commit leaves.
      state.storage.transactionSync(() =>
        (ledger as unknown as { commit(c: string, e: AppendInput[], fresh: boolean, now: number): unknown }).commit(
          t.tenantId,
          missed,
          true,
          Date.now(),
        ),
      );
    });
    await evictDurableObject(stub);
    expect(await alertRows(t.tenantId)).toHaveLength(0);
    await emit(t.tenantId, "relay.message_accepted", s(3));
    expect(await alertRows(t.tenantId)).toMatchObject([{ count: 3, firstEventAt: s(0), lastEventAt: s(2) }]);
  });
});

describe("eviction: the alarm path", () => {
  it("alertsAlarm evaluates entries the hook never saw, without waiting for another append", async () => {
    const t = await alertsTenant();
    await createRule(t, DENIED);
    await emit(t.tenantId, "relay.message_denied", s(0));
    const stub = ledgerFor(env, t.tenantId);
    const missed: AppendInput[] = [1, 2].map((i) => ({
      tenantId: t.tenantId,
      actor: { type: "agent", id: "a", name: null },
      action: "relay.message_denied",
      outcome: "denied",
      ip: null,
      userAgent: null,
      at: s(i),
    }));
    await runInDurableObject(stub, (ledger: AuditLedger, state) => {
      // The append's synchronous commit alone — what an eviction right after the commit leaves.
      state.storage.transactionSync(() =>
        (ledger as unknown as { commit(c: string, e: AppendInput[], fresh: boolean, now: number): unknown }).commit(
          t.tenantId,
          missed,
          true,
          Date.now(),
        ),
      );
    });
    await evictDurableObject(stub);
    const { alertsAlarm } = await import("../alerts-hook");
    await runInDurableObject(stub, (_: AuditLedger, state) => alertsAlarm(state, env));
    expect(await alertRows(t.tenantId)).toMatchObject([{ count: 3 }]);
    // Run again (alarms are at-least-once): nothing new.
    await runInDurableObject(stub, (_: AuditLedger, state) => alertsAlarm(state, env));
    await emit(t.tenantId, "relay.message_accepted", s(3));
    expect(await alertRows(t.tenantId)).toMatchObject([{ count: 3 }]);
  });
});

async function emitAuditPlatform(): Promise<void> {
  const { emitAudit } = await import("../../../workers/shared/audit/emit");
  await emitAudit(env, {
    tenantId: null,
    actor: { type: "anonymous", id: null, name: "x@example.test" },
    action: "auth.login_failed",
    outcome: "failure",
    ip: null,
    userAgent: null,
  });
}
