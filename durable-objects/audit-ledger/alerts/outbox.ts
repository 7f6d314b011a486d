/**
 * Alerts leave the ledger object through an outbox in its SQLite: `stageAlert` runs inside the
 * synchronous evaluation (so a fired alert is as durable as the entries that fired it), and
 * `flushOutbox` then writes D1 (`alerts`, `webhook_deliveries`), enqueues one ALERT_WEBHOOKS
 * message per delivery and pushes the alert to the live inbox. A failed flush leaves the rows
 * staged; the next append, poke or `flushAlerts` call retries. Every step is idempotent: the D1
 * alert upsert never touches status fields, deliveries have stable ids, and the webhook consumer
 * skips deliveries already delivered.
 */
import { and, eq, sql as raw } from "drizzle-orm";
import { toAlert } from "../../../workers/shared/alerts/serialize";
import { newId } from "../../../workers/shared/crypto/ids";
import { createDb } from "../../../workers/shared/db/client";
import { alerts, webhookDeliveries, webhooks, type AlertRow } from "../../../workers/shared/db/schema";
import type { WebhookPayload } from "../../../workers/shared/schemas/alerts";
import type { AlertWebhookMessage } from "../../../workers/shared/alerts/queue-message";
import { broadcastAlert } from "./live";
import type { AlertsInstance } from "./storage";

interface StagedDelivery {
  deliveryId: string;
  webhookId: string;
}

type OutboxRow = {
  alert_id: string;
  alert: string;
  is_new: number;
  deliveries: string;
  version: number;
};

export const FLUSH_BATCH = 20;

export function stageAlert(sql: SqlStorage, alert: AlertRow, isNew: boolean, webhookIds: readonly string[]): void {
  const existing = sql
    .exec<{ is_new: number; deliveries: string; version: number }>(
      "SELECT is_new, deliveries, version FROM alert_outbox WHERE alert_id = ?",
      alert.id,
    )
    .toArray()[0];
  const deliveries: StagedDelivery[] = existing
    ? JSON.parse(existing.deliveries)
    : isNew
      ? webhookIds.map((webhookId) => ({ webhookId, deliveryId: newId("webhookDelivery") }))
      : [];
  sql.exec(
    "INSERT INTO alert_outbox (alert_id, alert, is_new, deliveries, version, staged_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(alert_id) DO UPDATE SET alert = excluded.alert, version = excluded.version",
    alert.id,
    JSON.stringify(alert),
    existing ? existing.is_new : isNew ? 1 : 0,
    JSON.stringify(deliveries),
    (existing?.version ?? 0) + 1,
    Date.now(),
  );
}

export function stagedCount(inst: AlertsInstance): number {
  return inst.sql.exec<{ n: number }>("SELECT count(*) AS n FROM alert_outbox").one().n;
}

/** Flushes everything staged (in batches). Serialised per object. Returns how many alerts were flushed. */
export function flushOutbox(ctx: DurableObjectState, inst: AlertsInstance, env: Env): Promise<number> {
  const run = async () => {
    let total = 0;
    for (;;) {
      const n = await flushBatch(ctx, inst, env);
      total += n;
      if (n < FLUSH_BATCH) return total;
    }
  };
  const next = inst.flushing.catch(() => undefined).then(run);
  inst.flushing = next;
  return next;
}

async function flushBatch(ctx: DurableObjectState, inst: AlertsInstance, env: Env): Promise<number> {
  const rows = inst.sql
    .exec<OutboxRow>(
      "SELECT alert_id, alert, is_new, deliveries, version FROM alert_outbox ORDER BY staged_at, alert_id LIMIT ?",
      FLUSH_BATCH,
    )
    .toArray();
  if (rows.length === 0) return 0;
  const db = createDb(env.DB);
  const now = Date.now();
  const messages: AlertWebhookMessage[] = [];
  const upserts = rows.map((row) =>
    db
      .insert(alerts)
      .values(JSON.parse(row.alert) as AlertRow)
      .onConflictDoUpdate({
        target: alerts.id,
        // Growth only: status, acknowledgement and resolution belong to the API.
        set: {
          count: raw`excluded.count`,
          lastSeq: raw`excluded.last_seq`,
          lastEventAt: raw`excluded.last_event_at`,
          sampleEventIds: raw`excluded.sample_event_ids`,
        },
      })
      .returning(),
  );
  const deliveryInserts = rows.flatMap((row) => {
    if (!row.is_new) return [];
    const alert = JSON.parse(row.alert) as AlertRow;
    return (JSON.parse(row.deliveries) as StagedDelivery[]).map((d) => {
      messages.push({ deliveryId: d.deliveryId, tenantId: alert.tenantId });
      const payload: WebhookPayload = {
        id: d.deliveryId,
        type: "alert.fired",
        createdAt: new Date(now).toISOString(),
        tenantId: alert.tenantId,
        data: { alert: toAlert(alert) },
      };
      // Only for a webhook of the same tenant that still exists; a stale id in the rule is skipped.
      return db
        .insert(webhookDeliveries)
        .select(
          db
            .select({
              id: raw<string>`${d.deliveryId}`.as("id"),
              tenantId: webhooks.tenantId,
              webhookId: webhooks.id,
              alertId: raw<string>`${alert.id}`.as("alert_id"),
              event: raw<string>`'alert.fired'`.as("event"),
              payload: raw<string>`${JSON.stringify(payload)}`.as("payload"),
              status: raw<"pending">`'pending'`.as("status"),
              attempts: raw<number>`0`.as("attempts"),
              lastStatusCode: raw<null>`NULL`.as("last_status_code"),
              lastError: raw<null>`NULL`.as("last_error"),
              createdAt: raw<number>`${now}`.as("created_at"),
              updatedAt: raw<number>`${now}`.as("updated_at"),
              deliveredAt: raw<null>`NULL`.as("delivered_at"),
            })
            .from(webhooks)
            .where(and(eq(webhooks.id, d.webhookId), eq(webhooks.tenantId, alert.tenantId))),
        )
        .onConflictDoNothing();
    });
  });
  const [first, ...rest] = [...upserts, ...deliveryInserts];
  const results = await db.batch([first!, ...rest]);
  if (messages.length > 0) await env.ALERT_WEBHOOKS.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
  for (const row of rows) {
    // Grown meanwhile: keep the newer snapshot staged, but its webhooks are done.
    inst.sql.exec("DELETE FROM alert_outbox WHERE alert_id = ? AND version = ?", row.alert_id, row.version);
    inst.sql.exec("UPDATE alert_outbox SET is_new = 0, deliveries = '[]' WHERE alert_id = ?", row.alert_id);
  }
  for (const result of results.slice(0, upserts.length)) {
    const saved = (result as AlertRow[])[0];
    if (saved) broadcastAlert(ctx, toAlert(saved));
  }
  return rows.length;
}
