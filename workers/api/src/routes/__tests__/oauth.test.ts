/**
 * OAuth sign-in through the real Worker, with GitHub and Google impersonated at the Workers
 * runtime's outbound fetch (test/workers/fake-oauth-providers.ts via Miniflare's outboundService):
 * arctic and our profile fetch really call out, and the fake checks client secret, redirect URI
 * and PKCE the way the providers do. Each test picks the provider's behaviour through the code.
 */
import { env, exports } from "cloudflare:workers";
import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import {
  BASE,
  call,
  createTenant,
  expectError,
  sessionCookieOf,
  signup,
  uniqueEmail,
  type CallResult,
} from "../../../../../test/workers/harness";
import { OIDC_TEST_CLIENTS } from "../../../../../test/workers/oidc-clients";
import { putSso } from "../../../../../test/workers/sso-harness";
import {
  fakeAuthorizationCode,
  type FakeIdentity,
  type GitHubScenario,
  type GoogleScenario,
} from "../../../../../test/workers/fake-oauth-providers";
import { OAUTH_COOKIE_PATH, safeRedirectPath } from "../../services/oauth/flow";
import { configuredProviders } from "../../services/oauth/providers";
import { auditResults } from "../../../../../test/workers/audit-view";

type Provider = "github" | "google";
type Scenario<P extends Provider> = P extends "github" ? GitHubScenario : GoogleScenario;

/** A browser navigation: a GET whose redirect is returned, not followed (the harness's `call` follows it). */
async function navigate(path: string, cookie?: string): Promise<CallResult> {
  const res = await exports.default.fetch(new Request(`${BASE}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} }));
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}

let idCounter = 0;
function identity(label: string, email = uniqueEmail(label)): FakeIdentity {
  idCounter += 1;
  // GitHub ids are numbers; unique per test because D1 is shared by the whole file.
  return { id: String(Date.now() % 1e9) + String(idCounter).padStart(4, "0"), email, name: `${label} person` };
}

/** The cookies a response set, as a Cookie header (deletions dropped). */
function cookiesOf(res: { headers: Headers }): string {
  return res.headers
    .getSetCookie()
    .filter((c) => !/max-age=0/i.test(c))
    .map((c) => c.split(";")[0]!)
    .join("; ");
}

function setCookie(res: { headers: Headers }, name: string): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

async function start(provider: Provider, query = "") {
  const res = await navigate(`/v1/auth/oauth/${provider}/start${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(302);
  return { res, authorizeUrl: new URL(res.headers.get("location")!), cookies: cookiesOf(res) };
}

/** What the provider does after consent: redirect back with a code it will later recognise. */
function providerRedirect<P extends Provider>(
  provider: P,
  authorizeUrl: URL,
  scenario: Scenario<P>,
  who: FakeIdentity,
  codeChallenge = authorizeUrl.searchParams.get("code_challenge")!,
) {
  const code = fakeAuthorizationCode({
    provider,
    scenario,
    identity: who,
    codeChallenge,
    redirectUri: authorizeUrl.searchParams.get("redirect_uri")!,
  } as never);
  return `/v1/auth/oauth/${provider}/callback?${new URLSearchParams({ code, state: authorizeUrl.searchParams.get("state")!, scope: "extra-provider-param" })}`;
}

/** A whole round trip: start → provider → callback. */
async function signInWith<P extends Provider>(
  provider: P,
  scenario: Scenario<P>,
  who: FakeIdentity,
  options: { redirectTo?: string; sessionCookie?: string } = {},
) {
  const { authorizeUrl, cookies } = await start(
    provider,
    options.redirectTo === undefined ? "" : `?redirectTo=${encodeURIComponent(options.redirectTo)}`,
  );
  return navigate(providerRedirect(provider, authorizeUrl, scenario, who), [cookies, options.sessionCookie].filter(Boolean).join("; "));
}

function location(res: CallResult): string {
  return res.headers.get("location") ?? "";
}

async function userByEmail(email: string) {
  return env.DB.prepare("select id, email, name, password_hash, email_verified_at from users where email = ?")
    .bind(email)
    .first<{ id: string; email: string; name: string; password_hash: string | null; email_verified_at: number | null }>();
}

async function oauthRows(userId: string) {
  return (
    await env.DB.prepare("select provider, provider_user_id, email from oauth_accounts where user_id = ? order by provider")
      .bind(userId)
      .all<{ provider: string; provider_user_id: string; email: string }>()
  ).results;
}

async function auditRows(action: string, predicate: (details: Record<string, unknown>) => boolean = () => true) {
  const { results } = await auditResults<{
    actor_id: string | null;
    target_type: string | null;
    target_id: string | null;
    severity: string;
    outcome: string;
    details: string;
  }>("select actor_id, target_type, target_id, severity, outcome, details from audit_events where action = ?", action);
  return results.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> })).filter((r) => predicate(r.details));
}

async function markEmailVerified(userId: string) {
  await env.DB.prepare("update users set email_verified_at = ? where id = ?").bind(Date.now(), userId).run();
}

describe("provider list", () => {
  it("lists the providers whose client id and secret are both set", async () => {
    const res = await call("/v1/auth/oauth/providers");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        { id: "github", name: "GitHub" },
        { id: "google", name: "Google" },
      ],
    });
  });

  it("leaves out a provider with a missing or blank secret", () => {
    expect(configuredProviders({ ...env, GITHUB_CLIENT_SECRET: "" })).toEqual(["google"]);
    expect(configuredProviders({ ...env, GOOGLE_CLIENT_ID: "  " })).toEqual(["github"]);
  });
});

describe("start", () => {
  it("redirects to Google with state and an S256 PKCE challenge, and keeps the secrets in HttpOnly cookies", async () => {
    const { res, authorizeUrl } = await start("google", "?redirectTo=%2Ftenants%2Fabc%3Ftab%3Dagents");
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    const q = authorizeUrl.searchParams;
    expect(q.get("client_id")).toBe(env.GOOGLE_CLIENT_ID);
    expect(q.get("redirect_uri")).toBe("http://localhost:8787/v1/auth/oauth/google/callback");
    expect(q.get("response_type")).toBe("code");
    expect(q.get("scope")!.split(" ")).toEqual(expect.arrayContaining(["openid", "email"]));
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("state")!.length).toBeGreaterThanOrEqual(32);

    for (const name of ["sb_oauth_state", "sb_oauth_verifier", "sb_oauth_redirect"]) {
      const cookie = setCookie(res, name);
      expect(cookie, name).toBeDefined();
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toContain(`Path=${OAUTH_COOKIE_PATH}`);
      expect(cookie).toMatch(/Max-Age=600/);
    }
    expect(setCookie(res, "sb_oauth_state")).toContain(`sb_oauth_state=${q.get("state")}`);
    // The verifier is in the cookie, only its hash in the URL.
    const verifier = /sb_oauth_verifier=([^;]+)/.exec(setCookie(res, "sb_oauth_verifier")!)![1]!;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    expect(
      btoa(String.fromCharCode(...digest))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, ""),
    ).toBe(q.get("code_challenge"));
    expect(authorizeUrl.toString()).not.toContain(verifier);
  });

  it("redirects to GitHub with PKCE too, asking for the email scope", async () => {
    const { authorizeUrl } = await start("github");
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe("https://github.com/login/oauth/authorize");
    expect(authorizeUrl.searchParams.get("client_id")).toBe(env.GITHUB_CLIENT_ID);
    expect(authorizeUrl.searchParams.get("redirect_uri")).toBe("http://localhost:8787/v1/auth/oauth/github/callback");
    expect(authorizeUrl.searchParams.get("scope")).toContain("user:email");
    expect(authorizeUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizeUrl.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("uses the request's origin for the redirect URI and marks the cookies Secure off localhost", async () => {
    const res = await exports.default.fetch(
      new Request("https://switchboard.example.com/v1/auth/oauth/github/start", { redirect: "manual" }),
    );
    expect(new URL(res.headers.get("location")!).searchParams.get("redirect_uri")).toBe(
      "https://switchboard.example.com/v1/auth/oauth/github/callback",
    );
    expect(setCookie(res, "sb_oauth_state")).toMatch(/Secure/);
  });

  it("answers 404 for an unknown provider", async () => {
    expectError(await navigate("/v1/auth/oauth/gitlab/start"), 404, "not_found");
    expectError(await navigate("/v1/auth/oauth/gitlab/callback?code=x&state=y"), 404, "not_found");
    expectError(await navigate("/v1/auth/oauth/__proto__/start"), 404, "not_found");
  });
});

describe("open-redirect guard", () => {
  it.each(["https://evil.example", "//evil.example", "/\\evil.example", "/\t/evil.example", "evil.example", "javascript:alert(1)"])(
    "ignores redirectTo=%j",
    async (target) => {
      const { res } = await start("github", `?redirectTo=${encodeURIComponent(target)}`);
      expect(setCookie(res, "sb_oauth_redirect") ?? "").toMatch(/Max-Age=0/i);
      expect(safeRedirectPath(target)).toBeNull();
    },
  );

  it("keeps a same-origin path with its query", () => {
    expect(safeRedirectPath("/tenants/ten_1/agents?tab=new#top")).toBe("/tenants/ten_1/agents?tab=new#top");
  });

  it("lands on / after signing in when redirectTo pointed elsewhere", async () => {
    const res = await signInWith("github", "verified-primary", identity("redirect"), { redirectTo: "//evil.example/steal" });
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/");
  });
});

describe("callback", () => {
  it("refuses a state that does not match the cookie, and a missing cookie, with 400", async () => {
    const { authorizeUrl, cookies } = await start("github");
    const path = providerRedirect("github", authorizeUrl, "verified-primary", identity("state"));
    const forged = path.replace(/state=[^&]+/, "state=attacker-state");
    expectError(await navigate(forged, cookies), 400, "bad_request");
    // Login CSRF: the attacker's own code and state, replayed into a browser without the flow's cookies.
    const noCookie = await navigate(path);
    expectError(noCookie, 400, "bad_request");
    expect(noCookie.body.error.message).toMatch(/Start signing in again/);
    expect(noCookie.headers.getSetCookie().some((c) => c.startsWith("sb_session="))).toBe(false);
    expect((await auditRows("auth.oauth_failed", (d) => d.reason === "state_mismatch")).length).toBeGreaterThanOrEqual(2);
  });

  it("cannot be replayed: the flow cookies are cleared after one use", async () => {
    const who = identity("replay");
    const { authorizeUrl, cookies } = await start("github");
    const path = providerRedirect("github", authorizeUrl, "verified-primary", who);
    const first = await navigate(path, cookies);
    expect(first.status).toBe(302);
    for (const name of ["sb_oauth_state", "sb_oauth_verifier", "sb_oauth_redirect"]) expect(setCookie(first, name)).toMatch(/Max-Age=0/i);
    const replay = await navigate(path, cookiesOf(first));
    expectError(replay, 400, "bad_request");
  });

  it("sends a provider error (the person declined) to the login page, keeping where they were going", async () => {
    const { authorizeUrl, cookies } = await start("google", "?redirectTo=%2Ft%2Ften_1%2Fagents");
    const res = await navigate(
      `/v1/auth/oauth/google/callback?error=access_denied&state=${authorizeUrl.searchParams.get("state")}`,
      cookies,
    );
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/login?next=%2Ft%2Ften_1%2Fagents&error=oauth_denied");
    expect((await navigate("/v1/auth/oauth/google/callback?error=access_denied")).headers.get("location")).toBe(
      "/login?error=oauth_denied",
    );
    expect(res.headers.getSetCookie().some((c) => c.startsWith("sb_session="))).toBe(false);
    expect(await auditRows("auth.oauth_failed", (d) => d.reason === "provider_error" && d.error === "access_denied")).toHaveLength(2);
  });

  it("sends a code the provider refuses to the login page with oauth_failed", async () => {
    const res = await signInWith("github", "bad-code", identity("badcode"));
    expect(location(res)).toBe("/login?error=oauth_failed");
    const [row] = await auditRows("auth.oauth_failed", (d) => d.reason === "token_exchange_failed" && d.provider === "github");
    expect(row).toMatchObject({ severity: "warning", outcome: "failure" });
  });

  it("fails when the code_verifier does not match the challenge the code was issued for (PKCE is checked end to end)", async () => {
    const who = identity("pkce");
    for (const provider of ["github", "google"] as const) {
      const { authorizeUrl, cookies } = await start(provider);
      const path = providerRedirect(provider, authorizeUrl, provider === "github" ? "verified-primary" : "verified", who, "A".repeat(43));
      const res = await navigate(path, cookies);
      expect(location(res), provider).toBe("/login?error=oauth_failed");
    }
    expect(await userByEmail(who.email)).toBeNull();
  });
});

describe("sign in with GitHub", () => {
  it("creates a user from a verified primary email, signs them in and lands on redirectTo", async () => {
    const who = identity("gh-new");
    const res = await signInWith("github", "verified-primary", who, { redirectTo: "/tenants?welcome=1" });
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/tenants?welcome=1");
    const me = await call("/v1/me", { cookie: sessionCookieOf(res) });
    expect(me.status).toBe(200);
    // The primary address, not the verified secondary the provider listed first.
    expect(me.body.user).toMatchObject({ email: who.email, name: who.name });

    const user = (await userByEmail(who.email))!;
    expect(user.password_hash).toBeNull();
    expect(user.email_verified_at).not.toBeNull();
    expect(await oauthRows(user.id)).toEqual([{ provider: "github", provider_user_id: who.id, email: who.email }]);
    const [login] = await auditRows("auth.oauth_login", (d) => d.provider === "github" && d.account === "created");
    expect(login).toBeDefined();
    expect((await auditRows("auth.oauth_login")).some((r) => r.actor_id === user.id && r.details.account === "created")).toBe(true);
  });

  it("signs the same person in again by provider id after they changed their email at GitHub", async () => {
    const who = identity("gh-again");
    const first = await signInWith("github", "verified-primary", who);
    const firstId = (await call("/v1/me", { cookie: sessionCookieOf(first) })).body.user.id;

    const changed = { ...who, email: uniqueEmail("gh-changed") };
    const second = await signInWith("github", "verified-primary", changed);
    expect(second.status).toBe(302);
    expect(location(second)).toBe("/");
    const me = await call("/v1/me", { cookie: sessionCookieOf(second) });
    expect(me.body.user.id).toBe(firstId);
    expect(await userByEmail(changed.email)).toBeNull();
    expect((await oauthRows(firstId))[0]!.email).toBe(changed.email);
    expect(await auditRows("auth.oauth_login", (d) => d.account === "existing")).not.toHaveLength(0);
  });

  it("uses a verified secondary email when the primary is unverified", async () => {
    const who = identity("gh-secondary");
    const res = await signInWith("github", "verified-secondary", who);
    expect(location(res)).toBe("/");
    expect((await call("/v1/me", { cookie: sessionCookieOf(res) })).body.user.email).toBe(who.email);
  });

  it("refuses an account with no verified email and creates nobody", async () => {
    const who = identity("gh-unverified");
    const res = await signInWith("github", "unverified", who);
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/login?error=oauth_email_unverified");
    expect(res.headers.getSetCookie().some((c) => c.startsWith("sb_session="))).toBe(false);
    expect(await userByEmail(who.email)).toBeNull();
    expect(
      await env.DB.prepare("select count(*) as n from oauth_accounts where provider = 'github' and provider_user_id = ?")
        .bind(who.id)
        .first<{ n: number }>(),
    ).toEqual({ n: 0 });
    expect(await auditRows("auth.oauth_failed", (d) => d.reason === "oauth_email_unverified")).not.toHaveLength(0);
  });
});

describe("sign in with Google", () => {
  it("creates a user from the ID token's verified email", async () => {
    const who = { ...identity("google-new"), id: `google-sub-${crypto.randomUUID()}` };
    const res = await signInWith("google", "verified", who, { redirectTo: "/account/security" });
    expect(location(res)).toBe("/account/security");
    expect((await call("/v1/me", { cookie: sessionCookieOf(res) })).body.user).toMatchObject({ email: who.email, name: who.name });
    const user = (await userByEmail(who.email))!;
    expect(await oauthRows(user.id)).toEqual([{ provider: "google", provider_user_id: who.id, email: who.email }]);
  });

  it("refuses email_verified: false", async () => {
    const who = identity("google-unverified");
    const res = await signInWith("google", "unverified", who);
    expect(location(res)).toBe("/login?error=oauth_email_unverified");
    expect(await userByEmail(who.email)).toBeNull();
  });

  it("refuses an ID token issued to another client", async () => {
    const who = identity("google-aud");
    const res = await signInWith("google", "wrong-audience", who);
    expect(location(res)).toBe("/login?error=oauth_failed");
    expect(await userByEmail(who.email)).toBeNull();
    expect(
      await auditRows("auth.oauth_failed", (d) => d.reason === "profile_fetch_failed" && String(d.error).includes("audience")),
    ).toHaveLength(1);
  });
});

describe("linking to an existing account by email", () => {
  it("links when our account's email is verified, and signs that account in", async () => {
    const existing = await signup("link-verified");
    await markEmailVerified(existing.id);
    const who = identity("link-verified", existing.email);
    const res = await signInWith("google", "verified", who);
    expect(location(res)).toBe("/");
    expect((await call("/v1/me", { cookie: sessionCookieOf(res) })).body.user.id).toBe(existing.id);
    expect(await oauthRows(existing.id)).toEqual([{ provider: "google", provider_user_id: who.id, email: existing.email }]);
    const [linked] = await auditRows("auth.oauth_linked", (d) => d.via === "verified_email");
    expect(linked).toMatchObject({ actor_id: existing.id, target_type: "oauth_account", target_id: `google:${who.id}` });
    expect(await auditRows("auth.oauth_login", (d) => d.account === "linked")).toHaveLength(1);
    // The password still works: linking adds a way in, it does not replace one.
    expect((await userByEmail(existing.email))!.password_hash).not.toBeNull();
  });

  it("does NOT link when our account's email is unverified (pre-account takeover) and tells the person how to link", async () => {
    const squatter = await signup("link-unverified");
    const who = identity("link-unverified", squatter.email);
    const res = await signInWith("github", "verified-primary", who);
    expect(location(res)).toBe("/login?error=oauth_link_requires_verification");
    expect(res.headers.getSetCookie().some((c) => c.startsWith("sb_session="))).toBe(false);
    expect(await oauthRows(squatter.id)).toEqual([]);
    const [failed] = await auditRows("auth.oauth_failed", (d) => d.reason === "oauth_link_requires_verification");
    expect(failed).toMatchObject({ target_id: squatter.id, severity: "warning" });
  });
});

describe("MFA", () => {
  it("sends an account with MFA on to the code step instead of opening a session, and the code step finishes the sign-in", async () => {
    const who = identity("mfa");
    const first = await signInWith("github", "verified-primary", who);
    const cookie = sessionCookieOf(first);
    const userId = (await call("/v1/me", { cookie })).body.user.id as string;
    // Turn MFA on through the API, enabling with the previous step's code (the way mfa.test.ts does).
    const setup = await call("/v1/me/mfa/totp/setup", { method: "POST", cookie });
    expect(setup.status).toBe(200);
    if (30_000 - (Date.now() % 30_000) < 4_000) await new Promise((r) => setTimeout(r, 4_500));
    const enable = await call("/v1/me/mfa/totp/enable", {
      body: { code: TOTP.generate({ secret: Secret.fromBase32(setup.body.secret), timestamp: Date.now() - 30_000 }) },
      cookie,
    });
    expect(enable.status).toBe(200);

    const res = await signInWith("github", "verified-primary", who, { redirectTo: "/account/security" });
    expect(res.status).toBe(302);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("sb_session="))).toBe(false);
    const target = new URL(location(res), BASE);
    expect(target.pathname).toBe("/login/mfa");
    expect(target.searchParams.get("next")).toBe("/account/security");
    // The token is in the fragment (never sent to a server), not the query.
    const challengeToken = new URLSearchParams(target.hash.slice(1)).get("challenge")!;
    expect(challengeToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    // Only the first sign-in opened a session; the second opened a challenge.
    expect((await auditRows("auth.oauth_login")).filter((r) => r.actor_id === userId)).toHaveLength(1);
    expect((await auditRows("auth.mfa_challenged", (d) => d.via === "github")).filter((r) => r.actor_id === userId)).toHaveLength(1);

    const finished = await call("/v1/auth/login/mfa", { body: { challengeToken, code: enable.body.recoveryCodes[0] } });
    expect(finished.status).toBe(200);
    expect((await call("/v1/me", { cookie: sessionCookieOf(finished) })).body.user.id).toBe(userId);
  });
});

describe("linked providers in account security", () => {
  async function linkFromAccountSecurity<P extends Provider>(
    sessionCookie: string,
    provider: P,
    scenario: Scenario<P>,
    who: FakeIdentity,
    finishCookie = sessionCookie,
  ) {
    const begin = await call(`/v1/me/oauth/${provider}/link`, { method: "POST", cookie: sessionCookie });
    expect(begin.status).toBe(200);
    const authorizeUrl = new URL(begin.body.url);
    expect(authorizeUrl.searchParams.get("code_challenge")).toBeTruthy();
    expect(setCookie(begin, "sb_oauth_link")).toContain(OAUTH_COOKIE_PATH);
    return navigate(providerRedirect(provider, authorizeUrl, scenario, who), `${cookiesOf(begin)}; ${finishCookie}`);
  }

  it("links a provider to a signed-in password account even with an unverified email, then lists it", async () => {
    const person = await signup("acct-link");
    const who = identity("acct-link", uniqueEmail("other-address"));
    const res = await linkFromAccountSecurity(person.cookie, "github", "verified-primary", who);
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/account/security");
    const list = await call("/v1/me/oauth", { cookie: person.cookie });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ hasPassword: true, data: [{ provider: "github", email: who.email }] });
    expect(await auditRows("auth.oauth_linked", (d) => d.via === "account_security")).toHaveLength(1);

    // Now the provider signs this person in.
    const login = await signInWith("github", "verified-primary", who);
    expect((await call("/v1/me", { cookie: sessionCookieOf(login) })).body.user.id).toBe(person.id);
    // And asking to link the same provider again is a conflict.
    expectError(await call("/v1/me/oauth/github/link", { method: "POST", cookie: person.cookie }), 409, "conflict");
  });

  it("refuses to link a provider account that belongs to someone else", async () => {
    const who = identity("taken");
    await signInWith("github", "verified-primary", who);
    const person = await signup("acct-taken");
    const res = await linkFromAccountSecurity(person.cookie, "github", "verified-primary", who);
    expect(location(res)).toBe("/account/security?error=oauth_account_in_use");
    expect(await oauthRows(person.id)).toEqual([]);
  });

  it("sends a declined link back to account security", async () => {
    const person = await signup("acct-decline");
    const begin = await call("/v1/me/oauth/google/link?redirectTo=%2Faccount%2Fsecurity%3Ftab%3Dlinked", {
      method: "POST",
      cookie: person.cookie,
    });
    const state = new URL(begin.body.url).searchParams.get("state");
    const res = await navigate(
      `/v1/auth/oauth/google/callback?error=access_denied&state=${state}`,
      `${cookiesOf(begin)}; ${person.cookie}`,
    );
    expect(location(res)).toBe("/account/security?tab=linked&error=oauth_denied");
    expect(await oauthRows(person.id)).toEqual([]);
  });

  it("refuses to finish linking when a different person is signed in by then", async () => {
    const starter = await signup("acct-starter");
    const other = await signup("acct-other");
    const res = await linkFromAccountSecurity(starter.cookie, "google", "verified", identity("switch"), other.cookie);
    expect(location(res)).toBe("/account/security?error=oauth_link_session_changed");
    expect(await oauthRows(starter.id)).toEqual([]);
    expect(await oauthRows(other.id)).toEqual([]);
  });

  it("needs a signed-in person to list or link", async () => {
    expectError(await call("/v1/me/oauth"), 401, "unauthenticated");
    expectError(await call("/v1/me/oauth/github/link", { method: "POST" }), 401, "unauthenticated");
    expectError(await call("/v1/me/oauth/github", { method: "DELETE" }), 401, "unauthenticated");
  });

  it("unlinks only while another way to sign in remains", async () => {
    // Created through GitHub: no password, GitHub is the only way in.
    const who = identity("unlink");
    const login = await signInWith("github", "verified-primary", who);
    const cookie = sessionCookieOf(login);
    const userId = (await call("/v1/me", { cookie })).body.user.id as string;
    expect((await call("/v1/me/oauth", { cookie })).body.hasPassword).toBe(false);

    const refused = await call("/v1/me/oauth/github", { method: "DELETE", cookie });
    expectError(refused, 409, "conflict");
    expect(refused.body.error.message).toMatch(/only way to sign in/);

    await linkFromAccountSecurity(cookie, "google", "verified", { ...identity("unlink-google"), id: `sub-${crypto.randomUUID()}` });
    expect((await call("/v1/me/oauth/github", { method: "DELETE", cookie })).status).toBe(204);
    expect((await oauthRows(userId)).map((r) => r.provider)).toEqual(["google"]);
    expect(await auditRows("auth.oauth_unlinked", (d) => d.provider === "github")).toEqual([
      expect.objectContaining({ actor_id: userId, target_id: `github:${who.id}` }),
    ]);

    expectError(await call("/v1/me/oauth/google", { method: "DELETE", cookie }), 409, "conflict");
    expectError(await call("/v1/me/oauth/github", { method: "DELETE", cookie }), 404, "not_found");
    expectError(await call("/v1/me/oauth/gitlab", { method: "DELETE", cookie }), 404, "not_found");
  });

  it("lets a password account unlink its only provider", async () => {
    const person = await signup("unlink-password");
    await linkFromAccountSecurity(person.cookie, "github", "verified-primary", identity("unlink-password"));
    expect((await call("/v1/me/oauth/github", { method: "DELETE", cookie: person.cookie })).status).toBe(204);
    expect((await call("/v1/me/oauth", { cookie: person.cookie })).body).toEqual({ data: [], hasPassword: true });
  });
});

describe("a tenant that requires single sign-on", () => {
  it("refuses GitHub and Google sign-in for its members at its domain, audited, and lets the same person in once SSO is no longer required", async () => {
    const domain = `sso-required-${crypto.randomUUID().slice(0, 8)}.test`;
    const owner = await signup("sso-owner");
    const tenantId = await createTenant(owner, "SSO required Co");
    const settings = { issuer: env.TEST_OIDC_ISSUER_A, ...OIDC_TEST_CLIENTS.a, emailDomains: [domain], breakGlassUserId: owner.id };
    expect((await putSso(tenantId, owner.cookie, settings)).status).toBe(200);
    // People at the domain who first came in through GitHub and Google, then became members.
    const viaGithub = identity("gh-member", `gh-member-${crypto.randomUUID().slice(0, 6)}@${domain}`);
    const viaGoogle = {
      ...identity("google-member", `google-member-${crypto.randomUUID().slice(0, 6)}@${domain}`),
      id: `sub-${crypto.randomUUID()}`,
    };
    for (const [provider, scenario, who] of [
      ["github", "verified-primary", viaGithub],
      ["google", "verified", viaGoogle],
    ] as const) {
      const first = await signInWith(provider, scenario, who);
      expect(first.status, provider).toBe(302);
      const userId = (await call("/v1/me", { cookie: sessionCookieOf(first) })).body.user.id as string;
      await env.DB.prepare("insert into memberships (tenant_id, user_id, role) values (?, ?, 'member')").bind(tenantId, userId).run();
    }
    expect((await putSso(tenantId, owner.cookie, { ...settings, ssoRequired: true })).status).toBe(200);

    for (const [provider, scenario, who] of [
      ["github", "verified-primary", viaGithub],
      ["google", "verified", viaGoogle],
    ] as const) {
      const refused = await signInWith(provider, scenario, who);
      expect(refused.status, provider).toBe(302);
      expect(location(refused), provider).toBe("/login?error=sso_required");
      expect(
        refused.headers.getSetCookie().some((c) => c.startsWith("sb_session=")),
        provider,
      ).toBe(false);
      expect(await auditRows("auth.login_failed", (d) => d.reason === "sso_required" && d.method === provider), provider).toHaveLength(1);
    }

    expect((await putSso(tenantId, owner.cookie, { ...settings, ssoRequired: false })).status).toBe(200);
    const again = await signInWith("github", "verified-primary", viaGithub);
    expect(location(again)).not.toContain("error=");
  });
});
