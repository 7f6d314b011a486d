/**
 * The relay's HTTP surface: who may connect (every token attack at the upgrade), observers, the
 * allowlist API, and the API hooks that close sockets (suspend 4003, delete/remove 4001).
 * Delivery semantics are tested beside the Durable Object (durable-objects/team-relay/).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { issueAgentToken } from "../../../../shared/agent-identity/agent-token";
import { BASE, call, expectError, signup, tenantWithRoles } from "../../../../../test/workers/harness";
import type { TeamRelay } from "../../../../../durable-objects/team-relay/team-relay";
import {
  agentEdge,
  connectAgent,
  join,
  openSocket,
  relayFixture,
  relayStub,
  setAllowlist,
  tokenFor,
  type RelayFixture,
} from "../../../../../test/workers/relay-harness";
import { auditResults } from "../../../../../test/workers/audit-view";

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
    const expired = await issueAgentToken(
      env,
      { agentId: agent.id, tenantId: f.tenantId, teamId: f.teamId, role: "custom", trust: 2 },
      { now: Date.now() - 20 * 60 * 1000 },
    );
    await refused(relayPath(f.teamId), { authorization: `Bearer ${expired.token}` }, 401, "unauthenticated");
    const wrongAudience = await issueAgentToken(
      env,
      { agentId: agent.id, tenantId: f.tenantId, teamId: f.teamId, role: "custom", trust: 2 },
      { audience: "switchboard:other" },
    );
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
    const res = await call("/v1/agent-tokens", {
      body: { agentId: b.agents[0]!.id, secret: b.agents[0]!.secret, teamId: a.teamId },
      headers: { "cf-connecting-ip": "198.51.100.250" },
    });
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
    expect(
      (await call(`/v1/tenants/${f.tenantId}/agents/${f.agents[0]!.id}/suspend`, { method: "POST", cookie: f.owner.cookie })).status,
    ).toBe(200);
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

  it("suspension closes a socket that has not sent hello yet with 4003 too", async () => {
    const f = await relayFixture([{}, {}]);
    const [a] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    const early = await connectAgent(f.teamId, await tokenFor(a, f.teamId));
    expect((await call(`/v1/tenants/${f.tenantId}/agents/${a.id}/suspend`, { method: "POST", cookie: f.owner.cookie })).status).toBe(200);
    expect(await early.waitClosed(1000)).toEqual({ code: 4003, reason: "agent suspended" });
  });

  it("an upgrade racing a suspension is refused, and a socket that escaped the close is closed at its next frame — hello included", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    const token = await tokenFor(a, f.teamId);
    const escaped = await connectAgent(f.teamId, token);
    const stub = relayStub(f.teamId);
    // The race: the API checked the token, then the suspension landed in D1 and its closeAgent call
    // ran before the relay accepted this upgrade. The relay reads D1 at the upgrade, and refuses.
    await env.DB.prepare("update agents set status = 'suspended' where id = ?").bind(a.id).run();
    const identity = {
      kind: "agent",
      teamId: f.teamId,
      tenantId: f.tenantId,
      agentId: a.id,
      role: "custom",
      trust: 2,
      exp: Math.floor(Date.now() / 1000) + 600,
      subprotocol: false,
    };
    const raced = await stub.fetch("https://relay.internal/connect", {
      headers: { upgrade: "websocket", "x-relay-identity": JSON.stringify(identity) },
    });
    expect(raced.status).toBe(403);
    expect(await raced.json()).toMatchObject({ error: { code: "agent_suspended" } });
    // A socket the close did not reach (here: opened before, and the relay told directly) is closed at its next frame, hello or not.
    await runInDurableObject(stub, (relay: TeamRelay) => relay.core.roster.upsert({ ...relay.core.roster.get(a.id)!, suspended: true }));
    escaped.send({ type: "hello", v: 1 });
    expect(await escaped.waitClosed(1000)).toEqual({ code: 4003, reason: "agent suspended" });
    // Resumed in D1: the next upgrade reads it and the agent is back.
    expect((await call(`/v1/tenants/${f.tenantId}/agents/${a.id}/resume`, { method: "POST", cookie: f.owner.cookie })).status).toBe(200);
    const back = await join(f, a);
    back.send({ type: "send", id: "back", to: b.id, body: 1 });
    expect(await back.next({ id: "back" })).toMatchObject({ type: "denied", code: "not_allowed" });
  });

  it("removing the agent from the team, or deleting it, closes with 4001", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    const alice = await join(f, a);
    const bob = await join(f, b);
    const [, ms] = await timed(() =>
      call(`/v1/tenants/${f.tenantId}/teams/${f.teamId}/agents/${a.id}`, { method: "DELETE", cookie: f.owner.cookie }),
    );
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
    const { client: watcher, response } = await openSocket(observePath(f), { cookie: f.viewer.cookie, origin: new URL(BASE).origin });
    expect(response.status).toBe(101);
    await watcher!.next({ type: "welcome" });
    const alice = await join(f, a);
    expect(await watcher!.next({ type: "presence" })).toEqual({ type: "presence", agentId: a.id, status: "joined" });
    alice.send({ type: "send", id: "seen", to: b.id, body: { x: 1 } });
    const { seq } = await alice.next({ type: "accepted", id: "seen" });
    expect(await watcher!.next({ type: "deliver" })).toMatchObject({ seq, from: a.id, to: [b.id], body: { x: 1 }, kind: "direct" });
    const bob = await join(f, b);
    bob.send({ type: "send", id: "blocked", to: a.id, body: 2 });
    const denied = await watcher!.next({ type: "denied" });
    expect(denied).toMatchObject({ id: "blocked", from: b.id, code: "not_allowed", kind: "direct", to: [a.id] });
    expect(Math.abs(denied.at - Date.now())).toBeLessThan(60_000);
    expect(denied).not.toHaveProperty("body");
    watcher!.send({ type: "send", id: "w", to: a.id, body: 1 });
    expect(await watcher!.next({ type: "error" })).toMatchObject({ code: "not_allowed" });
  });

  it("outsiders, anonymous callers and foreign origins cannot watch", async () => {
    const f = await relayFixture([{}]);
    const outsider = await signup("outsider");
    await refused(observePath(f), { cookie: outsider.cookie }, 404, "not_found");
    await refused(observePath(f), {}, 401, "unauthenticated");
    await refused(observePath(f), { cookie: f.viewer.cookie, origin: "https://evil.example" }, 403, "csrf_rejected");
    // A cookie is a browser credential and browsers always send Origin: none at all is refused too.
    await refused(observePath(f), { cookie: f.viewer.cookie }, 403, "csrf_rejected");
    // Another tenant's team under your own tenant id is 404.
    const other = await relayFixture([{}]);
    await refused(`/v1/tenants/${f.tenantId}/teams/${other.teamId}/relay/observe`, { cookie: f.owner.cookie }, 404, "not_found");
  });
});

describe("observers with an API key", () => {
  const observePath = (f: RelayFixture) => `/v1/tenants/${f.tenantId}/teams/${f.teamId}/relay/observe`;

  it("may omit Origin (not a browser credential), but a foreign Origin is still refused; the scope is needed", async () => {
    const f = await relayFixture([{}]);
    const key = await call(`/v1/tenants/${f.tenantId}/api-keys`, {
      body: { name: "feed", scopes: ["teams:read"] },
      cookie: f.owner.cookie,
    });
    expect(key.status).toBe(201);
    const { client, response } = await openSocket(observePath(f), { authorization: `Bearer ${key.body.key}` });
    expect(response.status).toBe(101);
    expect(await client!.next({ type: "welcome" })).toMatchObject({ teamId: f.teamId });
    client!.close();
    await refused(observePath(f), { authorization: `Bearer ${key.body.key}`, origin: "https://evil.example" }, 403, "csrf_rejected");
    const narrow = await call(`/v1/tenants/${f.tenantId}/api-keys`, {
      body: { name: "agents only", scopes: ["agents:read"] },
      cookie: f.owner.cookie,
    });
    await refused(observePath(f), { authorization: `Bearer ${narrow.body.key}` }, 403, "forbidden");
  });
});

describe("allowlist API", () => {
  const path = (f: RelayFixture) => `/v1/tenants/${f.tenantId}/teams/${f.teamId}/allowlist`;

  it("starts empty (default deny), replaces with optimistic concurrency, audits the change", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    const viewerGet = await call(path(f), { cookie: f.viewer.cookie });
    expect(viewerGet.body).toEqual({ allowlist: { version: 0, edges: [], topics: [] } });
    const body = {
      expectedVersion: 0,
      edges: [agentEdge(a, b), agentEdge(a, b)],
      topics: [{ topic: "ci.*", subject: { kind: "role", id: "engineering" }, action: "publish" }],
    };
    expectError(await call(path(f), { method: "PUT", body, cookie: f.viewer.cookie }), 403, "forbidden");
    const put = await call(path(f), { method: "PUT", body, cookie: f.owner.cookie });
    expect(put.status).toBe(200);
    expect(put.body.allowlist).toEqual({ version: 1, edges: [agentEdge(a, b)], topics: body.topics });
    const stale = await call(path(f), { method: "PUT", body, cookie: f.owner.cookie });
    expectError(stale, 409, "version_conflict");
    expect(stale.body.error.details).toEqual({ currentVersion: 1 });
    const audit = await auditResults<{ details: string }>(
      "select details from audit_events where action = 'team.allowlist_updated' and target_id = ?",
      f.teamId,
    );
    expect(audit.results.map((r) => JSON.parse(r.details))).toEqual([
      { version: 1, edges: 1, topics: 1, requestId: expect.stringMatching(/^req_/) },
    ]);
  });

  it("refuses agents of another tenant, bad subjects and unknown fields", async () => {
    const f = await relayFixture([{}]);
    const other = await relayFixture([{}]);
    const foreign = await call(path(f), {
      method: "PUT",
      body: { expectedVersion: 0, edges: [agentEdge(f.agents[0]!, other.agents[0]!)], topics: [] },
      cookie: f.owner.cookie,
    });
    expectError(foreign, 400, "validation_failed");
    expect(foreign.body.error.details.unknownAgentIds).toEqual([other.agents[0]!.id]);
    expectError(
      await call(path(f), {
        method: "PUT",
        body: { expectedVersion: 0, edges: [{ from: { kind: "role", id: "wizard" }, to: { kind: "role", id: "pm" } }], topics: [] },
        cookie: f.owner.cookie,
      }),
      400,
      "validation_failed",
    );
    expectError(
      await call(path(f), { method: "PUT", body: { expectedVersion: 0, edges: [], topics: [], extra: true }, cookie: f.owner.cookie }),
      400,
      "validation_failed",
    );
    expectError(
      await call(path(f), {
        method: "PUT",
        body: { expectedVersion: 0, edges: [], topics: [{ topic: "a*b", subject: { kind: "role", id: "pm" }, action: "publish" }] },
        cookie: f.owner.cookie,
      }),
      400,
      "validation_failed",
    );
    // Another tenant's team through my tenant id: 404.
    expectError(await call(`/v1/tenants/${f.tenantId}/teams/${other.teamId}/allowlist`, { cookie: f.owner.cookie }), 404, "not_found");
    const { tenantId } = await tenantWithRoles();
    expectError(await call(`/v1/tenants/${tenantId}/teams/${f.teamId}/allowlist`, { cookie: f.owner.cookie }), 404, "not_found");
  });
});

describe("allowlist API: single-rule edits", () => {
  const edges = (f: RelayFixture) => `/v1/tenants/${f.tenantId}/teams/${f.teamId}/allowlist/edges`;
  const topics = (f: RelayFixture) => `/v1/tenants/${f.tenantId}/teams/${f.teamId}/allowlist/topics`;
  const auditDetails = async (teamId: string) =>
    // Without each event's request id (every audited request carries one), to compare the rest exactly.
    (
      await auditResults<{ details: string }>(
        "select details from audit_events where action = 'team.allowlist_updated' and target_id = ? order by id",
        teamId,
      )
    ).results.map((r) => (({ requestId: _requestId, ...rest }) => rest)(JSON.parse(r.details)));

  it("adding an edge opens the next frame on an open connection; deleting it closes it; both idempotent and audited", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    const alice = await join(f, a);
    const bob = await join(f, b);
    alice.send({ type: "send", id: "before", to: b.id, body: 0 });
    expect(await alice.next({ type: "denied", id: "before" })).toMatchObject({ code: "not_allowed" });

    const added = await call(edges(f), { method: "POST", body: agentEdge(a, b), cookie: f.owner.cookie });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ changed: true, allowlist: { version: 1, edges: [agentEdge(a, b)], topics: [] } });
    alice.send({ type: "send", id: "after-add", to: b.id, body: 1 });
    const { seq } = await alice.next({ type: "accepted", id: "after-add" });
    expect(await bob.next({ type: "deliver" })).toMatchObject({ seq, body: 1 });

    // Adding it again changes nothing: same version, no audit event.
    const again = await call(edges(f), { method: "POST", body: agentEdge(a, b), cookie: f.owner.cookie });
    expect(again.body).toEqual({ changed: false, allowlist: { version: 1, edges: [agentEdge(a, b)], topics: [] } });

    const removed = await call(edges(f), { method: "DELETE", body: agentEdge(a, b), cookie: f.owner.cookie });
    expect(removed.body).toEqual({ changed: true, allowlist: { version: 2, edges: [], topics: [] } });
    alice.send({ type: "send", id: "after-delete", to: b.id, body: 2 });
    expect(await alice.next({ type: "denied", id: "after-delete" })).toMatchObject({ code: "not_allowed" });
    await bob.none({ type: "deliver" });
    expect((await call(edges(f), { method: "DELETE", body: agentEdge(a, b), cookie: f.owner.cookie })).body).toMatchObject({
      changed: false,
      allowlist: { version: 2 },
    });

    expect(await auditDetails(f.teamId)).toEqual([
      { version: 1, op: "add", edge: agentEdge(a, b), edges: 1, topics: 0 },
      { version: 2, op: "remove", edge: agentEdge(a, b), edges: 0, topics: 0 },
    ]);
    // A single-rule edit and a PUT share the version: a PUT built on the old version conflicts.
    expectError(
      await call(`/v1/tenants/${f.tenantId}/teams/${f.teamId}/allowlist`, {
        method: "PUT",
        body: { expectedVersion: 1, edges: [], topics: [] },
        cookie: f.owner.cookie,
      }),
      409,
      "version_conflict",
    );
  });

  it("role → role edges and topic rules have the same endpoints' shape", async () => {
    const f = await relayFixture([{ template: "pm" }, { template: "engineering" }]);
    const [pm, eng] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    const p = await join(f, pm);
    const e = await join(f, eng);
    const roleEdge = { from: { kind: "role", id: "pm" }, to: { kind: "role", id: "engineering" } };
    expect((await call(edges(f), { method: "POST", body: roleEdge, cookie: f.owner.cookie })).body).toMatchObject({
      changed: true,
      allowlist: { edges: [roleEdge] },
    });
    p.send({ type: "send", id: "spec", to: eng.id, body: "spec" });
    await p.next({ type: "accepted", id: "spec" });
    const rule = { topic: "deploys.*", subject: { kind: "role", id: "engineering" }, action: "subscribe" };
    e.send({ type: "subscribe", id: "s0", topic: "deploys.prod" });
    expect(await e.next({ type: "denied", id: "s0" })).toMatchObject({ code: "not_allowed" });
    expect((await call(topics(f), { method: "POST", body: rule, cookie: f.owner.cookie })).body).toMatchObject({
      changed: true,
      allowlist: { version: 2, topics: [rule] },
    });
    e.send({ type: "subscribe", id: "s1", topic: "deploys.prod" });
    await e.next({ type: "accepted", id: "s1" });
    expect((await call(topics(f), { method: "DELETE", body: rule, cookie: f.owner.cookie })).body).toMatchObject({
      changed: true,
      allowlist: { version: 3, topics: [] },
    });
    e.send({ type: "subscribe", id: "s2", topic: "deploys.prod" });
    expect(await e.next({ type: "denied", id: "s2" })).toMatchObject({ code: "not_allowed" });
  });

  it("refuses viewers (403), other tenants' teams (404), bad edges and foreign agents (400 with the error shape)", async () => {
    const f = await relayFixture([{}, {}]);
    const other = await relayFixture([{}]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    expectError(await call(edges(f), { method: "POST", body: agentEdge(a, b), cookie: f.viewer.cookie }), 403, "forbidden");
    expectError(await call(edges(f), { method: "DELETE", body: agentEdge(a, b), cookie: f.viewer.cookie }), 403, "forbidden");
    // Another tenant's team, addressed through my tenant or theirs: 404 either way.
    expectError(
      await call(`/v1/tenants/${f.tenantId}/teams/${other.teamId}/allowlist/edges`, {
        method: "POST",
        body: agentEdge(a, b),
        cookie: f.owner.cookie,
      }),
      404,
      "not_found",
    );
    expectError(
      await call(`/v1/tenants/${other.tenantId}/teams/${other.teamId}/allowlist/edges`, {
        method: "POST",
        body: agentEdge(a, b),
        cookie: f.owner.cookie,
      }),
      404,
      "not_found",
    );
    for (const bad of [
      { from: { kind: "role", id: "wizard" }, to: { kind: "role", id: "pm" } },
      { from: { kind: "agent", id: a.id } },
      { ...agentEdge(a, b), extra: 1 },
      { topic: "a*b", subject: { kind: "role", id: "pm" }, action: "publish" },
    ]) {
      const res = await call(edges(f), { method: "POST", body: bad, cookie: f.owner.cookie });
      expectError(res, 400, "validation_failed");
      expect(res.body.error.details.issues.length).toBeGreaterThan(0);
    }
    const foreign = await call(edges(f), { method: "POST", body: agentEdge(a, other.agents[0]!), cookie: f.owner.cookie });
    expectError(foreign, 400, "validation_failed");
    expect(foreign.body.error.details.unknownAgentIds).toEqual([other.agents[0]!.id]);
    expect((await call(`/v1/tenants/${f.tenantId}/teams/${f.teamId}/allowlist`, { cookie: f.owner.cookie })).body.allowlist.version).toBe(
      0,
    );
  });
});

describe("agent changes reach live connections", () => {
  const patch = (f: RelayFixture, agentId: string, body: unknown) =>
    call(`/v1/tenants/${f.tenantId}/agents/${agentId}`, { method: "PATCH", body, cookie: f.owner.cookie });

  it("a new template moves the agent onto other role edges from its next frame, as sender and as recipient", async () => {
    const f = await relayFixture([{ template: "custom" }, { template: "pm" }]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    await setAllowlist(f, { edges: [{ from: { kind: "role", id: "engineering" }, to: { kind: "role", id: "pm" } }] });
    const alice = await join(f, a);
    const bob = await join(f, b);
    alice.send({ type: "send", id: "as-custom", to: b.id, body: 0 });
    expect(await alice.next({ type: "denied", id: "as-custom" })).toMatchObject({ code: "not_allowed" });

    const res = await patch(f, a.id, { template: "engineering" });
    expect(res.status).toBe(200);
    expect(res.body.agent.template).toBe("engineering");
    alice.send({ type: "send", id: "as-engineer", to: b.id, body: 1 });
    await alice.next({ type: "accepted", id: "as-engineer" });
    expect(await bob.next({ type: "deliver" })).toMatchObject({ id: "as-engineer" });

    // The recipient's role counts too: bob stops being a pm, the edge no longer reaches him.
    await patch(f, b.id, { template: "ops" });
    alice.send({ type: "send", id: "to-ops", to: b.id, body: 2 });
    expect(await alice.next({ type: "denied", id: "to-ops" })).toMatchObject({ code: "not_allowed" });
    expect(alice.closed).toBeNull();
  });

  it("a new trust level changes the broadcast right and the message rate from the next frame", async () => {
    const f = await relayFixture([{ trustLevel: 0 }, {}]);
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    alice.send({ type: "broadcast", id: "b0", body: 0 });
    expect(await alice.next({ type: "denied", id: "b0" })).toMatchObject({
      code: "not_allowed",
      reason: "Trust level 0 may not broadcast.",
    });
    expect((await patch(f, a.id, { trustLevel: 3 })).status).toBe(200);
    alice.send({ type: "broadcast", id: "b1", body: 1 });
    await alice.next({ type: "accepted", id: "b1" });
    // Level 3's burst (200) is far above level 0's (10).
    for (let i = 0; i < 30; i++) alice.send({ type: "send", id: `r${i}`, to: b.id, body: i });
    for (let i = 0; i < 30; i++) await alice.next({ type: "accepted", id: `r${i}` });
    // And back down: level 0 may not broadcast, and its bucket is capped at level 0's burst (10).
    await patch(f, a.id, { trustLevel: 0 });
    alice.send({ type: "broadcast", id: "b2", body: 2 });
    expect(await alice.next({ type: "denied", id: "b2" })).toMatchObject({ code: "not_allowed" });
    for (let i = 0; i < 10; i++) alice.send({ type: "send", id: `s${i}`, to: b.id, body: i });
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await alice.next({ id: `s${i}` }));
    expect(answers.filter((f) => f.type === "accepted").length).toBe(9);
    expect(answers[9]).toMatchObject({ type: "error", code: "rate_limited", message: expect.stringContaining("Trust level 0") });
  });
});
