/**
 * The relay's HTTP surface: who may connect (every token attack at the upgrade), observers, the
 * allowlist API, and the API hooks that close sockets (suspend 4003, delete/remove 4001).
 * Delivery semantics are tested beside the Durable Object (durable-objects/team-relay/).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { issueAgentToken } from "../../../../shared/agent-identity/agent-token";
import { call, expectError, signup, tenantWithRoles } from "../../../../../test/workers/harness";
import { agentEdge, join, openSocket, relayFixture, setAllowlist, tokenFor, type RelayFixture } from "../../../../../test/workers/relay-harness";

const relayPath = (teamId: string) => `/v1/teams/${teamId}/relay`;

async function refused(path: string, headers: Record<string, string>, status: number, code: string) {
  const { client, response } = await openSocket(path, headers);
  expect(client, "the upgrade should have been refused").toBeNull();
  expectError({ status: response.status, body: await response.json(), headers: response.headers }, status, code);
  return response;
}

describe("GET /v1/teams/{teamId}/relay: connecting", () => {
  it("accepts a team token in the Authorization header", async () => {
    const f = await relayFixture([{}]);
    const alice = await join(f, f.agents[0]!);
    expect(alice.response.status).toBe(101);
    alice.close();
  });

  it("accepts a browser's bearer subprotocol and echoes only switchboard.v1", async () => {
    const f = await relayFixture([{}]);
    const token = await tokenFor(f.agents[0]!, f.teamId);
    const { client, response } = await openSocket(relayPath(f.teamId), { "sec-websocket-protocol": `switchboard.v1, bearer.${token}` });
    expect(response.status).toBe(101);
    expect(response.headers.get("sec-websocket-protocol")).toBe("switchboard.v1");
    expect(await client!.hello()).toMatchObject({ agentId: f.agents[0]!.id });
    await refused(relayPath(f.teamId), { "sec-websocket-protocol": `bearer.${token}` }, 400, "bad_request");
  });

  it("refuses no token, garbage, a token in the query string, an expired token, a tenant-wide token and another team's token", async () => {
    const f = await relayFixture([{}]);
    const agent = f.agents[0]!;
    const good = await tokenFor(agent, f.teamId);
    const res = await refused(relayPath(f.teamId), {}, 401, "unauthenticated");
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    await refused(relayPath(f.teamId), { authorization: "Bearer not.a.token" }, 401, "unauthenticated");
    // Even a valid token is refused in the URL, with or without the header.
    await refused(`${relayPath(f.teamId)}?access_token=${good}`, {}, 400, "bad_request");
    await refused(`${relayPath(f.teamId)}?token=${good}`, { authorization: `Bearer ${good}` }, 400, "bad_request");
    const expired = await issueAgentToken(env, { agentId: agent.id, tenantId: f.tenantId, teamId: f.teamId, role: "custom", trust: 2 }, { now: Date.now() - 20 * 60 * 1000 });
    await refused(relayPath(f.teamId), { authorization: `Bearer ${expired.token}` }, 401, "unauthenticated");
    const wrongAudience = await issueAgentToken(env, { agentId: agent.id, tenantId: f.tenantId, teamId: f.teamId, role: "custom", trust: 2 }, { audience: "switchboard:other" });
    await refused(relayPath(f.teamId), { authorization: `Bearer ${wrongAudience.token}` }, 401, "unauthenticated");
    await refused(relayPath(f.teamId), { authorization: `Bearer ${await tokenFor(agent)}` }, 403, "forbidden");

    // A second team of the same tenant: the first team's token cannot open it.
    const other = await call(`/v1/tenants/${f.tenantId}/teams`, { body: { name: "Other", agentIds: [agent.id] }, cookie: f.owner.cookie });
    await refused(relayPath(other.body.team.id), { authorization: `Bearer ${good}` }, 403, "forbidden");
  });

  it("isolates tenants: an agent of tenant B cannot reach tenant A's team, even with a token for its own team", async () => {
    const a = await relayFixture([{}]);
    const b = await relayFixture([{}]);
    const bToken = await tokenFor(b.agents[0]!, b.teamId);
    await refused(relayPath(a.teamId), { authorization: `Bearer ${bToken}` }, 403, "forbidden");
    // Asking for A's team at the exchange fails too (not a member).
    const res = await call("/v1/agent-tokens", { body: { agentId: b.agents[0]!.id, secret: b.agents[0]!.secret, teamId: a.teamId }, headers: { "cf-connecting-ip": "198.51.100.250" } });
    expectError(res, 403, "forbidden");
  });

  it("answers 426 to a request that is not a WebSocket upgrade", async () => {
    const f = await relayFixture([{}]);
    const res = await call(relayPath(f.teamId), { headers: { authorization: `Bearer ${await tokenFor(f.agents[0]!, f.teamId)}` } });
    expectError(res, 426, "upgrade_required");
  });

  it("refuses a suspended agent's token at connect", async () => {
    const f = await relayFixture([{}]);
    const token = await tokenFor(f.agents[0]!, f.teamId);
    expect((await call(`/v1/tenants/${f.tenantId}/agents/${f.agents[0]!.id}/suspend`, { method: "POST", cookie: f.owner.cookie })).status).toBe(200);
    await refused(relayPath(f.teamId), { authorization: `Bearer ${token}` }, 403, "agent_suspended");
  });
});

describe("closing sockets from the API", () => {
  async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
    const start = Date.now();
    const value = await f();
    return [value, Date.now() - start];
  }

  it("suspension closes the agent's sockets with 4003 within a second; others stay", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    const alice = await join(f, a);
    const alice2 = await join(f, a);
    const bob = await join(f, b);
    const start = Date.now();
    expect((await call(`/v1/tenants/${f.tenantId}/agents/${a.id}/suspend`, { method: "POST", cookie: f.owner.cookie })).status).toBe(200);
    for (const client of [alice, alice2]) expect(await client.waitClosed(1000)).toEqual({ code: 4003, reason: "agent suspended" });
    expect(Date.now() - start).toBeLessThan(1000);
    expect(bob.closed).toBeNull();
  });

  it("removing the agent from the team, or deleting it, closes with 4001", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    const alice = await join(f, a);
    const bob = await join(f, b);
    const [, ms] = await timed(() => call(`/v1/tenants/${f.tenantId}/teams/${f.teamId}/agents/${a.id}`, { method: "DELETE", cookie: f.owner.cookie }));
    expect(await alice.waitClosed(1000)).toEqual({ code: 4001, reason: "agent token invalid" });
    expect(ms).toBeLessThan(1000);
    expect((await call(`/v1/tenants/${f.tenantId}/agents/${b.id}`, { method: "DELETE", cookie: f.owner.cookie })).status).toBe(204);
    expect(await bob.waitClosed(1000)).toEqual({ code: 4001, reason: "agent token invalid" });
  });
});

describe("observers", () => {
  const observePath = (f: RelayFixture) => `/v1/tenants/${f.tenantId}/teams/${f.teamId}/relay/observe`;

  it("a viewer watches deliveries, denials and presence; the feed is read-only", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const { client: watcher, response } = await openSocket(observePath(f), { cookie: f.viewer.cookie });
    expect(response.status).toBe(101);
    await watcher!.next({ type: "welcome" });
    const alice = await join(f, a);
    expect(await watcher!.next({ type: "presence" })).toEqual({ type: "presence", agentId: a.id, status: "joined" });
    alice.send({ type: "send", id: "seen", to: b.id, body: { x: 1 } });
    const { seq } = await alice.next({ type: "accepted", id: "seen" });
    expect(await watcher!.next({ type: "deliver" })).toMatchObject({ seq, from: a.id, to: [b.id], body: { x: 1 }, kind: "direct" });
    const bob = await join(f, b);
    bob.send({ type: "send", id: "blocked", to: a.id, body: 2 });
    expect(await watcher!.next({ type: "denied" })).toMatchObject({ id: "blocked", from: b.id, code: "not_allowed" });
    watcher!.send({ type: "send", id: "w", to: a.id, body: 1 });
    expect(await watcher!.next({ type: "error" })).toMatchObject({ code: "not_allowed" });
  });

  it("outsiders, anonymous callers and foreign origins cannot watch", async () => {
    const f = await relayFixture([{}]);
    const outsider = await signup("outsider");
    await refused(observePath(f), { cookie: outsider.cookie }, 404, "not_found");
    await refused(observePath(f), {}, 401, "unauthenticated");
    await refused(observePath(f), { cookie: f.viewer.cookie, origin: "https://evil.example" }, 403, "csrf_rejected");
    // Another tenant's team under your own tenant id is 404.
    const other = await relayFixture([{}]);
    await refused(`/v1/tenants/${f.tenantId}/teams/${other.teamId}/relay/observe`, { cookie: f.owner.cookie }, 404, "not_found");
  });
});

describe("allowlist API", () => {
  const path = (f: RelayFixture) => `/v1/tenants/${f.tenantId}/teams/${f.teamId}/allowlist`;

  it("starts empty (default deny), replaces with optimistic concurrency, audits the change", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    const viewerGet = await call(path(f), { cookie: f.viewer.cookie });
    expect(viewerGet.body).toEqual({ allowlist: { version: 0, edges: [], topics: [] } });
    const body = { expectedVersion: 0, edges: [agentEdge(a, b), agentEdge(a, b)], topics: [{ topic: "ci.*", subject: { kind: "role", id: "engineering" }, action: "publish" }] };
    expectError(await call(path(f), { method: "PUT", body, cookie: f.viewer.cookie }), 403, "forbidden");
    const put = await call(path(f), { method: "PUT", body, cookie: f.owner.cookie });
    expect(put.status).toBe(200);
    expect(put.body.allowlist).toEqual({ version: 1, edges: [agentEdge(a, b)], topics: body.topics });
    const stale = await call(path(f), { method: "PUT", body, cookie: f.owner.cookie });
    expectError(stale, 409, "version_conflict");
    expect(stale.body.error.details).toEqual({ currentVersion: 1 });
    const audit = await env.DB.prepare("select details from audit_events where action = 'team.allowlist_updated' and target_id = ?").bind(f.teamId).all<{ details: string }>();
    expect(audit.results.map((r) => JSON.parse(r.details))).toEqual([{ version: 1, edges: 1, topics: 1 }]);
  });

  it("refuses agents of another tenant, bad subjects and unknown fields", async () => {
    const f = await relayFixture([{}]);
    const other = await relayFixture([{}]);
    const foreign = await call(path(f), { method: "PUT", body: { expectedVersion: 0, edges: [agentEdge(f.agents[0]!, other.agents[0]!)], topics: [] }, cookie: f.owner.cookie });
    expectError(foreign, 400, "validation_failed");
    expect(foreign.body.error.details.unknownAgentIds).toEqual([other.agents[0]!.id]);
    expectError(await call(path(f), { method: "PUT", body: { expectedVersion: 0, edges: [{ from: { kind: "role", id: "wizard" }, to: { kind: "role", id: "pm" } }], topics: [] }, cookie: f.owner.cookie }), 400, "validation_failed");
    expectError(await call(path(f), { method: "PUT", body: { expectedVersion: 0, edges: [], topics: [], extra: true }, cookie: f.owner.cookie }), 400, "validation_failed");
    expectError(await call(path(f), { method: "PUT", body: { expectedVersion: 0, edges: [], topics: [{ topic: "a*b", subject: { kind: "role", id: "pm" }, action: "publish" }] }, cookie: f.owner.cookie }), 400, "validation_failed");
    // Another tenant's team through my tenant id: 404.
    expectError(await call(`/v1/tenants/${f.tenantId}/teams/${other.teamId}/allowlist`, { cookie: f.owner.cookie }), 404, "not_found");
    const { tenantId } = await tenantWithRoles();
    expectError(await call(`/v1/tenants/${tenantId}/teams/${f.teamId}/allowlist`, { cookie: f.owner.cookie }), 404, "not_found");
  });
});
