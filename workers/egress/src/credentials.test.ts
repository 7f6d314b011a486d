/**
 * Credential injection through the real proxy: the secret reaches only its host (never after a
 * redirect elsewhere), is never returned to the agent (responses are redacted), is stored only
 * encrypted, and every use is audited. Plus the vault API's write-only contract and roles.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMember, call } from "../../../test/workers/harness";
import { auditResults } from "../../../test/workers/audit-view";
import { egressAgent, egressEvents, envelope, flushGate, upstreamSaw, type EgressAgent } from "../../../test/workers/egress-harness";

const API = "https://api.upstream.example";
const VALUE = () => `sk_live_${crypto.randomUUID().replaceAll("-", "")}`;

async function secret(agent: EgressAgent, body: Record<string, unknown>) {
  const res = await call(`/v1/tenants/${agent.tenantId}/secrets`, {
    body: {
      name: "UPSTREAM_TOKEN",
      host: "api.upstream.example",
      injection: { type: "header", name: "Authorization" },
      scope: { agents: [agent.agentId] },
      ...body,
    },
    cookie: agent.owner.cookie,
  });
  if (res.status !== 201) throw new Error(`secret: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.secret;
}

describe("credential injection", () => {
  it("injects the header for its host only after the policy check, and the agent never sees it", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const value = VALUE();
    const created = await secret(agent, { value });
    expect(JSON.stringify(created)).not.toContain(value);
    const t = crypto.randomUUID();
    // The agent's own Authorization is stripped; ours goes in last.
    const res = await envelope(agent.token, { url: `${API}/echo-secret/${t}`, headers: { authorization: "Bearer agent-supplied" } });
    expect(res.status).toBe(200);
    const [seen] = await upstreamSaw(t);
    expect(seen!.headers.authorization).toBe(`Bearer ${value}`);
    // The upstream echoed it back in the body (plain and base64) and a header: all redacted.
    expect(JSON.stringify(res.body)).not.toContain(value);
    expect(JSON.stringify(res.body)).not.toContain(btoa(`Bearer ${value}`).slice(0, 40));
    expect(res.body.body).toContain("[REDACTED]");
    expect(res.body.headers["x-debug-auth"]).toContain("[REDACTED]");
    // Stored only encrypted.
    const stored = await env.DB.prepare("select ciphertext from secret_versions where secret_id = ?")
      .bind(created.id)
      .first<{ ciphertext: string }>();
    expect(stored!.ciphertext).not.toContain(value);
    // Every use audited (id and version, never the value).
    await flushGate(agent.agentId);
    const events = await egressEvents(agent.tenantId, agent.agentId);
    const used = events.filter((e) => e.action === "secret.used");
    expect(used).toHaveLength(1);
    expect(used[0]).toMatchObject({ target_id: created.id, details: { version: 1, host: "api.upstream.example" } });
    expect(events.find((e) => e.action === "egress.request_allowed")!.details).toMatchObject({
      secretIds: [created.id],
      redactions: expect.any(Number),
    });
    expect(JSON.stringify(events)).not.toContain(value);
  });

  it("never sends the credential to another host, not even after a redirect", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }, { host: "other.upstream.example" }] });
    const value = VALUE();
    await secret(agent, { value });
    const t = crypto.randomUUID();
    const res = await envelope(agent.token, {
      url: `${API}/redirect?to=${encodeURIComponent(`https://other.upstream.example/echo/${t}`)}`,
    });
    expect(res.status).toBe(200);
    const seen = await upstreamSaw(t);
    const redirectHop = seen.find((r) => r.host === "api.upstream.example")!;
    const otherHop = seen.find((r) => r.host === "other.upstream.example")!;
    expect(redirectHop.headers.authorization).toBe(`Bearer ${value}`);
    expect(otherHop.headers.authorization).toBeUndefined();
    expect(JSON.stringify(otherHop)).not.toContain(value);
  });

  it("a redirect back to the bound host gets the credential again, and only that host's", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }, { host: "other.upstream.example" }] });
    const value = VALUE();
    await secret(agent, { value });
    const t = crypto.randomUUID();
    const back = `${API}/echo/${t}`;
    await envelope(agent.token, { url: `https://other.upstream.example/redirect?to=${encodeURIComponent(back)}` });
    const seen = await upstreamSaw(t);
    expect(seen.find((r) => r.host === "other.upstream.example")!.headers.authorization).toBeUndefined();
    expect(seen.find((r) => r.url === back)!.headers.authorization).toBe(`Bearer ${value}`);
  });

  it("injects a query parameter, honours path prefixes, methods, scope and expiry", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const other = await egressAgent({ owner: agent.owner, tenantId: agent.tenantId, rules: [{ host: "api.upstream.example" }] });
    const value = VALUE();
    await secret(agent, {
      name: "QUERY_KEY",
      value,
      injection: { type: "query", name: "key" },
      pathPrefix: "/echo-secret",
      methods: ["GET"],
    });
    const t = crypto.randomUUID();
    const res = await envelope(agent.token, { url: `${API}/echo-secret/${t}` });
    expect((await upstreamSaw(t))[0]!.url).toContain(`key=${value}`);
    expect(res.body.body).toContain("key=[REDACTED]");
    // Outside the path prefix, another method, another agent: nothing injected.
    const t2 = crypto.randomUUID();
    await envelope(agent.token, { url: `${API}/echo/${t2}` });
    await envelope(agent.token, { url: `${API}/echo-secret/${t2}`, method: "POST", body: "x" });
    await envelope(other.token, { url: `${API}/echo-secret/${t2}` });
    for (const r of await upstreamSaw(t2)) expect(r.url).not.toContain(value);
    // Expired: not injected.
    const expiring = await secret(agent, {
      name: "EXPIRED_KEY",
      value: VALUE(),
      injection: { type: "header", name: "x-api-key", format: "{value}" },
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect(expiring.status).toBe("expired");
    const t3 = crypto.randomUUID();
    await envelope(agent.token, { url: `${API}/echo/${t3}` });
    expect((await upstreamSaw(t3))[0]!.headers["x-api-key"]).toBeUndefined();
  });

  it("rotation takes effect on the next call; deletion stops injection", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const created = await secret(agent, { value: VALUE() });
    const next = VALUE();
    const rotated = await call(`/v1/tenants/${agent.tenantId}/secrets/${created.id}/rotate`, {
      body: { value: next },
      cookie: agent.owner.cookie,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatchObject({ currentVersion: 2, versions: [{ version: 2 }, { version: 1 }] });
    const t = crypto.randomUUID();
    await envelope(agent.token, { url: `${API}/echo/${t}` });
    expect((await upstreamSaw(t))[0]!.headers.authorization).toBe(`Bearer ${next}`);
    expect(
      (await call(`/v1/tenants/${agent.tenantId}/secrets/${created.id}`, { method: "DELETE", cookie: agent.owner.cookie })).status,
    ).toBe(204);
    const t2 = crypto.randomUUID();
    await envelope(agent.token, { url: `${API}/echo/${t2}` });
    expect((await upstreamSaw(t2))[0]!.headers.authorization).toBeUndefined();
    expect(await env.DB.prepare("select count(*) as n from secret_versions where secret_id = ?").bind(created.id).first()).toEqual({
      n: 0,
    });
  });

  it("mock mode injects nothing and sends nothing", async () => {
    const agent = await egressAgent({ mode: "mock", rules: [{ host: "api.upstream.example" }] });
    await secret(agent, { value: VALUE() });
    const t = crypto.randomUUID();
    expect((await envelope(agent.token, { url: `${API}/echo/${t}` })).status).toBe(501);
    expect(await upstreamSaw(t)).toEqual([]);
  });

  it("test a URL names the credential it would inject, never its value", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const value = VALUE();
    const created = await secret(agent, { value });
    const res = await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/egress/test`, {
      body: { url: `${API}/x` },
      cookie: agent.owner.cookie,
    });
    expect(res.body).toMatchObject({
      decision: "allow",
      reason: "agent_rule",
      mode: "live",
      credential: { secretId: created.id, name: "UPSTREAM_TOKEN" },
    });
    expect(JSON.stringify(res.body)).not.toContain(value);
    const denied = await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/egress/test`, {
      body: { url: "http://169.254.169.254/" },
      cookie: agent.owner.cookie,
    });
    expect(denied.body).toMatchObject({ decision: "deny", reason: "private_address", credential: null });
  });
});

describe("the vault API", () => {
  it("is write-only: list and get return metadata, never the value", async () => {
    const agent = await egressAgent();
    const value = VALUE();
    const created = await secret(agent, { value, description: "CI token" });
    const list = await call(`/v1/tenants/${agent.tenantId}/secrets`, { cookie: agent.owner.cookie });
    const one = await call(`/v1/tenants/${agent.tenantId}/secrets/${created.id}`, { cookie: agent.owner.cookie });
    expect(list.body.data.map((s: any) => s.id)).toEqual([created.id]);
    expect(one.body.secret).toMatchObject({
      name: "UPSTREAM_TOKEN",
      host: "api.upstream.example",
      injection: { type: "header", name: "authorization", format: "Bearer {value}" },
      scope: { agents: [agent.agentId] },
      status: "active",
    });
    expect(JSON.stringify([list.body, one.body])).not.toContain(value);
    const audit = await auditResults("select details from audit_events where tenant_id = ? and action like 'secret.%'", agent.tenantId);
    expect(JSON.stringify(audit.results)).not.toContain(value);
  });

  it("validates: duplicate names, wildcard hosts, short values, bad headers, foreign agents, undeclared skills", async () => {
    const agent = await egressAgent();
    await secret(agent, { value: VALUE() });
    const again = await call(`/v1/tenants/${agent.tenantId}/secrets`, {
      body: {
        name: "UPSTREAM_TOKEN",
        value: VALUE(),
        host: "api.upstream.example",
        injection: { type: "header", name: "Authorization" },
        scope: { agents: [agent.agentId] },
      },
      cookie: agent.owner.cookie,
    });
    expect(again.status).toBe(409);
    const base = {
      name: "OTHER",
      value: VALUE(),
      host: "api.upstream.example",
      injection: { type: "header", name: "Authorization" },
      scope: { agents: [agent.agentId] },
    };
    for (const bad of [
      { host: "*.upstream.example" },
      { host: "127.0.0.1" },
      { value: "short" },
      { injection: { type: "header", name: "Host" } },
      { injection: { type: "header", name: "x-api-key", format: "no placeholder" } },
      { scope: { agents: ["agt_not_mine"] } },
      { scope: { skills: ["github"] } },
      { name: "lower" },
    ]) {
      const res = await call(`/v1/tenants/${agent.tenantId}/secrets`, { body: { ...base, ...bad }, cookie: agent.owner.cookie });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });

  it("members read metadata, only admins write, viewers see nothing", async () => {
    const agent = await egressAgent();
    const created = await secret(agent, { value: VALUE() });
    const member = await addMember(agent.tenantId, "member");
    const viewer = await addMember(agent.tenantId, "viewer");
    expect((await call(`/v1/tenants/${agent.tenantId}/secrets`, { cookie: member.cookie })).status).toBe(200);
    const write = await call(`/v1/tenants/${agent.tenantId}/secrets/${created.id}/rotate`, {
      body: { value: VALUE() },
      cookie: member.cookie,
    });
    expect(write.status).toBe(403);
    expect(write.body.error.details.permission).toBe("secrets:write");
    expect((await call(`/v1/tenants/${agent.tenantId}/secrets`, { cookie: viewer.cookie })).status).toBe(403);
  });
});
