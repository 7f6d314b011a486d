/**
 * The operator console's health covers what can fail, each check on its own: D1, the backlog of
 * every queue and dead-letter queue, the last run of every cron job, and the audit archives (R2
 * reachable, no chain behind). The tests run in order and share this file's storage.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "../../../../shared/crypto/ids";
import { call, createTenant, signup, type TestUser } from "../../../../../test/workers/harness";
import { scheduled } from "../../cron";
import { checkQueue, STUCK_MESSAGE_MS } from "../../services/health/checks";
import { recordCronRun } from "../../services/health/cron-runs";

async function operator(): Promise<TestUser> {
  const user = await signup("health-op");
  await env.DB.prepare("update users set is_operator = 1 where id = ?").bind(user.id).run();
  return user;
}

let op: TestUser;
const health = async () => {
  op ??= await operator();
  const res = await call("/v1/admin/health", { cookie: op.cookie });
  expect(res.status).toBe(200);
  return res.body;
};
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

describe("GET /v1/admin/health", () => {
  it("on a quiet platform: every queue empty, no cron run yet, R2 answering, all ok", async () => {
    const body = await health();
    expect(body.status).toBe("ok");
    expect(body.queues.map((q: any) => [q.name, q.role, q.backlog, q.status])).toEqual([
      ["switchboard-audit-retention", "work", 0, "ok"],
      ["switchboard-audit-retention-dlq", "dead_letter", 0, "ok"],
      ["switchboard-alert-webhooks", "work", 0, "ok"],
      ["switchboard-alert-webhooks-dlq", "dead_letter", 0, "ok"],
      ["switchboard-stripe-events", "work", 0, "ok"],
      ["switchboard-stripe-events-dlq", "dead_letter", 0, "ok"],
      ["switchboard-billing-jobs", "work", 0, "ok"],
      ["switchboard-billing-jobs-dlq", "dead_letter", 0, "ok"],
    ]);
    expect(body.cronJobs.map((j: any) => [j.job, j.state, j.status])).toEqual([
      ["audit-archive", "never_run", "ok"],
      ["signing-key-rotation", "never_run", "ok"],
      ["vault-rewrap", "never_run", "ok"],
      ["billing-sweep", "never_run", "ok"],
    ]);
    expect(body.archives).toMatchObject({ r2: { reachable: true }, chains: 0, chainsBehind: 0, staleLeases: 0, status: "ok" });
    expect(body.d1.reachable).toBe(true);
  });

  it("shows each cron job's last run once the trigger has fired", async () => {
    const owner = await signup("health-owner");
    await createTenant(owner, "Health tenant"); // a chain for the archive job to enqueue
    const ctx = createExecutionContext();
    await scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "0 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const body = await health();
    const byJob = Object.fromEntries(body.cronJobs.map((j: any) => [j.job, j]));
    for (const job of ["audit-archive", "signing-key-rotation", "billing-sweep"]) {
      expect(byJob[job]).toMatchObject({ state: "ok", status: "ok", runs: 1, lastError: null });
      expect(Date.parse(byJob[job].lastSuccessAt)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(byJob["audit-archive"].lastSummary).toMatchObject({ enqueued: expect.any(Number) });
  });

  it("a failed, hung or late job degrades health and says why", async () => {
    await expect(recordCronRun(env, "audit-archive", async () => Promise.reject(new Error("R2 is down")))).rejects.toThrow("R2 is down");
    let body = await health();
    expect(body.status).toBe("degraded");
    expect(body.cronJobs.find((j: any) => j.job === "audit-archive")).toMatchObject({
      state: "failed",
      status: "degraded",
      lastError: "R2 is down",
      runs: 2,
    });

    await env.DB.prepare("update cron_runs set last_status = 'running', last_started_at = ? where job = 'audit-archive'")
      .bind(Date.now() - 20 * 60_000)
      .run();
    body = await health();
    expect(body.cronJobs.find((j: any) => j.job === "audit-archive").state).toBe("hung");

    await env.DB.prepare("update cron_runs set last_status = 'ok', last_success_at = ? where job = 'audit-archive'")
      .bind(Date.now() - 30 * 3_600_000)
      .run();
    body = await health();
    expect(body.cronJobs.find((j: any) => j.job === "audit-archive")).toMatchObject({ state: "late", status: "degraded" });

    await env.DB.prepare("update cron_runs set last_success_at = ? where job = 'audit-archive'").bind(Date.now()).run();
    expect((await health()).status).toBe("ok");
  });

  // (A message waiting in the retention DLQ is checked in `checkQueue` below: locally, Miniflare
  // drops messages sent to a queue without a consumer, so its backlog stays 0 here.)
  it("a failed alert webhook delivery (its dead letter, consumed at once) degrades the queues", async () => {
    const owner = await signup("health-hooks");
    const tenantId = await createTenant(owner, "Hooks");
    const hook = await call(`/v1/tenants/${tenantId}/webhooks`, {
      body: { url: "https://webhooks.test/health", description: "x" },
      cookie: owner.cookie,
    });
    expect(hook.status).toBe(201);
    const now = Date.now();
    await env.DB.prepare(
      "insert into webhook_deliveries (id, tenant_id, webhook_id, alert_id, event, payload, status, attempts, created_at, updated_at) values (?, ?, ?, 'alt_x', 'alert.opened', '{}', 'failed', 8, ?, ?)",
    )
      .bind(newId("webhookDelivery"), tenantId, hook.body.webhook.id, now, now)
      .run();
    const body = await health();
    expect(body.queues.find((q: any) => q.name === "switchboard-alert-webhooks-dlq")).toMatchObject({
      deadLettered24h: 1,
      status: "degraded",
    });
    expect(body.status).toBe("degraded");
  });

  it("an audit chain whose archives are behind, or a lease left by a dead job, shows in the archive check", async () => {
    await env.DB.prepare(
      "insert into audit_archive_checkpoints (chain_id, last_day, last_seq, last_hash, updated_at) values ('ten_behind', ?, 10, 'h', ?)",
    )
      .bind(day(5), Date.now())
      .run();
    await env.DB.prepare(
      "insert into audit_archive_checkpoints (chain_id, last_day, last_seq, last_hash, lease_owner, lease_until, updated_at) values ('ten_leased', ?, 10, 'h', 'job-1', ?, ?)",
    )
      .bind(day(1), Date.now() - 60_000, Date.now())
      .run();
    const { archives } = await health();
    expect(archives).toMatchObject({
      chainsBehind: 1,
      behindExamples: [{ chainId: "ten_behind", lastDay: day(5) }],
      staleLeases: 1,
      newestDay: day(1),
      status: "degraded",
    });
  });
});

describe("checkQueue", () => {
  const now = Date.now();
  const queueWith = (metrics: () => Promise<QueueMetrics>) => ({ metrics }) as unknown as Queue;

  it("a work queue whose oldest message waits too long is degraded; a young backlog is fine", async () => {
    const stuck = await checkQueue(
      {
        name: "q",
        role: "work",
        queue: queueWith(async () => ({
          backlogCount: 3,
          backlogBytes: 30,
          oldestMessageTimestamp: new Date(now - STUCK_MESSAGE_MS - 1000),
        })),
      },
      now,
    );
    expect(stuck).toMatchObject({ backlog: 3, status: "degraded" });
    const busy = await checkQueue(
      {
        name: "q",
        role: "work",
        queue: queueWith(async () => ({ backlogCount: 3, backlogBytes: 30, oldestMessageTimestamp: new Date(now - 5000) })),
      },
      now,
    );
    expect(busy.status).toBe("ok");
  });

  it("a dead-letter queue with anything waiting is degraded", async () => {
    const res = await checkQueue(
      {
        name: "dlq",
        role: "dead_letter",
        queue: queueWith(async () => ({ backlogCount: 2, backlogBytes: 20, oldestMessageTimestamp: new Date(now - 1000) })),
      },
      now,
    );
    expect(res).toMatchObject({ backlog: 2, status: "degraded", deadLettered24h: null });
  });

  it("metrics that cannot be read are unknown, not ok", async () => {
    const res = await checkQueue({ name: "q", role: "dead_letter", queue: queueWith(async () => Promise.reject(new Error("nope"))) }, now);
    expect(res).toMatchObject({ backlog: null, status: "unknown" });
  });
});
