/**
 * Dashboard sessions: a jose-signed JWT (HS256, the only algorithm accepted for this key) in an
 * HttpOnly cookie, backed by a `sessions` row. The JWT spares a lookup of nothing — we always read
 * the row — but it binds the cookie to our signing key so a guessed or forged session id is refused
 * before it reaches D1, and it carries `exp` for clients. The row is what makes logout and
 * "revoke all sessions" immediate.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { jwtVerify, SignJWT } from "jose";
import { newId } from "../../../shared/crypto/ids";
import { utf8 } from "../../../shared/crypto/encoding";
import { sessions, users, type SessionRow, type UserRow } from "../../../shared/db/schema";
import type { AppEnv } from "../env";
import { rememberDevice } from "./known-device";

export const SESSION_COOKIE = "sb_session";
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const ISSUER = "switchboard";
const AUDIENCE = "switchboard:session";
const ALGORITHM = "HS256";
const CLOCK_TOLERANCE_S = 5;
/** lastSeenAt is refreshed at most this often, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 5 * 60 * 1000;

function key(env: Env) {
  return utf8(env.SESSION_SECRET);
}

export async function createSession(c: Context<AppEnv>, user: UserRow): Promise<SessionRow> {
  const now = Date.now();
  const row: SessionRow = {
    id: newId("session", now),
    userId: user.id,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
    lastSeenAt: now,
    revokedAt: null,
    ip: c.get("ip"),
    userAgent: c.get("userAgent"),
  };
  await c.get("db").insert(sessions).values(row);
  const token = await new SignJWT({ sid: row.id })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(user.id)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(row.expiresAt / 1000))
    .sign(key(c.env));
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: !isLocalhost(c.req.url),
    sameSite: "Lax",
    path: "/",
    expires: new Date(row.expiresAt),
  });
  // Every sign-in (password, MFA, OAuth, signup) makes this browser one the account has used:
  // login throttling never locks a person out of it (login-throttle.ts).
  await rememberDevice(c, user.id);
  return row;
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: !isLocalhost(c.req.url), httpOnly: true, sameSite: "Lax" });
}

export function isLocalhost(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host.endsWith(".localhost");
}

/** The live session and user behind the request's cookie, or null. Never throws on a bad cookie. */
export async function sessionFromCookie(c: Context<AppEnv>): Promise<{ session: SessionRow; user: UserRow } | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  let sid: unknown;
  let sub: string | undefined;
  try {
    const { payload } = await jwtVerify(token, key(c.env), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: "JWT",
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["exp", "sub", "sid"],
    });
    sid = payload.sid;
    sub = payload.sub;
  } catch {
    return null;
  }
  if (typeof sid !== "string" || !sub) return null;
  const db = c.get("db");
  const found = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sid), eq(sessions.userId, sub), isNull(sessions.revokedAt)))
    .get();
  const now = Date.now();
  if (!found || found.session.expiresAt <= now) return null;
  if (now - found.session.lastSeenAt > TOUCH_INTERVAL_MS) {
    c.executionCtx.waitUntil(
      db
        .update(sessions)
        .set({ lastSeenAt: now })
        .where(eq(sessions.id, sid))
        .run()
        .then(() => undefined),
    );
  }
  return found;
}
