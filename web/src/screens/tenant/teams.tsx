import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { Plus, UsersRound } from "lucide-react";
import { useState } from "react";
import { Controller } from "react-hook-form";
import { CreateTeamInputSchema } from "@shared/schemas/teams";
import { CheckboxGroup } from "@/components/checkbox-group";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import {
  Button,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  Field,
  FieldSet,
  FormAlert,
  Input,
  PageHeader,
  Table,
  TBody,
  Td,
  Textarea,
  Th,
  THead,
  Tr,
} from "@/components/ui";
import { api } from "@/lib/api";
import { formatDate } from "@/lib/format";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { agentsQuery, teamsQuery, tenantPath } from "@/lib/queries";
import type { Team } from "@/lib/types";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";

export function TeamsScreen() {
  const { tenantId, can } = useTenant();
  const { project } = useSearch({ from: "/app/t/$tenantId" });
  const teams = useQuery(teamsQuery(tenantId, project));
  const [creating, setCreating] = useState(false);
  const newTeam = can("teams:write") ? (
    <Button onClick={() => setCreating(true)}>
      <Plus className="size-4" aria-hidden="true" /> New team
    </Button>
  ) : undefined;

  return (
    <>
      <PageHeader title="Teams" description="Agents work together inside teams. Each team gets its own message relay." actions={newTeam} />
      <QueryState
        query={teams}
        loadingLabel="Loading teams…"
        empty={{
          title: "No teams yet",
          description: "Create a team and add agents to it so they can talk to each other.",
          action: newTeam,
          icon: <UsersRound className="size-8" />,
        }}
      >
        {(list) => (
          <Table caption="Teams">
            <THead>
              <Tr>
                <Th>Name</Th>
                <Th>Description</Th>
                <Th>Agents</Th>
                <Th>Created</Th>
              </Tr>
            </THead>
            <TBody>
              {list.map((t) => (
                <Tr key={t.id}>
                  <Td>
                    <Link
                      to="/t/$tenantId/teams/$teamId"
                      params={{ tenantId, teamId: t.id }}
                      className="font-medium text-indigo-700 underline-offset-2 hover:underline"
                    >
                      {t.name}
                    </Link>
                  </Td>
                  <Td className="max-w-md truncate text-zinc-700">{t.description || "—"}</Td>
                  <Td>{t.agentIds.length}</Td>
                  <Td className="whitespace-nowrap text-zinc-700">{formatDate(t.createdAt)}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryState>
      <CreateTeamDialog open={creating} onOpenChange={setCreating} />
    </>
  );
}

type TeamForm = { name: string; description: string; agentIds: string[] };

function CreateTeamDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const { tenantId } = useTenant();
  const navigate = useNavigate();
  const invalidate = useInvalidateTenant();
  // New teams go into the selected project, with agents of that project (a team's agents share its project).
  const { project } = useSearch({ from: "/app/t/$tenantId" });
  const agents = useQuery({ ...agentsQuery(tenantId, { status: "active", projectId: project }), enabled: open });
  const form = useSchemaForm<TeamForm, typeof CreateTeamInputSchema>(CreateTeamInputSchema, {
    defaultValues: { name: "", description: "", agentIds: [] },
    toInput: (v: TeamForm) => ({ ...v, description: v.description === "" ? undefined : v.description }),
  });
  const { errors } = form.formState;
  const create = useFormMutation(form, {
    mutationFn: (input) => api.post<{ team: Team }>(`${tenantPath(tenantId)}/teams`, { ...input, projectId: project }),
    onSuccess: async ({ team }) => {
      await invalidate();
      onOpenChange(false);
      form.reset();
      await navigate({ to: "/t/$tenantId/teams/$teamId", params: { tenantId, teamId: team.id } });
    },
  });
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        onOpenChange(o);
        if (!o) form.reset();
      }}
    >
      <DialogContent title="New team" description="Name the team and, if you like, add agents now." className="max-w-xl">
        <form onSubmit={create.submit} noValidate className="space-y-4">
          <FormAlert errors={errors} />
          <Field label="Team name" error={errors.name?.message}>
            <Input placeholder="e.g. Sprint team" {...form.register("name")} />
          </Field>
          <Field label="Description (optional)" error={errors.description?.message}>
            <Textarea rows={2} {...form.register("description")} />
          </Field>
          <FieldSet legend="Agents (optional)" error={errors.agentIds?.message} hint="Only active agents can join a team.">
            {agents.isPending ? (
              <p className="text-sm text-zinc-600">Loading agents…</p>
            ) : agents.isError ? (
              <p className="text-sm text-red-700">Could not load agents; you can add them later.</p>
            ) : agents.data.length === 0 ? (
              <p className="text-sm text-zinc-600">No active agents yet; you can add them later.</p>
            ) : (
              <Controller
                control={form.control}
                name="agentIds"
                render={({ field }) => (
                  <CheckboxGroup
                    name="new-team-agents"
                    options={agents.data.map((a) => ({ value: a.id, label: a.name }))}
                    value={field.value}
                    onChange={field.onChange}
                  />
                )}
              />
            )}
          </FieldSet>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button type="submit" pending={create.isPending}>
              Create team
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
