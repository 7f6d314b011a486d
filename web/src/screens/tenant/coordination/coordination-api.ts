/** The coordination API of one team, for the dashboard's coordination screen (routes/coordination.ts, team-yaml.ts). */
import type {
  AgentPresence,
  CoordinationSettings,
  Handoff,
  Lock,
  Memory,
  Task,
  TaskState,
  WorkflowRun,
} from "@shared/coordination/schemas";
import { api } from "@/lib/api";
import { tenantPath } from "@/lib/queries";

export type { AgentPresence, Handoff, Lock, Memory, Task, TaskState, WorkflowRun };

export const coordBase = (tenantId: string, teamId: string) => `${tenantPath(tenantId)}/teams/${encodeURIComponent(teamId)}/coordination`;
const teamBase = (tenantId: string, teamId: string) => `${tenantPath(tenantId)}/teams/${encodeURIComponent(teamId)}`;

export interface TeamChange {
  kind: string;
  [field: string]: unknown;
}

export const coordKeys = (tenantId: string, teamId: string) => ["tenant", tenantId, "coordination", teamId] as const;

export function coordinationApi(tenantId: string, teamId: string) {
  const base = coordBase(tenantId, teamId);
  return {
    tasks: () => api.get<{ tasks: Task[]; counts: Record<TaskState, number> }>(`${base}/tasks`, { limit: 200 }),
    createTask: (body: { title: string; body?: string; priority?: number; capability?: string; assignee?: string }) =>
      api.post<{ task: Task }>(`${base}/tasks`, body),
    cancelTask: (id: string) => api.post<{ task: Task }>(`${base}/tasks/${encodeURIComponent(id)}/cancel`),
    requeueTask: (id: string) => api.post<{ task: Task }>(`${base}/tasks/${encodeURIComponent(id)}/requeue`),
    locks: () => api.get<{ locks: Lock[]; fencingCounter: number }>(`${base}/locks`),
    forceRelease: (name: string) => api.post<{ released: boolean }>(`${base}/locks/force-release`, { name }),
    handoffs: () => api.get<{ handoffs: Handoff[] }>(`${base}/handoffs`, { limit: 100 }),
    memory: (q: string) => api.get<{ memories: Memory[] }>(`${base}/memory`, { q, limit: 100 }),
    deleteMemory: (id: string) => api.delete(`${base}/memory/${encodeURIComponent(id)}`),
    agents: () => api.get<{ agents: AgentPresence[] }>(`${base}/agents`),
    templates: () =>
      api.get<{
        templates: Array<{ id: string; name: string; description: string; steps: Array<{ key: string; role: string; title: string }> }>;
      }>(`${base}/workflow-templates`),
    runs: () => api.get<{ runs: WorkflowRun[] }>(`${base}/workflows`, { limit: 50 }),
    startRun: (body: { template: string; title: string; details?: string }) => api.post<{ run: WorkflowRun }>(`${base}/workflows`, body),
    settings: () => api.get<{ settings: CoordinationSettings }>(`${base}/settings`),
    exportYaml: () => api.get<{ yaml: string }>(`${teamBase(tenantId, teamId)}/export`),
    apply: (yaml: string, dryRun: boolean) =>
      api.post<{
        dryRun: boolean;
        applied: boolean;
        changes: TeamChange[];
        createdAgents: Array<{ id: string; name: string; secret: string }>;
        yaml: string;
      }>(`${teamBase(tenantId, teamId)}/apply`, { yaml, dryRun }),
  };
}
export type CoordinationApi = ReturnType<typeof coordinationApi>;

export const TASK_TONES: Record<TaskState, "neutral" | "success" | "warning" | "danger" | "info" | "accent"> = {
  blocked: "neutral",
  queued: "info",
  claimed: "accent",
  completed: "success",
  dead: "danger",
  cancelled: "neutral",
};
