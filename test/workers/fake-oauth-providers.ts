/**
 * GitHub and Google as the Worker sees them, for tests: Miniflare's `outboundService` (see
 * vitest.config.ts) hands this handler every `fetch()` the Worker makes to the internet, and it
 * answers for github.com, api.github.com and oauth2.googleapis.com like the real services do for
 * arctic and our profile fetch. Everything else goes out unchanged.
 *
 * A real provider remembers what it issued a code for (client, redirect URI, PKCE challenge, the
 * person). This one is stateless: the test writes that memory INTO the code with
 * `fakeAuthorizationCode()`, picking a scenario (verified email, unverified, error…) per call, and
 * the token endpoint checks the request against it exactly as a provider would: client secret in
 * Basic auth, same redirect URI, and SHA-256(code_verifier) equal to the challenge. So a Worker
 * that drops PKCE or the secret fails the tests.
 *
 * Runs in Node (vitest's process) and is imported by tests in workerd for the helpers, so it uses
 * only web-standard globals.
 */

import { FAKE_RESEND_HOST, fakeMailProvider } from "./fake-mail-provider";
import { fakeEgressUpstream, UPSTREAM_SUFFIX } from "./fake-egress-upstream";
import { fakeWebhookReceiver, WEBHOOK_RECEIVER_HOST } from "./fake-webhook-receiver";
import { FAKE_OIDC_HOST, fakeOidcProvider } from "./fake-oidc-provider";
import { FAKE_STRIPE_HOST, fakeStripe } from "./fake-stripe-outbound";

/** Must match the bindings in vitest.config.ts. */
export const FAKE_OAUTH_CLIENTS = {
  github: { clientId: "test-github-client", clientSecret: "test-github-secret" },
  google: { clientId: "test-google-client", clientSecret: "test-google-secret" },
} as const;

export type GitHubScenario =
  /** primary email verified (listed after a verified secondary, to check the primary is preferred) */
  | "verified-primary"
  /** primary email unverified, `identity.email` is a verified secondary */
  | "verified-secondary"
  /** no verified email at all */
  | "unverified"
  /** the token endpoint refuses the code */
  | "bad-code";
export type GoogleScenario = "verified" | "unverified" | "wrong-audience" | "bad-code";

export interface FakeIdentity {
  /** Provider user id: digits for GitHub (its ids are numbers), any string for Google's `sub`. */
  id: string;
  email: string;
  name?: string;
}

export type FakeGrant = { identity: FakeIdentity; codeChallenge: string; redirectUri: string } & (
  | { provider: "github"; scenario: GitHubScenario }
  | { provider: "google"; scenario: GoogleScenario }
);

export function fakeAuthorizationCode(grant: FakeGrant): string {
  return encodeJson(grant);
}

export async function fakeOAuthProviders(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host === "github.com" && url.pathname === "/login/oauth/access_token") return tokenEndpoint(request, "github");
  if (url.host === "oauth2.googleapis.com" && url.pathname === "/token") return tokenEndpoint(request, "google");
  if (url.host === "api.github.com") return githubApi(request, url);
  // Alert webhooks (test/workers/fake-webhook-receiver.ts).
  if (url.host === WEBHOOK_RECEIVER_HOST) return fakeWebhookReceiver(request);
  // The mail provider (test/workers/fake-mail-provider.ts).
  if (url.host === FAKE_RESEND_HOST) return fakeMailProvider(request);
  // The egress proxy's upstreams (test/workers/fake-egress-upstream.ts).
  if (url.hostname.endsWith(UPSTREAM_SUFFIX)) return fakeEgressUpstream(request);
  // A misbehaving OpenID provider for SSO's ugly paths (test/workers/fake-oidc-provider.ts).
  if (url.host === FAKE_OIDC_HOST) return fakeOidcProvider(request);
  // Stripe (scripts/stripe-fake/fake-stripe.ts; billing tests).
  if (url.host === FAKE_STRIPE_HOST) return fakeStripe(request);
  // Out for real (the SSO tests' oidc-provider on 127.0.0.1). Miniflare's Request is not Node's:
  // rebuild it, and hand redirects back to the Worker as they are.
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  return fetch(request.url, { method: request.method, headers: request.headers, body, redirect: "manual" });
}

async function tokenEndpoint(request: Request, provider: "github" | "google"): Promise<Response> {
  const refuse = (description: string) =>
    provider === "github"
      ? // GitHub answers a bad code with 200 and an error body.
        Response.json({ error: "bad_verification_code", error_description: description })
      : Response.json({ error: "invalid_grant", error_description: description }, { status: 400 });

  if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
  if (!request.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded")) return refuse("body must be form-encoded");
  const client = FAKE_OAUTH_CLIENTS[provider];
  if (request.headers.get("authorization") !== `Basic ${btoa(`${client.clientId}:${client.clientSecret}`)}`) {
    return provider === "github"
      ? refuse("client credentials missing or wrong")
      : Response.json({ error: "invalid_client" }, { status: 401 });
  }
  const form = new URLSearchParams(await request.text());
  if (form.get("grant_type") !== "authorization_code") return refuse("grant_type must be authorization_code");
  const grant = decodeJson<FakeGrant>(form.get("code") ?? "");
  if (!grant || grant.provider !== provider) return refuse("unknown code");
  if (grant.scenario === "bad-code") return refuse("the code expired");
  if (form.get("redirect_uri") !== grant.redirectUri) return refuse("redirect_uri differs from the authorization request");
  const verifier = form.get("code_verifier");
  if (!verifier) return refuse("PKCE code_verifier missing");
  if ((await s256(verifier)) !== grant.codeChallenge) return refuse("PKCE code_verifier does not match the code_challenge");

  const accessToken = encodeJson({ provider, scenario: grant.scenario, identity: grant.identity });
  if (provider === "github")
    return Response.json({ access_token: `gho_${accessToken}`, token_type: "bearer", scope: "read:user,user:email" });
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: "https://accounts.google.com",
    aud: grant.scenario === "wrong-audience" ? "someone-elses-client" : client.clientId,
    sub: grant.identity.id,
    email: grant.identity.email,
    email_verified: grant.scenario !== "unverified",
    name: grant.identity.name,
    iat: now,
    exp: now + 3600,
  };
  const idToken = `${encodeJson({ alg: "RS256", kid: "fake", typ: "JWT" })}.${encodeJson(claims)}.${encodeJson("not-a-real-signature")}`;
  return Response.json({
    access_token: `ya29.${accessToken}`,
    expires_in: 3599,
    token_type: "Bearer",
    scope: "openid email profile",
    id_token: idToken,
  });
}

async function githubApi(request: Request, url: URL): Promise<Response> {
  if (!request.headers.get("user-agent"))
    return Response.json(
      { message: "Request forbidden by administrative rules. Please make sure your request has a User-Agent header" },
      { status: 403 },
    );
  const token = /^(?:Bearer|token) gho_(.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
  const session = token ? decodeJson<{ provider: string; scenario: GitHubScenario; identity: FakeIdentity }>(token) : null;
  if (!session || session.provider !== "github") return Response.json({ message: "Bad credentials" }, { status: 401 });
  const { identity, scenario } = session;
  if (url.pathname === "/user") {
    return Response.json({ id: Number(identity.id), login: `octo-${identity.id}`, name: identity.name ?? null, email: null });
  }
  if (url.pathname === "/user/emails") {
    const emails = {
      "verified-primary": [
        { email: `secondary-${identity.id}@example.test`, primary: false, verified: true, visibility: null },
        { email: identity.email, primary: true, verified: true, visibility: "private" },
      ],
      "verified-secondary": [
        { email: `unverified-primary-${identity.id}@example.test`, primary: true, verified: false, visibility: "private" },
        { email: identity.email, primary: false, verified: true, visibility: null },
      ],
      unverified: [{ email: identity.email, primary: true, verified: false, visibility: "private" }],
      "bad-code": [],
    }[scenario];
    return Response.json(emails);
  }
  return Response.json({ message: "Not Found" }, { status: 404 });
}

async function s256(verifier: string): Promise<string> {
  return bytesToB64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

function encodeJson(value: unknown): string {
  return bytesToB64url(new TextEncoder().encode(JSON.stringify(value)));
}

function decodeJson<T>(text: string): T | null {
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)))) as T;
  } catch {
    return null;
  }
}

function bytesToB64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
