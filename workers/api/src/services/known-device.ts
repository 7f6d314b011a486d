/**
 * "This browser has signed in to this account before": a long-lived, signed `sb_device` cookie set
 * at every successful sign-in (createSession), naming the account and a random device id. Login
 * throttling (services/login-throttle.ts) trusts it: failures by strangers never lock a person out
 * of a browser they have used before — what Okta and Microsoft's smart lockout call a familiar
 * device. It proves nothing else and grants nothing by itself: the password (and second factor)
 * are still required.
 *
 * The cookie is an HS256 JWT under SESSION_SECRET with its own audience, so a session token cannot
 * pass for it nor it for a session; it is HttpOnly and scoped to `/v1/auth`, the only paths that read it.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { jwtVerify, SignJWT } from "jose";
import { utf8 } from "../../../shared/crypto/encoding";
import { randomToken } from "../../../shared/crypto/secrets";
import type { AppEnv } from "../env";
import { isLocalhost } from "./sessions";

export const DEVICE_COOKIE = "sb_device";
export const DEVICE_TTL_MS = 365 * 24 * 60 * 60 * 1000;
const ISSUER = "switchboard";
const AUDIENCE = "switchboard:device";
const ALGORITHM = "HS256";
const COOKIE_PATH = "/v1/auth";

/** The device id in the request's device cookie if it was issued to `userId`, else null. Never throws. */
export async function knownDeviceId(c: Context<AppEnv>, userId: string): Promise<string | null> {
  const token = getCookie(c, DEVICE_COOKIE);
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, utf8(c.env.SESSION_SECRET), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ["exp", "sub", "did"],
    });
    return payload.sub === userId && typeof payload.did === "string" ? payload.did : null;
  } catch {
    return null;
  }
}

/** Marks this browser as one `userId` signed in from (keeping its device id if it already was). */
export async function rememberDevice(c: Context<AppEnv>, userId: string): Promise<void> {
  const now = Date.now();
  const did = (await knownDeviceId(c, userId)) ?? randomToken();
  const token = await new SignJWT({ did })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor((now + DEVICE_TTL_MS) / 1000))
    .sign(utf8(c.env.SESSION_SECRET));
  setCookie(c, DEVICE_COOKIE, token, {
    httpOnly: true,
    secure: !isLocalhost(c.req.url),
    sameSite: "Lax",
    path: COOKIE_PATH,
    expires: new Date(now + DEVICE_TTL_MS),
  });
}
