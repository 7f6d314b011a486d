/**
 * Budgets (docs/billing.md, "Budgets"): monthly soft and hard caps for the tenant or one agent, in
 * units of a usage kind or in cents of spend, with where each stands now. Owners and admins add
 * and delete them; everyone sees them (an agent refused with `budget_exceeded` is explained here).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { USAGE_KIND_IDS, USAGE_KINDS } from "@shared/billing/usage-kinds";
import type { BudgetMetric } from "@shared/schemas/billing";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { ActionsTh, Alert, Badge, Button, CardSection, Field, Input, Select, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { api } from "@/lib/api";
import { agentsQuery, keys, tenantPath } from "@/lib/queries";
import { budgetsQuery } from "./billing-queries";

const METRICS: BudgetMetric[] = [...USAGE_KIND_IDS, "spend"];
const metricLabel = (m: BudgetMetric) => (m === "spend" ? "Spend (cents)" : USAGE_KINDS[m].label);
const STATE = {
  ok: ["success", "OK"],
  soft_exceeded: ["warning", "Soft cap reached"],
  hard_exceeded: ["danger", "Hard cap reached"],
} as const;

export function BudgetsSection() {
  const { tenantId, can } = useTenant();
  const queryClient = useQueryClient();
  const budgets = useQuery(budgetsQuery(tenantId));
  const agents = useQuery({ ...agentsQuery(tenantId), enabled: can("billing:write") });
  const agentName = (id: string | null) => (id === null ? "Whole tenant" : (agents.data?.find((a) => a.id === id)?.name ?? id));
  const refresh = () => queryClient.invalidateQueries({ queryKey: [...keys.tenant(tenantId), "billing"] });
  const remove = useMutation({
    mutationFn: (id: string) => api.delete(`${tenantPath(tenantId)}/budgets/${encodeURIComponent(id)}`),
    onSuccess: refresh,
  });
  return (
    <CardSection
      title="Budgets"
      description="Per month. A soft cap raises an alert (the “Budget caps reached” alert rule); at a hard cap usage is refused with budget_exceeded."
    >
      <QueryState
        query={budgets}
        loadingLabel="Loading budgets…"
        empty={{ title: "No budgets", description: "Usage is limited only by the plan." }}
      >
        {(list) => (
          <Table caption="Budgets">
            <THead>
              <Tr>
                <Th>For</Th>
                <Th>Metric</Th>
                <Th>Used</Th>
                <Th>Soft cap</Th>
                <Th>Hard cap</Th>
                <Th>State</Th>
                {can("billing:write") && <ActionsTh />}
              </Tr>
            </THead>
            <TBody>
              {list.map((b) => (
                <Tr key={b.id}>
                  <Td className="font-medium">{agentName(b.agentId)}</Td>
                  <Td>{metricLabel(b.metric)}</Td>
                  <Td className="tabular-nums">{b.status ? Math.round(b.status.used) : 0}</Td>
                  <Td className="tabular-nums">{b.softLimit ?? "—"}</Td>
                  <Td className="tabular-nums">{b.hardLimit ?? "—"}</Td>
                  <Td>{b.status ? <Badge tone={STATE[b.status.state][0]}>{STATE[b.status.state][1]}</Badge> : <Badge>Not used</Badge>}</Td>
                  {can("billing:write") && (
                    <Td className="text-right">
                      <Button
                        variant="ghost"
                        size="sm"
                        pending={remove.isPending && remove.variables === b.id}
                        onClick={() => remove.mutate(b.id)}
                        aria-label={`Delete the ${metricLabel(b.metric)} budget for ${agentName(b.agentId)}`}
                      >
                        Delete
                      </Button>
                    </Td>
                  )}
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryState>
      {can("billing:write") && <NewBudgetForm agents={agents.data ?? []} onCreated={refresh} />}
    </CardSection>
  );
}

function NewBudgetForm({ agents, onCreated }: { agents: Array<{ id: string; name: string }>; onCreated: () => Promise<void> }) {
  const { tenantId } = useTenant();
  const [agentId, setAgentId] = useState("");
  const [metric, setMetric] = useState<BudgetMetric>("relay_messages");
  const [soft, setSoft] = useState("");
  const [hard, setHard] = useState("");
  const create = useMutation({
    mutationFn: () =>
      api.post(`${tenantPath(tenantId)}/budgets`, {
        agentId: agentId || null,
        metric,
        softLimit: soft === "" ? null : Number(soft),
        hardLimit: hard === "" ? null : Number(hard),
      }),
    onSuccess: async () => {
      setSoft("");
      setHard("");
      await onCreated();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} className="mt-6 space-y-3" aria-label="New budget">
      <h3 className="text-sm font-semibold text-zinc-900">New budget</h3>
      <div className="grid gap-3 sm:grid-cols-5 sm:items-end">
        <Field label="For">
          <Select value={agentId} onChange={(e) => setAgentId(e.target.value)}>
            <option value="">Whole tenant</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Metric">
          <Select value={metric} onChange={(e) => setMetric(e.target.value as BudgetMetric)}>
            {METRICS.map((m) => (
              <option key={m} value={m}>
                {metricLabel(m)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Soft cap">
          <Input type="number" min={0} inputMode="numeric" value={soft} onChange={(e) => setSoft(e.target.value)} />
        </Field>
        <Field label="Hard cap">
          <Input type="number" min={0} inputMode="numeric" value={hard} onChange={(e) => setHard(e.target.value)} />
        </Field>
        <Button type="submit" pending={create.isPending}>
          Add budget
        </Button>
      </div>
      {create.error && <Alert tone="danger">{create.error.message}</Alert>}
    </form>
  );
}
