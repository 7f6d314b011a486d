/** Workflow templates and runs: start a run by hand, then watch each step's task and hand-off as it progresses. */
import { useState } from "react";
import { Alert, Badge, Button, CardSection, EmptyState, Field, Input, Select } from "@/components/ui";
import { QueryState } from "@/components/query-state";
import { formatRelative } from "@/lib/format";
import type { TeamWithAgents } from "@/lib/types";
import { TASK_TONES } from "./coordination-api";
import { useAction } from "./use-action";
import { useCoordActions, useCoordQuery } from "./use-coordination";

const RUN_TONES = { running: "info", completed: "success", failed: "danger", rejected: "warning", cancelled: "neutral" } as const;

export function WorkflowsTab({ team }: { team: TeamWithAgents }) {
  const teamId = team.team.id;
  const templates = useCoordQuery(teamId, "templates", (api) => api.templates(), false);
  const runs = useCoordQuery(teamId, "runs", (api) => api.runs());
  const { api, refresh, canWrite } = useCoordActions(teamId);
  const { error, pending, run } = useAction(refresh);
  const [template, setTemplate] = useState("sprint-handoff");
  const [title, setTitle] = useState("");
  const names = new Map(team.agents.map((a) => [a.id, a.name]));

  return (
    <div className="space-y-4">
      {canWrite && (
        <CardSection
          title="Start a workflow"
          description="Creates every step's task, assigned to the team's agent of each role; each completed step hands off to the next."
        >
          <QueryState query={templates} loadingLabel="Loading templates…">
            {({ templates: list }) => (
              <form
                className="flex flex-wrap items-end gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (title.trim()) void run(async () => (await api.startRun({ template, title: title.trim() }), setTitle("")));
                }}
              >
                <Field label="Template">
                  <Select value={template} onChange={(e) => setTemplate(e.target.value)}>
                    {list.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.name}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field label="Run title" className="min-w-64 flex-1">
                  <Input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="e.g. Sprint 42" />
                </Field>
                <Button type="submit" pending={pending}>
                  Start run
                </Button>
              </form>
            )}
          </QueryState>
          {error && (
            <Alert tone="danger" className="mt-3">
              {error}
            </Alert>
          )}
        </CardSection>
      )}
      <QueryState query={runs} loadingLabel="Loading runs…">
        {({ runs: list }) =>
          list.length === 0 ? (
            <EmptyState title="No workflow runs yet" description="Start one above, or with POST …/coordination/workflows." />
          ) : (
            <ul className="space-y-3" aria-label="Workflow runs">
              {list.map((r) => (
                <li key={r.id}>
                  <CardSection
                    headingLevel={3}
                    title={`${r.title}`}
                    description={`${r.template} · started ${formatRelative(r.createdAt)} by ${r.startedBy.name ?? r.startedBy.type}`}
                    actions={<Badge tone={RUN_TONES[r.status]}>{r.status}</Badge>}
                  >
                    <ol className="flex flex-wrap items-stretch gap-2" aria-label={`Steps of ${r.title}`}>
                      {r.steps.map((s, i) => (
                        <li key={s.key} className="flex items-center gap-2">
                          {i > 0 && (
                            <span aria-hidden="true" className="text-zinc-400">
                              →
                            </span>
                          )}
                          <div className="rounded-md border border-zinc-200 px-3 py-2 text-sm">
                            <div className="font-medium text-zinc-900">{s.title}</div>
                            <div className="text-xs text-zinc-600">
                              {s.role} · {s.assignee ? (names.get(s.assignee) ?? s.assignee) : "any agent with the role"}
                            </div>
                            <div className="mt-1 flex gap-1">
                              {s.state && <Badge tone={TASK_TONES[s.state]}>{s.state}</Badge>}
                              {s.handoffId && <Badge tone="accent">handed off</Badge>}
                            </div>
                          </div>
                        </li>
                      ))}
                    </ol>
                  </CardSection>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </div>
  );
}
