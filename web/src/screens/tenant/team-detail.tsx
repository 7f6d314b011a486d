import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { Bot, Pencil, Trash2 } from "lucide-react";
import { useEffect, useState } from "react";
import { TEMPLATE_DEFAULTS } from "@shared/agent-templates";
import { UpdateTeamInputSchema } from "@shared/schemas/teams";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { AgentStatusBadge } from "@/components/status-badges";
import {
  ActionsTh,
  Alert,
  Button,
  CardSection,
  ConfirmDialog,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  EmptyState,
  Field,
  FormAlert,
  IdValue,
  Input,
  PageHeader,
  Select,
  Table,
  TBody,
  Td,
  Textarea,
  Th,
  THead,
  Tr,
} from "@/components/ui";
import { api } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { describeError, useFormMutation, useSchemaForm } from "@/lib/forms";
import { agentsQuery, teamQuery, tenantPath } from "@/lib/queries";
import type { Team, TeamWithAgents } from "@/lib/types";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";
import { TeamSectionNav } from "./team-section-nav";

export function TeamDetailScreen() {
  const { tenantId } = useTenant();
  const { teamId } = useParams({ from: "/app/t/$tenantId/teams/$teamId" });
  const team = useQuery(teamQuery(tenantId, teamId));
  return (
    <QueryState query={team} loadingLabel="Loading team…">
      {(t) => <TeamDetail data={t} />}
    </QueryState>
  );
}

function TeamDetail({ data: { team, agents } }: { data: TeamWithAgents }) {
  const { tenantId, can } = useTenant();
  const navigate = useNavigate();
  const invalidate = useInvalidateTenant();
  const [editing, setEditing] = useState(false);
  const base = `${tenantPath(tenantId)}/teams/${encodeURIComponent(team.id)}`;
  const writable = can("teams:write");

  return (
    <>
      <PageHeader
        eyebrow={
          <Link to="/t/$tenantId/teams" params={{ tenantId }} className="text-indigo-700 underline-offset-2 hover:underline">
            ← Teams
          </Link>
        }
        title={team.name}
        description={team.description || undefined}
        actions={
          writable && (
            <>
              <Button variant="secondary" onClick={() => setEditing(true)}>
                <Pencil className="size-4" aria-hidden="true" /> Edit
              </Button>
              <ConfirmDialog
                trigger={
                  <Button variant="danger">
                    <Trash2 className="size-4" aria-hidden="true" /> Delete team
                  </Button>
                }
                title={`Delete ${team.name}?`}
                description="The team and its relay go away; its agents stay and keep their other teams. This cannot be undone."
                confirmLabel="Delete team"
                onConfirm={async () => {
                  await api.delete(base);
                  await invalidate();
                  await navigate({ to: "/t/$tenantId/teams", params: { tenantId } });
                }}
              />
            </>
          )
        }
      />
      <TeamSectionNav teamId={team.id} />
      <CardSection title="Member agents" description={`${agents.length} ${agents.length === 1 ? "agent" : "agents"} in this team.`}>
        <div className="space-y-4">
          {writable && <AddAgent team={team} />}
          {agents.length === 0 ? (
            <EmptyState
              title="No agents in this team"
              description={writable ? "Add an agent above." : "An admin or member can add agents."}
              icon={<Bot className="size-8" />}
            />
          ) : (
            <Table caption={`Agents in ${team.name}`}>
              <THead>
                <Tr>
                  <Th>Agent</Th>
                  <Th>Template</Th>
                  <Th>Status</Th>
                  {writable && <ActionsTh />}
                </Tr>
              </THead>
              <TBody>
                {agents.map((a) => (
                  <Tr key={a.id}>
                    <Td>
                      <Link
                        to="/t/$tenantId/agents/$agentId"
                        params={{ tenantId, agentId: a.id }}
                        className="font-medium text-indigo-700 underline-offset-2 hover:underline"
                      >
                        {a.name}
                      </Link>
                    </Td>
                    <Td>{TEMPLATE_DEFAULTS[a.template].label}</Td>
                    <Td>
                      <AgentStatusBadge status={a.status} />
                    </Td>
                    {writable && (
                      <Td className="text-right">
                        <ConfirmDialog
                          trigger={
                            <Button variant="ghost" size="sm" aria-label={`Remove ${a.name} from ${team.name}`}>
                              Remove
                            </Button>
                          }
                          title={`Remove ${a.name} from ${team.name}?`}
                          description="The agent leaves this team's relay. The agent itself is not deleted."
                          confirmLabel="Remove from team"
                          onConfirm={async () => {
                            await api.delete(`${base}/agents/${encodeURIComponent(a.id)}`);
                            await invalidate();
                          }}
                        />
                      </Td>
                    )}
                  </Tr>
                ))}
              </TBody>
            </Table>
          )}
        </div>
      </CardSection>
      <p className="mt-4 flex flex-wrap items-center gap-x-1.5 text-xs text-zinc-600">
        Team ID <IdValue id={team.id} label="team ID" /> · created {formatDateTime(team.createdAt)}
      </p>
      <EditTeamDialog team={team} open={editing} onOpenChange={setEditing} />
    </>
  );
}

function AddAgent({ team }: { team: Team }) {
  const { tenantId } = useTenant();
  const invalidate = useInvalidateTenant();
  const agents = useQuery(agentsQuery(tenantId, { status: "active" }));
  const [agentId, setAgentId] = useState("");
  const add = useMutation({
    mutationFn: (id: string) => api.put(`${tenantPath(tenantId)}/teams/${encodeURIComponent(team.id)}/agents/${encodeURIComponent(id)}`),
    onSuccess: async () => {
      setAgentId("");
      await invalidate();
    },
  });
  const candidates = (agents.data ?? []).filter((a) => !team.agentIds.includes(a.id));

  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (agentId) add.mutate(agentId);
      }}
    >
      <Field label="Add an agent" className="w-72 space-y-1">
        <Select value={agentId} onChange={(e) => setAgentId(e.target.value)} disabled={candidates.length === 0}>
          <option value="">{agents.isPending ? "Loading agents…" : "Choose an agent"}</option>
          {candidates.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </Select>
      </Field>
      <Button type="submit" pending={add.isPending} disabled={!agentId}>
        Add to team
      </Button>
      {agents.isSuccess && candidates.length === 0 && (
        <p className="w-full text-xs text-zinc-600">
          {agents.data.length === 0 ? "There are no active agents to add yet." : "Every active agent is already in this team."}
        </p>
      )}
      {add.isError && (
        <Alert tone="danger" className="w-full">
          {describeError(add.error)}
        </Alert>
      )}
    </form>
  );
}

type TeamEditForm = { name: string; description: string };

function EditTeamDialog({ team, open, onOpenChange }: { team: Team; open: boolean; onOpenChange: (o: boolean) => void }) {
  const { tenantId } = useTenant();
  const invalidate = useInvalidateTenant();
  const form = useSchemaForm<TeamEditForm, typeof UpdateTeamInputSchema>(UpdateTeamInputSchema, {
    defaultValues: { name: team.name, description: team.description },
  });
  const { errors } = form.formState;
  useEffect(() => {
    if (open) form.reset({ name: team.name, description: team.description });
  }, [open, team, form]);
  const save = useFormMutation(form, {
    mutationFn: (input) => api.patch(`${tenantPath(tenantId)}/teams/${encodeURIComponent(team.id)}`, input),
    onSuccess: async () => {
      await invalidate();
      onOpenChange(false);
    },
  });
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title={`Edit ${team.name}`}>
        <form onSubmit={save.submit} noValidate className="space-y-4">
          <FormAlert errors={errors} />
          <Field label="Team name" error={errors.name?.message}>
            <Input {...form.register("name")} />
          </Field>
          <Field label="Description" error={errors.description?.message}>
            <Textarea rows={2} {...form.register("description")} />
          </Field>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button type="submit" pending={save.isPending}>
              Save changes
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
