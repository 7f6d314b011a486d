/**
 * Sets up variant (e)'s tenant through the real HTTP API, like any client: an owner, a tenant, a
 * team of agents (trust 4), agent tokens from the real client-credentials exchange, and
 * allowlist edges. Only the plan is set with SQL (the free plan allows 5 agents; billing is
 * not what is measured), as docs/deploy.md does for operator grants.
 */
import { ApiClient } from "../../scripts/lib/api-client.mjs";

/** Agent tokens live 15 min; a run re-exchanges a secret once its token is this old. */
const TOKEN_REFRESH_MS = 10 * 60 * 1000;
const TEAM_CREATE_MAX = 100;

/**
 * @param {{ baseUrl: string, sql: (statements: {sql: string, params?: unknown[]}[]) => Promise<unknown[][]>, agentCount: number }} options
 */
export async function setUpRelayTenant({ baseUrl, sql, agentCount }) {
  const api = new ApiClient(baseUrl);
  const email = `bench-${Date.now().toString(36)}@bench.test`;
  await api.post("/v1/auth/signup", { email, password: "bench-password-0123456789", name: "Bench owner" });
  const tenantId = (await api.post("/v1/tenants", { name: "Bench tenant" })).tenant.id;
  await sql([{ sql: "UPDATE tenants SET plan = 'enterprise' WHERE id = ?", params: [tenantId] }]);
  const base = `/v1/tenants/${tenantId}`;

  const agents = [];
  for (let i = 0; i < agentCount; i++) {
    const res = await api.post(`${base}/agents`, { name: `bench-agent-${i}`, template: "engineering", trustLevel: 4 });
    agents.push({ id: res.agent.id, secret: res.secret, token: null, tokenAt: 0 });
  }
  const ids = agents.map((a) => a.id);
  const team = (await api.post(`${base}/teams`, { name: "Bench team", agentIds: ids.slice(0, TEAM_CREATE_MAX) })).team;
  for (const id of ids.slice(TEAM_CREATE_MAX)) await api.put(`${base}/teams/${team.id}/agents/${id}`);

  const agentSubject = (i) => ({ kind: "agent", id: ids[i] });

  /** A team's handle: its allowlist and its team-scoped tokens (a token is issued for one team). */
  function teamHandle(teamId) {
    let version = null;
    const tokens = new Map();
    return {
      teamId,
      /** Replaces the allowlist with these directed edges (agent index → agent index). */
      async setEdges(pairs) {
        version ??= (await api.get(`${base}/teams/${teamId}/allowlist`)).allowlist.version;
        const edges = pairs.map(([from, to]) => ({ from: agentSubject(from), to: agentSubject(to) }));
        const res = await api.put(`${base}/teams/${teamId}/allowlist`, { expectedVersion: version, edges, topics: [] });
        version = res.allowlist.version;
      },
      /** A team-scoped agent token from the real exchange (cached until it nears expiry). */
      async tokenOf(i) {
        const cached = tokens.get(i);
        if (cached && Date.now() - cached.at <= TOKEN_REFRESH_MS) return cached.token;
        const res = await api.post("/v1/agent-tokens", { agentId: agents[i].id, secret: agents[i].secret, teamId });
        tokens.set(i, { token: res.access_token, at: Date.now() });
        return res.access_token;
      },
    };
  }

  return {
    tenantId,
    agents,
    ...teamHandle(team.id),
    /** Another team of the same tenant, with these agents (by index) and edges: each has its own relay (and log). */
    async addTeam(name, agentIndexes, pairs) {
      const created = (await api.post(`${base}/teams`, { name, agentIds: agentIndexes.map((i) => ids[i]) })).team;
      const handle = teamHandle(created.id);
      await handle.setEdges(pairs);
      return handle;
    },
  };
}
