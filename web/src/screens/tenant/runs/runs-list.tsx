/**
 * Runs (docs/runs.md): cross-agent invocations, newest first, filtered by agent, status and date —
 * all in the URL, so a filtered list is a link. Each row opens the run's page.
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { Workflow } from "lucide-react";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { Field, Input, PageHeader, Select, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { formatDateTime } from "@/lib/format";
import { agentsQuery } from "@/lib/queries";
import { formatMs, RunStatusBadge } from "./run-status";
import { RUN_STATUSES, runsQuery, type RunsSearch } from "./runs-api";

export function RunsScreen() {
  const { tenantId } = useTenant();
  const search = useSearch({ from: "/app/t/$tenantId/runs" });
  const navigate = useNavigate({ from: "/t/$tenantId/runs" });
  const runs = useQuery(runsQuery(tenantId, search));
  const agents = useQuery(agentsQuery(tenantId));
  const name = (id: string) => agents.data?.find((a) => a.id === id)?.name ?? id;
  const set = (patch: Partial<RunsSearch>) => navigate({ search: (s) => ({ ...s, ...patch }) });

  return (
    <>
      <PageHeader
        title="Runs"
        description="Agents invoking agents: each run with its caller, callee, status, budget use and duration. Open one for its timeline and signed provenance."
      />
      <form className="mb-4 flex flex-wrap items-end gap-3" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <Field label="Agent" className="w-56">
          <Select value={search.agentId ?? ""} onChange={(e) => set({ agentId: e.target.value || undefined })}>
            <option value="">Any agent</option>
            {(agents.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Status" className="w-44">
          <Select value={search.status ?? ""} onChange={(e) => set({ status: (e.target.value || undefined) as RunsSearch["status"] })}>
            <option value="">Any status</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="From" className="w-44">
          <Input type="date" value={search.from ?? ""} onChange={(e) => set({ from: e.target.value || undefined })} />
        </Field>
        <Field label="To" className="w-44">
          <Input type="date" value={search.to ?? ""} onChange={(e) => set({ to: e.target.value || undefined })} />
        </Field>
      </form>
      <QueryState
        query={runs}
        loadingLabel="Loading runs…"
        isEmpty={(p) => p.data.length === 0}
        empty={{
          title: "No runs",
          description: "Runs appear when an agent invokes another (POST /v1/agent/runs, the MCP tool invoke_agent, the SDK's invokeAgent).",
          icon: <Workflow className="size-8" />,
        }}
      >
        {(page) => (
          <Table caption="Runs">
            <THead>
              <Tr>
                <Th>Run</Th>
                <Th>Caller → callee</Th>
                <Th>Status</Th>
                <Th>Calls</Th>
                <Th>Duration</Th>
                <Th>Started</Th>
              </Tr>
            </THead>
            <TBody>
              {page.data.map((r) => (
                <Tr key={r.id}>
                  <Td>
                    <Link
                      to="/t/$tenantId/runs/$runId"
                      params={{ tenantId, runId: r.id }}
                      className="font-mono text-xs text-indigo-700 hover:underline"
                    >
                      {r.id}
                    </Link>
                    {r.parentRunId && <span className="ml-2 text-xs text-zinc-600">nested</span>}
                  </Td>
                  <Td>
                    {name(r.callerAgentId)} → {name(r.calleeAgentId)}
                  </Td>
                  <Td>
                    <RunStatusBadge status={r.status} />
                  </Td>
                  <Td>
                    {r.used.calls}
                    {r.budget.maxCalls !== null ? ` / ${r.budget.maxCalls}` : ""}
                  </Td>
                  <Td>{formatMs(r.durationMs)}</Td>
                  <Td>{formatDateTime(r.startedAt)}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryState>
    </>
  );
}
