import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FAKE_RESEND_KEY } from "../../../../../test/workers/fake-mail-provider";
import { call, expectError, PASSWORD, sessionCookieOf, signup, uniqueEmail } from "../../../../../test/workers/harness";
import { auditResults, auditRow } from "../../../../../test/workers/audit-view";

const NEW_PASSWORD = "a completely new passphrase";

let ipCounter = 0;
/** Each request from its own address, so the per-IP limits do not couple the tests. */
const freshIp = () => ({ "cf-connecting-ip": `198.18.0.${(ipCounter = (ipCounter % 250) + 1)}` });

const forgot = (email: string, headers: Record<string, string> = {}) =>
  call("/v1/auth/password/forgot", { body: { email }, headers: { ...freshIp(), ...headers } });
const reset = (token: string, password = NEW_PASSWORD) => call("/v1/auth/password/reset", { body: { token, password } });
const login = (email: string, password: string) => call("/v1/auth/login", { body: { email, password }, headers: freshIp() });

interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** The mail is sent after the 202 (so timing does not reveal accounts): wait for it. */
async function mailTo(email: string, count = 1): Promise<Mail[]> {
  for (let i = 0; i < 100; i++) {
    const rows = await env.DB.prepare("select `to`, subject, text from dev_outbox where `to` = ? order by id").bind(email).all<Mail>();
    if (rows.results.length >= count) return rows.results;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no mail to ${email}`);
}

const tokenIn = (mail: Mail) => {
  const match = /\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match) throw new Error(`no reset link in: ${mail.text}`);
  return match[1]!;
};

async function auditActions(userId: string) {
  const rows = await auditResults<{ action: string; actor_type: string; severity: string }>(
    "select action, actor_type, severity from audit_events where target_id = ? order by id",
    userId,
  );
  return rows.results;
}

async function auditActionsOnceThere(userId: string, action: string) {
  for (let i = 0; i < 100; i++) {
    const rows = await auditActions(userId);
    if (rows.some((r) => r.action === action)) return rows;
    await new Promise((r) => setTimeout(r, 20));
  }
  return auditActions(userId);
}

describe("forgot password", () => {
  it("answers 202 alike for unknown and real addresses; only a real one gets a mail and a token", async () => {
    const ghost = uniqueEmail("ghost");
    const user = await signup("forgot");
    const unknown = await forgot(ghost);
    const known = await forgot(user.email);
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(unknown.body).toEqual(known.body);

    const [mail] = await mailTo(user.email);
    expect(mail!.subject).toMatch(/reset/i);
    expect(mail!.text).toContain("http://localhost:8787/reset-password?token=");
    // the unknown address was asked first, and the real one's mail has arrived: nothing for the ghost
    expect((await env.DB.prepare("select count(*) as n from dev_outbox where `to` = ?").bind(ghost).first<{ n: number }>())!.n).toBe(0);
    const tokens = await env.DB.prepare("select token_hash, expires_at, created_at from password_reset_tokens where user_id = ?")
      .bind(user.id)
      .all<{ token_hash: string; expires_at: number; created_at: number }>();
    expect(tokens.results).toHaveLength(1);
    expect(tokens.results[0]!.token_hash).not.toBe(tokenIn(mail!));
    expect(tokens.results[0]!.expires_at - tokens.results[0]!.created_at).toBe(30 * 60 * 1000);

    // Audited after the mail is sent, still after the 202: wait for it like for the mail.
    expect(await auditActionsOnceThere(user.id, "auth.password_reset_requested")).toContainEqual({
      action: "auth.password_reset_requested",
      actor_type: "anonymous",
      severity: "info",
    });
    expect(
      (await auditRow<{ n: number }>(
        "select count(*) as n from audit_events where action = 'auth.password_reset_requested' and actor_name = ?",
        ghost,
      ))!.n,
    ).toBe(0);
  });

  it("points the link at the dashboard the request came from, if it is one of ours", async () => {
    const user = await signup("origin");
    await forgot(user.email, { origin: "http://localhost:5173" });
    expect((await mailTo(user.email))[0]!.text).toContain("http://localhost:5173/reset-password?token=");
    const other = await signup("origin-evil");
    await forgot(other.email, { origin: "https://evil.example" });
    expect((await mailTo(other.email))[0]!.text).toContain("http://localhost:8787/reset-password?token=");
  });

  it("throttles per address whether or not it has an account (429 with Retry-After)", async () => {
    for (const email of [uniqueEmail("spam"), (await signup("spam")).email]) {
      for (let i = 0; i < 3; i++) expect((await forgot(email)).status).toBe(202);
      const limited = await forgot(email);
      expectError(limited, 429, "rate_limited");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });

  it("throttles per source address", async () => {
    const ip = { "cf-connecting-ip": "198.19.7.7" };
    for (let i = 0; i < 10; i++) expect((await forgot(uniqueEmail("ip"), ip)).status).toBe(202);
    expectError(await forgot(uniqueEmail("ip"), ip), 429, "rate_limited");
  });

  it("validates the address", async () => {
    expectError(await forgot("not an email"), 400, "validation_failed");
  });
});

describe("reset password", () => {
  it("sets the new password, verifies the email, revokes every session, and does not sign in", async () => {
    const user = await signup("reset");
    const second = sessionCookieOf(await login(user.email, PASSWORD));
    await forgot(user.email);
    const token = tokenIn((await mailTo(user.email))[0]!);

    const res = await reset(token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers.get("set-cookie")).toBeNull();

    expectError(await call("/v1/me", { cookie: user.cookie }), 401, "unauthenticated");
    expectError(await call("/v1/me", { cookie: second }), 401, "unauthenticated");
    expectError(await login(user.email, PASSWORD), 401, "invalid_credentials");
    expect((await login(user.email, NEW_PASSWORD)).body.user.id).toBe(user.id);

    const row = await env.DB.prepare("select email_verified_at from users where id = ?")
      .bind(user.id)
      .first<{ email_verified_at: number | null }>();
    expect(row!.email_verified_at).toBeGreaterThan(Date.now() - 60_000);

    const reused = await reset(token, "yet another passphrase");
    expectError(reused, 410, "token_expired");
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);

    expect(await auditActions(user.id)).toContainEqual({ action: "auth.password_reset", actor_type: "user", severity: "warning" });
  });

  it("refuses an expired or unknown token with 410 token_expired", async () => {
    const user = await signup("expired");
    await forgot(user.email);
    const token = tokenIn((await mailTo(user.email))[0]!);
    await env.DB.prepare("update password_reset_tokens set expires_at = ? where user_id = ?")
      .bind(Date.now() - 1, user.id)
      .run();
    expectError(await reset(token), 410, "token_expired");
    expectError(await reset("no-such-token"), 410, "token_expired");
    expect((await login(user.email, PASSWORD)).status).toBe(200);
  });

  it("voids the account's other outstanding links once one is used", async () => {
    const user = await signup("twolinks");
    await forgot(user.email);
    await forgot(user.email);
    const [first, second] = (await mailTo(user.email, 2)).map(tokenIn);
    expect((await reset(second!)).status).toBe(200);
    expectError(await reset(first!, "sneaky other passphrase"), 410, "token_expired");
  });

  it("lets only one of two simultaneous resets with the same token through", async () => {
    const user = await signup("racereset");
    await forgot(user.email);
    const token = tokenIn((await mailTo(user.email))[0]!);
    const results = await Promise.all([reset(token, "first racing passphrase"), reset(token, "second racing passphrase")]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
  });

  it("does not bypass MFA: after a reset, logging in still asks for the second factor", async () => {
    const user = await signup("resetmfa");
    await env.DB.prepare("update users set mfa_enabled_at = ? where id = ?").bind(Date.now(), user.id).run();
    await forgot(user.email);
    expect((await reset(tokenIn((await mailTo(user.email))[0]!))).status).toBe(200);
    const res = await login(user.email, NEW_PASSWORD);
    expect(res.body).toMatchObject({ mfaRequired: true });
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("applies the password rules", async () => {
    const res = await reset("whatever", "short");
    expectError(res, 400, "validation_failed");
    expect(res.body.error.details.issues[0]).toMatchObject({ path: "password" });
  });
});

describe("forgot password: what the answer says about mail", () => {
  const production = { ENVIRONMENT: "production" };
  const withProvider = { ...production, RESEND_API_KEY: FAKE_RESEND_KEY, MAIL_FROM: "Switchboard <no-reply@mail.switchboard.test>" };

  it("locally (dev outbox) says dev_outbox", async () => {
    const user = await signup("says-outbox");
    const res = await forgot(user.email);
    expect(res.body).toEqual({ ok: true, mailDelivery: "dev_outbox" });
  });

  it("in production without a mail provider says not_configured, mails nobody and makes no token", async () => {
    const user = await signup("says-nothing");
    const res = await call("/v1/auth/password/forgot", { body: { email: user.email }, headers: freshIp(), env: production });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true, mailDelivery: "not_configured" });
    const tokens = await env.DB.prepare("select count(*) as n from password_reset_tokens where user_id = ?")
      .bind(user.id)
      .first<{ n: number }>();
    expect(tokens!.n).toBe(0);
    expect((await env.DB.prepare("select count(*) as n from dev_outbox where `to` = ?").bind(user.email).first<{ n: number }>())!.n).toBe(
      0,
    );
  });

  it("in production with the provider: mails the link through it (once per request, idempotently) and says email; the link works", async () => {
    const user = await signup("says-email");
    const ghost = uniqueEmail("ghost-email");
    const known = await call("/v1/auth/password/forgot", { body: { email: user.email }, headers: freshIp(), env: withProvider });
    const unknown = await call("/v1/auth/password/forgot", { body: { email: ghost }, headers: freshIp(), env: withProvider });
    expect(known.body).toEqual({ ok: true, mailDelivery: "email" });
    expect(unknown.body).toEqual(known.body);
    const sent = (await (await fetch(`https://api.resend.com/__recorded?to=${encodeURIComponent(user.email)}`)).json()) as {
      accepted: { subject: string; text: string; idempotencyKey: string }[];
    };
    expect(sent.accepted).toHaveLength(1);
    expect(sent.accepted[0]!.idempotencyKey).toMatch(/^password-reset\/pwr_/);
    const token = tokenIn({ to: user.email, ...sent.accepted[0]! });
    expect((await reset(token)).status).toBe(200);
    const ghostSent = (await (await fetch(`https://api.resend.com/__recorded?to=${encodeURIComponent(ghost)}`)).json()) as {
      attempts: number;
    };
    expect(ghostSent.attempts).toBe(0);
  });
});
