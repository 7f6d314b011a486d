import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { Bot, Plus } from "lucide-react";
import { AGENT_TEMPLATES, TEMPLATE_DEFAULTS } from "@shared/agent-templates";
import { AgentStatusSchema } from "@shared/schemas/agents";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { AgentStatusBadge, TrustBadge } from "@/components/status-badges";
import { buttonClass, Field, PageHeader, Select, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { formatDate } from "@/lib/format";
import { agentsQuery, teamsQuery } from "@/lib/queries";

export function AgentsScreen() {
  const { tenantId, can } = useTenant();
  const search = useSearch({ from: "/app/t/$tenantId/agents" });
  const navigate = useNavigate({ from: "/t/$tenantId/agents" });
  // `project` is the tenant-wide project selector's choice (tenant-layout.tsx).
  const filters = { status: search.status, template: search.template, projectId: search.project };
  const agents = useQuery(agentsQuery(tenantId, filters));
  const teams = useQuery(teamsQuery(tenantId, search.project));
  const teamName = new Map((teams.data ?? []).map((t) => [t.id, t.name]));
  const filtered = Boolean(filters.status || filters.template || filters.projectId);
  const newAgent = can("agents:write") ? (
    <Link to="/t/$tenantId/agents/new" params={{ tenantId }} className={buttonClass("primary")}>
      <Plus className="size-4" aria-hidden="true" /> New agent
    </Link>
  ) : undefined;

  return (
    <>
      <PageHeader
        title="Agents"
        description="Each agent has an identity, a role template, tools, a trust level and a secret it exchanges for short-lived tokens."
        actions={newAgent}
      />
      <div className="mb-4 flex flex-wrap items-end gap-4" role="search" aria-label="Filter agents">
        <Field label="Status" className="w-44 space-y-1">
          <Select
            value={filters.status ?? ""}
            onChange={(e) => navigate({ search: (s) => ({ ...s, status: e.target.value || undefined }) })}
          >
            <option value="">All statuses</option>
            {AgentStatusSchema.options.map((s) => (
              <option key={s} value={s}>
                {s === "active" ? "Active" : "Suspended"}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Template" className="w-52 space-y-1">
          <Select
            value={filters.template ?? ""}
            onChange={(e) => navigate({ search: (s) => ({ ...s, template: e.target.value || undefined }) })}
          >
            <option value="">All templates</option>
            {AGENT_TEMPLATES.map((t) => (
              <option key={t} value={t}>
                {TEMPLATE_DEFAULTS[t].label}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <QueryState
        query={agents}
        loadingLabel="Loading agents…"
        empty={
          filtered
            ? { title: "No agents match these filters", description: "Change or clear the filters above." }
            : {
                title: "No agents yet",
                description: "Create your first agent from a role template: PM, engineering, ops or support.",
                action: newAgent,
                icon: <Bot className="size-8" />,
              }
        }
      >
        {(list) => (
          <Table caption="Agents">
            <THead>
              <Tr>
                <Th>Name</Th>
                <Th>Template</Th>
                <Th>Trust level</Th>
                <Th>Teams</Th>
                <Th>Status</Th>
                <Th>Created</Th>
              </Tr>
            </THead>
            <TBody>
              {list.map((a) => (
                <Tr key={a.id}>
                  <Td>
                    <Link
                      to="/t/$tenantId/agents/$agentId"
                      params={{ tenantId, agentId: a.id }}
                      className="font-medium text-indigo-700 underline-offset-2 hover:underline"
                    >
                      {a.name}
                    </Link>
                    {a.description && <p className="max-w-xs truncate text-xs text-zinc-600">{a.description}</p>}
                  </Td>
                  <Td>{TEMPLATE_DEFAULTS[a.template].label}</Td>
                  <Td>
                    <TrustBadge level={a.trustLevel} />
                  </Td>
                  <Td className="text-zinc-700">
                    {a.teamIds.length === 0 ? "—" : a.teamIds.map((id) => teamName.get(id) ?? id).join(", ")}
                  </Td>
                  <Td>
                    <AgentStatusBadge status={a.status} />
                  </Td>
                  <Td className="whitespace-nowrap text-zinc-700">{formatDate(a.createdAt)}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryState>
    </>
  );
}
