import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PBKDF2_ITERATIONS, parsePasswordHash } from "../../../../shared/crypto/password";
import { call, expectError, PASSWORD, sessionCookieOf, signup, uniqueEmail } from "../../../../../test/workers/harness";
import { auditResults } from "../../../../../test/workers/audit-view";

describe("signup, login, logout, me", () => {
  it("signs up, sets a hardened session cookie, and /v1/me answers with the user", async () => {
    const email = uniqueEmail("signup");
    const res = await call("/v1/auth/signup", { body: { email: email.toUpperCase(), password: PASSWORD, name: "Ada" } });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email, name: "Ada", isOperator: false });
    expect(res.body.user).not.toHaveProperty("passwordHash");
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    // localhost: no Secure flag, so the local stack works over plain http
    expect(setCookie).not.toMatch(/Secure/i);

    const me = await call("/v1/me", { cookie: sessionCookieOf(res) });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ principal: "user", user: { email }, memberships: [] });
  });

  it("sets Secure on the cookie when served over a real hostname", async () => {
    const { exports } = await import("cloudflare:workers");
    const res = await exports.default.fetch(
      new Request("https://api.switchboard.example/v1/auth/signup", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: uniqueEmail("secure"), password: PASSWORD, name: "S" }),
      }),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("set-cookie")).toMatch(/Secure/);
  });

  it("stores the password as PBKDF2-SHA256 at no more than the deployed Workers cap", async () => {
    const user = await signup("kdf");
    const row = await env.DB.prepare("select password_hash from users where id = ?").bind(user.id).first<{ password_hash: string }>();
    const parsed = parsePasswordHash(row!.password_hash)!;
    expect(parsed.iterations).toBe(PBKDF2_ITERATIONS);
    expect(parsed.iterations).toBeLessThanOrEqual(100_000);
    expect(parsed.salt.byteLength).toBe(16);
    expect(row!.password_hash).not.toContain(PASSWORD);
  });

  it("refuses a duplicate email with 409 email_taken", async () => {
    const user = await signup("dup");
    expectError(await call("/v1/auth/signup", { body: { email: user.email, password: PASSWORD, name: "x" } }), 409, "email_taken");
  });

  it("refuses a short password with a clear field error", async () => {
    const res = await call("/v1/auth/signup", { body: { email: uniqueEmail(), password: "short", name: "x" } });
    expectError(res, 400, "validation_failed");
    expect(res.body.error.details.issues[0]).toMatchObject({ path: "password" });
    expect(res.body.error.message).toMatch(/at least 10 characters/);
  });

  it("logs in with the right password and not with a wrong one", async () => {
    const user = await signup("login");
    const ok = await call("/v1/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(ok.status).toBe(200);
    expect(sessionCookieOf(ok)).toMatch(/^sb_session=/);
    const wrong = await call("/v1/auth/login", { body: { email: user.email, password: "not the password" } });
    expectError(wrong, 401, "invalid_credentials");
    const unknown = await call("/v1/auth/login", { body: { email: uniqueEmail("ghost"), password: PASSWORD } });
    expectError(unknown, 401, "invalid_credentials");
    // same message whether or not the account exists
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it("logout revokes the session server-side: the old cookie stops working", async () => {
    const user = await signup("logout");
    expect((await call("/v1/auth/logout", { method: "POST", cookie: user.cookie })).status).toBe(204);
    expectError(await call("/v1/me", { cookie: user.cookie }), 401, "unauthenticated");
  });

  it("logout-all revokes every session of the account", async () => {
    const user = await signup("logoutall");
    const second = sessionCookieOf(await call("/v1/auth/login", { body: { email: user.email, password: PASSWORD } }));
    const res = await call("/v1/auth/logout-all", { method: "POST", cookie: user.cookie });
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBe(2);
    expectError(await call("/v1/me", { cookie: second }), 401, "unauthenticated");
  });

  it("lists sessions and revokes one by id; another user's session id is 404", async () => {
    const user = await signup("sessions");
    const other = await signup("other");
    await call("/v1/auth/login", { body: { email: user.email, password: PASSWORD } });
    const list = await call("/v1/me/sessions", { cookie: user.cookie });
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data.filter((s: any) => s.current)).toHaveLength(1);
    const otherSession = (await call("/v1/me/sessions", { cookie: other.cookie })).body.data[0].id;
    expectError(await call(`/v1/me/sessions/${otherSession}`, { method: "DELETE", cookie: user.cookie }), 404, "not_found");
    const notCurrent = list.body.data.find((s: any) => !s.current).id;
    expect((await call(`/v1/me/sessions/${notCurrent}`, { method: "DELETE", cookie: user.cookie })).status).toBe(204);
    expect((await call("/v1/me/sessions", { cookie: user.cookie })).body.data).toHaveLength(1);
  });

  it("treats a forged, tampered or expired session cookie as signed out", async () => {
    const user = await signup("forged");
    const token = user.cookie.slice("sb_session=".length);
    const [h, p, s] = token.split(".");
    const tampered = `sb_session=${h}.${p}.${s!.slice(0, -2)}xx`;
    expectError(await call("/v1/me", { cookie: tampered }), 401, "unauthenticated");
    const { SignJWT } = await import("jose");
    const forged = await new SignJWT({ sid: "ses_x" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(user.id)
      .setIssuer("switchboard")
      .setAudience("switchboard:session")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("wrong-key-0123456789abcdef0123456789"));
    expectError(await call("/v1/me", { cookie: `sb_session=${forged}` }), 401, "unauthenticated");
    const unsigned = `${btoa(JSON.stringify({ alg: "none" })).replace(/=/g, "")}.${p}.`;
    expectError(await call("/v1/me", { cookie: `sb_session=${unsigned}` }), 401, "unauthenticated");
    // expired: the row's expiry has passed
    await env.DB.prepare("update sessions set expires_at = ? where user_id = ?")
      .bind(Date.now() - 1000, user.id)
      .run();
    expectError(await call("/v1/me", { cookie: user.cookie }), 401, "unauthenticated");
  });

  it("audits signup, login success and login failure", async () => {
    const user = await signup("audited");
    await call("/v1/auth/login", { body: { email: user.email, password: PASSWORD } });
    await call("/v1/auth/login", { body: { email: user.email, password: "wrong password!" } });
    const rows = await auditResults<{ action: string; outcome: string; severity: string }>(
      "select action, outcome, severity from audit_events where actor_name = ? order by id",
      user.email,
    );
    expect(rows.results.map((r) => r.action)).toEqual(["auth.signed_up", "auth.logged_in", "auth.login_failed"]);
    expect(rows.results[2]).toMatchObject({ outcome: "failure", severity: "warning" });
  });
});

describe("login throttling", () => {
  const login = (email: string, password: string, ip: string, cookie?: string) =>
    call("/v1/auth/login", { body: { email, password }, headers: { "cf-connecting-ip": ip, ...(cookie ? { cookie } : {}) } });
  const deviceCookieOf = (res: { headers: Headers }) => `sb_device=${/sb_device=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")![1]}`;

  it("the attack: five wrong passwords from one address lock that address out of the account, not the person", async () => {
    const user = await signup("throttle");
    for (let i = 0; i < 5; i++) expectError(await login(user.email, "wrong password", "198.51.100.7"), 401, "invalid_credentials");
    // The guessing client is refused even with the right password, with Retry-After…
    const locked = await login(user.email, PASSWORD, "198.51.100.7");
    expectError(locked, 429, "rate_limited");
    const retryAfter = Number(locked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // …while the person, signing in from anywhere else, is not (before the fix: 429 here).
    expect((await login(user.email, PASSWORD, "198.51.100.8")).status).toBe(200);
  });

  it("guessing spread over many addresses is capped for unrecognised clients; a browser that signed in before still gets in", async () => {
    const user = await signup("distributed");
    const signedIn = await login(user.email, PASSWORD, "192.0.2.1");
    expect(signedIn.status).toBe(200);
    const device = deviceCookieOf(signedIn);
    const deviceSetCookie = signedIn.headers.getSetCookie().find((c) => c.startsWith("sb_device="));
    expect(deviceSetCookie).toMatch(/HttpOnly/i);
    expect(deviceSetCookie).toMatch(/Path=\/v1\/auth/i);

    // 50 failures (the per-account cap for unrecognised clients), 5 from each of 10 addresses.
    for (let a = 0; a < 10; a++) {
      const ip = `203.0.113.${100 + a}`;
      await Promise.all(
        Array.from({ length: 5 }, async () => expectError(await login(user.email, "wrong password", ip), 401, "invalid_credentials")),
      );
    }
    // A new address without the cookie: refused, even with the right password (the protection)…
    const stranger = await login(user.email, PASSWORD, "203.0.113.200");
    expectError(stranger, 429, "rate_limited");
    expect(stranger.body.error.message).toMatch(/browser you used before|reset your password/);
    // …the person's own browser, from any address: in.
    expect((await login(user.email, PASSWORD, "203.0.113.201", device)).status).toBe(200);
    // A device cookie issued to another account vouches for nothing here.
    const other = await signup("other-device");
    const otherDevice = deviceCookieOf(await login(other.email, PASSWORD, "192.0.2.2"));
    expectError(await login(user.email, PASSWORD, "203.0.113.202", otherDevice), 429, "rate_limited");
    // A forged cookie neither.
    expectError(
      await login(user.email, PASSWORD, "203.0.113.203", `sb_device=${device.split("=")[1]!.slice(0, -2)}xx`),
      429,
      "rate_limited",
    );
  }, 60_000);

  it("a recognised browser that keeps failing is locked out itself (a stolen cookie buys no guesses); others are not", async () => {
    const user = await signup("device-fails");
    const device = deviceCookieOf(await login(user.email, PASSWORD, "192.0.2.10"));
    for (let i = 0; i < 5; i++)
      expectError(await login(user.email, "wrong password", `192.0.2.${20 + i}`, device), 401, "invalid_credentials");
    expectError(await login(user.email, PASSWORD, "192.0.2.30", device), 429, "rate_limited");
    expect((await login(user.email, PASSWORD, "192.0.2.31")).status).toBe(200);
  });

  it("a success clears its own client's failures", async () => {
    const user = await signup("clears");
    for (let i = 0; i < 4; i++) expectError(await login(user.email, "wrong password", "198.51.100.40"), 401, "invalid_credentials");
    expect((await login(user.email, PASSWORD, "198.51.100.40")).status).toBe(200);
    for (let i = 0; i < 4; i++) expectError(await login(user.email, "wrong password", "198.51.100.40"), 401, "invalid_credentials");
    expect((await login(user.email, PASSWORD, "198.51.100.40")).status).toBe(200);
  });

  it("limits attempts per source IP across accounts", async () => {
    const ip = "203.0.113.77";
    let last;
    for (let i = 0; i < 31; i++) {
      last = await call("/v1/auth/login", {
        body: { email: uniqueEmail("spray"), password: "whatever-password" },
        headers: { "cf-connecting-ip": ip },
      });
      if (last.status === 429) break;
    }
    expectError(last!, 429, "rate_limited");
    expect(last!.headers.get("retry-after")).toMatch(/^\d+$/);
    // another IP is unaffected
    const elsewhere = await call("/v1/auth/login", {
      body: { email: uniqueEmail("spray"), password: "whatever-password" },
      headers: { "cf-connecting-ip": "203.0.113.78" },
    });
    expectError(elsewhere, 401, "invalid_credentials");
    // 32 logins, each a full PBKDF2 plus an audit append (ledger commit + D1 mirror): more than the default 5 s on a busy machine.
  }, 20_000);
});
