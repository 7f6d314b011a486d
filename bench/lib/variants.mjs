/**
 * The five variants the bench compares in one run (bench/README.md):
 *   a node-echo    Node `ws` echo (the machine's floor)
 *   b worker-echo  Worker WebSocket echo in workerd
 *   c do-echo      hibernatable Durable Object echo, no storage (the ceiling for any DO relay)
 *   d naive-d1     relay that awaits D1 inserts (message, cursor, audit) per message
 *   e relay        the real TeamRelay behind the real API Worker, agent tokens and allowlist edges
 * `kind` says how the client reads the answers (session.mjs); `broadcast` whether the variant can
 * fan out at all (a stateless Worker cannot); `hibernates` whether a wake-up is meaningful.
 */
const wsUrl = (http) => http.replace(/^http/, "ws");

/** @param {{ nodeEchoUrl: string, baselinesUrl: string, relayUrl: string }} urls  @param {object} tenant from relay-tenant.mjs */
export function variants(urls, tenant) {
  const plain = (index) => `a${index}`;
  return [
    {
      key: "a",
      name: "node-echo",
      kind: "echo",
      broadcast: true,
      hibernates: false,
      agentId: plain,
      connection: async () => ({ url: urls.nodeEchoUrl, headers: {} }),
    },
    {
      key: "b",
      name: "worker-echo",
      kind: "echo",
      broadcast: false,
      hibernates: false,
      agentId: plain,
      connection: async (_i, room) => ({ url: `${wsUrl(urls.baselinesUrl)}echo?room=${room}`, headers: {} }),
    },
    {
      key: "c",
      name: "do-echo",
      kind: "echo",
      broadcast: true,
      hibernates: true,
      agentId: plain,
      connection: async (_i, room) => ({ url: `${wsUrl(urls.baselinesUrl)}do-echo?room=${room}`, headers: {} }),
    },
    {
      key: "d",
      name: "naive-d1",
      kind: "relay",
      broadcast: true,
      hibernates: true,
      agentId: plain,
      connection: async (i, room) => ({ url: `${wsUrl(urls.baselinesUrl)}naive?room=${room}&agent=a${i}`, headers: {} }),
    },
    relayVariant(urls, tenant, tenant),
  ];
}

/** Variant (e) on one team of the bench tenant (the main team by default; the wake and backlog tests use teams of their own). */
export function relayVariant(urls, tenant, team) {
  return {
    key: "e",
    name: "relay",
    kind: "relay",
    broadcast: true,
    hibernates: true,
    teamId: team.teamId,
    agentId: (index) => tenant.agents[index].id,
    connection: async (index) => ({
      url: `${wsUrl(urls.relayUrl)}v1/teams/${team.teamId}/relay`,
      headers: { authorization: `Bearer ${await team.tokenOf(index)}` },
    }),
  };
}
