/**
 * A misbehaving OpenID provider for the ugly paths that a real provider (oidc-provider, see
 * scripts/lib/oidc-dev-provider.mjs, used for every happy path) will not produce: ID tokens with the
 * wrong issuer, audience or nonce, expired, badly signed, or signed with a rotated key. Served to
 * the Worker through Miniflare's `outboundService` (vitest.config.ts) at https://idp.fake.test.
 *
 * Like the OAuth fakes it is stateless per code: the test writes the grant INTO the code
 * (`fakeOidcCode()`), and the token endpoint checks client authentication, redirect URI and PKCE
 * exactly as a provider would, then mints an ID token shaped by the scenario. The signing keys
 * live in this Node module; `POST /__rotate` makes a new current key (published beside the old one).
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export const FAKE_OIDC_HOST = "idp.fake.test";
export const FAKE_OIDC_ISSUER = `https://${FAKE_OIDC_HOST}`;
export const FAKE_OIDC_CLIENT = { clientId: "fake-client", clientSecret: "fake-secret" } as const;

export type FakeOidcScenario = "ok" | "wrong-issuer" | "wrong-audience" | "wrong-nonce" | "expired" | "bad-signature" | "unknown-kid";

export interface FakeOidcGrant {
  scenario: FakeOidcScenario;
  sub: string;
  email: string;
  groups?: string[];
  nonce: string;
  codeChallenge: string;
  redirectUri: string;
}

export function fakeOidcCode(grant: FakeOidcGrant): string {
  return b64url(new TextEncoder().encode(JSON.stringify(grant)));
}

interface Key {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}
let keys: Key[] | null = null;

async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `fake-${crypto.randomUUID().slice(0, 8)}`;
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

async function currentKeys(): Promise<Key[]> {
  keys ??= [await newKey()];
  return keys;
}

export async function fakeOidcProvider(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/.well-known/openid-configuration") {
    return Response.json({
      issuer: FAKE_OIDC_ISSUER,
      authorization_endpoint: `${FAKE_OIDC_ISSUER}/authorize`,
      token_endpoint: `${FAKE_OIDC_ISSUER}/token`,
      jwks_uri: `${FAKE_OIDC_ISSUER}/jwks`,
      response_types_supported: ["code"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      code_challenge_methods_supported: ["S256"],
    });
  }
  if (url.pathname === "/jwks") return Response.json({ keys: (await currentKeys()).map((k) => k.publicJwk) });
  if (url.pathname === "/__rotate" && request.method === "POST") {
    keys = [await newKey(), ...(await currentKeys())];
    return Response.json({ kid: keys[0]!.kid });
  }
  if (url.pathname === "/token" && request.method === "POST") return token(request);
  return new Response("not found", { status: 404 });
}

async function token(request: Request): Promise<Response> {
  const refuse = (error: string, status = 400) => Response.json({ error }, { status });
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64 (oauth4webapi encodes "-" as %2D).
  const basic = /^Basic (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
  const [id, secret] = basic
    ? atob(basic)
        .split(":")
        .map((part) => decodeURIComponent(part.replace(/\+/g, " ")))
    : [];
  if (id !== FAKE_OIDC_CLIENT.clientId || secret !== FAKE_OIDC_CLIENT.clientSecret) return refuse("invalid_client", 401);
  const form = new URLSearchParams(await request.text());
  let grant: FakeOidcGrant;
  try {
    grant = JSON.parse(new TextDecoder().decode(unb64url(form.get("code") ?? "")));
  } catch {
    return refuse("invalid_grant");
  }
  if (form.get("grant_type") !== "authorization_code" || form.get("redirect_uri") !== grant.redirectUri) return refuse("invalid_grant");
  const verifier = form.get("code_verifier") ?? "";
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  if (challenge !== grant.codeChallenge) return refuse("invalid_grant");

  const [current] = await currentKeys();
  const now = Math.floor(Date.now() / 1000);
  const s = grant.scenario;
  const claims = {
    email: grant.email,
    email_verified: true,
    name: grant.email.split("@")[0],
    groups: grant.groups ?? [],
    nonce: s === "wrong-nonce" ? "someone-elses-nonce" : grant.nonce,
  };
  const signingKey = s === "bad-signature" || s === "unknown-kid" ? (await newKey()).privateKey : current!.privateKey;
  const idToken = await new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: s === "unknown-kid" ? "not-published" : current!.kid, typ: "JWT" })
    .setIssuer(s === "wrong-issuer" ? "https://evil.example.test" : FAKE_OIDC_ISSUER)
    .setAudience(s === "wrong-audience" ? "someone-elses-client" : FAKE_OIDC_CLIENT.clientId)
    .setSubject(grant.sub)
    .setIssuedAt(s === "expired" ? now - 7200 : now)
    .setExpirationTime(s === "expired" ? now - 3600 : now + 600)
    .sign(signingKey);
  return Response.json({ access_token: `at-${crypto.randomUUID()}`, token_type: "Bearer", expires_in: 600, id_token: idToken });
}

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function unb64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}
