/**
 * Resolves the caller: `Authorization: Bearer <api key>` or the session cookie. A presented but
 * invalid credential is refused outright (401) rather than silently treated as anonymous, so a
 * client with a revoked key learns it at once — as does one whose key lost its maker (see
 * services/api-key-authority.ts). Cookie-authenticated changes pass the CSRF check.
 */
import type { MiddlewareHandler } from "hono";
import { isJwtShaped } from "../../../shared/agent-identity/agent-token";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { apiKeyFromBearer } from "../services/api-key-auth";
import { apiKeyAuthority, type Authority } from "../services/api-key-authority";
import { sessionFromCookie, SESSION_COOKIE } from "../services/sessions";
import { assertSameOrigin } from "./csrf";

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) {
    const [scheme, credential] = authorization.split(" ", 2);
    if (scheme?.toLowerCase() !== "bearer" || !credential) {
      throw new ApiError("unauthenticated", "Use `Authorization: Bearer <api key>`.");
    }
    // Agent tokens are not sessions or API keys: the routes that accept them verify them (see agent-identity).
    if (isJwtShaped(credential.trim())) return next();
    const apiKey = await apiKeyFromBearer(c, credential.trim());
    if (!apiKey) throw new ApiError("unauthenticated", "The API key is invalid, expired or revoked.");
    // A key acts with at most its maker's permissions as they are now (api-key-authority.ts).
    const authority = await apiKeyAuthority(c.get("db"), apiKey);
    if (!authority.ok) throw new ApiError("unauthenticated", AUTHORITY_LOST[authority.reason], { reason: authority.reason });
    c.set("principal", { type: "api_key", apiKey, permissions: authority.permissions, creatorRole: authority.creatorRole });
    return next();
  }
  if (c.req.header("cookie")?.includes(`${SESSION_COOKIE}=`)) {
    const found = await sessionFromCookie(c);
    if (found) {
      assertSameOrigin(c);
      c.set("principal", { type: "user", ...found });
    }
  }
  return next();
};

const AUTHORITY_LOST: Record<Extract<Authority, { ok: false }>["reason"], string> = {
  creator_not_member:
    "The API key no longer works: the person who created it is no longer a member of its tenant. Ask an admin for a new key.",
  creator_key_inactive: "The API key no longer works: the API key that created it has been revoked or has expired.",
  chain_too_long: "The API key no longer works: it was created by a chain of more API keys than allowed.",
};
