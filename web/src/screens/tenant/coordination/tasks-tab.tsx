/** The task board: counts per state, then every task with its state, assignee, attempts and last error; create, cancel, re-queue. */
import { useState } from "react";
import { Alert, Badge, Button, CardSection, EmptyState, Field, Input, Table, TBody, Td, Th, THead, Tr, ActionsTh } from "@/components/ui";
import { QueryState } from "@/components/query-state";
import { describeError } from "@/lib/forms";
import { formatRelative } from "@/lib/format";
import type { TeamWithAgents } from "@/lib/types";
import { TASK_TONES, type TaskState } from "./coordination-api";
import { useCoordActions, useCoordQuery } from "./use-coordination";

const STATES: TaskState[] = ["queued", "claimed", "blocked", "completed", "dead", "cancelled"];

export function TasksTab({ team }: { team: TeamWithAgents }) {
  const teamId = team.team.id;
  const tasks = useCoordQuery(teamId, "tasks", (api) => api.tasks());
  const { api, refresh, canWrite } = useCoordActions(teamId);
  const names = new Map(team.agents.map((a) => [a.id, a.name]));
  const [title, setTitle] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function act(fn: () => Promise<unknown>) {
    setError(null);
    try {
      await fn();
      await refresh();
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <QueryState query={tasks} loadingLabel="Loading tasks…">
      {({ tasks: list, counts }) => (
        <div className="space-y-4">
          <ul aria-label="Tasks by state" className="flex flex-wrap gap-2">
            {STATES.map((s) => (
              <li key={s}>
                <Badge tone={TASK_TONES[s]}>
                  {s}: {counts[s] ?? 0}
                </Badge>
              </li>
            ))}
          </ul>
          {error && <Alert tone="danger">{error}</Alert>}
          {canWrite && (
            <form
              className="flex flex-wrap items-end gap-2"
              onSubmit={(e) => {
                e.preventDefault();
                if (title.trim()) void act(async () => (await api.createTask({ title: title.trim() }), setTitle("")));
              }}
            >
              <Field label="New task" className="min-w-64 flex-1">
                <Input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="e.g. Review the release notes" />
              </Field>
              <Button type="submit">Add task</Button>
            </form>
          )}
          <CardSection
            title="Task board"
            description="Newest first. A claim not settled in time goes back to the queue; failed attempts end in the dead letter."
          >
            {list.length === 0 ? (
              <EmptyState
                title="No tasks yet"
                description="Agents create tasks with create_task; people here or with POST …/coordination/tasks."
              />
            ) : (
              <Table caption="Tasks">
                <THead>
                  <Tr>
                    <Th>Task</Th>
                    <Th>State</Th>
                    <Th>Assignee / wants</Th>
                    <Th>Claimed by</Th>
                    <Th>Attempts</Th>
                    <Th>Updated</Th>
                    <ActionsTh />
                  </Tr>
                </THead>
                <TBody>
                  {list.map((t) => (
                    <Tr key={t.id}>
                      <Td>
                        <div className="font-medium text-zinc-900">{t.title}</div>
                        <div className="text-xs text-zinc-500">
                          {t.id} · priority {t.priority}
                          {t.lastError ? ` · last error: ${t.lastError}` : ""}
                        </div>
                      </Td>
                      <Td>
                        <Badge tone={TASK_TONES[t.state]}>{t.state}</Badge>
                      </Td>
                      <Td>
                        {t.assignee ? (names.get(t.assignee) ?? t.assignee) : t.capability ? `capability: ${t.capability}` : "anyone"}
                      </Td>
                      <Td>{t.claimedBy ? (names.get(t.claimedBy) ?? t.claimedBy) : "—"}</Td>
                      <Td>
                        {t.attempts}/{t.maxAttempts}
                      </Td>
                      <Td>{formatRelative(t.updatedAt)}</Td>
                      <Td className="text-right">
                        {canWrite && t.state === "dead" && (
                          <Button variant="secondary" size="sm" onClick={() => void act(() => api.requeueTask(t.id))}>
                            Re-queue
                          </Button>
                        )}
                        {canWrite && (t.state === "queued" || t.state === "claimed" || t.state === "blocked") && (
                          <Button variant="secondary" size="sm" onClick={() => void act(() => api.cancelTask(t.id))}>
                            Cancel
                          </Button>
                        )}
                      </Td>
                    </Tr>
                  ))}
                </TBody>
              </Table>
            )}
          </CardSection>
        </div>
      )}
    </QueryState>
  );
}
