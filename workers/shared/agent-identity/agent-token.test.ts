/**
 * Issuing and verifying agent tokens, and the attacks the verifier must refuse. Forged tokens are
 * made with jose directly: with attacker keys, or with our real current key (`currentSigningKey`)
 * and claims or headers our issuer would never produce.
 */
import { env } from "cloudflare:workers";
import {
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type JWTPayload,
} from "jose";
import { describe, expect, it } from "vitest";
import { newId } from "../crypto/ids";
import { ERROR_CATALOGUE } from "../errors/catalogue";
import { DEFAULT_TENANT_CONFIG } from "../schemas/tenant";
import {
  issueAgentToken,
  isJwtShaped,
  verifyAgentToken,
  type AgentTokenError,
  type AgentTokenFailure,
  type AgentTokenSubject,
} from "./agent-token";
import { AGENT_TOKEN_ISSUER, AGENT_TOKEN_TTL_SECONDS, CLOCK_SKEW_SECONDS, RELAY_AUDIENCE } from "./claims";
import { agentCloseFor, agentTokenWireError } from "./errors";
import { currentSigningKey, publishedKeys } from "./signing-keys";

const audience = RELAY_AUDIENCE;

async function seedTenant(): Promise<string> {
  const id = newId("tenant");
  await env.DB.prepare("insert into tenants (id, name, plan, config) values (?, 'Token tenant', 'team', ?)")
    .bind(id, JSON.stringify(DEFAULT_TENANT_CONFIG))
    .run();
  return id;
}

async function seedAgent(tenantId?: string): Promise<AgentTokenSubject> {
  const tenant = tenantId ?? (await seedTenant());
  const id = newId("agent");
  await env.DB.prepare(
    "insert into agents (id, tenant_id, name, template, tool_categories, trust_level, secret_hash, secret_prefix) values (?, ?, 'Agent', 'engineering', '[]', 2, ?, 'sba_xxxxxxxx')",
  )
    .bind(id, tenant, "0".repeat(64))
    .run();
  return { agentId: id, tenantId: tenant, role: "engineering", trust: 2 };
}

async function seedTeam(tenantId: string, agentIds: string[]): Promise<string> {
  const id = newId("team");
  await env.DB.batch([
    env.DB.prepare("insert into teams (id, tenant_id, name) values (?, ?, 'Team')").bind(id, tenantId),
    ...agentIds.map((agentId) => env.DB.prepare("insert into team_agents (team_id, agent_id) values (?, ?)").bind(id, agentId)),
  ]);
  return id;
}

async function verify(token: string, now?: number) {
  return verifyAgentToken(env, token, { audience, now });
}

async function expectFailure(token: string, error: AgentTokenError, now?: number) {
  const result = await verify(token, now);
  expect(result).toMatchObject({ ok: false, error });
}

/** A token with our real current key and whatever header and claims the test wants. */
async function signWithRealKey(claims: JWTPayload, header: Record<string, unknown> = {}) {
  const key = await currentSigningKey(env);
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "agent+jwt", ...header }).sign(key.privateKey);
}

async function validClaims(subject: AgentTokenSubject): Promise<JWTPayload> {
  return decodeJwt((await issueAgentToken(env, subject)).token);
}

const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value));

describe("issuing", () => {
  it("signs an EdDSA agent+jwt with the current kid and the documented claims", async () => {
    const subject = await seedAgent();
    const team = await seedTeam(subject.tenantId, [subject.agentId]);
    const now = Date.now();
    const issued = await issueAgentToken(env, { ...subject, teamId: team }, { now });
    expect(decodeProtectedHeader(issued.token)).toEqual({ alg: "EdDSA", kid: issued.kid, typ: "agent+jwt" });
    const iat = Math.floor(now / 1000);
    expect(decodeJwt(issued.token)).toEqual({
      iss: AGENT_TOKEN_ISSUER,
      aud: RELAY_AUDIENCE,
      sub: subject.agentId,
      tid: subject.tenantId,
      team,
      role: "engineering",
      trust: 2,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      iat,
      nbf: iat,
      exp: iat + AGENT_TOKEN_TTL_SECONDS,
    });
    expect((await publishedKeys(env)).map((k) => k.kid)).toContain(issued.kid);
  });

  it("gives every token its own jti and leaves out team when none was asked for", async () => {
    const subject = await seedAgent();
    const [a, b] = await Promise.all([issueAgentToken(env, subject), issueAgentToken(env, subject)]);
    expect(a.claims.jti).not.toBe(b.claims.jti);
    expect(decodeJwt(a.token)).not.toHaveProperty("team");
  });
});

describe("verifying a good token", () => {
  it("returns the claims", async () => {
    const subject = await seedAgent();
    const issued = await issueAgentToken(env, subject);
    expect(await verify(issued.token)).toEqual({ ok: true, claims: issued.claims });
  });

  it("accepts the clock skew on both ends, and `application/agent+jwt` as the type", async () => {
    const subject = await seedAgent();
    const now = Date.now();
    // Issued by a clock 20 s ahead: nbf is in our future, within the skew.
    expect((await verify((await issueAgentToken(env, subject, { now: now + 20_000 })).token, now)).ok).toBe(true);
    // Expired 20 s ago by our clock: still within the skew.
    const old = await issueAgentToken(env, subject, { now: now - AGENT_TOKEN_TTL_SECONDS * 1000 - 20_000 });
    expect((await verify(old.token, now)).ok).toBe(true);
    const typed = await signWithRealKey(await validClaims(subject), { typ: "application/agent+jwt" });
    expect((await verify(typed)).ok).toBe(true);
  });
});

describe("refusing", () => {
  it("garbage, truncated and oversized tokens as malformed", async () => {
    const subject = await seedAgent();
    const { token } = await issueAgentToken(env, subject);
    for (const bad of ["", "abc", "a.b", "a.b.c.d", "!!!.@@@.###", token.split(".").slice(0, 2).join("."), `${token}${"A".repeat(5000)}`]) {
      await expectFailure(bad, "malformed");
    }
  });

  it("alg none, with or without a signature", async () => {
    const subject = await seedAgent();
    const key = await currentSigningKey(env);
    const claims = await validClaims(subject);
    for (const alg of ["none", "None", "NONE"]) {
      const unsigned = `${encodeJson({ alg, kid: key.kid, typ: "agent+jwt" })}.${encodeJson(claims)}.`;
      await expectFailure(unsigned, "bad_signature");
      await expectFailure(`${unsigned}c2ln`, "bad_signature");
    }
  });

  it("HS256 signed with the public key as the HMAC secret (algorithm confusion)", async () => {
    const subject = await seedAgent();
    const claims = await validClaims(subject);
    const [jwk] = await publishedKeys(env);
    const secrets = [new TextEncoder().encode(JSON.stringify(jwk)), base64url.decode(jwk!.x!), new TextEncoder().encode(jwk!.x!)];
    for (const secret of secrets) {
      for (const alg of ["HS256", "HS512"]) {
        const forged = await new SignJWT(claims).setProtectedHeader({ alg, kid: jwk!.kid, typ: "agent+jwt" }).sign(secret);
        await expectFailure(forged, "bad_signature");
      }
    }
  });

  it("RS256, ES256 and EdDSA tokens signed with an attacker's key under our kid", async () => {
    const subject = await seedAgent();
    const claims = await validClaims(subject);
    const { kid } = await currentSigningKey(env);
    for (const alg of ["RS256", "ES256", "EdDSA", "PS256"] as const) {
      const attacker = await generateKeyPair(alg);
      const forged = await new SignJWT(claims).setProtectedHeader({ alg, kid, typ: "agent+jwt" }).sign(attacker.privateKey);
      await expectFailure(forged, "bad_signature");
    }
  });

  it("a token whose claims were changed after signing", async () => {
    const subject = await seedAgent();
    const { token } = await issueAgentToken(env, subject);
    const [header, payload, signature] = token.split(".");
    const tampered = { ...JSON.parse(new TextDecoder().decode(base64url.decode(payload!))), trust: 4 };
    await expectFailure(`${header}.${encodeJson(tampered)}.${signature}`, "bad_signature");
  });

  it("an unknown, missing or odd kid", async () => {
    const subject = await seedAgent();
    const claims = await validClaims(subject);
    const attacker = await generateKeyPair("EdDSA");
    const attackerKid = await calculateJwkThumbprint(await exportJWK(attacker.publicKey));
    const sign = (header: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", typ: "agent+jwt", ...header }).sign(attacker.privateKey);
    await expectFailure(await sign({ kid: attackerKid }), "unknown_kid");
    await expectFailure(await sign({}), "unknown_kid");
    await expectFailure(await sign({ kid: "../../signing_keys" }), "unknown_kid");
    await expectFailure(await sign({ kid: 42 }), "unknown_kid");
  });

  it("a token carrying the attacker's own key in jwk, jku, x5u or x5c headers", async () => {
    const subject = await seedAgent();
    const claims = await validClaims(subject);
    const attacker = await generateKeyPair("EdDSA", { extractable: true });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const attackerKid = await calculateJwkThumbprint(attackerJwk);
    const { kid: realKid } = await currentSigningKey(env);
    const sign = (header: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", typ: "agent+jwt", ...header }).sign(attacker.privateKey);
    // The embedded key is never used: without a kid of ours there is no key; with one, ours does not match.
    await expectFailure(await sign({ jwk: attackerJwk }), "unknown_kid");
    await expectFailure(await sign({ jwk: { ...attackerJwk, kid: attackerKid }, kid: attackerKid }), "unknown_kid");
    await expectFailure(await sign({ jwk: attackerJwk, kid: realKid }), "bad_signature");
    await expectFailure(await sign({ jku: "https://attacker.example/jwks.json", kid: attackerKid }), "unknown_kid");
    await expectFailure(await sign({ x5u: "https://attacker.example/cert.pem", kid: realKid }), "bad_signature");
  });

  it("an unknown critical header, even when signed with our key", async () => {
    const subject = await seedAgent();
    const key = await currentSigningKey(env);
    // jose will not sign an unknown crit, so sign the bytes directly.
    const input = `${encodeJson({ alg: "EdDSA", kid: key.kid, typ: "agent+jwt", crit: ["exp-extension"], "exp-extension": true })}.${encodeJson(await validClaims(subject))}`;
    const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", key.privateKey, new TextEncoder().encode(input)));
    await expectFailure(`${input}.${base64url.encode(signature)}`, "malformed");
  });

  it("an expired token, beyond the clock skew", async () => {
    const subject = await seedAgent();
    const now = Date.now();
    const old = await issueAgentToken(env, subject, { now: now - AGENT_TOKEN_TTL_SECONDS * 1000 - (CLOCK_SKEW_SECONDS + 5) * 1000 });
    await expectFailure(old.token, "expired", now);
    // Even a signed token with a far exp dies with our TTL (iat too old).
    const c = await validClaims(subject);
    const longLived = await signWithRealKey({ ...c, iat: c.iat! - 3600, nbf: c.iat! - 3600, exp: c.iat! + 86_400 });
    await expectFailure(longLived, "expired");
  });

  it("a token not valid yet, beyond the clock skew", async () => {
    const subject = await seedAgent();
    const now = Date.now();
    const future = await issueAgentToken(env, subject, { now: now + 5 * 60 * 1000 });
    await expectFailure(future.token, "not_yet_valid", now);
    const c = await validClaims(subject);
    await expectFailure(await signWithRealKey({ ...c, nbf: c.iat! + 600 }), "not_yet_valid");
  });

  it("another audience, another issuer, another type", async () => {
    const subject = await seedAgent();
    await expectFailure((await issueAgentToken(env, subject, { audience: "switchboard:api" })).token, "wrong_audience");
    const claims = await validClaims(subject);
    await expectFailure(await signWithRealKey({ ...claims, aud: ["switchboard:api"] }), "wrong_audience");
    await expectFailure(await signWithRealKey({ ...claims, iss: "https://evil.example" }), "wrong_issuer");
    await expectFailure(await signWithRealKey(claims, { typ: "JWT" }), "wrong_type");
    await expectFailure(await signWithRealKey(claims, { typ: "at+jwt" }), "wrong_type");
    await expectFailure(await signWithRealKey(claims, { typ: undefined }), "wrong_type");
  });

  it("signed claims that do not fit the schema", async () => {
    const subject = await seedAgent();
    const claims = await validClaims(subject);
    await expectFailure(await signWithRealKey({ ...claims, trust: 9 }), "malformed");
    await expectFailure(await signWithRealKey({ ...claims, sub: "usr_01" }), "malformed");
    await expectFailure(await signWithRealKey({ ...claims, jti: undefined }), "malformed");
  });

  it("another tenant's agent presented with a mismatching tid, even signed with our key", async () => {
    const victimTenant = await seedTenant();
    const attacker = await seedAgent();
    const forged = await issueAgentToken(env, { ...attacker, tenantId: victimTenant });
    await expectFailure(forged.token, "wrong_tenant");
    const nobody = await issueAgentToken(env, { ...attacker, agentId: newId("agent") });
    expect(await verify(nobody.token)).toEqual({ ok: false, error: "agent_inactive", agentState: "deleted" });
  });

  it("a suspended agent's token at once, and again accepts it once resumed", async () => {
    const subject = await seedAgent();
    const { token } = await issueAgentToken(env, subject);
    expect((await verify(token)).ok).toBe(true);
    await env.DB.prepare("update agents set status = 'suspended' where id = ?").bind(subject.agentId).run();
    expect(await verify(token)).toEqual({ ok: false, error: "agent_inactive", agentState: "suspended" });
    await env.DB.prepare("update agents set status = 'active' where id = ?").bind(subject.agentId).run();
    expect((await verify(token)).ok).toBe(true);
  });

  it("a deleted agent's token, and a token of an agent whose tenant was deleted", async () => {
    const subject = await seedAgent();
    const { token } = await issueAgentToken(env, subject);
    await env.DB.prepare("update agents set deleted_at = ? where id = ?").bind(Date.now(), subject.agentId).run();
    expect(await verify(token)).toEqual({ ok: false, error: "agent_inactive", agentState: "deleted" });

    const other = await seedAgent();
    const second = await issueAgentToken(env, other);
    await env.DB.prepare("update tenants set deleted_at = ? where id = ?").bind(Date.now(), other.tenantId).run();
    expect(await verify(second.token)).toEqual({ ok: false, error: "agent_inactive", agentState: "deleted" });
  });

  it("a team token once the agent left the team or the team was deleted", async () => {
    const subject = await seedAgent();
    const team = await seedTeam(subject.tenantId, [subject.agentId]);
    const { token } = await issueAgentToken(env, { ...subject, teamId: team });
    expect((await verify(token)).ok).toBe(true);
    await env.DB.prepare("delete from team_agents where team_id = ? and agent_id = ?").bind(team, subject.agentId).run();
    await expectFailure(token, "not_in_team");

    const team2 = await seedTeam(subject.tenantId, [subject.agentId]);
    const second = await issueAgentToken(env, { ...subject, teamId: team2 });
    await env.DB.prepare("update teams set deleted_at = ? where id = ?").bind(Date.now(), team2).run();
    await expectFailure(second.token, "not_in_team");

    // Membership of a same-named team in another tenant does not count.
    const otherTenant = await seedTenant();
    const foreignTeam = await seedTeam(otherTenant, []);
    await env.DB.prepare("insert into team_agents (team_id, agent_id) values (?, ?)").bind(foreignTeam, subject.agentId).run();
    await expectFailure((await issueAgentToken(env, { ...subject, teamId: foreignTeam })).token, "not_in_team");
  });
});

describe("wire errors", () => {
  const failures: AgentTokenFailure[] = [
    ...(
      [
        "malformed",
        "bad_signature",
        "unknown_kid",
        "expired",
        "not_yet_valid",
        "wrong_audience",
        "wrong_issuer",
        "wrong_type",
        "wrong_tenant",
        "not_in_team",
      ] as const
    ).map((error) => ({ ok: false as const, error })),
    { ok: false, error: "agent_inactive", agentState: "suspended" },
    { ok: false, error: "agent_inactive", agentState: "deleted" },
  ];

  it("maps a suspension to 403 agent_suspended / close 4003, everything else to 401 unauthenticated / close 4001", () => {
    for (const failure of failures) {
      const wire = agentTokenWireError(failure);
      expect(ERROR_CATALOGUE[wire.code]).toBeDefined();
      expect(wire.message.length).toBeGreaterThan(10);
      const suspended = failure.error === "agent_inactive" && failure.agentState === "suspended";
      expect(wire.code).toBe(suspended ? "agent_suspended" : "unauthenticated");
      expect(ERROR_CATALOGUE[wire.code].status).toBe(suspended ? 403 : 401);
      expect(agentCloseFor(failure)).toEqual(
        suspended ? { code: 4003, reason: "agent suspended" } : { code: 4001, reason: "agent token invalid" },
      );
    }
    expect(agentTokenWireError({ ok: false, error: "expired" }).details).toEqual({ reason: "expired" });
    expect(agentTokenWireError({ ok: false, error: "agent_inactive", agentState: "deleted" }).details).toEqual({ reason: "agent_deleted" });
  });
});

describe("isJwtShaped", () => {
  it("tells agent tokens from API keys", async () => {
    const subject = await seedAgent();
    expect(isJwtShaped((await issueAgentToken(env, subject)).token)).toBe(true);
    expect(isJwtShaped(`sbk_abcdefghijkl_${"A".repeat(43)}`)).toBe(false);
    expect(isJwtShaped("a.b")).toBe(false);
  });
});
