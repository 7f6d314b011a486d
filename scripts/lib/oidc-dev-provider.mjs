/**
 * A real OpenID provider for local development and tests: `oidc-provider` (the certified Node
 * implementation), never a hand-written imitation. Used by the Workers tests' global setup, the
 * browser tests and `npm start` with SWITCHBOARD_OIDC=1 (docs/sso.md).
 *
 * - Sign-in is oidc-provider's built-in development form: type an account's email (any password).
 * - Consent is granted automatically (a company's own provider does not ask its staff).
 * - ID tokens carry `email`, `email_verified`, `name` and `groups` (`conformIdTokenClaims: false`).
 * - PKCE is required; signing keys are RS256, generated at start.
 * - Accounts live in memory; `PUT /__accounts/<email>` with `{ name?, groups? }` adds or changes one
 *   (test and demo control only — this provider is never deployed).
 */
import http from "node:http";
import net from "node:net";
import Provider from "oidc-provider";
import { exportJWK, generateKeyPair } from "jose";

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ port: number, clients: Array<{ clientId: string, clientSecret: string, redirectUris: string[] }>, accounts?: Array<{ email: string, name?: string, groups?: string[] }> }} options
 * @returns {Promise<{ issuer: string, setAccount(email: string, account: { name?: string, groups?: string[] }): void, close(): Promise<void> }>}
 */
export async function startOidcProvider({ port, clients, accounts = [] }) {
  const issuer = `http://127.0.0.1:${port}`;
  const people = new Map(accounts.map((a) => [a.email.toLowerCase(), { name: a.name ?? a.email.split("@")[0], groups: a.groups ?? [] }]));
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `dev-${Date.now().toString(36)}`, alg: "RS256", use: "sig" };

  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: ["switchboard-dev-oidc-provider-only"] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    ttl: { AccessToken: 3600, AuthorizationCode: 600, IdToken: 3600, Interaction: 3600, Session: 86400, Grant: 86400 },
    async findAccount(_ctx, id) {
      const person = people.get(String(id).toLowerCase());
      if (!person) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, email: id, email_verified: true, name: person.name, groups: person.groups }),
      };
    },
    // Staff of a company's own provider are not asked for consent: grant what the client asked.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope("openid email profile");
      grant.addOIDCClaims(["email", "email_verified", "name", "groups"]);
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();

  const server = http.createServer((req, res) => {
    const match = /^\/__accounts\/([^/?]+)$/.exec(req.url ?? "");
    if (req.method === "PUT" && match) {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const input = JSON.parse(body || "{}");
        const email = decodeURIComponent(match[1]).toLowerCase();
        const person = people.get(email) ?? { name: email.split("@")[0], groups: [] };
        people.set(email, { name: input.name ?? person.name, groups: input.groups ?? person.groups });
        res.writeHead(204).end();
      });
      return;
    }
    callback(req, res);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    issuer,
    setAccount(email, account) {
      const person = people.get(email.toLowerCase()) ?? { name: email.split("@")[0], groups: [] };
      people.set(email.toLowerCase(), { ...person, ...account });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
