/**
 * Each cron job's last run, recorded in D1 (`cron_runs`) so the operator console can tell a job
 * that runs from one that fails, hangs or never runs. `recordCronRun` wraps a job: a row marked
 * `running` at the start, then `ok` (with the job's summary) or `failed` (with the error message).
 * Recording is best effort: a D1 hiccup is logged and never stops the job itself.
 */
import { eq, sql } from "drizzle-orm";
import { createDb } from "../../../../shared/db/client";
import { cronRuns } from "../../../../shared/db/schema";
import { log } from "../../../../shared/observability/log";

/** The jobs the daily trigger runs, with how long a healthy job may go without a success. */
export const CRON_JOBS = {
  "audit-archive": {
    description: "Rotate the audit digest key when due, enqueue one retention job per audit chain",
    maxQuietMs: 26 * 60 * 60 * 1000,
  },
  "signing-key-rotation": { description: "Rotate agent-token signing keys, drop expired ones", maxQuietMs: 26 * 60 * 60 * 1000 },
  "vault-rewrap": {
    description: "Re-wrap tenants' vault data keys still under an older key-encryption key (docs/secrets.md)",
    maxQuietMs: 26 * 60 * 60 * 1000,
  },
  "billing-sweep": {
    description: "Enqueue Stripe customers still missing and usage not yet reported to Stripe",
    maxQuietMs: 26 * 60 * 60 * 1000,
  },
} as const;
export type CronJob = keyof typeof CRON_JOBS;

/** A run that has said `running` for longer than this died (a cron invocation is limited to 15 minutes). */
export const CRON_RUN_TIME_LIMIT_MS = 15 * 60 * 1000;

async function record(env: Pick<Env, "DB">, what: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    log.error("could not record a cron run", { what, error });
  }
}

export async function recordCronRun<T extends Record<string, unknown>>(
  env: Pick<Env, "DB">,
  job: CronJob,
  run: () => Promise<T>,
  now: () => number = Date.now,
): Promise<T> {
  const db = createDb(env.DB);
  const startedAt = now();
  await record(env, `${job} start`, () =>
    db
      .insert(cronRuns)
      .values({ job, lastStartedAt: startedAt, lastStatus: "running", runs: 1 })
      .onConflictDoUpdate({
        target: cronRuns.job,
        set: { lastStartedAt: startedAt, lastFinishedAt: null, lastStatus: "running", runs: sql`${cronRuns.runs} + 1` },
      }),
  );
  try {
    const summary = await run();
    const finishedAt = now();
    await record(env, `${job} success`, () =>
      db
        .update(cronRuns)
        .set({ lastStatus: "ok", lastFinishedAt: finishedAt, lastSuccessAt: finishedAt, lastError: null, lastSummary: summary })
        .where(eq(cronRuns.job, job)),
    );
    return summary;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await record(env, `${job} failure`, () =>
      db
        .update(cronRuns)
        .set({ lastStatus: "failed", lastFinishedAt: now(), lastError: message.slice(0, 500) })
        .where(eq(cronRuns.job, job)),
    );
    throw error;
  }
}
