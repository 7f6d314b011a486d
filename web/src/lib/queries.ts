/**
 * Query keys and fetchers, one place per API resource. Mutations invalidate by the key prefixes
 * here (e.g. `keys.tenant(t)` invalidates everything of that tenant).
 */
import { QueryCache, QueryClient, queryOptions } from "@tanstack/react-query";
import { api, getAll, isApiError } from "./api";
import type { Allowlist } from "@shared/relay/allowlist";
import type { Project } from "@shared/schemas/projects";
import type {
  Agent,
  ApiKey,
  Invite,
  Me,
  Member,
  OperatorTenant,
  OperatorTenantDetail,
  PlatformHealth,
  Session,
  Team,
  TeamWithAgents,
  Tenant,
  TenantConfigVersion,
} from "./types";

let unauthenticatedHandler: (() => void) | undefined;
/** Called when any query other than `me` answers 401: the session expired or was revoked mid-use. */
export function onUnauthenticated(handler: () => void): void {
  unauthenticatedHandler = handler;
}

export const queryClient = new QueryClient({
  queryCache: new QueryCache({
    onError: (err, query) => {
      const isMe = query.queryKey.length === 1 && query.queryKey[0] === "me";
      if (isApiError(err, "unauthenticated") && !isMe) unauthenticatedHandler?.();
    },
  }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // Retrying a 4xx never helps; retry network blips and 5xx once.
      retry: (count, err) => count < 1 && !(isApiError(err) && err.status >= 400 && err.status < 500),
    },
  },
});

export const keys = {
  me: ["me"] as const,
  sessions: ["me", "sessions"] as const,
  tenant: (tenantId: string) => ["tenant", tenantId] as const,
  agents: (tenantId: string, filters: { status?: string; template?: string; projectId?: string } = {}) =>
    ["tenant", tenantId, "agents", filters] as const,
  agentsAll: (tenantId: string) => ["tenant", tenantId, "agents"] as const,
  agent: (tenantId: string, agentId: string) => ["tenant", tenantId, "agent", agentId] as const,
  teams: (tenantId: string) => ["tenant", tenantId, "teams"] as const,
  projects: (tenantId: string) => ["tenant", tenantId, "projects"] as const,
  team: (tenantId: string, teamId: string) => ["tenant", tenantId, "team", teamId] as const,
  allowlist: (tenantId: string, teamId: string) => ["tenant", tenantId, "team", teamId, "allowlist"] as const,
  members: (tenantId: string) => ["tenant", tenantId, "members"] as const,
  invites: (tenantId: string) => ["tenant", tenantId, "invites"] as const,
  apiKeys: (tenantId: string) => ["tenant", tenantId, "api-keys"] as const,
  configVersions: (tenantId: string) => ["tenant", tenantId, "config-versions"] as const,
  operatorTenants: ["operator", "tenants"] as const,
  operatorTenant: (tenantId: string) => ["operator", "tenant", tenantId] as const,
  operatorHealth: ["operator", "health"] as const,
};

const t = (tenantId: string) => `/v1/tenants/${encodeURIComponent(tenantId)}`;

export const meQuery = queryOptions({ queryKey: keys.me, queryFn: () => api.get<Me>("/v1/me"), staleTime: 60_000 });
export const sessionsQuery = queryOptions({
  queryKey: keys.sessions,
  queryFn: () => api.get<{ data: Session[] }>("/v1/me/sessions").then((r) => r.data),
});

export const tenantQuery = (tenantId: string) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "self"],
    queryFn: () => api.get<{ tenant: Tenant }>(t(tenantId)).then((r) => r.tenant),
  });

export const agentsQuery = (tenantId: string, filters: { status?: string; template?: string; projectId?: string } = {}) =>
  queryOptions({ queryKey: keys.agents(tenantId, filters), queryFn: () => getAll<Agent>(`${t(tenantId)}/agents`, filters) });
export const agentQuery = (tenantId: string, agentId: string) =>
  queryOptions({
    queryKey: keys.agent(tenantId, agentId),
    queryFn: () => api.get<{ agent: Agent }>(`${t(tenantId)}/agents/${encodeURIComponent(agentId)}`).then((r) => r.agent),
  });

/** `projectId`: only that project's teams (the project selector); the key keeps every variant under keys.teams for invalidation. */
export const teamsQuery = (tenantId: string, projectId?: string) =>
  queryOptions({
    queryKey: projectId ? [...keys.teams(tenantId), { projectId }] : keys.teams(tenantId),
    queryFn: () => getAll<Team>(`${t(tenantId)}/teams`, projectId ? { projectId } : undefined),
  });
export const projectsQuery = (tenantId: string) =>
  queryOptions({ queryKey: keys.projects(tenantId), queryFn: () => getAll<Project>(`${t(tenantId)}/projects`) });
export const teamQuery = (tenantId: string, teamId: string) =>
  queryOptions({
    queryKey: keys.team(tenantId, teamId),
    queryFn: () => api.get<TeamWithAgents>(`${t(tenantId)}/teams/${encodeURIComponent(teamId)}`),
  });

export const allowlistQuery = (tenantId: string, teamId: string) =>
  queryOptions({
    queryKey: keys.allowlist(tenantId, teamId),
    queryFn: () =>
      api.get<{ allowlist: Allowlist }>(`${t(tenantId)}/teams/${encodeURIComponent(teamId)}/allowlist`).then((r) => r.allowlist),
    // The editor works on a copy; a background refetch must not look like someone else's change.
    staleTime: Infinity,
  });

export const membersQuery = (tenantId: string) =>
  queryOptions({ queryKey: keys.members(tenantId), queryFn: () => getAll<Member>(`${t(tenantId)}/members`) });
export const invitesQuery = (tenantId: string) =>
  queryOptions({ queryKey: keys.invites(tenantId), queryFn: () => getAll<Invite>(`${t(tenantId)}/invites`) });
/** `projectId`: the keys that work in that project (bound to it, or tenant-wide); the key keeps every variant under keys.apiKeys for invalidation. */
export const apiKeysQuery = (tenantId: string, projectId?: string) =>
  queryOptions({
    queryKey: projectId ? [...keys.apiKeys(tenantId), { projectId }] : keys.apiKeys(tenantId),
    queryFn: () => getAll<ApiKey>(`${t(tenantId)}/api-keys`, projectId ? { projectId } : undefined),
  });
export const configVersionsQuery = (tenantId: string) =>
  queryOptions({
    queryKey: keys.configVersions(tenantId),
    queryFn: () => getAll<TenantConfigVersion>(`${t(tenantId)}/config/versions`, {}, 5),
  });

export const operatorTenantsQuery = queryOptions({
  queryKey: keys.operatorTenants,
  queryFn: () => getAll<OperatorTenant>("/v1/admin/tenants"),
});
export const operatorTenantQuery = (tenantId: string) =>
  queryOptions({
    queryKey: keys.operatorTenant(tenantId),
    queryFn: () => api.get<OperatorTenantDetail>(`/v1/admin/tenants/${encodeURIComponent(tenantId)}`),
  });
export const operatorHealthQuery = queryOptions({
  queryKey: keys.operatorHealth,
  // 503 still carries a health body; show it rather than an error.
  queryFn: () => api.get<PlatformHealth>("/v1/admin/health"),
});

/** Path helper for tenant-scoped API calls. */
export const tenantPath = t;
