/** Platform operator console: tenants across the platform and platform health (D1, queues, cron jobs, audit archives). */
import { z } from "zod";
import { IsoTimeSchema } from "./common";
import { MemberSchema } from "./members";
import { TenantSchema } from "./tenant";

export const OperatorTenantSchema = TenantSchema.extend({
  deletedAt: IsoTimeSchema.nullable().meta({ description: "Set when the tenant was deleted; operators still see it." }),
  counts: z.object({
    members: z.number().int(),
    agents: z.number().int().meta({ description: "Agents not deleted." }),
    teams: z.number().int().meta({ description: "Teams not deleted." }),
  }),
}).meta({ id: "OperatorTenant" });
export type OperatorTenant = z.infer<typeof OperatorTenantSchema>;

export const OperatorTenantDetailSchema = z
  .object({ tenant: OperatorTenantSchema, members: z.array(MemberSchema) })
  .meta({ id: "OperatorTenantDetail" });
export type OperatorTenantDetail = z.infer<typeof OperatorTenantDetailSchema>;

const CheckStatusSchema = z.enum(["ok", "degraded", "unknown"]).meta({ id: "HealthCheckStatus" });

export const QueueHealthSchema = z
  .object({
    name: z.string(),
    role: z.enum(["work", "dead_letter"]),
    backlog: z
      .number()
      .int()
      .nullable()
      .meta({ description: "Messages waiting (Queue.metrics()); null when the metrics could not be read." }),
    backlogBytes: z.number().int().nullable(),
    oldestMessageAt: IsoTimeSchema.nullable(),
    deadLettered24h: z.number().int().nullable().meta({
      description:
        "For a dead-letter queue that is consumed at once (alert webhooks: the delivery is marked failed): how many messages died in the last 24 hours. Null elsewhere.",
    }),
    status: CheckStatusSchema.meta({
      description: "`degraded`: a dead letter waiting or counted, or a work queue's oldest message is over 15 minutes old.",
    }),
  })
  .meta({ id: "QueueHealth" });
export type QueueHealth = z.infer<typeof QueueHealthSchema>;

export const CronJobHealthSchema = z
  .object({
    job: z.string(),
    description: z.string(),
    state: z.enum(["ok", "never_run", "running", "failed", "late", "hung"]).meta({
      description:
        "`late`: no success for over 26 hours (the trigger is daily); `hung`: marked running for over 15 minutes; `never_run`: no run recorded (locally, crons only run when triggered by hand).",
    }),
    lastStartedAt: IsoTimeSchema.nullable(),
    lastFinishedAt: IsoTimeSchema.nullable(),
    lastSuccessAt: IsoTimeSchema.nullable(),
    lastError: z.string().nullable(),
    lastSummary: z.record(z.string(), z.unknown()).nullable(),
    runs: z.number().int(),
    status: CheckStatusSchema,
  })
  .meta({ id: "CronJobHealth" });
export type CronJobHealth = z.infer<typeof CronJobHealthSchema>;

export const ArchiveHealthSchema = z
  .object({
    r2: z.object({ reachable: z.boolean(), latencyMs: z.number().nullable() }),
    chains: z.number().int().nullable().meta({ description: "Audit chains with an archive checkpoint." }),
    archivedDays: z.number().int().nullable().meta({ description: "Archived (chain, day) pairs still in R2." }),
    newestDay: z.string().nullable().meta({ description: "The newest UTC day archived on any chain." }),
    chainsBehind: z
      .number()
      .int()
      .nullable()
      .meta({ description: "Chains whose newest archived day is older than the day before yesterday: they missed a run." }),
    behindExamples: z.array(z.object({ chainId: z.string(), lastDay: z.string().nullable() })),
    staleLeases: z
      .number()
      .int()
      .nullable()
      .meta({ description: "Checkpoints still leased by a job whose lease has expired (a job died mid-run; the next run takes over)." }),
    status: CheckStatusSchema,
  })
  .meta({ id: "ArchiveHealth" });
export type ArchiveHealth = z.infer<typeof ArchiveHealthSchema>;

export const PlatformHealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]).meta({ description: "`degraded` when any check below is degraded." }),
    d1: z.object({ reachable: z.boolean(), latencyMs: z.number().nullable() }),
    counts: z
      .object({
        users: z.number().int(),
        tenants: z.number().int().meta({ description: "Tenants not deleted." }),
        agents: z.number().int().meta({ description: "Agents not deleted." }),
      })
      .nullable(),
    latestMigration: z
      .string()
      .nullable()
      .meta({ description: "Name of the newest applied D1 migration; null if the migrations table is missing." }),
    queues: z.array(QueueHealthSchema),
    cronJobs: z.array(CronJobHealthSchema),
    archives: ArchiveHealthSchema,
    time: IsoTimeSchema,
  })
  .meta({ id: "PlatformHealth" });
export type PlatformHealth = z.infer<typeof PlatformHealthSchema>;
