import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Badge, Button, Card, ErrorState, LoadingState, PageHeader } from "@/components/ui";
import { isApiError } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { operatorHealthQuery } from "@/lib/queries";
import type { PlatformHealth } from "@/lib/types";

export function OperatorHealthScreen() {
  const health = useQuery(operatorHealthQuery);
  // 503 still carries a health body ("degraded"): show it rather than a bare error.
  const degraded = health.isError && isApiError(health.error) && health.error.status === 503 ? (health.error.details.body as PlatformHealth | undefined) : undefined;
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
            <Stat label="D1 database">{data.d1.reachable ? <Badge tone="success">Reachable</Badge> : <Badge tone="danger">Not answering</Badge>}</Stat>
            <Stat label="D1 latency">{data.d1.latencyMs === null ? "—" : `${data.d1.latencyMs} ms`}</Stat>
            <Stat label="Latest migration">
              <code className="font-mono text-sm">{data.latestMigration ?? "none recorded"}</code>
            </Stat>
            <Stat label="Users">{data.counts?.users ?? "—"}</Stat>
            <Stat label="Tenants">{data.counts?.tenants ?? "—"}</Stat>
            <Stat label="Agents">{data.counts?.agents ?? "—"}</Stat>
          </div>
        </div>
      )}
    </>
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
