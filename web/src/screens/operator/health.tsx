import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import type { ArchiveHealth, CronJobHealth, QueueHealth } from "@shared/schemas/admin";
import {
  Badge,
  type BadgeTone,
  Button,
  Card,
  ErrorState,
  LoadingState,
  PageHeader,
  Table,
  TBody,
  Td,
  Th,
  THead,
  Tr,
} from "@/components/ui";
import { isApiError } from "@/lib/api";
import { formatDateTime, formatRelative, humanize } from "@/lib/format";
import { operatorHealthQuery } from "@/lib/queries";
import type { PlatformHealth } from "@/lib/types";

/** The operator's view of what can fail: D1, queues and dead letters, cron jobs, audit archives (GET /v1/admin/health). */
export function OperatorHealthScreen() {
  const health = useQuery(operatorHealthQuery);
  // 503 still carries a health body ("degraded"): show it rather than a bare error.
  const degraded =
    health.isError && isApiError(health.error) && health.error.status === 503
      ? (health.error.details.body as PlatformHealth | undefined)
      : undefined;
  const data = health.data ?? degraded;

  return (
    <>
      <PageHeader
        title="Platform health"
        eyebrow="Operator console"
        actions={
          <Button variant="secondary" onClick={() => void health.refetch()} pending={health.isFetching}>
            Refresh
          </Button>
        }
      />
      {health.isPending ? (
        <LoadingState label="Checking health…" />
      ) : !data ? (
        <ErrorState error={health.error} onRetry={() => void health.refetch()} />
      ) : (
        <div className="space-y-6">
          <Card className="flex flex-wrap items-center gap-3 p-5">
            <span className="text-sm font-medium text-zinc-800">Overall</span>
            {data.status === "ok" ? <Badge tone="success">Operational</Badge> : <Badge tone="danger">Degraded</Badge>}
            <span className="ml-auto text-sm text-zinc-600">Checked {formatDateTime(data.time)}</span>
          </Card>
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            <Stat label="D1 database">
              {data.d1.reachable ? <Badge tone="success">Reachable</Badge> : <Badge tone="danger">Not answering</Badge>}
            </Stat>
            <Stat label="D1 latency">{data.d1.latencyMs === null ? "—" : `${data.d1.latencyMs} ms`}</Stat>
            <Stat label="Latest migration">
              <code className="font-mono text-sm">{data.latestMigration ?? "none recorded"}</code>
            </Stat>
            <Stat label="Users">{data.counts?.users ?? "—"}</Stat>
            <Stat label="Tenants">{data.counts?.tenants ?? "—"}</Stat>
            <Stat label="Agents">{data.counts?.agents ?? "—"}</Stat>
          </div>
          <QueuesSection queues={data.queues} />
          <CronJobsSection jobs={data.cronJobs} />
          <ArchivesSection archives={data.archives} />
        </div>
      )}
    </>
  );
}

const STATUS_TONE: Record<"ok" | "degraded" | "unknown", BadgeTone> = { ok: "success", degraded: "danger", unknown: "warning" };
const STATUS_LABEL = { ok: "OK", degraded: "Degraded", unknown: "Unknown" } as const;

function StatusBadge({ status }: { status: "ok" | "degraded" | "unknown" }) {
  return <Badge tone={STATUS_TONE[status]}>{STATUS_LABEL[status]}</Badge>;
}

function Section({ title, description, children }: { title: string; description: string; children: ReactNode }) {
  return (
    <section className="space-y-3" aria-labelledby={`health-${title}`}>
      <div>
        <h2 id={`health-${title}`} className="text-base font-semibold text-zinc-900">
          {title}
        </h2>
        <p className="text-sm text-zinc-600">{description}</p>
      </div>
      {children}
    </section>
  );
}

function QueuesSection({ queues }: { queues: QueueHealth[] }) {
  return (
    <Section
      title="Queues"
      description="Messages waiting in each queue. A dead letter is a message whose retries ran out: inspect and replay it (docs/audit-archives.md, docs/alerts.md)."
    >
      <Table caption="Queues">
        <THead>
          <Tr>
            <Th>Queue</Th>
            <Th>Kind</Th>
            <Th>Waiting</Th>
            <Th>Oldest message</Th>
            <Th>Dead letters (24 h)</Th>
            <Th>Status</Th>
          </Tr>
        </THead>
        <TBody>
          {queues.map((q) => (
            <Tr key={q.name}>
              <Td>
                <code className="font-mono text-xs">{q.name}</code>
              </Td>
              <Td>{q.role === "work" ? "Work" : "Dead letters"}</Td>
              <Td className="tabular-nums">{q.backlog ?? "—"}</Td>
              <Td>{q.oldestMessageAt ? formatRelative(q.oldestMessageAt) : "—"}</Td>
              <Td className="tabular-nums">{q.deadLettered24h ?? "—"}</Td>
              <Td>
                <StatusBadge status={q.status} />
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </Section>
  );
}

const JOB_STATE: Record<CronJobHealth["state"], { label: string; tone: BadgeTone }> = {
  ok: { label: "OK", tone: "success" },
  never_run: { label: "Never run", tone: "neutral" },
  running: { label: "Running", tone: "info" },
  failed: { label: "Failed", tone: "danger" },
  late: { label: "Late", tone: "danger" },
  hung: { label: "Hung", tone: "danger" },
};

function CronJobsSection({ jobs }: { jobs: CronJobHealth[] }) {
  return (
    <Section
      title="Cron jobs"
      description="The last run of each job of the daily trigger (03:00 UTC). Late: no success for over 26 hours; hung: running for over 15 minutes."
    >
      <Table caption="Cron jobs">
        <THead>
          <Tr>
            <Th>Job</Th>
            <Th>Last run</Th>
            <Th>Last success</Th>
            <Th>Runs</Th>
            <Th>State</Th>
          </Tr>
        </THead>
        <TBody>
          {jobs.map((job) => (
            <Tr key={job.job}>
              <Td>
                <div className="font-medium text-zinc-900">{humanize(job.job)}</div>
                <div className="text-xs text-zinc-600">{job.description}</div>
                {job.lastError && <div className="mt-1 text-xs text-red-700">Error: {job.lastError}</div>}
              </Td>
              <Td>{job.lastStartedAt ? formatDateTime(job.lastStartedAt) : "—"}</Td>
              <Td>{job.lastSuccessAt ? formatDateTime(job.lastSuccessAt) : "—"}</Td>
              <Td className="tabular-nums">{job.runs}</Td>
              <Td>
                <Badge tone={JOB_STATE[job.state].tone}>{JOB_STATE[job.state].label}</Badge>
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </Section>
  );
}

function ArchivesSection({ archives }: { archives: ArchiveHealth }) {
  return (
    <Section
      title="Audit archives"
      description="Closed UTC days are archived to R2 with signed digests. A chain is behind when its newest archived day is older than the day before yesterday."
    >
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <Stat label="R2 bucket">
          {archives.r2.reachable ? <Badge tone="success">Reachable</Badge> : <Badge tone="danger">Not answering</Badge>}
        </Stat>
        <Stat label="Archive status">
          <StatusBadge status={archives.status} />
        </Stat>
        <Stat label="Newest archived day">{archives.newestDay ?? "—"}</Stat>
        <Stat label="Chains archived">{archives.chains ?? "—"}</Stat>
        <Stat label="Chains behind">{archives.chainsBehind ?? "—"}</Stat>
        <Stat label="Stale job leases">{archives.staleLeases ?? "—"}</Stat>
      </div>
      {archives.behindExamples.length > 0 && (
        <p className="text-sm text-zinc-700">
          Behind: {archives.behindExamples.map((c) => `${c.chainId} (last ${c.lastDay ?? "never"})`).join(", ")}
        </p>
      )}
    </Section>
  );
}

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Card className="p-5">
      <p className="text-sm font-medium text-zinc-600">{label}</p>
      <div className="mt-2 text-2xl font-semibold text-zinc-900 tabular-nums">{children}</div>
    </Card>
  );
}
