/**
 * The browser half of an SSO round trip: state, nonce, PKCE verifier, the connection and where to
 * land, kept in ONE short-lived cookie sealed with AES-GCM (DATA_ENCRYPTION_KEY, purpose
 * "sso-flow"), so it can be neither read nor altered, and an abandoned flow leaves nothing in
 * storage. HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET), scoped to
 * /v1/auth/sso.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { decryptField, encryptField } from "../../../../shared/crypto/encryption";
import type { AppEnv } from "../../env";
import { isLocalhost } from "../sessions";

export const SSO_COOKIE_PATH = "/v1/auth/sso";
export const SSO_FLOW_COOKIE = "sb_sso_flow";
export const SSO_FLOW_TTL_S = 10 * 60;
const PURPOSE = "sso-flow";

const FlowSchema = z.object({
  connectionId: z.string(),
  state: z.string(),
  nonce: z.string(),
  codeVerifier: z.string(),
  redirectTo: z.string().nullable(),
  expiresAt: z.number(),
});
export type SsoFlow = z.infer<typeof FlowSchema>;

/** One callback for every tenant's connection, on this request's origin. */
export function ssoCallbackUrl(c: Context<AppEnv>): string {
  return `${new URL(c.req.url).origin}${SSO_COOKIE_PATH}/callback`;
}

export async function saveFlow(c: Context<AppEnv>, flow: Omit<SsoFlow, "expiresAt">): Promise<void> {
  const sealed = await encryptField(
    JSON.stringify({ ...flow, expiresAt: Date.now() + SSO_FLOW_TTL_S * 1000 }),
    c.env.DATA_ENCRYPTION_KEY,
    PURPOSE,
  );
  setCookie(c, SSO_FLOW_COOKIE, sealed, { ...cookieOptions(c), maxAge: SSO_FLOW_TTL_S });
}

/** The flow this browser started, if its cookie is intact and not expired (state is compared by the OIDC client). */
export async function loadFlow(c: Context<AppEnv>): Promise<SsoFlow | null> {
  const sealed = getCookie(c, SSO_FLOW_COOKIE);
  if (!sealed) return null;
  try {
    const flow = FlowSchema.parse(JSON.parse(await decryptField(sealed, c.env.DATA_ENCRYPTION_KEY, PURPOSE)));
    return flow.expiresAt > Date.now() ? flow : null;
  } catch {
    return null;
  }
}

export function endFlow(c: Context<AppEnv>): void {
  deleteCookie(c, SSO_FLOW_COOKIE, cookieOptions(c));
}

function cookieOptions(c: Context<AppEnv>) {
  return { path: SSO_COOKIE_PATH, httpOnly: true, secure: !isLocalhost(c.req.url), sameSite: "Lax" as const };
}
