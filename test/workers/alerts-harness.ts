/**
 * Alerts test support: a tenant with people in every role, rules created through the API, audit
 * events emitted through the real emit point (so they pass through the tenant's AuditLedger and
 * its alerts hook), and readers for what came out (D1 alerts, recorded webhook requests).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { AuditLedger } from "../../durable-objects/audit-ledger";
import { alertsOf } from "../../durable-objects/audit-ledger/alerts/storage";
import { ledgerFor } from "../../workers/shared/audit/emit";
import { emitAudit, type AuditEvent } from "../../workers/shared/audit/emit";
import type { AlertRow } from "../../workers/shared/db/schema";
import { call, tenantWithRoles } from "./harness";
import type { RecordedWebhook } from "./fake-webhook-receiver";

export type AlertsTenant = Awaited<ReturnType<typeof tenantWithRoles>>;

export const alertsTenant = () => tenantWithRoles("Alerts tenant");

export async function createRule(t: AlertsTenant, rule: Record<string, unknown>): Promise<{ id: string } & Record<string, any>> {
  const res = await call(`/v1/tenants/${t.tenantId}/alert-rules`, { body: rule, cookie: t.owner.cookie });
  if (res.status !== 201) throw new Error(`create rule failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.rule;
}

export async function createWebhook(t: AlertsTenant, url: string): Promise<{ id: string; secret: string }> {
  const res = await call(`/v1/tenants/${t.tenantId}/webhooks`, { body: { url }, cookie: t.owner.cookie });
  if (res.status !== 201) throw new Error(`create webhook failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.webhook.id, secret: res.body.secret };
}

/** Emits one audit event of the tenant through the real emit point. `at` (ms) drives rule windows. */
export function emit(tenantId: string, action: string, at: number, extra: Partial<AuditEvent> = {}): Promise<void> {
  return emitAudit(env, {
    tenantId,
    actor: { type: "agent", id: "agt_test", name: null },
    action,
    ip: null,
    userAgent: null,
    at,
    outcome: "denied",
    ...extra,
  });
}

/**
 * Waits for the tenant's ledger to finish what it does after acknowledging an append (rules
 * reload, outbox flush to D1/queue/sockets), so a test reads settled state.
 */
export async function settleAlerts(tenantId: string): Promise<void> {
  await runInDurableObject(ledgerFor(env, tenantId), async (_: AuditLedger, state) => {
    const inst = alertsOf(state);
    await inst.reloading.catch(() => undefined);
    await inst.flushing.catch(() => undefined);
  });
}

/** The tenant's alerts in D1, oldest first, after settling the ledger. */
export async function alertRows(tenantId: string): Promise<AlertRow[]> {
  await settleAlerts(tenantId);
  const { results } = await env.DB.prepare("SELECT * FROM alerts WHERE tenant_id = ? ORDER BY id")
    .bind(tenantId)
    .all<Record<string, any>>();
  return results.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    severity: r.severity,
    status: r.status,
    summary: r.summary,
    count: r.count,
    firstSeq: r.first_seq,
    lastSeq: r.last_seq,
    firstEventAt: r.first_event_at,
    lastEventAt: r.last_event_at,
    sampleEventIds: JSON.parse(r.sample_event_ids),
    firedAt: r.fired_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    resolutionNote: r.resolution_note,
  }));
}

export async function recordedWebhooks(bucket: string): Promise<RecordedWebhook[]> {
  const res = await fetch(`https://webhooks.test/__recorded/${bucket}`);
  return (await res.json()) as RecordedWebhook[];
}

/** Polls until `read` returns something `done` accepts (queues and sockets are asynchronous). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

let bucketN = 0;
export const uniqueBucket = (label: string) => `${label}-${Date.now().toString(36)}-${++bucketN}`;
