/**
 * What the operator console's health page checks (GET /v1/admin/health), one function per
 * dependency that can fail, each answering on its own (one failing check never hides the others):
 *
 * - D1: a query answers, and how fast;
 * - queues: the backlog of each work queue and dead-letter queue (`Queue.metrics()`); a dead letter
 *   waiting, or a work queue whose oldest message is stuck, is degraded. Alert webhook dead letters
 *   are consumed at once (the delivery is marked failed), so their count is the failed deliveries
 *   of the last 24 hours instead;
 * - cron jobs: the last run of each (services/health/cron-runs.ts): failed, late or hung is degraded;
 * - audit archives: R2 answers, and no audit chain's archive is behind by more than a day.
 */
import { and, eq, gt, isNotNull, lt, sql } from "drizzle-orm";
import type { Database } from "../../../../shared/db/client";
import { agents, auditArchiveCheckpoints, auditArchives, cronRuns, tenants, users, webhookDeliveries } from "../../../../shared/db/schema";
import type { ArchiveHealth, CronJobHealth, QueueHealth } from "../../../../shared/schemas/admin";
import { log } from "../../../../shared/observability/log";
import { CRON_JOBS, CRON_RUN_TIME_LIMIT_MS, type CronJob } from "./cron-runs";

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** A message older than this in a work queue means its consumer is not keeping up (or failing). */
export const STUCK_MESSAGE_MS = 15 * 60 * 1000;

export async function checkD1(
  db: Database,
): Promise<{ reachable: boolean; latencyMs: number | null; counts: { users: number; tenants: number; agents: number } | null }> {
  const started = Date.now();
  try {
    const [row] = await db
      .select({
        users: sql<number>`(select count(*) from ${users})`.mapWith(Number),
        tenants: sql<number>`(select count(*) from ${tenants} where ${tenants.deletedAt} is null)`.mapWith(Number),
        agents: sql<number>`(select count(*) from ${agents} where ${agents.deletedAt} is null)`.mapWith(Number),
      })
      // three scalar subqueries in one round trip; drizzle wants a FROM, so a one-row dummy
      .from(sql`(select 1)`);
    return { reachable: true, latencyMs: Date.now() - started, counts: row! };
  } catch (error) {
    log.error("health: D1 query failed", { error });
    return { reachable: false, latencyMs: null, counts: null };
  }
}

interface QueueSpec {
  name: string;
  role: QueueHealth["role"];
  queue: Queue;
  /** Dead letters that are consumed at once: how many there were, counted elsewhere. */
  consumedDeadLetters?: () => Promise<number>;
}

export function queuesOf(env: Env, db: Database, now: number): QueueSpec[] {
  return [
    { name: "switchboard-audit-retention", role: "work", queue: env.AUDIT_RETENTION },
    { name: "switchboard-audit-retention-dlq", role: "dead_letter", queue: env.AUDIT_RETENTION_DLQ },
    { name: "switchboard-alert-webhooks", role: "work", queue: env.ALERT_WEBHOOKS },
    {
      name: "switchboard-alert-webhooks-dlq",
      role: "dead_letter",
      queue: env.ALERT_WEBHOOKS_DLQ,
      consumedDeadLetters: async () => {
        const [row] = await db
          .select({ n: sql<number>`count(*)`.mapWith(Number) })
          .from(webhookDeliveries)
          .where(and(eq(webhookDeliveries.status, "failed"), gt(webhookDeliveries.updatedAt, now - DAY_MS)));
        return row?.n ?? 0;
      },
    },
    { name: "switchboard-stripe-events", role: "work", queue: env.STRIPE_EVENTS },
    { name: "switchboard-stripe-events-dlq", role: "dead_letter", queue: env.STRIPE_EVENTS_DLQ },
    { name: "switchboard-billing-jobs", role: "work", queue: env.BILLING_JOBS },
    { name: "switchboard-billing-jobs-dlq", role: "dead_letter", queue: env.BILLING_JOBS_DLQ },
  ];
}

export async function checkQueue(spec: QueueSpec, now: number): Promise<QueueHealth> {
  let backlog: number | null = null;
  let backlogBytes: number | null = null;
  let oldestMessageAt: string | null = null;
  try {
    const metrics = await spec.queue.metrics();
    backlog = metrics.backlogCount;
    backlogBytes = metrics.backlogBytes;
    oldestMessageAt = metrics.oldestMessageTimestamp ? new Date(metrics.oldestMessageTimestamp).toISOString() : null;
  } catch (error) {
    log.warn("health: queue metrics unavailable", { queue: spec.name, error });
  }
  let deadLettered24h: number | null = null;
  if (spec.consumedDeadLetters) {
    try {
      deadLettered24h = await spec.consumedDeadLetters();
    } catch (error) {
      log.warn("health: dead-letter count failed", { queue: spec.name, error });
    }
  }
  const stuck = spec.role === "work" && oldestMessageAt !== null && now - Date.parse(oldestMessageAt) > STUCK_MESSAGE_MS;
  const deadLetters = spec.role === "dead_letter" && ((backlog ?? 0) > 0 || (deadLettered24h ?? 0) > 0);
  const status = backlog === null && deadLettered24h === null ? "unknown" : stuck || deadLetters ? "degraded" : "ok";
  return { name: spec.name, role: spec.role, backlog, backlogBytes, oldestMessageAt, deadLettered24h, status };
}

export async function checkCronJobs(db: Database, now: number): Promise<CronJobHealth[]> {
  const rows = await db.select().from(cronRuns).all();
  return (Object.keys(CRON_JOBS) as CronJob[]).map((job) => {
    const row = rows.find((r) => r.job === job);
    const iso = (t: number | null | undefined) => (t == null ? null : new Date(t).toISOString());
    let state: CronJobHealth["state"];
    if (!row) state = "never_run";
    else if (row.lastStatus === "running") state = now - row.lastStartedAt > CRON_RUN_TIME_LIMIT_MS ? "hung" : "running";
    else if (row.lastStatus === "failed") state = "failed";
    else if (row.lastSuccessAt !== null && now - row.lastSuccessAt > CRON_JOBS[job].maxQuietMs) state = "late";
    else state = "ok";
    return {
      job,
      description: CRON_JOBS[job].description,
      state,
      lastStartedAt: iso(row?.lastStartedAt),
      lastFinishedAt: iso(row?.lastFinishedAt),
      lastSuccessAt: iso(row?.lastSuccessAt),
      lastError: row?.lastError ?? null,
      lastSummary: row?.lastSummary ?? null,
      runs: row?.runs ?? 0,
      status: state === "failed" || state === "late" || state === "hung" ? "degraded" : "ok",
    };
  });
}

/** The UTC day `days` before `now`'s, as YYYY-MM-DD. */
const utcDay = (now: number, days: number) => new Date(now - days * DAY_MS).toISOString().slice(0, 10);

export async function checkArchives(env: Pick<Env, "AUDIT_ARCHIVE">, db: Database, now: number): Promise<ArchiveHealth> {
  const started = Date.now();
  let r2: ArchiveHealth["r2"];
  try {
    // A HEAD of a key that need not exist: one cheap round trip (a Class B operation).
    await env.AUDIT_ARCHIVE.head("health/probe");
    r2 = { reachable: true, latencyMs: Date.now() - started };
  } catch (error) {
    log.error("health: R2 did not answer", { error });
    r2 = { reachable: false, latencyMs: null };
  }
  // Yesterday is archived by today's 03:00 run: a chain whose newest archived day is older than
  // the day before yesterday missed at least one run.
  const behindBefore = utcDay(now, 2);
  try {
    const [stats] = await db
      .select({
        chains: sql<number>`count(*)`.mapWith(Number),
        newestDay: sql<string | null>`max(${auditArchiveCheckpoints.lastDay})`,
        behind: sql<number>`sum(case when ${auditArchiveCheckpoints.lastDay} < ${behindBefore} then 1 else 0 end)`.mapWith(Number),
        staleLeases:
          sql<number>`sum(case when ${auditArchiveCheckpoints.leaseOwner} is not null and ${auditArchiveCheckpoints.leaseUntil} < ${now} then 1 else 0 end)`.mapWith(
            Number,
          ),
      })
      .from(auditArchiveCheckpoints);
    const [archived] = await db
      .select({ days: sql<number>`count(*)`.mapWith(Number) })
      .from(auditArchives)
      .where(and(isNotNull(auditArchives.digestKey), sql`${auditArchives.expiredAt} is null`));
    const behindChains = await db
      .select({ chainId: auditArchiveCheckpoints.chainId, lastDay: auditArchiveCheckpoints.lastDay })
      .from(auditArchiveCheckpoints)
      .where(lt(auditArchiveCheckpoints.lastDay, behindBefore))
      .limit(10);
    const behind = stats?.behind ?? 0;
    return {
      r2,
      chains: stats?.chains ?? 0,
      archivedDays: archived?.days ?? 0,
      newestDay: stats?.newestDay ?? null,
      chainsBehind: behind,
      behindExamples: behindChains,
      staleLeases: stats?.staleLeases ?? 0,
      status: !r2.reachable || behind > 0 ? "degraded" : "ok",
    };
  } catch (error) {
    log.error("health: archive checkpoints unreadable", { error });
    return {
      r2,
      chains: null,
      archivedDays: null,
      newestDay: null,
      chainsBehind: null,
      behindExamples: [],
      staleLeases: null,
      status: "degraded",
    };
  }
}
