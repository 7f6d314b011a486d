import { env } from "cloudflare:workers";
import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { decryptField } from "../../../../shared/crypto/encryption";
import { createDb } from "../../../../shared/db/client";
import { consumeTotpCode } from "../../services/totp";
import {
  call,
  createTenant,
  expectError,
  PASSWORD,
  sessionCookieOf,
  signup,
  addMember,
  type TestUser,
} from "../../../../../test/workers/harness";
import { auditResults } from "../../../../../test/workers/audit-view";

const STEP_MS = 30_000;

/** The code an authenticator app shows at `timestamp` (app defaults: SHA-1, 6 digits, 30 s). */
const codeAt = (secret: string, timestamp = Date.now()) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp });

/**
 * Waits until at least `marginMs` remain in the current 30 s step, so a code computed now is
 * still for the same step when the server checks it.
 */
async function awayFromStepEdge(marginMs = 4_000): Promise<void> {
  const left = STEP_MS - (Date.now() % STEP_MS);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 50));
}

let ipCounter = 0;
/** Each login from its own address, so the per-IP login limit does not couple the tests. */
const freshIp = () => ({ "cf-connecting-ip": `192.0.2.${(ipCounter = (ipCounter % 250) + 1)}` });

interface Enrolled extends TestUser {
  secret: string;
  recoveryCodes: string[];
}

/** Signs up and turns MFA on, enabling with the code of the previous step (the current and next stay unused). */
async function enrolled(label = "mfa"): Promise<Enrolled> {
  const user = await signup(label);
  const setup = await call("/v1/me/mfa/totp/setup", { method: "POST", cookie: user.cookie });
  expect(setup.status).toBe(200);
  await awayFromStepEdge();
  const enable = await call("/v1/me/mfa/totp/enable", {
    body: { code: codeAt(setup.body.secret, Date.now() - STEP_MS) },
    cookie: user.cookie,
  });
  expect(enable.status).toBe(200);
  return { ...user, secret: setup.body.secret, recoveryCodes: enable.body.recoveryCodes };
}

async function startLogin(user: TestUser): Promise<string> {
  const res = await call("/v1/auth/login", { body: { email: user.email, password: PASSWORD }, headers: freshIp() });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ mfaRequired: true, challengeToken: expect.any(String) });
  expect(res.headers.get("set-cookie")).toBeNull();
  return res.body.challengeToken;
}

const answer = (challengeToken: string, code: string) => call("/v1/auth/login/mfa", { body: { challengeToken, code } });

async function auditOf(userId: string) {
  const rows = await auditResults<{ action: string; severity: string; outcome: string; details: string; actor_type: string }>(
    "select action, severity, outcome, details, actor_type from audit_events where actor_id = ? or target_id = ? order by id",
    userId,
    userId,
  );
  return rows.results.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
}

describe("TOTP enrolment", () => {
  it("sets up a pending secret, stores it encrypted, and turns MFA on only with a right code", async () => {
    const user = await signup("enrol");
    expect((await call("/v1/me/mfa", { cookie: user.cookie })).body).toEqual({
      enabled: false,
      enabledAt: null,
      recoveryCodesRemaining: 0,
    });

    const setup = await call("/v1/me/mfa/totp/setup", { method: "POST", cookie: user.cookie });
    expect(setup.status).toBe(200);
    const { secret, otpauthUri } = setup.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(decodeURIComponent(otpauthUri)).toMatch(new RegExp(`^otpauth://totp/Switchboard:${user.email.replace(/[.+]/g, "\\$&")}\\?`));
    expect(Object.fromEntries(new URL(otpauthUri).searchParams)).toMatchObject({
      issuer: "Switchboard",
      secret,
      algorithm: "SHA1",
      digits: "6",
      period: "30",
    });

    const row = await env.DB.prepare("select totp_secret_enc, mfa_enabled_at from users where id = ?")
      .bind(user.id)
      .first<{ totp_secret_enc: string; mfa_enabled_at: number | null }>();
    expect(row!.totp_secret_enc).not.toContain(secret);
    expect(row!.totp_secret_enc).toMatch(/^v1\./);
    expect(await decryptField(row!.totp_secret_enc, env.DATA_ENCRYPTION_KEY, "totp")).toBe(secret);
    expect(row!.mfa_enabled_at).toBeNull();
    // still off: login needs no second factor yet
    expect((await call("/v1/me/mfa", { cookie: user.cookie })).body.enabled).toBe(false);
    expect((await call("/v1/auth/login", { body: { email: user.email, password: PASSWORD }, headers: freshIp() })).body.user.id).toBe(
      user.id,
    );

    expectError(
      await call("/v1/me/mfa/totp/enable", { body: { code: "000000" === codeAt(secret) ? "111111" : "000000" }, cookie: user.cookie }),
      401,
      "invalid_mfa_code",
    );
    const notDigits = await call("/v1/me/mfa/totp/enable", { body: { code: "12ab56" }, cookie: user.cookie });
    expectError(notDigits, 400, "validation_failed");

    await awayFromStepEdge();
    const enable = await call("/v1/me/mfa/totp/enable", { body: { code: codeAt(secret) }, cookie: user.cookie });
    expect(enable.status).toBe(200);
    const codes: string[] = enable.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    const stored = await env.DB.prepare("select code_hash from recovery_codes where user_id = ?")
      .bind(user.id)
      .all<{ code_hash: string }>();
    expect(stored.results).toHaveLength(10);
    expect(JSON.stringify(stored.results)).not.toContain(codes[0]);

    const status = await call("/v1/me/mfa", { cookie: user.cookie });
    expect(status.body).toMatchObject({ enabled: true, recoveryCodesRemaining: 10 });
    expect(Date.parse(status.body.enabledAt)).toBeGreaterThan(Date.now() - 60_000);

    expectError(await call("/v1/me/mfa/totp/setup", { method: "POST", cookie: user.cookie }), 409, "conflict");
    expectError(await call("/v1/me/mfa/totp/enable", { body: { code: codeAt(secret) }, cookie: user.cookie }), 409, "conflict");
  });

  it("setup again before enabling replaces the pending secret; the old one no longer enables", async () => {
    const user = await signup("resetup");
    const first = (await call("/v1/me/mfa/totp/setup", { method: "POST", cookie: user.cookie })).body.secret;
    const second = (await call("/v1/me/mfa/totp/setup", { method: "POST", cookie: user.cookie })).body.secret;
    expect(second).not.toBe(first);
    await awayFromStepEdge();
    expectError(await call("/v1/me/mfa/totp/enable", { body: { code: codeAt(first) }, cookie: user.cookie }), 401, "invalid_mfa_code");
    expect((await call("/v1/me/mfa/totp/enable", { body: { code: codeAt(second) }, cookie: user.cookie })).status).toBe(200);
  });

  it("refuses to enable before setup", async () => {
    const user = await signup("nosetup");
    expectError(await call("/v1/me/mfa/totp/enable", { body: { code: "123456" }, cookie: user.cookie }), 409, "conflict");
  });

  it("is for signed-in people: no session is 401", async () => {
    expectError(await call("/v1/me/mfa"), 401, "unauthenticated");
    expectError(await call("/v1/me/mfa/totp/setup", { method: "POST" }), 401, "unauthenticated");
  });

  it("audits setup and enable", async () => {
    const user = await enrolled("audenrol");
    const actions = (await auditOf(user.id)).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(["mfa.setup_started", "mfa.enabled"]));
  });
});

describe("login with MFA", () => {
  it("answers a challenge instead of a session, counts a wrong code, and signs in with the right one", async () => {
    const user = await enrolled("login");
    const token = await startLogin(user);
    // the challenge token is not a session
    expectError(await call("/v1/me", { cookie: `sb_session=${token}` }), 401, "unauthenticated");

    await awayFromStepEdge();
    const wrongCode = codeAt(user.secret) === "000000" ? "111111" : "000000";
    const wrong = await answer(token, wrongCode);
    expectError(wrong, 401, "invalid_mfa_code");
    expect(wrong.body.error.details).toEqual({ attemptsRemaining: 4 });
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const attempts = await env.DB.prepare("select attempts from mfa_challenges where user_id = ?")
      .bind(user.id)
      .first<{ attempts: number }>();
    expect(attempts!.attempts).toBe(1);

    const ok = await answer(token, codeAt(user.secret));
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ id: user.id, email: user.email });
    const cookie = sessionCookieOf(ok);
    expect((await call("/v1/me", { cookie })).body.user.id).toBe(user.id);

    // a used challenge is dead, even with another valid factor
    const reused = await answer(token, user.recoveryCodes[0]!);
    expectError(reused, 401, "unauthenticated");
    expect(reused.body.error.message).toMatch(/log in again/i);

    const rows = await auditOf(user.id);
    const tail = rows.filter((r) => r.action.startsWith("auth.")).map((r) => r.action);
    expect(tail.slice(-3)).toEqual(["auth.mfa_challenged", "auth.mfa_failed", "auth.logged_in"]);
    expect(rows.find((r) => r.action === "auth.mfa_failed")).toMatchObject({
      severity: "warning",
      outcome: "failure",
      details: { purpose: "login" },
    });
    expect(rows.at(-1)!.details).toEqual({ mfa: "totp", requestId: expect.stringMatching(/^req_/) });
  });

  it("documents the login answer as either a user or an MFA challenge", async () => {
    const doc = (await call("/openapi.json")).body;
    expect(doc.paths["/v1/auth/login"].post.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/LoginResult",
    });
    const variants = doc.components.schemas.LoginResult.anyOf.map((v: { $ref: string }) => v.$ref);
    expect(variants).toEqual(["#/components/schemas/UserEnvelope", "#/components/schemas/MfaChallengeIssued"]);
    expect(doc.paths["/v1/auth/login/mfa"].post["x-access"]).toBe("public");
  });

  it("refuses the code that enabled MFA, and any code for a step already used (no replay)", async () => {
    const user = await signup("replay");
    const secret = (await call("/v1/me/mfa/totp/setup", { method: "POST", cookie: user.cookie })).body.secret;
    await awayFromStepEdge(8_000);
    const now = codeAt(secret);
    expect((await call("/v1/me/mfa/totp/enable", { body: { code: now }, cookie: user.cookie })).status).toBe(200);
    // the enabling code's step is spent
    expectError(await answer(await startLogin(user), now), 401, "invalid_mfa_code");
    // so is the step before it
    expectError(await answer(await startLogin(user), codeAt(secret, Date.now() - STEP_MS)), 401, "invalid_mfa_code");
    // the next step is fresh; once used, a second challenge cannot reuse it
    const next = codeAt(secret, Date.now() + STEP_MS);
    expect((await answer(await startLogin(user), next)).status).toBe(200);
    expectError(await answer(await startLogin(user), next), 401, "invalid_mfa_code");
  });

  it("lets only one of two concurrent sign-ins with the same code through", async () => {
    const user = await enrolled("race");
    const [a, b] = [await startLogin(user), await startLogin(user)];
    await awayFromStepEdge();
    const code = codeAt(user.secret);
    const results = await Promise.all([answer(a, code), answer(b, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("records a step with one conditional UPDATE: of many simultaneous checks of one code, exactly one passes", async () => {
    const user = await enrolled("race-unit");
    const row = await env.DB.prepare("select id, totp_secret_enc as totpSecretEnc from users where id = ?")
      .bind(user.id)
      .first<{ id: string; totpSecretEnc: string }>();
    await awayFromStepEdge();
    const code = codeAt(user.secret);
    const db = createDb(env.DB);
    const results = await Promise.all(Array.from({ length: 8 }, () => consumeTotpCode(db, env, row!, code)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("accepts the previous step (clock drift) but not two steps back or ahead", async () => {
    const user = await enrolled("window");
    // start from a clean slate so only the window decides
    await env.DB.prepare("update users set totp_last_step = null where id = ?").bind(user.id).run();
    await awayFromStepEdge();
    const t = Date.now();
    const token = await startLogin(user);
    expectError(await answer(token, codeAt(user.secret, t - 2 * STEP_MS)), 401, "invalid_mfa_code");
    expectError(await answer(token, codeAt(user.secret, t + 2 * STEP_MS)), 401, "invalid_mfa_code");
    expect((await answer(token, codeAt(user.secret, t - STEP_MS))).status).toBe(200);
  });

  it("kills a challenge after 5 wrong codes: even the right code then needs a new login", async () => {
    const user = await enrolled("fivewrong");
    const token = await startLogin(user);
    await awayFromStepEdge();
    const right = codeAt(user.secret);
    const wrongCode = right === "000000" ? "111111" : "000000";
    for (let remaining = 4; remaining >= 0; remaining--) {
      const res = await answer(token, wrongCode);
      expectError(res, 401, "invalid_mfa_code");
      expect(res.body.error.details.attemptsRemaining).toBe(remaining);
    }
    const dead = await answer(token, right);
    expectError(dead, 401, "unauthenticated");
    expect(dead.body.error.message).toMatch(/log in again/i);
    // a new login works
    expect((await answer(await startLogin(user), right)).status).toBe(200);
  });

  it("refuses an expired challenge", async () => {
    const user = await enrolled("expired");
    const token = await startLogin(user);
    await env.DB.prepare("update mfa_challenges set expires_at = ? where user_id = ?")
      .bind(Date.now() - 1, user.id)
      .run();
    await awayFromStepEdge();
    expectError(await answer(token, codeAt(user.secret)), 401, "unauthenticated");
    expectError(await answer("not-a-challenge", codeAt(user.secret)), 401, "unauthenticated");
  });

  it("locks the account's MFA after 10 wrong codes across challenges (429), so new challenges buy no guesses", async () => {
    const user = await enrolled("mfalock");
    await awayFromStepEdge();
    const wrongCode = codeAt(user.secret) === "000000" ? "111111" : "000000";
    for (let challenge = 0; challenge < 2; challenge++) {
      const token = await startLogin(user);
      for (let i = 0; i < 5; i++) expectError(await answer(token, wrongCode), 401, "invalid_mfa_code");
    }
    const locked = await answer(await startLogin(user), codeAt(user.secret));
    expectError(locked, 429, "rate_limited");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("signs in with a recovery code once; the same code then fails", async () => {
    const user = await enrolled("recovery");
    const [code] = user.recoveryCodes;
    // forgiving about case and dashes
    const typed = code!.replace(/-/g, "").toUpperCase();
    const ok = await answer(await startLogin(user), typed);
    expect(ok.status).toBe(200);
    expect((await call("/v1/me/mfa", { cookie: sessionCookieOf(ok) })).body.recoveryCodesRemaining).toBe(9);
    expectError(await answer(await startLogin(user), code!), 401, "invalid_mfa_code");
    // another user's code is not yours
    const other = await enrolled("recovery-other");
    expectError(await answer(await startLogin(user), other.recoveryCodes[0]!), 401, "invalid_mfa_code");

    const rows = await auditOf(user.id);
    expect(rows.find((r) => r.action === "auth.recovery_code_used")).toMatchObject({
      severity: "warning",
      details: { purpose: "login", remaining: 9 },
    });
    expect(rows.filter((r) => r.action === "auth.logged_in").at(-1)!.details).toEqual({
      mfa: "recovery_code",
      requestId: expect.stringMatching(/^req_/),
    });
  });
});

describe("recovery codes and disabling MFA", () => {
  it("regenerates codes with a current TOTP code: old codes stop working, new ones work", async () => {
    const user = await enrolled("regen");
    expectError(
      await call("/v1/me/mfa/recovery-codes", { body: { code: "zzzz-zzzz-zzzz" }, cookie: user.cookie }),
      401,
      "invalid_mfa_code",
    );
    await awayFromStepEdge();
    const res = await call("/v1/me/mfa/recovery-codes", { body: { code: codeAt(user.secret) }, cookie: user.cookie });
    expect(res.status).toBe(200);
    const fresh: string[] = res.body.recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => user.recoveryCodes.includes(c))).toBe(false);
    expect((await call("/v1/me/mfa", { cookie: user.cookie })).body.recoveryCodesRemaining).toBe(10);
    expectError(await answer(await startLogin(user), user.recoveryCodes[1]!), 401, "invalid_mfa_code");
    expect((await answer(await startLogin(user), fresh[0]!)).status).toBe(200);
    expect((await auditOf(user.id)).map((r) => r.action)).toContain("mfa.recovery_codes_regenerated");
  });

  it("disables MFA with a recovery code: secret and codes are gone and login needs no second factor", async () => {
    const user = await enrolled("disable");
    expectError(await call("/v1/me/mfa/disable", { body: { code: "abcd-efgh-ijkm" }, cookie: user.cookie }), 401, "invalid_mfa_code");
    expect((await call("/v1/me/mfa", { cookie: user.cookie })).body.enabled).toBe(true);

    const res = await call("/v1/me/mfa/disable", { body: { code: user.recoveryCodes[2]! }, cookie: user.cookie });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ enabled: false, enabledAt: null, recoveryCodesRemaining: 0 });
    const row = await env.DB.prepare("select totp_secret_enc, mfa_enabled_at from users where id = ?").bind(user.id).first();
    expect(row).toEqual({ totp_secret_enc: null, mfa_enabled_at: null });
    const codes = await env.DB.prepare("select count(*) as n from recovery_codes where user_id = ?").bind(user.id).first<{ n: number }>();
    expect(codes!.n).toBe(0);

    const login = await call("/v1/auth/login", { body: { email: user.email, password: PASSWORD }, headers: freshIp() });
    expect(login.body.user.id).toBe(user.id);
    expectError(await call("/v1/me/mfa/disable", { body: { code: user.recoveryCodes[3]! }, cookie: user.cookie }), 409, "conflict");

    const rows = await auditOf(user.id);
    expect(rows.find((r) => r.action === "mfa.disabled")).toMatchObject({
      severity: "warning",
      details: { verifiedWith: "recovery_code" },
    });
    expect(rows.find((r) => r.action === "auth.recovery_code_used")).toMatchObject({ details: { purpose: "disable" } });
  });

  it("disables MFA with a current TOTP code", async () => {
    const user = await enrolled("disable-totp");
    await awayFromStepEdge();
    expect((await call("/v1/me/mfa/disable", { body: { code: codeAt(user.secret) }, cookie: user.cookie })).status).toBe(200);
  });
});

describe("tenant requires MFA", () => {
  it("refuses to require MFA (409) when the acting owner has none, on update and on create", async () => {
    const owner = await signup("nomfa-owner");
    const tenantId = await createTenant(owner);
    const res = await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { config: { requireMfa: true } }, cookie: owner.cookie });
    expectError(res, 409, "conflict");
    expect(res.body.error.message).toMatch(/MFA/);
    expect((await call(`/v1/tenants/${tenantId}`, { cookie: owner.cookie })).body.tenant.config.requireMfa).toBe(false);
    expectError(
      await call("/v1/tenants", { body: { name: "strict", config: { requireMfa: true } }, cookie: owner.cookie }),
      409,
      "conflict",
    );
  });

  it("answers 403 mfa_required to members without MFA, lets them in once enrolled, and leaves API keys alone", async () => {
    const owner = await enrolled("strict-owner");
    const tenantId = await createTenant(owner);
    const key = await call(`/v1/tenants/${tenantId}/api-keys`, {
      body: { name: "ci", scopes: ["tenant:read", "agents:read"] },
      cookie: owner.cookie,
    });
    expect(key.status).toBe(201);
    const member = await addMember(tenantId, "member");

    const patch = await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { config: { requireMfa: true } }, cookie: owner.cookie });
    expect(patch.status).toBe(200);
    expect(patch.body.tenant.config.requireMfa).toBe(true);

    for (const path of [`/v1/tenants/${tenantId}`, `/v1/tenants/${tenantId}/agents`]) {
      const res = await call(path, { cookie: member.cookie });
      expectError(res, 403, "mfa_required");
      expect(res.body.error.message).toMatch(/account security/);
    }
    // not a member at all: still 404, the requirement does not reveal the tenant
    const stranger = await signup("stranger");
    expectError(await call(`/v1/tenants/${tenantId}`, { cookie: stranger.cookie }), 404, "not_found");
    // routes outside the tenant keep working, so the member can fix it
    expect((await call("/v1/me", { cookie: member.cookie })).status).toBe(200);
    const setup = await call("/v1/me/mfa/totp/setup", { method: "POST", cookie: member.cookie });
    await awayFromStepEdge();
    expect((await call("/v1/me/mfa/totp/enable", { body: { code: codeAt(setup.body.secret) }, cookie: member.cookie })).status).toBe(200);
    expect((await call(`/v1/tenants/${tenantId}`, { cookie: member.cookie })).status).toBe(200);
    expect((await call(`/v1/tenants/${tenantId}`, { cookie: owner.cookie })).status).toBe(200);

    expect((await call(`/v1/tenants/${tenantId}`, { apiKey: key.body.key })).status).toBe(200);
    expect((await call(`/v1/tenants/${tenantId}/agents`, { apiKey: key.body.key })).status).toBe(200);
  });
});
