/** The Policies screen's API calls and query keys, typed by the API's own zod schemas (workers/shared/schemas/policies.ts). */
import { queryOptions } from "@tanstack/react-query";
import type { z } from "zod";
import type { PolicyDiffSchema, PolicyDryRun, PolicyIssueSchema, PolicySettingsSchema, PolicyVersion } from "@shared/schemas/policies";
import { api, getAll } from "@/lib/api";
import { keys, tenantPath } from "@/lib/queries";

export type PolicySettings = z.infer<typeof PolicySettingsSchema>;
export type PolicyDiff = z.infer<typeof PolicyDiffSchema>;
export type PolicyIssue = z.infer<typeof PolicyIssueSchema>;
export type { PolicyDryRun, PolicyVersion };

const base = (tenantId: string) => `${tenantPath(tenantId)}/policies`;

export const policySettingsQuery = (tenantId: string) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "policies"],
    queryFn: async () => (await api.get<{ policies: PolicySettings }>(base(tenantId))).policies,
  });

export const policyVersionsQuery = (tenantId: string) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "policy-versions"],
    queryFn: () => getAll<PolicyVersion>(`${base(tenantId)}/versions`),
  });

export const policiesApi = {
  validate: (tenantId: string, text: string) => api.post<{ valid: true; policies: number }>(`${base(tenantId)}/validate`, { text }),
  save: (tenantId: string, text: string, message: string, expectedVersion: number) =>
    api.post<{ version: PolicyVersion }>(`${base(tenantId)}/versions`, { text, message, expectedVersion }),
  rollback: (tenantId: string, version: number) =>
    api.post<{ version: PolicyVersion }>(`${base(tenantId)}/versions/${version}/rollback`, {}),
  diff: async (tenantId: string, from: number, to: number) =>
    (await api.get<{ diff: PolicyDiff }>(`${base(tenantId)}/diff`, { from, to })).diff,
  dryRun: async (tenantId: string, text: string, events: number) =>
    (await api.post<{ report: PolicyDryRun }>(`${base(tenantId)}/dry-run`, { text, events })).report,
  setEnabled: (tenantId: string, enabled: boolean) => api.put(`${base(tenantId)}/settings`, { enabled }),
};
