/**
 * The OAuth providers, one table: how to build the arctic client, which scopes to ask for, and how
 * to turn tokens into a profile whose email is one the provider has VERIFIED (or null). Linking by
 * email is only safe with a verified email, so an unverified one never leaves this file.
 *
 * Both providers use PKCE (S256). Google through arctic's `Google`; GitHub through arctic's generic
 * `OAuth2Client`, because arctic's `GitHub` class predates GitHub's PKCE support (July 2025) and
 * sends no `code_verifier`.
 */
import { CodeChallengeMethod, decodeIdToken, Google, OAuth2Client, type OAuth2Tokens } from "arctic";
import { z } from "zod";
import { EmailSchema } from "../../../../shared/schemas/common";
import type { OAuthProviderId } from "../../../../shared/schemas/oauth";

export interface OAuthProfile {
  providerUserId: string;
  /** Lower-cased; null when the provider has no verified email for the account. */
  verifiedEmail: string | null;
  name: string;
}

interface ProviderConfig {
  name: string;
  credentials(env: Env): { clientId: string; clientSecret: string };
  authorizationUrl(env: Env, redirectUri: string, state: string, codeVerifier: string): URL;
  exchangeCode(env: Env, redirectUri: string, code: string, codeVerifier: string): Promise<OAuth2Tokens>;
  profile(env: Env, tokens: OAuth2Tokens): Promise<OAuthProfile>;
}

/** A provider answered with something we cannot use; the message is for logs and audit, not people. */
export class ProviderResponseError extends Error {
  override name = "ProviderResponseError";
}

const GITHUB = {
  authorize: "https://github.com/login/oauth/authorize",
  token: "https://github.com/login/oauth/access_token",
  api: "https://api.github.com",
  scopes: ["read:user", "user:email"],
};

const GitHubUserSchema = z.object({ id: z.number().int(), login: z.string(), name: z.string().nullish() });
const GitHubEmailsSchema = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));

const GOOGLE_SCOPES = ["openid", "email", "profile"];
const GOOGLE_ISSUERS = new Set(["https://accounts.google.com", "accounts.google.com"]);
const GoogleIdTokenSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
  name: z.string().optional(),
});

const githubClient = (env: Env, redirectUri: string) => new OAuth2Client(env.GITHUB_CLIENT_ID, env.GITHUB_CLIENT_SECRET, redirectUri);
const googleClient = (env: Env, redirectUri: string) => new Google(env.GOOGLE_CLIENT_ID, env.GOOGLE_CLIENT_SECRET, redirectUri);

export const OAUTH_PROVIDERS: Record<OAuthProviderId, ProviderConfig> = {
  github: {
    name: "GitHub",
    credentials: (env) => ({ clientId: env.GITHUB_CLIENT_ID, clientSecret: env.GITHUB_CLIENT_SECRET }),
    authorizationUrl: (env, redirectUri, state, codeVerifier) =>
      githubClient(env, redirectUri).createAuthorizationURLWithPKCE(
        GITHUB.authorize,
        state,
        CodeChallengeMethod.S256,
        codeVerifier,
        GITHUB.scopes,
      ),
    async exchangeCode(env, redirectUri, code, codeVerifier) {
      const tokens = await githubClient(env, redirectUri).validateAuthorizationCode(GITHUB.token, code, codeVerifier);
      // GitHub reports a bad code with 200 and an `error` field, which the generic client takes for tokens.
      if ("error" in tokens.data)
        throw new ProviderResponseError(`token endpoint error: ${String((tokens.data as { error: unknown }).error)}`);
      return tokens;
    },
    async profile(_env, tokens) {
      const [user, emails] = await Promise.all([
        githubApi(tokens.accessToken(), "/user", GitHubUserSchema),
        githubApi(tokens.accessToken(), "/user/emails", GitHubEmailsSchema),
      ]);
      const verified = emails.filter((e) => e.verified);
      const chosen = verified.find((e) => e.primary) ?? verified[0];
      return { providerUserId: String(user.id), verifiedEmail: normaliseEmail(chosen?.email), name: user.name || user.login };
    },
  },
  google: {
    name: "Google",
    credentials: (env) => ({ clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET }),
    authorizationUrl: (env, redirectUri, state, codeVerifier) =>
      googleClient(env, redirectUri).createAuthorizationURL(state, codeVerifier, GOOGLE_SCOPES),
    exchangeCode: (env, redirectUri, code, codeVerifier) => googleClient(env, redirectUri).validateAuthorizationCode(code, codeVerifier),
    async profile(env, tokens) {
      // The ID token came straight from Google's token endpoint over TLS in exchange for our client
      // secret, so (OIDC Core §3.1.3.7) TLS stands in for the signature; the claims are still checked.
      const parsed = GoogleIdTokenSchema.safeParse(decodeIdToken(tokens.idToken()));
      if (!parsed.success) throw new ProviderResponseError("ID token claims malformed");
      const claims = parsed.data;
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!GOOGLE_ISSUERS.has(claims.iss)) throw new ProviderResponseError(`ID token issuer ${claims.iss}`);
      if (!audiences.includes(env.GOOGLE_CLIENT_ID)) throw new ProviderResponseError("ID token audience is not our client");
      if (claims.exp * 1000 <= Date.now()) throw new ProviderResponseError("ID token expired");
      const verifiedEmail = claims.email_verified === true ? normaliseEmail(claims.email) : null;
      return { providerUserId: claims.sub, verifiedEmail, name: claims.name || claims.email?.split("@")[0] || "Google user" };
    },
  },
};

export function isProviderId(id: string): id is OAuthProviderId {
  return Object.hasOwn(OAUTH_PROVIDERS, id);
}

/** A provider is offered only when both its client id and secret are set. */
export function isConfigured(env: Env, id: OAuthProviderId): boolean {
  const { clientId, clientSecret } = OAUTH_PROVIDERS[id].credentials(env);
  return Boolean(clientId?.trim()) && Boolean(clientSecret?.trim());
}

export function configuredProviders(env: Env): OAuthProviderId[] {
  return (Object.keys(OAUTH_PROVIDERS) as OAuthProviderId[]).filter((id) => isConfigured(env, id));
}

async function githubApi<T extends z.ZodType>(accessToken: string, path: string, schema: T): Promise<z.infer<T>> {
  const res = await fetch(`${GITHUB.api}${path}`, {
    headers: {
      Authorization: `Bearer ${accessToken}`,
      Accept: "application/vnd.github+json",
      "X-GitHub-Api-Version": "2022-11-28",
      // GitHub refuses API requests without a User-Agent.
      "User-Agent": "Switchboard",
    },
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new ProviderResponseError(`GET ${path} answered ${res.status}`);
  }
  const parsed = schema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new ProviderResponseError(`GET ${path} answered an unexpected shape`);
  return parsed.data;
}

function normaliseEmail(email: string | undefined): string | null {
  if (!email) return null;
  const parsed = EmailSchema.safeParse(email);
  return parsed.success ? parsed.data : null;
}
