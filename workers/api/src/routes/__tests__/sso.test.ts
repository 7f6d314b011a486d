/**
 * Single sign-on, end to end in workerd. Happy paths and tenant isolation run against two REAL
 * OpenID providers (oidc-provider, started by test/workers/oidc-global-setup.ts); the ID-token
 * failures a real provider never produces (wrong issuer/audience/nonce, expired, bad signature,
 * key rotation) against the misbehaving fake of test/workers/fake-oidc-provider.ts.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FAKE_OIDC_CLIENT, FAKE_OIDC_ISSUER, fakeOidcCode, type FakeOidcScenario } from "../../../../../test/workers/fake-oidc-provider";
import { call, createTenant, expectError, PASSWORD, sessionCookieOf, signup, type TestUser } from "../../../../../test/workers/harness";
import { auditResults, auditRow } from "../../../../../test/workers/audit-view";
import { OIDC_TEST_CLIENTS } from "../../../../../test/workers/oidc-clients";
import {
  finishSso,
  navigate,
  putSso,
  setProviderAccount,
  signInAtProvider,
  ssoLogin,
  startSso,
} from "../../../../../test/workers/sso-harness";

const issuerA = env.TEST_OIDC_ISSUER_A;
const issuerB = env.TEST_OIDC_ISSUER_B;
const unique = () => crypto.randomUUID().slice(0, 8);

async function tenantWithSso(issuer: string, client: { clientId: string; clientSecret: string }, extra: Record<string, unknown> = {}) {
  const domain = `corp-${unique()}.test`;
  const owner = await signupAt(domain, "owner");
  const tenantId = await createTenant(owner, `Corp ${domain}`);
  const res = await putSso(tenantId, owner.cookie, {
    issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    emailDomains: [domain],
    groupRoles: [
      { group: "engineering", role: "member" },
      { group: "platform-admins", role: "admin" },
      { group: "founders", role: "owner" },
    ],
    defaultRole: "viewer",
    ...extra,
  });
  if (res.status !== 200) throw new Error(`sso setup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { tenantId, owner, domain, connection: res.body.connection };
}

async function signupAt(domain: string, label: string): Promise<TestUser> {
  const email = `${label}-${unique()}@${domain}`;
  const res = await call("/v1/auth/signup", { body: { email, password: PASSWORD, name: label } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status}`);
  return { id: res.body.user.id, email, cookie: sessionCookieOf(res) };
}

async function roleIn(tenantId: string, cookie: string): Promise<string | undefined> {
  const me = await call("/v1/me", { cookie });
  return me.body.memberships.find((m: { tenantId: string }) => m.tenantId === tenantId)?.role;
}

describe("SSO connection settings", () => {
  it("reaches the real providers", async () => {
    const res = await fetch(`${issuerA}/.well-known/openid-configuration`);
    expect(res.status, `${issuerA}: ${await res.clone().text()}`).toBe(200);
  });

  it("stores the secret encrypted and never returns it; checks issuer, domains, break-glass and roles", async () => {
    const { tenantId, owner, domain, connection } = await tenantWithSso(issuerA, OIDC_TEST_CLIENTS.a);
    expect(connection).toMatchObject({
      issuer: issuerA,
      clientId: "switchboard-a",
      clientSecretSet: true,
      emailDomains: [domain],
      redirectUri: "http://localhost:8787/v1/auth/sso/callback",
    });
    expect(JSON.stringify(connection)).not.toContain("secret-a");
    const stored = await env.DB.prepare("select client_secret_enc from sso_connections where tenant_id = ?")
      .bind(tenantId)
      .first<{ client_secret_enc: string }>();
    expect(stored!.client_secret_enc).toMatch(/^v1\./);
    expect(stored!.client_secret_enc).not.toContain("secret-a");
    expect((await call(`/v1/tenants/${tenantId}/sso`, { cookie: owner.cookie })).body.connection.clientSecretSet).toBe(true);

    const base = { issuer: issuerA, clientId: "x", clientSecret: "y", emailDomains: [domain] };
    expectError(await putSso(tenantId, owner.cookie, { ...base, issuer: "http://idp.example.test" }), 400, "validation_failed");
    expectError(await putSso(tenantId, owner.cookie, { ...base, issuer: "https://unreachable.invalid" }), 400, "validation_failed");
    expectError(await putSso(tenantId, owner.cookie, { ...base, ssoRequired: true }), 400, "validation_failed");
    expectError(await putSso(tenantId, owner.cookie, { ...base, emailDomains: ["not a domain"] }), 400, "validation_failed");

    // Roles: members cannot see or change it; an admin cannot let groups grant owner.
    const admin = await signupAt(domain, "admin");
    const member = await signupAt(domain, "member");
    await env.DB.batch([
      env.DB.prepare("insert into memberships (tenant_id, user_id, role) values (?, ?, 'admin')").bind(tenantId, admin.id),
      env.DB.prepare("insert into memberships (tenant_id, user_id, role) values (?, ?, 'member')").bind(tenantId, member.id),
    ]);
    expectError(await call(`/v1/tenants/${tenantId}/sso`, { cookie: member.cookie }), 403, "forbidden");
    expectError(await putSso(tenantId, admin.cookie, { ...base, allowOwnerFromGroups: true }), 403, "owner_required");
    expectError(await putSso(tenantId, owner.cookie, { ...base, ssoRequired: true, breakGlassUserId: admin.id }), 400, "validation_failed");

    // A domain belongs to one tenant.
    const other = await signup("sso-other");
    const otherTenant = await createTenant(other, "Other");
    expectError(
      await putSso(otherTenant, other.cookie, { ...base, clientId: "switchboard-b", clientSecret: "secret-b", issuer: issuerB }),
      409,
      "domain_taken",
    );
  });

  it("discovery tells the login page which emails sign in with SSO", async () => {
    const { domain } = await tenantWithSso(issuerA, OIDC_TEST_CLIENTS.a);
    const yes = await call("/v1/auth/sso/discover", { body: { email: `Someone@${domain.toUpperCase()}` } });
    expect(yes.body).toMatchObject({ sso: true, required: false, startUrl: `/v1/auth/sso/start?email=someone%40${domain}` });
    expect((await call("/v1/auth/sso/discover", { body: { email: "someone@elsewhere.test" } })).body).toEqual({
      sso: false,
      required: false,
      tenantName: null,
      startUrl: null,
    });
    const unknown = await navigate("/v1/auth/sso/start?email=someone%40elsewhere.test");
    expect(unknown.status).toBe(302);
    expect(unknown.headers.get("location")).toBe("/login?error=sso_not_configured");
  });
});

describe("SSO sign-in through a real OpenID provider", () => {
  it("signs a new person in with PKCE, state and nonce, provisions them with the role of their groups, and changes it at the next sign-in", async () => {
    const { tenantId, domain } = await tenantWithSso(issuerA, OIDC_TEST_CLIENTS.a);
    const email = `ada-${unique()}@${domain}`;
    await setProviderAccount(issuerA, email, { name: "Ada Engineer", groups: ["engineering"] });

    const { authorizeUrl, flowCookie } = await startSso(email);
    expect(authorizeUrl.origin).toBe(issuerA);
    expect(Object.fromEntries(authorizeUrl.searchParams)).toMatchObject({
      client_id: "switchboard-a",
      response_type: "code",
      code_challenge_method: "S256",
      login_hint: email,
      scope: "openid email profile",
    });
    for (const p of ["state", "nonce", "code_challenge"]) expect(authorizeUrl.searchParams.get(p)!.length).toBeGreaterThan(20);

    const first = await finishSso(await signInAtProvider(authorizeUrl, email), flowCookie);
    expect(first.callback.status).toBe(302);
    expect(first.location).toBe(`/t/${tenantId}`);
    expect(first.cookie).not.toBeNull();
    expect(await roleIn(tenantId, first.cookie!)).toBe("member");
    const me = await call("/v1/me", { cookie: first.cookie! });
    expect(me.body.user).toMatchObject({ email, name: "Ada Engineer" });

    // Promoted at the provider: admin from the next sign-in on.
    await setProviderAccount(issuerA, email, { groups: ["engineering", "platform-admins"] });
    const second = await ssoLogin(email);
    expect(await roleIn(tenantId, second.cookie!)).toBe("admin");
    // Demoted to no mapped group: the default role.
    await setProviderAccount(issuerA, email, { groups: ["marketing"] });
    expect(await roleIn(tenantId, (await ssoLogin(email)).cookie!)).toBe("viewer");

    const events = await auditResults<{ action: string; details: string }>(
      "select action, details from audit_events where tenant_id = ? and action in ('member.joined_via_sso', 'member.role_changed', 'auth.sso_login') order by seq",
      tenantId,
    );
    expect(events.results.map((e) => e.action)).toEqual([
      "member.joined_via_sso",
      "auth.sso_login",
      "member.role_changed",
      "auth.sso_login",
      "member.role_changed",
      "auth.sso_login",
    ]);
    expect(JSON.parse(events.results[2]!.details)).toMatchObject({ from: "member", to: "admin", via: "sso" });
    // One identity, one user: the person signs in as themselves each time.
    const identities = await env.DB.prepare("select count(*) as n from sso_identities where email = ?").bind(email).first<{ n: number }>();
    expect(identities!.n).toBe(1);
  });

  it("never makes an owner from a group unless the tenant opts in, and never demotes an owner by groups", async () => {
    const { tenantId, domain, owner } = await tenantWithSso(issuerA, OIDC_TEST_CLIENTS.a);
    const email = `founder-${unique()}@${domain}`;
    await setProviderAccount(issuerA, email, { groups: ["founders"] });
    expect(await roleIn(tenantId, (await ssoLogin(email)).cookie!)).toBe("admin");

    // The existing owner signs in with SSO in a group mapped to member: still an owner.
    await env.DB.prepare(
      "insert into sso_identities (connection_id, issuer, subject, user_id, email) select id, issuer, ?, ?, ? from sso_connections where tenant_id = ?",
    )
      .bind(owner.email, owner.id, owner.email, tenantId)
      .run();
    await setProviderAccount(issuerA, owner.email, { groups: ["engineering"] });
    expect(await roleIn(tenantId, (await ssoLogin(owner.email)).cookie!)).toBe("owner");
  });

  it("refuses unknown people when just-in-time provisioning is off, and emails outside the tenant's domains", async () => {
    const { domain } = await tenantWithSso(issuerA, OIDC_TEST_CLIENTS.a, { jitProvisioning: false });
    const email = `newbie-${unique()}@${domain}`;
    await setProviderAccount(issuerA, email, { groups: ["engineering"] });
    const refused = await ssoLogin(email);
    expect(refused.location).toBe("/login?error=sso_not_provisioned");
    expect(refused.cookie).toBeNull();

    // The provider signs someone in whose email is not in the tenant's domains.
    const outsider = `outsider-${unique()}@elsewhere.test`;
    await setProviderAccount(issuerA, outsider, {});
    const { authorizeUrl, flowCookie } = await startSso(`x@${domain}`);
    const res = await finishSso(await signInAtProvider(authorizeUrl, outsider), flowCookie);
    expect(res.location).toBe("/login?error=sso_email_not_allowed");
  });

  it("an existing account is linked only if it is already a member", async () => {
    const { tenantId, domain } = await tenantWithSso(issuerA, OIDC_TEST_CLIENTS.a);
    const stranger = await signupAt(domain, "stranger");
    await setProviderAccount(issuerA, stranger.email, { groups: ["engineering"] });
    expect((await ssoLogin(stranger.email)).location).toBe("/login?error=sso_account_exists");
    await env.DB.prepare("insert into memberships (tenant_id, user_id, role) values (?, ?, 'viewer')").bind(tenantId, stranger.id).run();
    const linked = await ssoLogin(stranger.email);
    expect(linked.location).toBe(`/t/${tenantId}`);
    expect(await roleIn(tenantId, linked.cookie!)).toBe("member");
  });

  it("SSO required: password sign-in is refused for the tenant's members at its domain, except the break-glass owner", async () => {
    const { tenantId, domain, owner } = await tenantWithSso(issuerA, OIDC_TEST_CLIENTS.a);
    const member = await signupAt(domain, "member");
    await env.DB.prepare("insert into memberships (tenant_id, user_id, role) values (?, ?, 'member')").bind(tenantId, member.id).run();
    const current = (await call(`/v1/tenants/${tenantId}/sso`, { cookie: owner.cookie })).body.connection;
    const { id, tenantId: _t, clientSecretSet, redirectUri, createdAt, updatedAt, ...settings } = current;
    expect((await putSso(tenantId, owner.cookie, { ...settings, ssoRequired: true, breakGlassUserId: owner.id })).status).toBe(200);

    const refused = await call("/v1/auth/login", { body: { email: member.email, password: PASSWORD } });
    expectError(refused, 403, "sso_required");
    expect(refused.body.error.details).toEqual({ tenantId, ssoStartUrl: `/v1/auth/sso/start?email=${encodeURIComponent(member.email)}` });
    expect(refused.headers.get("set-cookie")).toBeNull();
    // A wrong password still says only that the password is wrong.
    expectError(await call("/v1/auth/login", { body: { email: member.email, password: "wrong password!" } }), 401, "invalid_credentials");
    // Someone at the domain who is not a member is not affected.
    const outsider = await signupAt(domain, "outsider");
    expect((await call("/v1/auth/login", { body: { email: outsider.email, password: PASSWORD } })).status).toBe(200);
    // The break-glass owner signs in, and it is audited as critical.
    expect((await call("/v1/auth/login", { body: { email: owner.email, password: PASSWORD } })).status).toBe(200);
    const glass = await auditRow<{ severity: string }>(
      "select severity from audit_events where tenant_id = ? and action = 'auth.sso_break_glass'",
      tenantId,
    );
    expect(glass).toEqual({ severity: "critical" });
    expect((await call("/v1/auth/sso/discover", { body: { email: member.email } })).body.required).toBe(true);
  });

  it("a second tenant's provider cannot sign anyone into the first (mix-up and cross-tenant)", async () => {
    const a = await tenantWithSso(issuerA, OIDC_TEST_CLIENTS.a);
    const b = await tenantWithSso(issuerB, OIDC_TEST_CLIENTS.b);
    const victim = `victim-${unique()}@${a.domain}`;
    const mallory = `mallory-${unique()}@${b.domain}`;
    await setProviderAccount(issuerA, victim, { groups: ["platform-admins"] });
    // Provider B is the attacker's: it will happily assert any email, even one in A's domain.
    await setProviderAccount(issuerB, victim, { groups: ["platform-admins"] });
    await setProviderAccount(issuerB, mallory, { groups: ["platform-admins"] });

    // A flow started for tenant A, answered with a code from provider B (with and without B's `iss`).
    const flowA = await startSso(victim);
    const flowB = await startSso(mallory);
    const fromB = await signInAtProvider(flowB.authorizeUrl, victim);
    const injected = new URL(fromB);
    injected.searchParams.set("state", flowA.authorizeUrl.searchParams.get("state")!);
    const mixUp = await finishSso(injected, flowA.flowCookie);
    expect(mixUp.location).toBe("/login?error=sso_failed");
    expect(mixUp.cookie).toBeNull();
    injected.searchParams.delete("iss");
    expect((await finishSso(injected, flowA.flowCookie)).location).toBe("/login?error=sso_failed");

    // Through its own flow, B's provider asserting an email of A's domain gets nowhere either.
    const flowB2 = await startSso(mallory);
    const ownB = await finishSso(await signInAtProvider(flowB2.authorizeUrl, victim), flowB2.flowCookie);
    expect(ownB.location).toBe("/login?error=sso_email_not_allowed");
    expect(ownB.cookie).toBeNull();

    // Mallory, signed in through B, is a member of B only.
    const signedIn = await ssoLogin(mallory);
    expect(signedIn.location).toBe(`/t/${b.tenantId}`);
    expectError(await call(`/v1/tenants/${a.tenantId}`, { cookie: signedIn.cookie! }), 404, "not_found");
    const audit = await auditRow<{ n: number }>(
      "select count(*) as n from audit_events where tenant_id = ? and action = 'auth.sso_failed'",
      a.tenantId,
    );
    expect(audit!.n).toBeGreaterThanOrEqual(2);
  });

  it("a callback without this browser's flow is refused with the error shape", async () => {
    expectError(await navigate("/v1/auth/sso/callback?code=x&state=y"), 400, "bad_request");
    expectError(await navigate("/v1/auth/sso/callback?code=x&state=y", "sb_sso_flow=v1.forged.value"), 400, "bad_request");
  });
});

describe("SSO ID-token validation (a misbehaving provider)", () => {
  afterEach(() => vi.useRealTimers());

  async function fakeTenant() {
    return tenantWithSso(FAKE_OIDC_ISSUER, FAKE_OIDC_CLIENT);
  }

  async function viaFake(domain: string, scenario: FakeOidcScenario, sub = `sub-${unique()}`) {
    const email = `p-${unique()}@${domain}`;
    const { authorizeUrl, flowCookie } = await startSso(email);
    const q = authorizeUrl.searchParams;
    const code = fakeOidcCode({
      scenario,
      sub,
      email,
      groups: ["engineering"],
      nonce: q.get("nonce")!,
      codeChallenge: q.get("code_challenge")!,
      redirectUri: q.get("redirect_uri")!,
    });
    const callback = new URL(q.get("redirect_uri")!);
    callback.searchParams.set("code", code);
    callback.searchParams.set("state", q.get("state")!);
    return finishSso(callback, flowCookie);
  }

  it("accepts a well-formed token and refuses wrong issuer, audience, nonce, an expired token and bad signatures", async () => {
    const { tenantId, domain } = await fakeTenant();
    const ok = await viaFake(domain, "ok");
    const why = await auditRow<{ details: string }>(
      "select details from audit_events where tenant_id = ? and action = 'auth.sso_failed'",
      tenantId,
    );
    expect(ok.location, why?.details).toBe(`/t/${tenantId}`);
    for (const scenario of ["wrong-issuer", "wrong-audience", "wrong-nonce", "expired", "bad-signature", "unknown-kid"] as const) {
      const res = await viaFake(domain, scenario);
      expect(res.location, scenario).toBe("/login?error=sso_failed");
      expect(res.cookie, scenario).toBeNull();
    }
    const failures = await auditResults<{ details: string }>(
      "select details from audit_events where tenant_id = ? and action = 'auth.sso_failed' order by seq",
      tenantId,
    );
    const errors = failures.results.map((r) => JSON.parse(r.details).error as string);
    expect(errors).toHaveLength(6);
    expect(errors[0]).toMatch(/iss/);
    expect(errors[1]).toMatch(/aud/);
    expect(errors[2]).toMatch(/nonce/);
    expect(errors[3]).toMatch(/exp/);
  });

  it("follows the provider's key rotation once the cached key set is a minute old (no refetch storm before)", async () => {
    const { tenantId, domain } = await fakeTenant();
    expect((await viaFake(domain, "ok")).location).toBe(`/t/${tenantId}`);
    await fetch(`${FAKE_OIDC_ISSUER}/__rotate`, { method: "POST" });
    // Within a minute of the last fetch an unknown kid is refused rather than refetched.
    expect((await viaFake(domain, "ok")).location).toBe("/login?error=sso_failed");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 61_000);
    expect((await viaFake(domain, "ok")).location).toBe(`/t/${tenantId}`);
  });
});
