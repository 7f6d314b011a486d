/**
 * One run (docs/runs.md): who invoked whom, status, budget use, input/output hashes, the output,
 * the timeline (its audit events in both agents' trails, in order), nested runs, and the signed
 * provenance with a link to the export bundle that `switchboard-verify --run-bundle` checks.
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { Card, PageHeader } from "@/components/ui";
import { formatDateTime } from "@/lib/format";
import { agentsQuery } from "@/lib/queries";
import { formatMs, RunStatusBadge } from "./run-status";
import { bundleUrl, runQuery } from "./runs-api";

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-2 py-1.5 text-sm">
      <dt className="text-zinc-600">{label}</dt>
      <dd className="col-span-2 break-all text-zinc-900">{children}</dd>
    </div>
  );
}

export function RunDetailScreen() {
  const { tenantId, can } = useTenant();
  const { runId } = useParams({ from: "/app/t/$tenantId/runs/$runId" });
  const detail = useQuery(runQuery(tenantId, runId));
  const agents = useQuery(agentsQuery(tenantId));
  const name = (id: string) => agents.data?.find((a) => a.id === id)?.name ?? id;
  const agentLink = (id: string) => (
    <Link to="/t/$tenantId/agents/$agentId" params={{ tenantId, agentId: id }} className="text-indigo-700 hover:underline">
      {name(id)}
    </Link>
  );

  return (
    <QueryState query={detail} loadingLabel="Loading the run…">
      {({ run, timeline, children, provenance }) => (
        <>
          <PageHeader
            title={`Run ${run.id}`}
            description={`${name(run.callerAgentId)} invoked ${name(run.calleeAgentId)} via ${run.via}.`}
          />
          <div className="grid gap-4 lg:grid-cols-2">
            <Card className="p-4">
              <h2 className="mb-2 text-sm font-semibold text-zinc-900">Summary</h2>
              <dl>
                <Row label="Status">
                  <RunStatusBadge status={run.status} />
                  {run.error && <span className="ml-2 text-xs text-zinc-700">{`${run.error.code}: ${run.error.message}`}</span>}
                </Row>
                <Row label="Caller">{agentLink(run.callerAgentId)}</Row>
                <Row label="Callee">{agentLink(run.calleeAgentId)}</Row>
                {run.parentRunId && (
                  <Row label="Parent run">
                    <Link
                      to="/t/$tenantId/runs/$runId"
                      params={{ tenantId, runId: run.parentRunId }}
                      className="font-mono text-xs text-indigo-700"
                    >
                      {run.parentRunId}
                    </Link>
                  </Row>
                )}
                <Row label="Scope">{run.scope.length ? run.scope.join(", ") : "Any installed skill"}</Row>
                <Row label="Budget used">
                  {`calls ${run.used.calls}${run.budget.maxCalls !== null ? ` / ${run.budget.maxCalls}` : ""} · egress ${run.used.egressCalls}${run.budget.maxEgressCalls !== null ? ` / ${run.budget.maxEgressCalls}` : ""} · cost ${run.used.costUnits}${run.budget.maxCostUnits !== null ? ` / ${run.budget.maxCostUnits}` : ""}`}
                </Row>
                <Row label="Started">{formatDateTime(run.startedAt)}</Row>
                <Row label="Duration">{formatMs(run.durationMs)}</Row>
                <Row label="Deadline">{formatDateTime(run.budget.deadlineAt)}</Row>
                <Row label="Input SHA-256">
                  <span className="font-mono text-xs">{run.inputHash}</span>
                </Row>
                <Row label="Output SHA-256">
                  <span className="font-mono text-xs">{run.outputHash ?? "—"}</span>
                </Row>
              </dl>
            </Card>
            <Card className="p-4">
              <h2 className="mb-2 text-sm font-semibold text-zinc-900">Output</h2>
              {/* A scrollable region is focusable and named (axe: scrollable-region-focusable). */}
              <div role="region" aria-label="Run output" tabIndex={0} className="max-h-64 overflow-auto rounded bg-zinc-50 p-3">
                <pre className="text-xs">{run.output === undefined ? "—" : JSON.stringify(run.output, null, 2)}</pre>
              </div>
              <h2 className="mt-4 mb-2 text-sm font-semibold text-zinc-900">Provenance</h2>
              {provenance ? (
                <p className="text-sm text-zinc-700">
                  Signed ({String((provenance as { type?: string }).type)}); audit seq {String((provenance as any).audit?.fromSeq)}–
                  {String((provenance as any).audit?.toSeq)}.{" "}
                  {can("audit:export") && (
                    <a href={bundleUrl(tenantId, run.id)} className="text-indigo-700 underline" download>
                      Download the bundle
                    </a>
                  )}{" "}
                  — verify with <code>switchboard-verify --run-bundle</code>.
                </p>
              ) : (
                <p className="text-sm text-zinc-700">Signed when the run ends.</p>
              )}
            </Card>
          </div>
          <Card className="mt-4 p-4">
            <h2 className="mb-2 text-sm font-semibold text-zinc-900">Timeline</h2>
            <ol className="space-y-1.5" aria-label="Timeline">
              {timeline.map((e) => (
                <li key={e.seq} className="flex flex-wrap items-baseline gap-3 text-sm">
                  <span className="w-44 text-zinc-600">{formatDateTime(new Date(e.at).toISOString())}</span>
                  <span className="font-medium text-zinc-900">{e.action}</span>
                  <span className="text-zinc-700">
                    {String((e.details as { role?: string }).role)}: {name(e.actor.id ?? "")}
                  </span>
                  <Link
                    to="/t/$tenantId/audit"
                    params={{ tenantId }}
                    search={{ event: e.seq }}
                    className="text-xs text-indigo-700 hover:underline"
                  >
                    seq {e.seq}
                  </Link>
                </li>
              ))}
            </ol>
          </Card>
          {children.length > 0 && (
            <Card className="mt-4 p-4">
              <h2 className="mb-2 text-sm font-semibold text-zinc-900">Nested runs</h2>
              <ul className="space-y-1">
                {children.map((k) => (
                  <li key={k.id} className="flex items-center gap-3 text-sm">
                    <Link to="/t/$tenantId/runs/$runId" params={{ tenantId, runId: k.id }} className="font-mono text-xs text-indigo-700">
                      {k.id}
                    </Link>
                    <span>
                      {name(k.callerAgentId)} → {name(k.calleeAgentId)}
                    </span>
                    <RunStatusBadge status={k.status} />
                  </li>
                ))}
              </ul>
            </Card>
          )}
        </>
      )}
    </QueryState>
  );
}
