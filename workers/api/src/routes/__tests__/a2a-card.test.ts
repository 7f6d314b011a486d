/**
 * Signed Agent Cards (docs/a2a.md): the official SDK's `verifyAgentCardSignature`, fed keys from
 * the served JWKS by `kid`/`jku`, verifies a served card and refuses a tampered one and one signed
 * by a key outside the JWKS; a rotation keeps earlier cards verifiable; the version bumps when the
 * agent's capabilities change (and only then); another tenant's agent is 404; the JWKS never
 * carries private members.
 */
import { canonicalizeAgentCard, generateAgentCardSignature, verifyAgentCardSignature } from "@a2a-js/sdk";
import { env } from "cloudflare:workers";
import { generateKeyPair, type JWK } from "jose";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { auditRow } from "../../../../../test/workers/audit-view";
import { BASE, call, expectError } from "../../../../../test/workers/harness";
import { relayFixture, tokenFor, type RelayFixture } from "../../../../../test/workers/relay-harness";

type Card = Record<string, any> & { signatures: Array<{ protected: string; signature: string }> };

const cardPath = (agentId: string) => `/v1/a2a/agents/${agentId}/.well-known/agent-card.json`;

async function fetchCard(agentId: string, token: string): Promise<Card> {
  const res = await call(cardPath(agentId), { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Card;
}

/** A verifier as an outside party would build it: keys only from the JWKS the card's `jku` names (fetched fresh). */
function jwksVerifier(expectedJku: string) {
  return verifyAgentCardSignature(async (kid, jku) => {
    if (jku !== expectedJku) throw new Error(`unexpected jku ${jku}`);
    const res = await call(new URL(jku).pathname);
    const key = (res.body.keys as JWK[]).find((k) => k.kid === kid);
    if (!key) throw new Error(`unknown kid ${kid}`);
    return key;
  });
}

async function fixture(): Promise<RelayFixture & { tokenA: string }> {
  const f = await relayFixture([{}, {}]);
  return { ...f, tokenA: await tokenFor(f.agents[0]!, f.teamId) };
}

describe("signed agent cards", () => {
  // The SDK logs each signature that fails to verify on console.debug; the assertions say what matters.
  beforeEach(() => {
    vi.spyOn(console, "debug").mockImplementation(() => {});
  });

  it("the SDK verifies a served card; a tampered card and an unknown key are refused", async () => {
    const f = await fixture();
    const b = f.agents[1]!;
    const card = await fetchCard(b.id, f.tokenA);
    const jwksUrl = `${BASE}/v1/a2a/tenants/${f.tenantId}/jwks.json`;
    expect(card).toMatchObject({
      name: "Agent 1",
      version: "1.0.1",
      supportedInterfaces: [{ url: `${BASE}/v1/a2a/agents/${b.id}`, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
      securitySchemes: { switchboardAgentToken: { httpAuthSecurityScheme: { scheme: "bearer", bearerFormat: "JWT" } } },
      capabilities: { streaming: false },
    });
    expect(card.signatures).toHaveLength(1);
    const header = JSON.parse(atob(card.signatures[0]!.protected.replace(/-/g, "+").replace(/_/g, "/")));
    expect(header).toMatchObject({ alg: "ES256", typ: "JOSE", jku: jwksUrl });
    const verify = jwksVerifier(jwksUrl);
    await expect(verify(card as never)).resolves.toBeUndefined();

    // Tampered: another name, same signature.
    await expect(verify({ ...card, name: "Evil twin" } as never)).rejects.toThrow(/No valid signatures/);
    // Tampered: a skill added.
    await expect(verify({ ...card, skills: [{ id: "x", name: "x", description: "x", tags: [] }] } as never)).rejects.toThrow(
      /No valid signatures/,
    );
    // Re-signed by an attacker's key with our kid and jku: the JWKS key does not verify it.
    const { privateKey } = await generateKeyPair("ES256");
    const { signatures: _, ...unsigned } = card;
    const forged = await generateAgentCardSignature(privateKey, header)(unsigned as never);
    await expect(verify(forged)).rejects.toThrow(/No valid signatures/);
    // Signed with a kid the JWKS does not have.
    const unknown = await generateAgentCardSignature(privateKey, { ...header, kid: "not-in-the-jwks" })(unsigned as never);
    await expect(verify(unknown)).rejects.toThrow(/No valid signatures/);
    // The payload is the SDK's canonical form, so any field order verifies the same.
    expect(canonicalizeAgentCard(card as never)).toBe(canonicalizeAgentCard(JSON.parse(JSON.stringify(card)) as never));
  });

  it("the card JWKS is per tenant, public members only, and another tenant's key does not verify this tenant's card", async () => {
    const f = await fixture();
    const other = await fixture();
    const card = await fetchCard(f.agents[1]!.id, f.tokenA);
    await fetchCard(other.agents[1]!.id, other.tokenA);
    const jwks = await call(`/v1/a2a/tenants/${f.tenantId}/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get("cache-control")).toContain("max-age");
    for (const key of jwks.body.keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
      expect(key).toMatchObject({ alg: "ES256", use: "sig", kty: "EC", crv: "P-256" });
    }
    const rows = await env.DB.prepare("SELECT private_jwk_enc FROM card_signing_keys WHERE tenant_id = ?")
      .bind(f.tenantId)
      .all<{ private_jwk_enc: string }>();
    expect(rows.results.length).toBe(1);
    expect(rows.results[0]!.private_jwk_enc).not.toContain('"d"');
    // A verifier that (wrongly) looks in the other tenant's JWKS finds no key for this kid.
    const otherJwks = await call(`/v1/a2a/tenants/${other.tenantId}/jwks.json`);
    const crossVerify = verifyAgentCardSignature(async (kid) => {
      const key = (otherJwks.body.keys as JWK[]).find((k) => k.kid === kid) ?? (otherJwks.body.keys as JWK[])[0]!;
      return key;
    });
    await expect(crossVerify(card as never)).rejects.toThrow(/No valid signatures/);
    // An unknown tenant has an empty key set (no existence oracle beyond that).
    expect((await call("/v1/a2a/tenants/ten_nope/jwks.json")).body).toEqual({ keys: [] });
  });

  it("a rotation keeps earlier cards verifiable; new cards are signed by the new key; audited", async () => {
    const f = await fixture();
    const b = f.agents[1]!;
    const before = await fetchCard(b.id, f.tokenA);
    const rotated = await call(`/v1/tenants/${f.tenantId}/a2a/card-keys/rotate`, { method: "POST", cookie: f.owner.cookie });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const oldKid = JSON.parse(atob(before.signatures[0]!.protected.replace(/-/g, "+").replace(/_/g, "/"))).kid;
    expect(rotated.body.retired).toEqual([oldKid]);
    const event = await auditRow<{ actor_id: string; details: string }>(
      "select actor_id, details from audit_events where action = 'a2a.card_key_rotated' and tenant_id = ?",
      f.tenantId,
    );
    expect(event?.actor_id).toBe(f.owner.id);
    expect(JSON.parse(event!.details)).toMatchObject({ created: rotated.body.created, retired: [oldKid] });
    const after = await fetchCard(b.id, f.tokenA);
    const newKid = JSON.parse(atob(after.signatures[0]!.protected.replace(/-/g, "+").replace(/_/g, "/"))).kid;
    expect(newKid).toBe(rotated.body.created);
    expect(newKid).not.toBe(oldKid);
    const jwks = await call(`/v1/a2a/tenants/${f.tenantId}/jwks.json`);
    expect(jwks.body.keys.map((k: JWK) => k.kid)).toEqual([newKid, oldKid]);
    const verify = jwksVerifier(`${BASE}/v1/a2a/tenants/${f.tenantId}/jwks.json`);
    await expect(verify(before as never)).resolves.toBeUndefined();
    await expect(verify(after as never)).resolves.toBeUndefined();
    // A viewer may not rotate.
    expectError(
      await call(`/v1/tenants/${f.tenantId}/a2a/card-keys/rotate`, { method: "POST", cookie: f.viewer.cookie }),
      403,
      "forbidden",
    );
    // Once the retired key expires it leaves the JWKS and the old card no longer verifies.
    await env.DB.prepare("UPDATE card_signing_keys SET expires_at = ?1 WHERE kid = ?2")
      .bind(Date.now() - 1, oldKid)
      .run();
    expect((await call(`/v1/a2a/tenants/${f.tenantId}/jwks.json`)).body.keys.map((k: JWK) => k.kid)).toEqual([newKid]);
    await expect(verify(before as never)).rejects.toThrow(/No valid signatures/);
  });

  it("the version bumps when capabilities change, once, and not otherwise", async () => {
    const f = await fixture();
    const b = f.agents[1]!;
    expect((await fetchCard(b.id, f.tokenA)).version).toBe("1.0.1");
    expect((await fetchCard(b.id, f.tokenA)).version).toBe("1.0.1");
    const install = await call(`/v1/tenants/${f.tenantId}/agents/${b.id}/skills/github`, {
      method: "PUT",
      body: {},
      cookie: f.owner.cookie,
    });
    expect(install.status, JSON.stringify(install.body)).toBe(200);
    const withSkill = await fetchCard(b.id, f.tokenA);
    expect(withSkill.version).toBe("1.0.2");
    expect(withSkill.skills).toEqual([
      expect.objectContaining({ id: "github", tags: expect.arrayContaining([`version:${install.body.installed.version}`]) }),
    ]);
    // Concurrent fetches after one change bump once.
    await call(`/v1/tenants/${f.tenantId}/agents/${b.id}`, {
      method: "PATCH",
      body: { description: "Answers questions." },
      cookie: f.owner.cookie,
    });
    const versions = await Promise.all([1, 2, 3].map(() => fetchCard(b.id, f.tokenA).then((c) => c.version)));
    expect(versions).toEqual(["1.0.3", "1.0.3", "1.0.3"]);
    // The dashboard route serves the same card version.
    const viaTenant = await call(`/v1/tenants/${f.tenantId}/agents/${b.id}/agent-card`, { cookie: f.viewer.cookie });
    expect(viaTenant.status).toBe(200);
    expect(viaTenant.body).toMatchObject({
      card: { version: "1.0.3", description: "Answers questions." },
      url: `${BASE}${cardPath(b.id)}`,
    });
  });

  it("another tenant's agent is 404; no token or a bad one is 401", async () => {
    const f = await fixture();
    const other = await fixture();
    expectError(await call(cardPath(other.agents[1]!.id), { headers: { authorization: `Bearer ${f.tokenA}` } }), 404, "not_found");
    expectError(
      await call(`/v1/tenants/${f.tenantId}/agents/${other.agents[1]!.id}/agent-card`, { cookie: f.owner.cookie }),
      404,
      "not_found",
    );
    const noToken = await call(cardPath(f.agents[1]!.id));
    expectError(noToken, 401, "unauthenticated");
    expect(noToken.headers.get("www-authenticate")).toContain("Bearer");
    const forged = `${f.tokenA.slice(0, -4)}AAAA`;
    expectError(await call(cardPath(f.agents[1]!.id), { headers: { authorization: `Bearer ${forged}` } }), 401, "unauthenticated");
    // An API key or session is not an agent token.
    expectError(await call(cardPath(f.agents[1]!.id), { cookie: f.owner.cookie }), 401, "unauthenticated");
  });
});
