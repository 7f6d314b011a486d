/** The egress, secrets and skills screens' API calls and query keys, typed by the API's own zod schemas. */
import { queryOptions } from "@tanstack/react-query";
import type { z } from "zod";
import type { LedgerEntry } from "@shared/audit/chain";
import type { AgentEgressSchema, EgressDecisionSchema } from "@shared/schemas/egress";
import type { Secret } from "@shared/schemas/secrets";
import type {
  DryRunReportSchema,
  InstalledSkillSchema,
  SkillRecentInvocationSchema,
  SkillSchema,
  SkillSourceSchema,
} from "@shared/schemas/skills";
import { api, getAll, type Page } from "@/lib/api";
import { keys, tenantPath } from "@/lib/queries";

export type AgentEgress = z.infer<typeof AgentEgressSchema>;
export type EgressDecision = z.infer<typeof EgressDecisionSchema>;
export type Skill = z.infer<typeof SkillSchema>;
export type InstalledSkill = z.infer<typeof InstalledSkillSchema>;
export type DryRunReport = z.infer<typeof DryRunReportSchema>;
export type SkillSource = z.infer<typeof SkillSourceSchema>;
export type SkillRecentInvocation = z.infer<typeof SkillRecentInvocationSchema>;
export type { Secret };

const agentPath = (tenantId: string, agentId: string) => `${tenantPath(tenantId)}/agents/${encodeURIComponent(agentId)}`;

export const agentEgressQuery = (tenantId: string, agentId: string) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "egress", agentId],
    queryFn: () => api.get<AgentEgress>(`${agentPath(tenantId, agentId)}/egress`),
  });

export const egressActivityQuery = (tenantId: string, agentId: string) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "egress-activity", agentId],
    queryFn: () => api.get<Page<LedgerEntry>>(`${agentPath(tenantId, agentId)}/egress/activity`, { limit: 25 }),
    refetchInterval: 5_000,
  });

export const secretsQuery = (tenantId: string) =>
  queryOptions({ queryKey: [...keys.tenant(tenantId), "secrets"], queryFn: () => getAll<Secret>(`${tenantPath(tenantId)}/secrets`) });

export const skillsQuery = (tenantId: string) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "skills"],
    queryFn: async () => (await api.get<{ data: Skill[] }>(`${tenantPath(tenantId)}/skills`)).data,
  });

// The skill page (skill-page.tsx): one skill, a version's source (immutable), its recent invocations.
const skillPath = (tenantId: string, name: string) => `${tenantPath(tenantId)}/skills/${encodeURIComponent(name)}`;

export const skillQuery = (tenantId: string, name: string) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "skills", name],
    queryFn: async () => (await api.get<{ skill: Skill }>(skillPath(tenantId, name))).skill,
  });

export const skillSourceQuery = (tenantId: string, name: string, version: string, enabled: boolean) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "skill-source", name, version],
    queryFn: () => api.get<SkillSource>(`${skillPath(tenantId, name)}/versions/${encodeURIComponent(version)}/source`),
    staleTime: Infinity,
    enabled,
  });

export const skillInvocationsQuery = (tenantId: string, name: string) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "skill-invocations", name],
    queryFn: async () => (await api.get<{ data: SkillRecentInvocation[] }>(`${skillPath(tenantId, name)}/invocations`)).data,
    refetchInterval: 5_000,
  });

export const installedSkillsQuery = (tenantId: string, agentId: string) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "agent-skills", agentId],
    queryFn: async () => (await api.get<{ data: InstalledSkill[] }>(`${agentPath(tenantId, agentId)}/skills`)).data,
    enabled: agentId !== "",
  });

export const egressApi = {
  addRule: (tenantId: string, agentId: string, rule: { host: string; methods?: string[]; pathPrefix?: string }) =>
    api.post(`${agentPath(tenantId, agentId)}/egress/rules`, rule),
  removeRule: (tenantId: string, agentId: string, ruleId: string) =>
    api.delete(`${agentPath(tenantId, agentId)}/egress/rules/${encodeURIComponent(ruleId)}`),
  setMode: (tenantId: string, agentId: string, mode: "mock" | "live") => api.put(`${agentPath(tenantId, agentId)}/egress/mode`, { mode }),
  test: (tenantId: string, agentId: string, url: string, method: string) =>
    api.post<EgressDecision>(`${agentPath(tenantId, agentId)}/egress/test`, { url, method }),
  createSecret: (tenantId: string, body: unknown) => api.post<{ secret: Secret }>(`${tenantPath(tenantId)}/secrets`, body),
  rotateSecret: (tenantId: string, secretId: string, value: string) =>
    api.post<{ secret: Secret }>(`${tenantPath(tenantId)}/secrets/${encodeURIComponent(secretId)}/rotate`, { value }),
  deleteSecret: (tenantId: string, secretId: string) => api.delete(`${tenantPath(tenantId)}/secrets/${encodeURIComponent(secretId)}`),
  install: (tenantId: string, agentId: string, skill: string, body: { version?: string; mode?: "mock" | "live" }) =>
    api.put<{ installed: InstalledSkill; warning: string | null }>(
      `${agentPath(tenantId, agentId)}/skills/${encodeURIComponent(skill)}`,
      body,
    ),
  uninstall: (tenantId: string, agentId: string, skill: string) =>
    api.delete(`${agentPath(tenantId, agentId)}/skills/${encodeURIComponent(skill)}`),
  publish: (tenantId: string, manifest: unknown) => api.post<{ skill: Skill }>(`${tenantPath(tenantId)}/skills`, manifest),
  dryRun: (tenantId: string, body: unknown) => api.post<DryRunReport>(`${tenantPath(tenantId)}/skills/dry-run`, body),
};
