/**
 * Webhooks: registration rules (https, secret shown once, roles, tenant isolation), and delivery
 * through the ALERT_WEBHOOKS queue: signed as documented (checked here with WebCrypto, not with our
 * own verifier), retried with backoff, dead-lettered, idempotent. Outbound requests go to the fake
 * receiver at https://webhooks.test (test/workers/fake-webhook-receiver.ts).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ALERT_WEBHOOKS_DLQ, ALERT_WEBHOOKS_QUEUE } from "../../../../shared/alerts/queue-message";
import { verifySignature } from "../../../../shared/alerts/signature";
import { queue } from "../../queues";
import { RETRY_DELAYS_SECONDS } from "../../services/alerts/webhook-delivery";
import { call, expectError } from "../../../../../test/workers/harness";
import {
  alertRows,
  alertsTenant,
  createRule,
  createWebhook,
  emit,
  eventually,
  recordedWebhooks,
  uniqueBucket,
  type AlertsTenant,
} from "../../../../../test/workers/alerts-harness";
import { auditResults } from "../../../../../test/workers/audit-view";

const hooksPath = (tenantId: string) => `/v1/tenants/${tenantId}/webhooks`;

/** The receiver's check, written from docs/alerts.md with WebCrypto only. */
async function documentedSignatureValid(secret: string, rawBody: string, header: string, nowSeconds: number): Promise<boolean> {
  const fields = Object.fromEntries(header.split(",").map((kv) => kv.split("=") as [string, string]));
  const t = Number(fields.t);
  if (Math.abs(nowSeconds - t) > 300) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const mac = new Uint8Array(fields.v1!.match(/../g)!.map((h) => parseInt(h, 16)));
  return crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(`${t}.${rawBody}`));
}

interface DeliveryRow {
  id: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  payload: string;
}

const delivery = (id: string) => env.DB.prepare("SELECT * FROM webhook_deliveries WHERE id = ?").bind(id).first<DeliveryRow>();
const attempts = (id: string) =>
  env.DB.prepare("SELECT attempt, status_code, error FROM webhook_delivery_attempts WHERE delivery_id = ? ORDER BY attempt")
    .bind(id)
    .all()
    .then((r) => r.results);

/** A pending delivery row for a webhook, as the ledger's outbox writes it (for driving the consumer directly). */
async function pendingDelivery(t: AlertsTenant, webhookId: string): Promise<string> {
  const id = `dlv_test_${crypto.randomUUID()}`;
  const payload = JSON.stringify({
    id,
    type: "alert.fired",
    createdAt: new Date().toISOString(),
    tenantId: t.tenantId,
    data: { alert: { id: "alt_x" } },
  });
  await env.DB.prepare(
    "INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, alert_id, event, payload, status, attempts, created_at, updated_at) VALUES (?, ?, ?, 'alt_x', 'alert.fired', ?, 'pending', 0, ?, ?)",
  )
    .bind(id, t.tenantId, webhookId, payload, Date.now(), Date.now())
    .run();
  return id;
}

/** Runs the Worker's queue handler on one message; `retryDelays` are the delaySeconds it asked for (getQueueResult does not report them). */
async function consume(queueName: string, deliveryId: string, tenantId: string, attempt: number) {
  const batch = createMessageBatch(queueName, [
    { id: `msg-${attempt}`, timestamp: new Date(), attempts: attempt, body: { deliveryId, tenantId } },
  ]);
  const retryDelays: Array<number | undefined> = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    Object.defineProperty(message, "retry", {
      value: (options?: QueueRetryOptions) => (retryDelays.push(options?.delaySeconds), retry(options)),
    });
  }
  const ctx = createExecutionContext();
  await queue(batch, env, ctx);
  return { ...(await getQueueResult(batch, ctx)), retryDelays };
}

describe("registering webhooks", () => {
  it("creates with a secret shown once, lists without it, deletes (removing it from rules); all audited by host only", async () => {
    const t = await alertsTenant();
    const created = await call(hooksPath(t.tenantId), {
      body: { url: "https://webhooks.test/hook?token=s3cret", description: "pager" },
      cookie: t.admin.cookie,
    });
    expect(created.status).toBe(201);
    const { webhook, secret } = created.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(webhook).toMatchObject({
      url: "https://webhooks.test/hook?token=s3cret",
      description: "pager",
      secretPrefix: secret.slice(0, 10),
    });
    const list = await call(hooksPath(t.tenantId), { cookie: t.owner.cookie });
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body.data.map((w: any) => w.id)).toEqual([webhook.id]);
    const stored = await env.DB.prepare("SELECT secret_enc FROM webhooks WHERE id = ?").bind(webhook.id).first<{ secret_enc: string }>();
    expect(stored!.secret_enc).toMatch(/^v1\./);
    expect(stored!.secret_enc).not.toContain(secret.slice(6));
    const rule = await createRule(t, { name: "r", match: { action: "agent.suspended" }, webhookIds: [webhook.id] });
    expect((await call(`${hooksPath(t.tenantId)}/${webhook.id}`, { method: "DELETE", cookie: t.owner.cookie })).status).toBe(204);
    expect((await call(`/v1/tenants/${t.tenantId}/alert-rules/${rule.id}`, { cookie: t.owner.cookie })).body.rule.webhookIds).toEqual([]);
    expectError(await call(`${hooksPath(t.tenantId)}/${webhook.id}`, { method: "DELETE", cookie: t.owner.cookie }), 404, "not_found");
    const audit = await auditResults<{ action: string; details: string }>(
      "SELECT action, details FROM audit_events WHERE tenant_id = ? AND action LIKE 'webhook.%' ORDER BY seq",
      t.tenantId,
    );
    expect(audit.results.map((r) => [r.action, JSON.parse(r.details)])).toEqual([
      ["webhook.created", { host: "webhooks.test", requestId: expect.stringMatching(/^req_/) }],
      ["webhook.deleted", { host: "webhooks.test", removedFromRules: [rule.id], requestId: expect.stringMatching(/^req_/) }],
    ]);
  });

  it("accepts https and (in development) http://localhost; refuses other http, IP literals, credentials, garbage", async () => {
    const t = await alertsTenant();
    expect((await call(hooksPath(t.tenantId), { body: { url: "http://localhost:9000/hook" }, cookie: t.owner.cookie })).status).toBe(201);
    for (const url of [
      "http://example.com/hook",
      "https://10.0.0.1/hook",
      "https://[::1]/x",
      "https://user:pw@example.com/",
      "ftp://example.com/",
      "not a url",
      "https://intranet/hook",
    ]) {
      const res = await call(hooksPath(t.tenantId), { body: { url }, cookie: t.owner.cookie });
      expectError(res, 400, "validation_failed");
      expect(res.body.error.details.issues[0].path).toBe("url");
    }
    expectError(
      await call(hooksPath(t.tenantId), { body: { url: "https://example.com", extra: 1 }, cookie: t.owner.cookie }),
      400,
      "validation_failed",
    );
  });

  it("members and viewers can neither manage nor read webhooks (403); other tenants get 404", async () => {
    const t = await alertsTenant();
    const hook = await createWebhook(t, "https://webhooks.test/roles");
    for (const who of [t.member, t.viewer]) {
      expectError(await call(hooksPath(t.tenantId), { body: { url: "https://example.com/x" }, cookie: who.cookie }), 403, "forbidden");
      expectError(await call(hooksPath(t.tenantId), { cookie: who.cookie }), 403, "forbidden");
      expectError(await call(`${hooksPath(t.tenantId)}/${hook.id}`, { method: "DELETE", cookie: who.cookie }), 403, "forbidden");
    }
    const other = await alertsTenant();
    expectError(await call(`${hooksPath(other.tenantId)}/${hook.id}`, { method: "DELETE", cookie: other.owner.cookie }), 404, "not_found");
    expectError(await call(`${hooksPath(other.tenantId)}/${hook.id}/deliveries`, { cookie: other.owner.cookie }), 404, "not_found");
    expectError(await call(hooksPath(t.tenantId), { cookie: other.owner.cookie }), 404, "not_found");
  });
});

describe("testing a webhook", () => {
  it("sends a signed webhook.test event now and reports the receiver's answer; audited; 403/404 as usual", async () => {
    const t = await alertsTenant();
    const bucket = uniqueBucket("test-event");
    const ok = await createWebhook(t, `https://webhooks.test/${bucket}`);
    const res = await call(`${hooksPath(t.tenantId)}/${ok.id}/test`, { method: "POST", cookie: t.admin.cookie });
    expect(res.body).toMatchObject({ delivered: true, statusCode: 200, error: null });
    const [req] = await recordedWebhooks(bucket);
    expect(JSON.parse(req!.body)).toMatchObject({ type: "webhook.test", tenantId: t.tenantId, data: { webhookId: ok.id } });
    expect(req!.headers["switchboard-event"]).toBe("webhook.test");
    expect(
      await documentedSignatureValid(ok.secret, req!.body, req!.headers["switchboard-signature"]!, Math.floor(Date.now() / 1000)),
    ).toBe(true);
    const failing = await createWebhook(t, `https://webhooks.test/${uniqueBucket("test-fail")}?status=410`);
    expect((await call(`${hooksPath(t.tenantId)}/${failing.id}/test`, { method: "POST", cookie: t.owner.cookie })).body).toMatchObject({
      delivered: false,
      statusCode: 410,
      error: "HTTP 410",
    });
    expectError(await call(`${hooksPath(t.tenantId)}/${ok.id}/test`, { method: "POST", cookie: t.member.cookie }), 403, "forbidden");
    const other = await alertsTenant();
    expectError(await call(`${hooksPath(other.tenantId)}/${ok.id}/test`, { method: "POST", cookie: other.owner.cookie }), 404, "not_found");
    const audit = await auditResults<{ outcome: string; details: string }>(
      "SELECT outcome, details FROM audit_events WHERE tenant_id = ? AND action = 'webhook.tested' ORDER BY seq",
      t.tenantId,
    );
    expect(audit.results.map((r) => [r.outcome, JSON.parse(r.details).statusCode])).toEqual([
      ["success", 200],
      ["failure", 410],
    ]);
  });
});

describe("delivering alerts", () => {
  it("an alert reaches the webhook through the queue, signed as documented, with a delivery id; the attempt is recorded", async () => {
    const t = await alertsTenant();
    const bucket = uniqueBucket("e2e");
    const hook = await createWebhook(t, `https://webhooks.test/${bucket}`);
    await createRule(t, { name: "Suspensions", match: { action: "agent.suspended" }, severity: "critical", webhookIds: [hook.id] });
    await emit(t.tenantId, "agent.suspended", Date.now(), { outcome: "success" });
    const [alert] = await alertRows(t.tenantId);
    const received = await eventually(
      () => recordedWebhooks(bucket),
      (r) => r.length > 0,
    );
    expect(received).toHaveLength(1);
    const req = received[0]!;
    expect(req.method).toBe("POST");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["switchboard-event"]).toBe("alert.fired");
    const deliveryId = req.headers["switchboard-delivery"]!;
    expect(deliveryId).toMatch(/^dlv_/);
    const header = req.headers["switchboard-signature"]!;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const now = Math.floor(Date.now() / 1000);
    expect(await documentedSignatureValid(hook.secret, req.body, header, now)).toBe(true);
    expect(await documentedSignatureValid(hook.secret, req.body.replace("critical", "info"), header, now)).toBe(false);
    expect(await documentedSignatureValid("whsec_wrong", req.body, header, now)).toBe(false);
    expect(await documentedSignatureValid(hook.secret, req.body, header, now + 301)).toBe(false);
    // Our own verifier (shown in the docs) agrees.
    expect(await verifySignature(hook.secret, req.body, header)).toEqual({ ok: true });
    expect(await verifySignature(hook.secret, req.body, header, now + 600)).toEqual({ ok: false, reason: "stale" });
    expect(JSON.parse(req.body)).toMatchObject({
      id: deliveryId,
      type: "alert.fired",
      tenantId: t.tenantId,
      data: { alert: { id: alert!.id, severity: "critical", ruleName: "Suspensions", status: "open" } },
    });
    const row = await eventually(
      () => delivery(deliveryId),
      (d) => d?.status === "delivered",
    );
    expect(row).toMatchObject({ status: "delivered", attempts: 1, last_status_code: 200, last_error: null });
    expect(await attempts(deliveryId)).toMatchObject([{ attempt: 1, status_code: 200, error: null }]);
    const listed = await call(`${hooksPath(t.tenantId)}/${hook.id}/deliveries`, { cookie: t.owner.cookie });
    expect(listed.body.data).toMatchObject([{ id: deliveryId, alertId: alert!.id, status: "delivered", attempts: 1, lastStatusCode: 200 }]);
  });

  it("a failing receiver is retried with growing delays and every attempt is recorded; the body is the same bytes each time", async () => {
    const t = await alertsTenant();
    const bucket = uniqueBucket("retry");
    const hook = await createWebhook(t, `https://webhooks.test/${bucket}?status=500`);
    const id = await pendingDelivery(t, hook.id);
    const first = await consume(ALERT_WEBHOOKS_QUEUE, id, t.tenantId, 1);
    expect(first.retryMessages).toEqual([{ msgId: "msg-1" }]);
    expect(first.retryDelays).toEqual([RETRY_DELAYS_SECONDS[0]]);
    expect(first.explicitAcks).toEqual([]);
    const third = await consume(ALERT_WEBHOOKS_QUEUE, id, t.tenantId, 3);
    expect(third.retryDelays).toEqual([RETRY_DELAYS_SECONDS[2]]);
    expect(await delivery(id)).toMatchObject({ status: "pending", attempts: 3, last_status_code: 500, last_error: "HTTP 500" });
    expect(await attempts(id)).toEqual([
      { attempt: 1, status_code: 500, error: "HTTP 500" },
      { attempt: 3, status_code: 500, error: "HTTP 500" },
    ]);
    const sent = await recordedWebhooks(bucket);
    expect(sent.map((r) => r.headers["switchboard-attempt"])).toEqual(["1", "3"]);
    expect(new Set(sent.map((r) => r.body)).size).toBe(1);
    expect(new Set(sent.map((r) => r.headers["switchboard-delivery"]))).toEqual(new Set([id]));
    // Delays grow and stay within the queue's 12 h maximum.
    expect([...RETRY_DELAYS_SECONDS]).toEqual([...RETRY_DELAYS_SECONDS].sort((a, b) => a - b));
    expect(Math.max(...RETRY_DELAYS_SECONDS)).toBeLessThanOrEqual(43_200);
  });

  it("retries exhausted: the dead-letter consumer marks the delivery failed and acks", async () => {
    const t = await alertsTenant();
    const hook = await createWebhook(t, `https://webhooks.test/${uniqueBucket("dlq")}?status=503`);
    const id = await pendingDelivery(t, hook.id);
    await consume(ALERT_WEBHOOKS_QUEUE, id, t.tenantId, 9);
    const dead = await consume(ALERT_WEBHOOKS_DLQ, id, t.tenantId, 1);
    expect(dead.explicitAcks).toEqual(["msg-1"]);
    expect(dead.retryMessages).toEqual([]);
    expect(await delivery(id)).toMatchObject({ status: "failed", attempts: 9, last_status_code: 503 });
    const listed = await call(`${hooksPath(t.tenantId)}/${hook.id}/deliveries`, { cookie: t.owner.cookie });
    expect(listed.body.data).toMatchObject([{ id, status: "failed" }]);
  });

  it("is idempotent: a redelivered message for a delivered delivery, or one whose webhook is gone, is acked without sending", async () => {
    const t = await alertsTenant();
    const bucket = uniqueBucket("once");
    const hook = await createWebhook(t, `https://webhooks.test/${bucket}`);
    const id = await pendingDelivery(t, hook.id);
    expect((await consume(ALERT_WEBHOOKS_QUEUE, id, t.tenantId, 1)).explicitAcks).toEqual(["msg-1"]);
    expect((await consume(ALERT_WEBHOOKS_QUEUE, id, t.tenantId, 2)).explicitAcks).toEqual(["msg-2"]);
    expect(await recordedWebhooks(bucket)).toHaveLength(1);
    await call(`${hooksPath(t.tenantId)}/${hook.id}`, { method: "DELETE", cookie: t.owner.cookie });
    expect((await consume(ALERT_WEBHOOKS_QUEUE, id, t.tenantId, 3)).explicitAcks).toEqual(["msg-3"]);
    expect(await recordedWebhooks(bucket)).toHaveLength(1);
  });

  it("drops a malformed message (ack, no retry) on both queues rather than retrying what cannot succeed", async () => {
    for (const name of [ALERT_WEBHOOKS_QUEUE, ALERT_WEBHOOKS_DLQ]) {
      const batch = createMessageBatch(name, [{ id: "bad", timestamp: new Date(), attempts: 1, body: { nope: true } }]);
      const ctx = createExecutionContext();
      await queue(batch, env, ctx);
      expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ["bad"], retryMessages: [] });
    }
  });
});
