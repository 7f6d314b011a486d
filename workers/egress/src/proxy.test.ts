/**
 * The egress proxy end to end in workerd: the real egress Worker handler with the real D1,
 * EgressGate objects and audit ledger; the internet is test/workers/fake-egress-upstream.ts, which
 * records what actually arrived. SSRF spellings as pure functions: workers/shared/egress/target.test.ts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { issueAgentToken } from "../../shared/agent-identity/agent-token";
import { EGRESS_AUDIENCE } from "../../shared/agent-identity/claims";
import { call } from "../../../test/workers/harness";
import { egressAgent, egressEvents, egressRequest, envelope, flushGate, upstreamSaw } from "../../../test/workers/egress-harness";

const tok = () => crypto.randomUUID();
const API = "https://api.upstream.example";

describe("authentication", () => {
  it("refuses a call without a token, with a relay token, and with garbage", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const none = await egressRequest("/v1/fetch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: `${API}/echo/x` }),
    });
    expect(none.status).toBe(401);
    expect(none.headers.get("x-switchboard-egress")).toBe("denied");
    const relay = await call("/v1/agent-tokens", { body: { agentId: agent.agentId, secret: agent.secret } });
    const wrongAudience = await envelope(relay.body.access_token, { url: `${API}/echo/x` });
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.body.error).toMatchObject({ code: "unauthenticated", details: { reason: "wrong_audience" } });
    const garbage = await envelope("a.b.c", { url: `${API}/echo/x` });
    expect(garbage.status).toBe(401);
  });

  it("refuses an egress token asked for a team (validation) and a token naming another tenant", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const withTeam = await call("/v1/agent-tokens", {
      body: { agentId: agent.agentId, secret: agent.secret, audience: "egress", teamId: "team_x" },
    });
    expect(withTeam.status).toBe(400);
    // Signed by our key but naming another tenant (as a key thief could): the gate refuses it.
    const forged = await issueAgentToken(
      env,
      { agentId: agent.agentId, tenantId: "ten_someoneelse0000000000000", role: "engineering", trust: 4 },
      { audience: EGRESS_AUDIENCE },
    );
    const res = await envelope(forged.token, { url: `${API}/echo/x` });
    expect(res.status).toBe(401);
    expect(res.body.error.details.reason).toBe("wrong_tenant");
  });
});

describe("allowed calls", () => {
  it("proxies the envelope form and strips smuggled headers both ways", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    const res = await envelope(agent.token, {
      url: `${API}/echo/${t}?q=1`,
      headers: {
        "x-custom": "kept",
        cookie: "sid=agent",
        "x-forwarded-for": "10.0.0.1",
        forwarded: "for=10.0.0.1",
        "cf-connecting-ip": "10.0.0.1",
        "x-real-ip": "10.0.0.1",
        "proxy-authorization": "Basic x",
        "x-switchboard-skill-x": "y",
        "x-http-method-override": "DELETE",
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 200, mode: "live", bodyEncoding: "utf8", redirects: [] });
    expect(res.body.headers["set-cookie"]).toBeUndefined();
    const [seen] = await upstreamSaw(t);
    expect(seen!.method).toBe("GET");
    expect(seen!.headers["x-custom"]).toBe("kept");
    for (const h of [
      "authorization",
      "cookie",
      "x-forwarded-for",
      "forwarded",
      "x-real-ip",
      "proxy-authorization",
      "x-switchboard-skill-x",
      "x-http-method-override",
    ])
      expect(seen!.headers[h], h).toBeUndefined();
    expect(seen!.headers["cf-connecting-ip"] ?? "").not.toBe("10.0.0.1");
  });

  it("proxies the forward form with method, body and query, and the agent's token never reaches upstream", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example", methods: ["POST"], pathPrefix: "/echo" }] });
    const t = tok();
    const res = await egressRequest(`/proxy/https/api.upstream.example/echo/${t}?a=1`, {
      method: "POST",
      token: agent.token,
      headers: { "content-type": "text/plain", host: "169.254.169.254" },
      body: "hello",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchboard-egress")).toBe("allowed");
    expect(res.headers.get("x-switchboard-egress-call")).toMatch(/^egc_/);
    const echoed = (await res.json()) as { method: string; body: string; url: string; headers: Record<string, string> };
    expect(echoed).toMatchObject({ method: "POST", body: "hello", url: `${API}/echo/${t}?a=1` });
    expect(echoed.headers.authorization).toBeUndefined();
    expect(echoed.headers.host).toBe("api.upstream.example");
  });

  it("answers 204 without a body and passes upstream errors through", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const res = await egressRequest("/proxy/https/api.upstream.example/anything", { token: agent.token });
    expect(res.status).toBe(200);
  });
});

describe("denials", () => {
  it("default deny: an agent with no rules reaches nothing, and nothing leaves", async () => {
    const agent = await egressAgent();
    const t = tok();
    const res = await envelope(agent.token, { url: `${API}/echo/${t}` });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "egress_denied", details: { reason: "no_matching_rule" } });
    expect(await upstreamSaw(t)).toEqual([]);
  });

  it.each([
    ["http://127.0.0.1/", "private_address"],
    ["http://0x7f000001/", "private_address"],
    ["http://2130706433/", "private_address"],
    ["http://[::ffff:7f00:1]/", "private_address"],
    ["http://[::1]/", "private_address"],
    ["http://169.254.169.254/latest/meta-data/", "private_address"],
    ["http://[64:ff9b::a9fe:a9fe]/", "private_address"],
    ["http://localhost/", "blocked_hostname"],
    ["http://metadata.google.internal/", "blocked_hostname"],
    ["https://api.upstream.example:8443/echo", "port_not_allowed"],
    ["https://user:pw@api.upstream.example/echo", "userinfo_not_allowed"],
    ["https://egress.switchboard.test/v1/fetch", "platform_host"],
    ["file:///etc/passwd", "scheme_not_allowed"],
    ["http://api.upstream.example/echo", "scheme_not_allowed"],
  ])("refuses %s through the proxy (%s)", async (url, reason) => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }, { host: "*.upstream.example" }] });
    const res = await envelope(agent.token, { url });
    expect(res.status).toBe(403);
    expect(res.body.error.details.reason).toBe(reason);
  });

  it("refuses the forward form's tricks: userinfo, ports and unknown schemes in the path", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    for (const path of [
      "/proxy/https/api.upstream.example@127.0.0.1/x",
      "/proxy/https/api.upstream.example:8080/x",
      "/proxy/https/127.0.0.1/x",
      "/proxy/https/api.upstream.example%2F@169.254.169.254/x",
    ]) {
      const res = await egressRequest(path, { token: agent.token });
      expect(res.status, path).toBe(403);
    }
    expect((await egressRequest("/proxy/gopher/api.upstream.example/x", { token: agent.token })).status).toBe(400);
  });

  it("applies methods and path prefixes, and the trust level's methods", async () => {
    const readOnly = await egressAgent({ trustLevel: 1, rules: [{ host: "api.upstream.example" }] });
    const post = await envelope(readOnly.token, { url: `${API}/echo/x`, method: "POST", body: "x" });
    // A write above the trust level waits for a person (docs/governance.md#approvals).
    expect(post.body.error).toMatchObject({
      code: "approval_pending",
      details: { reason: "approval_pending", trigger: { source: "trust_level" } },
    });
    const sandboxed = await egressAgent({ trustLevel: 0, rules: [{ host: "api.upstream.example" }] });
    expect((await envelope(sandboxed.token, { url: `${API}/echo/x` })).body.error.details).toMatchObject({
      reason: "approval_pending",
      trigger: { source: "trust_level", detail: expect.stringContaining("no methods") },
    });
    const scoped = await egressAgent({ rules: [{ host: "api.upstream.example", methods: ["GET"], pathPrefix: "/echo" }] });
    expect((await envelope(scoped.token, { url: `${API}/other` })).body.error.details.reason).toBe("method_not_allowed");
    expect((await envelope(scoped.token, { url: `${API}/echo/x`, method: "DELETE" })).body.error.details.reason).toBe("method_not_allowed");
    expect((await envelope(scoped.token, { url: `${API}/echo/x` })).status).toBe(200);
  });

  it("tenant deny rules beat agent rules, for every agent of the tenant, at once", async () => {
    const agent = await egressAgent({ rules: [{ host: "*.upstream.example" }] });
    expect((await envelope(agent.token, { url: "https://api.upstream.example/echo/x" })).status).toBe(200);
    const added = await call(`/v1/tenants/${agent.tenantId}/egress/deny-rules`, {
      body: { host: "api.upstream.example" },
      cookie: agent.owner.cookie,
    });
    expect(added.status).toBe(201);
    expect((await envelope(agent.token, { url: "https://api.upstream.example/echo/x" })).body.error.details.reason).toBe(
      "denied_by_tenant_rule",
    );
    expect((await envelope(agent.token, { url: "https://other.upstream.example/echo/x" })).status).toBe(200);
    await call(`/v1/tenants/${agent.tenantId}/egress/deny-rules/${added.body.rule.id}`, { method: "DELETE", cookie: agent.owner.cookie });
    expect((await envelope(agent.token, { url: "https://api.upstream.example/echo/x" })).status).toBe(200);
  });

  it("a removed rule stops the very next call", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    expect((await envelope(agent.token, { url: `${API}/echo/x` })).status).toBe(200);
    const rules = await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/egress`, { cookie: agent.owner.cookie });
    await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/egress/rules/${rules.body.rules[0].id}`, {
      method: "DELETE",
      cookie: agent.owner.cookie,
    });
    expect((await envelope(agent.token, { url: `${API}/echo/x` })).body.error.details.reason).toBe("no_matching_rule");
  });
});

describe("redirects", () => {
  it("follows a redirect within the policy, re-checking the hop", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    const res = await envelope(agent.token, { url: `${API}/redirect?to=${encodeURIComponent(`/echo/${t}`)}` });
    expect(res.status).toBe(200);
    expect(res.body.url).toBe(`${API}/echo/${t}`);
    expect(res.body.redirects).toEqual([`${API}/echo/${t}`]);
  });

  it.each([
    ["http://169.254.169.254/latest/meta-data/", "private_address"],
    ["http://127.0.0.1:8787/v1/me", "port_not_allowed"],
    ["http://[::1]/", "private_address"],
    ["http://localhost/admin", "blocked_hostname"],
    ["https://other.upstream.example/echo/TOKEN", "no_matching_rule"],
    ["http://api.upstream.example/echo/TOKEN", "scheme_not_allowed"],
  ])("refuses a redirect to %s (%s) and never fetches it", async (to, reason) => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    const res = await envelope(agent.token, { url: `${API}/redirect?to=${encodeURIComponent(to.replace("TOKEN", t))}` });
    expect(res.status).toBe(403);
    expect(res.body.error.details.reason).toBe(reason);
    expect((await upstreamSaw(t)).filter((r) => !r.url.includes("/redirect"))).toEqual([]);
  });

  it("stops after the hop limit", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    let url = `${API}/echo/end`;
    for (let i = 0; i < 6; i++) url = `${API}/redirect?to=${encodeURIComponent(url)}`;
    const res = await envelope(agent.token, { url });
    expect(res.body.error.details.reason).toBe("too_many_redirects");
  });

  it("a 303 after POST continues as GET without the body", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    const res = await envelope(agent.token, {
      url: `${API}/redirect?status=303&to=${encodeURIComponent(`/echo/${t}`)}`,
      method: "POST",
      body: "secret-body",
    });
    expect(res.status).toBe(200);
    const seen = (await upstreamSaw(t)).filter((r) => r.url.includes("/echo/"));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "GET", body: "" });
  });
});

describe("the agent's state", () => {
  it("a suspended agent is refused at once, and served again after resume", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    expect((await envelope(agent.token, { url: `${API}/echo/x` })).status).toBe(200);
    await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/suspend`, { method: "POST", cookie: agent.owner.cookie });
    const refused = await envelope(agent.token, { url: `${API}/echo/x` });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("agent_suspended");
    await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/resume`, { method: "POST", cookie: agent.owner.cookie });
    expect((await envelope(agent.token, { url: `${API}/echo/x` })).status).toBe(200);
  });

  it("a deleted agent's token is refused", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}`, { method: "DELETE", cookie: agent.owner.cookie });
    expect((await envelope(agent.token, { url: `${API}/echo/x` })).status).toBe(401);
  });

  it("another agent's token carries that agent's policy, not this one's", async () => {
    const a = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const b = await egressAgent({ owner: a.owner, tenantId: a.tenantId });
    expect((await envelope(a.token, { url: `${API}/echo/x` })).status).toBe(200);
    expect((await envelope(b.token, { url: `${API}/echo/x` })).body.error.details.reason).toBe("no_matching_rule");
  });

  it("mock mode lets nothing out: an allowed host without a declared response is 501 and never fetched", async () => {
    const agent = await egressAgent({ mode: "mock", rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    const res = await envelope(agent.token, { url: `${API}/echo/${t}` });
    expect(res.status).toBe(501);
    expect(res.body.error.code).toBe("egress_mock_missing");
    const fwd = await egressRequest(`/proxy/https/api.upstream.example/echo/${t}`, { token: agent.token });
    expect(fwd.status).toBe(501);
    expect(await upstreamSaw(t)).toEqual([]);
  });
});

describe("limits", () => {
  it("rate-limits per agent by trust level with Retry-After", async () => {
    const agent = await egressAgent({ trustLevel: 1, rules: [{ host: "api.upstream.example" }] });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 24; i++) {
      const res = await egressRequest("/proxy/https/api.upstream.example/echo/rate", { token: agent.token });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(20);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it("limits calls in flight per agent", async () => {
    const agent = await egressAgent({ trustLevel: 1, rules: [{ host: "api.upstream.example" }] });
    // Slow enough that all ten are admitted while the first four are still in flight, even on a loaded machine.
    const results = await Promise.all(
      Array.from({ length: 10 }, () => egressRequest("/proxy/https/api.upstream.example/slow?ms=2000", { token: agent.token })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(4);
    const limited = await Promise.all(results.filter((r) => r.status === 429).map((r) => r.json() as Promise<any>));
    expect(limited.map((b) => b.error.details.reason)).toContain("concurrency_limited");
  });

  it("refuses a response larger than the limit", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const res = await egressRequest(`/proxy/https/api.upstream.example/big?bytes=${10 * 1024 * 1024 + 1}`, { token: agent.token });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error.code).toBe("egress_response_too_large");
  });

  it("validates the envelope", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    expect((await envelope(agent.token, { url: `${API}/x`, extra: 1 })).status).toBe(400);
    const notJson = await egressRequest("/v1/fetch", {
      method: "POST",
      token: agent.token,
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(notJson.status).toBe(400);
    expect((await egressRequest("/v1/fetch", { token: agent.token })).status).toBe(405);
  });
});

describe("audit and metering", () => {
  it("every allow and deny is an audit event with a reason, batched by the gate; usage is metered per agent and day", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    await envelope(agent.token, { url: `${API}/echo/a?token=do-not-log` });
    await envelope(agent.token, { url: "https://other.upstream.example/x" });
    await envelope(agent.token, { url: "http://169.254.169.254/" });
    // Nothing in the trail until the gate flushes (batched, never one ledger append per call).
    expect(await egressEvents(agent.tenantId, agent.agentId)).toEqual([]);
    await flushGate(agent.agentId);
    const events = await egressEvents(agent.tenantId, agent.agentId);
    expect(events.map((e) => [e.action, e.details.reason])).toEqual([
      ["egress.request_allowed", "agent_rule"],
      ["egress.request_denied", "no_matching_rule"],
      ["egress.request_denied", "private_address"],
    ]);
    expect(events[0]!.details).toMatchObject({
      method: "GET",
      host: "api.upstream.example",
      path: "/echo/a",
      status: 200,
      via: "envelope",
      mode: "live",
    });
    expect(JSON.stringify(events)).not.toContain("do-not-log");
    const usage = await env.DB.prepare("SELECT allowed, denied FROM egress_usage WHERE agent_id = ?").bind(agent.agentId).first();
    expect(usage).toEqual({ allowed: 1, denied: 2 });
    const activity = await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/egress/activity?outcome=denied`, {
      cookie: agent.owner.cookie,
    });
    expect(activity.body.data.map((e: any) => e.details.reason)).toEqual(["private_address", "no_matching_rule"]);
    // Without an outcome: both actions, newest first, read through the tenant's ledger like every audit reader.
    const all = await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/egress/activity?limit=2`, { cookie: agent.owner.cookie });
    expect(all.body.data.map((e: any) => e.action)).toEqual(["egress.request_denied", "egress.request_denied"]);
    const rest = await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/egress/activity?limit=2&cursor=${all.body.nextCursor}`, {
      cookie: agent.owner.cookie,
    });
    expect(rest.body.data.map((e: any) => e.action)).toEqual(["egress.request_allowed"]);
    expect(rest.body.nextCursor).toBeNull();
  });

  it("the egress-denied alert template fires on denials", async () => {
    const agent = await egressAgent();
    const rule = await call(`/v1/tenants/${agent.tenantId}/alert-rules`, {
      body: { name: "Egress denied", match: { action: "egress.request_denied" }, threshold: 3, windowSeconds: 300, severity: "warning" },
      cookie: agent.owner.cookie,
    });
    expect(rule.status).toBe(201);
    for (let i = 0; i < 3; i++) await envelope(agent.token, { url: `${API}/x${i}` });
    await flushGate(agent.agentId);
    const alerts = await call(`/v1/tenants/${agent.tenantId}/alerts`, { cookie: agent.owner.cookie });
    expect(alerts.body.data.map((a: any) => a.ruleName)).toContain("Egress denied");
  });
});

describe("the EgressOutbound entrypoint (a skill's globalOutbound, issue 19)", () => {
  it("runs the same pipeline as the agent, in the skill's name, from trusted props", async () => {
    const { createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
    const { EgressOutbound } = await import("./index");
    const agent = await egressAgent({ rules: [{ host: "other.upstream.example" }] });
    const base = `/v1/tenants/${agent.tenantId}`;
    await call(`${base}/skills`, {
      body: { name: "outbound-skill", version: "1.0.0", title: "Outbound", network: [{ host: "api.upstream.example", methods: ["GET"] }] },
      cookie: agent.owner.cookie,
    });
    await call(`${base}/agents/${agent.agentId}/skills/outbound-skill`, {
      method: "PUT",
      body: { mode: "live" },
      cookie: agent.owner.cookie,
    });
    const ctx = createExecutionContext();
    const props = { tenant: agent.tenantId, agent: agent.agentId, skill: "outbound-skill", version: "1.0.0", run: "run-1" };
    const outbound = new EgressOutbound(
      Object.assign(Object.create(ctx), { props, waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p) }),
      env as never,
    );
    const t = tok();
    const allowed = await outbound.fetch(new Request(`${API}/echo/${t}`, { headers: { authorization: "Bearer smuggled" } }));
    expect(allowed.status).toBe(200);
    expect((await upstreamSaw(t))[0]!.headers.authorization).toBeUndefined();
    // Only the skill's network: the agent's own rule for other.upstream.example does not apply in the skill's name.
    expect((await outbound.fetch(new Request("https://other.upstream.example/echo/x"))).status).toBe(403);
    expect((await outbound.fetch(new Request("http://169.254.169.254/"))).status).toBe(403);
    // Props naming another tenant are refused, as a forged token would be.
    const forged = new EgressOutbound(
      Object.assign(Object.create(ctx), {
        props: { ...props, tenant: "ten_forged" },
        waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p),
      }),
      env as never,
    );
    expect((await forged.fetch(new Request(`${API}/echo/x`))).status).toBe(401);
    // Code of another version than the installed one gets nothing.
    const stale = new EgressOutbound(
      Object.assign(Object.create(ctx), { props: { ...props, version: "0.9.0" }, waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p) }),
      env as never,
    );
    const staleRes = await stale.fetch(new Request(`${API}/echo/x`));
    expect(staleRes.status).toBe(403);
    expect(((await staleRes.json()) as any).error.details.reason).toBe("skill_not_installed");
    await waitOnExecutionContext(ctx);
    await flushGate(agent.agentId);
    const events = await egressEvents(agent.tenantId, agent.agentId);
    expect(events.find((e) => e.action === "egress.request_allowed")!.details).toMatchObject({
      via: "outbound",
      skill: "outbound-skill",
      run: "run-1",
      reason: "skill_rule",
    });
  });
});
