import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { Pause, Pencil, Play, RotateCw, Trash2 } from "lucide-react";
import { useState } from "react";
import { TEMPLATE_DEFAULTS } from "@shared/agent-templates";
import { trustLevelInfo } from "@shared/trust-levels";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { AgentStatusBadge } from "@/components/status-badges";
import {
  Badge,
  Button,
  CardSection,
  ConfirmDialog,
  Dialog,
  DialogContent,
  DialogFooter,
  DialogClose,
  IdValue,
  PageHeader,
  SecretReveal,
} from "@/components/ui";
import { api } from "@/lib/api";
import { toolLabel } from "@/lib/agent-form";
import { formatDateTime } from "@/lib/format";
import { agentQuery, teamsQuery, tenantPath } from "@/lib/queries";
import type { Agent, AgentWithSecret } from "@/lib/types";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";
import { ConnectAgentPanel } from "./connect-agent-panel";
import { EditAgentDialog } from "./edit-agent-dialog";
import { TrustAllowances } from "./governance/trust-allowances";

export function AgentDetailScreen() {
  const { tenantId } = useTenant();
  const { agentId } = useParams({ from: "/app/t/$tenantId/agents/$agentId" });
  const agent = useQuery(agentQuery(tenantId, agentId));
  return (
    <QueryState query={agent} loadingLabel="Loading agent…">
      {(a) => <AgentDetail agent={a} />}
    </QueryState>
  );
}

function AgentDetail({ agent }: { agent: Agent }) {
  const { tenantId, can } = useTenant();
  const navigate = useNavigate();
  const invalidate = useInvalidateTenant();
  const teams = useQuery(teamsQuery(tenantId));
  const [rotated, setRotated] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const base = `${tenantPath(tenantId)}/agents/${encodeURIComponent(agent.id)}`;
  const teamName = new Map((teams.data ?? []).map((t) => [t.id, t.name]));
  const trust = trustLevelInfo(agent.trustLevel);

  const actions = (
    <>
      {can("agents:write") && (
        <Button variant="secondary" onClick={() => setEditing(true)}>
          <Pencil className="size-4" aria-hidden="true" /> Edit
        </Button>
      )}
      {can("agents:write") &&
        (agent.status === "active" ? (
          <ConfirmDialog
            trigger={
              <Button variant="secondary">
                <Pause className="size-4" aria-hidden="true" /> Suspend
              </Button>
            }
            title={`Suspend ${agent.name}?`}
            description="The agent can no longer get tokens or connect, and its live connections are closed. You can resume it at any time."
            confirmLabel="Suspend agent"
            onConfirm={async () => {
              await api.post(`${base}/suspend`);
              await invalidate();
            }}
          />
        ) : (
          <ConfirmDialog
            trigger={
              <Button variant="secondary">
                <Play className="size-4" aria-hidden="true" /> Resume
              </Button>
            }
            title={`Resume ${agent.name}?`}
            description="The agent can get tokens and connect again with its current secret."
            confirmLabel="Resume agent"
            tone="primary"
            onConfirm={async () => {
              await api.post(`${base}/resume`);
              await invalidate();
            }}
          />
        ))}
      {can("agents:credentials") && (
        <ConfirmDialog
          trigger={
            <Button variant="secondary">
              <RotateCw className="size-4" aria-hidden="true" /> Rotate secret
            </Button>
          }
          title="Rotate the agent's secret?"
          description="A new secret is issued and the current one stops working at once. The agent stays offline until you give it the new secret."
          confirmLabel="Rotate secret"
          onConfirm={async () => {
            const result = await api.post<AgentWithSecret>(`${base}/rotate-secret`);
            setRotated(result.secret);
            await invalidate();
          }}
        />
      )}
      {can("agents:write") && (
        <ConfirmDialog
          trigger={
            <Button variant="danger">
              <Trash2 className="size-4" aria-hidden="true" /> Delete
            </Button>
          }
          title={`Delete ${agent.name}?`}
          description="The agent is removed from its teams and can no longer connect. Its audit history is kept. This cannot be undone."
          confirmLabel="Delete agent"
          onConfirm={async () => {
            await api.delete(base);
            await invalidate();
            await navigate({ to: "/t/$tenantId/agents", params: { tenantId } });
          }}
        />
      )}
    </>
  );

  return (
    <>
      <PageHeader
        eyebrow={
          <Link to="/t/$tenantId/agents" params={{ tenantId }} className="text-indigo-700 underline-offset-2 hover:underline">
            ← Agents
          </Link>
        }
        title={
          <span className="flex flex-wrap items-center gap-3">
            {agent.name} <AgentStatusBadge status={agent.status} />
          </span>
        }
        description={agent.description || undefined}
        actions={actions}
      />
      {/* Egress (docs/egress.md): rules, mode, test a URL, activity. */}
      <p className="-mt-2 mb-4 text-sm">
        <Link
          to="/t/$tenantId/agents/$agentId/egress"
          params={{ tenantId, agentId: agent.id }}
          className="font-medium text-indigo-700 underline-offset-2 hover:underline"
        >
          Egress: rules, mode and activity →
        </Link>
      </p>
      <div className="grid gap-6 lg:grid-cols-2">
        <CardSection title="Configuration">
          <dl className="space-y-4 text-sm">
            <Row label="Template">{TEMPLATE_DEFAULTS[agent.template].label}</Row>
            <Row label="Trust level">
              <span className="font-medium">
                {agent.trustLevel} · {trust?.label}
              </span>
              <span className="block text-zinc-600">{trust?.description}</span>
            </Row>
            <Row label="Tools">
              {agent.toolCategories.length === 0 ? (
                "None"
              ) : (
                <span className="flex flex-wrap gap-1">
                  {agent.toolCategories.map((t) => (
                    <Badge key={t}>{toolLabel(t)}</Badge>
                  ))}
                </span>
              )}
            </Row>
            <Row label="Teams">
              {agent.teamIds.length === 0 ? (
                "Not in any team"
              ) : (
                <span className="flex flex-wrap gap-2">
                  {agent.teamIds.map((id) => (
                    <Link
                      key={id}
                      to="/t/$tenantId/teams/$teamId"
                      params={{ tenantId, teamId: id }}
                      className="text-indigo-700 underline-offset-2 hover:underline"
                    >
                      {teamName.get(id) ?? id}
                    </Link>
                  ))}
                </span>
              )}
            </Row>
          </dl>
        </CardSection>
        <CardSection title="Identity">
          <dl className="space-y-4 text-sm">
            <Row label="Agent ID">
              <IdValue id={agent.id} label="agent ID" />
            </Row>
            <Row label="Secret">
              <code className="font-mono text-xs">{agent.secretPrefix}…</code>
              <span className="block text-zinc-600">Last rotated {formatDateTime(agent.secretRotatedAt)}</span>
            </Row>
            <Row label="Created">{formatDateTime(agent.createdAt)}</Row>
            <Row label="Updated">{formatDateTime(agent.updatedAt)}</Row>
          </dl>
        </CardSection>
        {agent.reputation && (
          <CardSection title="Reputation">
            <dl className="space-y-4 text-sm">
              <Row label="Score">
                <span className="font-medium">{agent.reputation.score} / 100</span>
                <span className="block text-zinc-600">
                  Reliability {Math.round(agent.reputation.reliability * 100)}% · latency p50 {agent.reputation.latency.p50Ms ?? "—"} ms,
                  p95 {agent.reputation.latency.p95Ms ?? "—"} ms (last {agent.reputation.latency.window} runs)
                </span>
              </Row>
              <Row label="Runs as callee">
                {`${agent.reputation.runs.succeeded} succeeded · ${agent.reputation.runs.failed} failed · ${agent.reputation.runs.timedOut} timed out · ${agent.reputation.runs.budgetExceeded} over budget · ${agent.reputation.runs.denied} denied`}
                <Link
                  to="/t/$tenantId/runs"
                  params={{ tenantId }}
                  search={{ agentId: agent.id }}
                  className="block font-medium text-indigo-700 underline-offset-2 hover:underline"
                >
                  This agent's runs →
                </Link>
              </Row>
            </dl>
          </CardSection>
        )}
      </div>

      <div className="mt-6">
        <TrustAllowances level={agent.trustLevel} />
      </div>

      <ConnectAgentPanel agent={agent} showAgentId={false} className="mt-6" />

      <EditAgentDialog agent={agent} open={editing} onOpenChange={setEditing} />

      <Dialog open={rotated !== null} onOpenChange={(o) => !o && setRotated(null)}>
        <DialogContent title="New agent secret" description={`The previous secret of ${agent.name} no longer works.`}>
          {rotated && <SecretReveal label="Agent secret" value={rotated} />}
          <DialogFooter>
            <DialogClose asChild>
              <Button>I have stored the secret</Button>
            </DialogClose>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-4">
      <dt className="font-medium text-zinc-700">{label}</dt>
      <dd className="col-span-2 text-zinc-900">{children}</dd>
    </div>
  );
}
