/**
 * The cron end to end in workerd: the daily trigger rotates the digest key when due and enqueues
 * one retention job per chain that is behind; Miniflare delivers the messages to the Worker's
 * real queue consumer, which archives. A chain already archived through yesterday is not
 * enqueued again, so extra triggers are cheap and harmless.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AS_OF, at, checkpointOf, daysAgo, deliver, emitAt, seedTenant } from "../../../../test/workers/audit-archive-harness";
import { scheduled } from "../../../api/src/cron";
import { PLATFORM_CHAIN_ID } from "../chain";
import { enqueueRetentionJobs } from "./retention-queue";
import { MAX_DAYS_PER_JOB } from "./retention-job";

async function runCron(scheduledTime: number) {
  const ctx = createExecutionContext();
  await scheduled(createScheduledController({ scheduledTime, cron: "0 3 * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function waitFor<T>(probe: () => Promise<T | null | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for the queue consumer");
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("the retention cron", () => {
  it("enqueues a job per chain and the queue consumer archives every closed day", async () => {
    const tenantA = await seedTenant();
    const tenantB = await seedTenant("enterprise");
    await emitAt(tenantA, [at(2), at(1)]);
    await emitAt(tenantB, [at(1)]);
    await runCron(AS_OF);

    // Done = archived through yesterday AND the lease released (the hot/cold windows run after the last day).
    const finished = async (chainId: string) => {
      const cp = await checkpointOf(chainId);
      return cp?.last_day === daysAgo(1) && cp.lease_owner === null ? cp : null;
    };
    const a = await waitFor(() => finished(tenantA));
    const b = await waitFor(() => finished(tenantB));
    expect(a).toMatchObject({ last_seq: 2, lease_owner: null });
    expect(b).toMatchObject({ last_seq: 1, lease_owner: null });
    const key = await env.DB.prepare("select count(*) as n from audit_digest_keys where retired_at is null").first<{ n: number }>();
    expect(key!.n).toBe(1);

    // The platform chain's job ran too (its only events are today's key rotations: nothing closed yet).
    await waitFor(async () => {
      const platform = await checkpointOf(PLATFORM_CHAIN_ID);
      return platform !== null && platform.lease_owner === null && platform;
    });
    // Both tenants are done through yesterday: another trigger enqueues only the chain still behind.
    expect(await enqueueRetentionJobs(env, AS_OF)).toBe(1);
  }, 45_000);

  it("a chain further behind than one job's cap continues in a follow-up message until it is caught up", async () => {
    const tenantId = await seedTenant("enterprise");
    await emitAt(tenantId, [at(70), at(1)]);
    const first = await deliver({ chainId: tenantId, asOf: AS_OF });
    expect(first.acked).toBe(true);
    expect((await checkpointOf(tenantId))!.last_day).toBe(daysAgo(70 - MAX_DAYS_PER_JOB + 1));
    // The follow-up message goes through the real queue to the real consumer.
    const done = await waitFor(async () => (await checkpointOf(tenantId))?.last_day === daysAgo(1) && checkpointOf(tenantId));
    expect(done).toMatchObject({ last_seq: 2 });
    const rows = await env.DB.prepare("select count(*) as n from audit_archives where chain_id = ?").bind(tenantId).first<{ n: number }>();
    expect(rows!.n).toBe(70);
  }, 45_000);
});
