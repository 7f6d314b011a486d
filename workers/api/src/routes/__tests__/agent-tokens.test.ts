/**
 * Agent identity over HTTP: the exchange, the JWKS (verified independently with jose's local
 * JWKS), /v1/agent/me, suspension/deletion/secret rotation taking effect at once, throttling,
 * audit rows, and key rotation through the cron handler. Token attacks on the verifier itself
 * are in workers/shared/agent-identity/agent-token.test.ts.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { verifyAgentToken } from "../../../../shared/agent-identity/agent-token";
import { RELAY_AUDIENCE } from "../../../../shared/agent-identity/claims";
import { MIN_KEY_AGE_FOR_ROTATION_MS, RETIRED_KEY_LIFETIME_MS } from "../../../../shared/agent-identity/signing-keys";
import { call, expectError, tenantWithRoles, type CallResult, type TestUser } from "../../../../../test/workers/harness";
import { scheduled } from "../../cron";
import { AGENT_TOKEN_LIMITS } from "../../services/throttle";
import { auditResults, auditRow } from "../../../../../test/workers/audit-view";

let ipCounter = 0;
/** A fresh source IP per call site, so per-IP failure counters of different tests do not mix. */
const freshIp = () => ({ "cf-connecting-ip": `203.0.113.${(ipCounter = (ipCounter % 250) + 1)}` });

interface Fixture {
  tenantId: string;
  owner: TestUser;
  agentId: string;
  secret: string;
}

async function agentFixture(body: Record<string, unknown> = {}): Promise<Fixture> {
  const { tenantId, owner } = await tenantWithRoles();
  await env.DB.prepare("update tenants set plan = 'team' where id = ?").bind(tenantId).run();
  const res = await call(`/v1/tenants/${tenantId}/agents`, { body: { name: "Ops bot", template: "ops", ...body }, cookie: owner.cookie });
  if (res.status !== 201) throw new Error(`create agent failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { tenantId, owner, agentId: res.body.agent.id, secret: res.body.secret };
}

async function createTeam(f: Fixture, agentIds: string[] = []): Promise<string> {
  const res = await call(`/v1/tenants/${f.tenantId}/teams`, { body: { name: "Team", agentIds }, cookie: f.owner.cookie });
  if (res.status !== 201) throw new Error(`create team failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.team.id;
}

function exchange(body: Record<string, unknown>, headers: Record<string, string> = freshIp()) {
  return call("/v1/agent-tokens", { body, headers });
}

async function tokenFor(f: Fixture, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await exchange({ agentId: f.agentId, secret: f.secret, ...extra });
  if (res.status !== 200) throw new Error(`exchange failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token;
}

const me = (token: string) => call("/v1/agent/me", { headers: { authorization: `Bearer ${token}` } });

async function auditRows(action: string, targetId: string): Promise<Array<Record<string, any>>> {
  const rows = await auditResults<Record<string, any>>(
    "select * from audit_events where action = ? and target_id = ? order by id",
    action,
    targetId,
  );
  return rows.results.map((r) => ({ ...r, details: JSON.parse(r.details) }));
}

function expectRetryAfter(res: CallResult) {
  expectError(res, 429, "rate_limited");
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
}

describe("POST /v1/agent-tokens", () => {
  it("exchanges id + secret for a token that verifies against the published JWKS", async () => {
    const f = await agentFixture({ trustLevel: 3 });
    const res = await exchange({ agentId: f.agentId, secret: f.secret });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 900, kid: expect.any(String) });
    expect(res.headers.get("cache-control")).toBe("no-store");

    const jwks = await call("/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    const { payload, protectedHeader } = await jwtVerify(res.body.access_token, createLocalJWKSet(jwks.body), {
      algorithms: ["EdDSA"],
      issuer: "switchboard",
      audience: RELAY_AUDIENCE,
      typ: "agent+jwt",
    });
    expect(protectedHeader).toEqual({ alg: "EdDSA", kid: res.body.kid, typ: "agent+jwt" });
    expect(payload).toMatchObject({ sub: f.agentId, tid: f.tenantId, role: "ops", trust: 3 });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(payload).not.toHaveProperty("team");
  });

  it("carries the team when the agent is a member of it", async () => {
    const f = await agentFixture();
    const teamId = await createTeam(f, [f.agentId]);
    const token = await tokenFor(f, { teamId });
    expect(decodeJwt(token).team).toBe(teamId);
    expect((await me(token)).body).toMatchObject({ agentId: f.agentId, tenantId: f.tenantId, teamId });
  });

  it("refuses a team the agent is not in, a deleted team and another tenant's team with 403", async () => {
    const f = await agentFixture();
    const other = await agentFixture();
    const notJoined = await createTeam(f);
    const deleted = await createTeam(f, [f.agentId]);
    expect((await call(`/v1/tenants/${f.tenantId}/teams/${deleted}`, { method: "DELETE", cookie: f.owner.cookie })).status).toBe(204);
    const foreign = await createTeam(other, [other.agentId]);
    for (const teamId of [notJoined, deleted, foreign, "team_does_not_exist"]) {
      expectError(await exchange({ agentId: f.agentId, secret: f.secret, teamId }), 403, "forbidden");
    }
    const refused = await auditRows("agent.token_refused", f.agentId);
    expect(refused.map((r) => r.details.reason)).toEqual(["not_in_team", "not_in_team", "not_in_team", "not_in_team"]);
  });

  it("answers an unknown agent and a wrong secret with the same 401", async () => {
    const f = await agentFixture();
    const wrong = await exchange({ agentId: f.agentId, secret: `${f.secret.slice(0, -2)}xx` });
    const unknown = await exchange({ agentId: "agt_01JD0000000000000000000000", secret: f.secret });
    const otherShape = await exchange({ agentId: f.agentId, secret: "not-even-a-secret" });
    for (const res of [wrong, unknown, otherShape]) expectError(res, 401, "invalid_credentials");
    // Identical but for each request's own id.
    const withoutRequestId = (body: any) => ({ error: { ...body.error, requestId: undefined } });
    expect(withoutRequestId(wrong.body)).toEqual(withoutRequestId(unknown.body));
    expect(withoutRequestId(wrong.body)).toEqual(withoutRequestId(otherShape.body));
  });

  it("refuses a suspended agent with 403 agent_suspended, and its earlier token stops working at once", async () => {
    const f = await agentFixture();
    const token = await tokenFor(f);
    expect((await me(token)).status).toBe(200);
    expect((await call(`/v1/tenants/${f.tenantId}/agents/${f.agentId}/suspend`, { method: "POST", cookie: f.owner.cookie })).status).toBe(
      200,
    );

    expectError(await exchange({ agentId: f.agentId, secret: f.secret }), 403, "agent_suspended");
    expectError(await me(token), 403, "agent_suspended");
    expect(await verifyAgentToken(env, token, { audience: RELAY_AUDIENCE })).toEqual({
      ok: false,
      error: "agent_inactive",
      agentState: "suspended",
    });
    // A wrong secret still learns nothing about the status.
    expectError(await exchange({ agentId: f.agentId, secret: "sba_wrong" }), 401, "invalid_credentials");

    expect((await call(`/v1/tenants/${f.tenantId}/agents/${f.agentId}/resume`, { method: "POST", cookie: f.owner.cookie })).status).toBe(
      200,
    );
    expect((await me(token)).status).toBe(200);
    expect((await exchange({ agentId: f.agentId, secret: f.secret })).status).toBe(200);
  });

  it("refuses a deleted agent as unknown, and its earlier token stops working at once", async () => {
    const f = await agentFixture();
    const token = await tokenFor(f);
    expect((await call(`/v1/tenants/${f.tenantId}/agents/${f.agentId}`, { method: "DELETE", cookie: f.owner.cookie })).status).toBe(204);
    expectError(await exchange({ agentId: f.agentId, secret: f.secret }), 401, "invalid_credentials");
    const res = await me(token);
    expectError(res, 401, "unauthenticated");
    expect(res.body.error.details).toEqual({ reason: "agent_deleted" });
    expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("refuses the old secret once it was rotated", async () => {
    const f = await agentFixture();
    const rotated = await call(`/v1/tenants/${f.tenantId}/agents/${f.agentId}/rotate-secret`, { method: "POST", cookie: f.owner.cookie });
    expect(rotated.status).toBe(200);
    expectError(await exchange({ agentId: f.agentId, secret: f.secret }), 401, "invalid_credentials");
    expect((await exchange({ agentId: f.agentId, secret: rotated.body.secret })).status).toBe(200);
  });

  it("validates the body strictly", async () => {
    const f = await agentFixture();
    expectError(await exchange({ agentId: f.agentId }), 400, "validation_failed");
    expectError(await exchange({ agentId: f.agentId, secret: f.secret, grant_type: "client_credentials" }), 400, "validation_failed");
    expectError(await exchange({ agentId: f.agentId, secret: "x".repeat(300) }), 400, "validation_failed");
    expectError(
      await call("/v1/agent-tokens", {
        rawBody: `agentId=${f.agentId}&secret=${f.secret}`,
        contentType: "application/x-www-form-urlencoded",
      }),
      415,
      "unsupported_media_type",
    );
  });

  it("audits issued tokens as the agent, in its tenant, and refusals as warnings with a reason", async () => {
    const f = await agentFixture();
    const res = await exchange(
      { agentId: f.agentId, secret: f.secret },
      { "cf-connecting-ip": "198.51.100.7", "user-agent": "sdk-test/1" },
    );
    const [issued] = await auditRows("agent.token_issued", f.agentId);
    expect(issued).toMatchObject({
      tenant_id: f.tenantId,
      actor_type: "agent",
      actor_id: f.agentId,
      severity: "info",
      outcome: "success",
      ip: "198.51.100.7",
      user_agent: "sdk-test/1",
    });
    expect(issued!.details).toMatchObject({ kid: res.body.kid, jti: decodeJwt(res.body.access_token).jti, teamId: null });
    expect(JSON.stringify(issued)).not.toContain(res.body.access_token);

    await exchange({ agentId: f.agentId, secret: "sba_wrong" });
    const [refused] = await auditRows("agent.token_refused", f.agentId);
    expect(refused).toMatchObject({
      tenant_id: f.tenantId,
      actor_type: "anonymous",
      severity: "warning",
      outcome: "failure",
      details: { reason: "wrong_secret", agentId: f.agentId },
    });
    expect(JSON.stringify(refused)).not.toContain("sba_wrong");

    const ghost = "agt_01JD0000000000000000000GHOST";
    await exchange({ agentId: ghost, secret: "sba_wrong" });
    const unknown = await auditRow<Record<string, any>>(
      "select * from audit_events where action = 'agent.token_refused' and details like ?",
      `%${ghost}%`,
    );
    expect(unknown).toMatchObject({ tenant_id: null, target_id: null, severity: "warning" });
    expect(JSON.parse(unknown!.details)).toMatchObject({ reason: "unknown_agent" });
  });
});

describe("throttling", () => {
  it("answers 429 after too many wrong secrets for one agent, but the right secret still works", async () => {
    const f = await agentFixture();
    const { limit } = AGENT_TOKEN_LIMITS.perAgentFailures;
    for (let i = 0; i < limit; i++)
      expectError(await exchange({ agentId: f.agentId, secret: `sba_wrong_${i}` }), 401, "invalid_credentials");
    expectRetryAfter(await exchange({ agentId: f.agentId, secret: "sba_wrong_again" }));
    expect((await exchange({ agentId: f.agentId, secret: f.secret })).status).toBe(200);
    // Unknown agent ids are counted the same way, so the 429 reveals nothing about existence.
    const ghost = "agt_01JD000000000000000000GHOST2";
    for (let i = 0; i < limit; i++) await exchange({ agentId: ghost, secret: "sba_wrong" });
    expectRetryAfter(await exchange({ agentId: ghost, secret: "sba_wrong" }));
  });

  it("cuts off a source IP after too many failures, whatever it sends next", async () => {
    const f = await agentFixture();
    const ip = { "cf-connecting-ip": "192.0.2.250" };
    const { limit } = AGENT_TOKEN_LIMITS.perIpFailures;
    for (let i = 0; i < limit; i++)
      expectError(await exchange({ agentId: `agt_spray_${i}`, secret: "sba_wrong" }, ip), 401, "invalid_credentials");
    expectRetryAfter(await exchange({ agentId: f.agentId, secret: f.secret }, ip));
    expect((await exchange({ agentId: f.agentId, secret: f.secret }, { "cf-connecting-ip": "192.0.2.251" })).status).toBe(200);
  });
});

describe("GET /v1/agent/me", () => {
  it("answers with the token's agent, tenant and expiry", async () => {
    const f = await agentFixture();
    const token = await tokenFor(f);
    const res = await me(token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      agentId: f.agentId,
      tenantId: f.tenantId,
      teamId: null,
      expiresAt: new Date(decodeJwt(token).exp! * 1000).toISOString(),
    });
  });

  it("refuses no token, a malformed one, a tampered one and an API key, with the reason", async () => {
    const f = await agentFixture();
    const token = await tokenFor(f);
    expectError(await call("/v1/agent/me"), 401, "unauthenticated");
    const garbage = await call("/v1/agent/me", { headers: { authorization: "Bearer not.a.jwt" } });
    expectError(garbage, 401, "unauthenticated");
    expect(garbage.body.error.details.reason).toBe("malformed");
    const [h, p] = token.split(".");
    const tampered = await me(`${h}.${p}.${"A".repeat(86)}`);
    expectError(tampered, 401, "unauthenticated");
    expect(tampered.body.error.details.reason).toBe("bad_signature");
    const key = await call(`/v1/tenants/${f.tenantId}/api-keys`, { body: { name: "k", scopes: ["agents:read"] }, cookie: f.owner.cookie });
    expect(key.status).toBe(201);
    expectError(await call("/v1/agent/me", { apiKey: key.body.key }), 401, "unauthenticated");
  });

  it("is not a way into the rest of the API: an agent token is no session or API key", async () => {
    const f = await agentFixture();
    const token = await tokenFor(f);
    expectError(await call("/v1/me", { headers: { authorization: `Bearer ${token}` } }), 401, "unauthenticated");
    const agents = await call(`/v1/tenants/${f.tenantId}/agents`, { headers: { authorization: `Bearer ${token}` } });
    expect(agents.status).toBe(401);
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes public keys only, cacheable for five minutes", async () => {
    const f = await agentFixture();
    await tokenFor(f);
    const res = await call("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.body.keys.length).toBeGreaterThan(0);
    for (const key of res.body.keys) {
      expect(key).toEqual({ kty: "OKP", crv: "Ed25519", x: expect.any(String), kid: expect.any(String), alg: "EdDSA", use: "sig" });
    }
    const stored = await env.DB.prepare("select private_jwk_enc from signing_keys").all<{ private_jwk_enc: string }>();
    for (const row of stored.results) expect(row.private_jwk_enc).not.toContain('"d":');
  });
});

// Last: these move the key clock forward for the rest of the file.
describe("rotation through the cron handler", () => {
  it("new tokens get the new kid, old tokens verify until their key expires, the JWKS lists both until then", async () => {
    const f = await agentFixture();
    const before = await tokenFor(f);
    const oldKid = decodeProtectedHeader(before).kid!;

    const rotatedAt = Date.now() + MIN_KEY_AGE_FOR_ROTATION_MS + 60_000;
    const ctx = createExecutionContext();
    await scheduled(createScheduledController({ scheduledTime: rotatedAt, cron: "0 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    const after = await tokenFor(f);
    const newKid = decodeProtectedHeader(after).kid!;
    expect(newKid).not.toBe(oldKid);
    const jwks = (await call("/.well-known/jwks.json")).body;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    const localJwks = createLocalJWKSet(jwks);
    for (const token of [before, after]) {
      expect((await jwtVerify(token, localJwks, { algorithms: ["EdDSA"], audience: RELAY_AUDIENCE })).payload.sub).toBe(f.agentId);
      expect((await me(token)).status).toBe(200);
    }

    const audit = await auditRow<Record<string, any>>(
      "select * from audit_events where action = 'signing_key.rotated' and target_id = ?",
      newKid,
    );
    expect(audit).toMatchObject({ tenant_id: null, actor_type: "system", severity: "info" });
    expect(JSON.parse(audit!.details)).toMatchObject({ created: newKid, retired: expect.arrayContaining([oldKid]) });

    // A duplicate delivery of the same cron changes nothing.
    await scheduled(createScheduledController({ scheduledTime: rotatedAt + 60_000, cron: "0 3 * * *" }), env, createExecutionContext());
    expect(decodeProtectedHeader(await tokenFor(f)).kid).toBe(newKid);
    const live = await env.DB.prepare("select count(*) as n from signing_keys where retired_at is null").first<{ n: number }>();
    expect(live!.n).toBe(1);

    // Once the retired key expires, the next run deletes it: gone from the JWKS, its tokens unknown_kid.
    const expiry = rotatedAt + RETIRED_KEY_LIFETIME_MS;
    await scheduled(createScheduledController({ scheduledTime: expiry, cron: "0 3 * * *" }), env, createExecutionContext());
    const kids = (await call("/.well-known/jwks.json")).body.keys.map((k: { kid: string }) => k.kid);
    expect(kids).not.toContain(oldKid);
    expect(kids).toContain(newKid);
    expect(await verifyAgentToken(env, before, { audience: RELAY_AUDIENCE, now: expiry })).toEqual({ ok: false, error: "unknown_kid" });
    expectError(await me(before), 401, "unauthenticated");
  });
});
