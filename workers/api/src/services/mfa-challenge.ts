/**
 * The second step of a sign-in for an account with MFA. A correct password (or, later, an OAuth
 * login) does not create a session; it opens a challenge: a random token held by the client
 * (stored hashed) that is good for 5 minutes and at most 5 code attempts. Every attempt is
 * counted before the code is checked, in one conditional UPDATE, so concurrent guesses cannot
 * exceed the limit; the challenge is then closed exactly once.
 */
import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Context } from "hono";
import { newId } from "../../../shared/crypto/ids";
import { hashSecret, randomToken } from "../../../shared/crypto/secrets";
import { mfaChallenges, type MfaChallengeRow, type UserRow } from "../../../shared/db/schema";
import type { AppEnv } from "../env";
import { audit } from "../http/audit";

export const MFA_CHALLENGE_TTL_MS = 5 * 60 * 1000;
export const MFA_CHALLENGE_MAX_ATTEMPTS = 5;

/** Opens a challenge for `user` (whose first factor just passed) and returns its token. */
export async function issueMfaChallenge(
  c: Context<AppEnv>,
  user: UserRow,
  via: "password" | "github" | "google" = "password",
): Promise<string> {
  const now = Date.now();
  const token = randomToken();
  const id = newId("mfaChallenge", now);
  await c
    .get("db")
    .insert(mfaChallenges)
    .values({
      id,
      userId: user.id,
      tokenHash: await hashSecret(token),
      createdAt: now,
      expiresAt: now + MFA_CHALLENGE_TTL_MS,
      attempts: 0,
      usedAt: null,
    });
  await audit(c, {
    tenantId: null,
    actor: { type: "user", id: user.id, name: user.email },
    action: "auth.mfa_challenged",
    target: { type: "mfa_challenge", id },
    details: { via },
  });
  return token;
}

/**
 * Counts one attempt on the live challenge behind `token` and returns it (with the new count), or
 * null if there is none: unknown, expired, already used, or out of attempts.
 */
export async function claimMfaAttempt(c: Context<AppEnv>, token: string): Promise<MfaChallengeRow | null> {
  const now = Date.now();
  const row = await c
    .get("db")
    .update(mfaChallenges)
    .set({ attempts: sql`${mfaChallenges.attempts} + 1` })
    .where(
      and(
        eq(mfaChallenges.tokenHash, await hashSecret(token)),
        isNull(mfaChallenges.usedAt),
        gt(mfaChallenges.expiresAt, now),
        lt(mfaChallenges.attempts, MFA_CHALLENGE_MAX_ATTEMPTS),
      ),
    )
    .returning()
    .get();
  return row ?? null;
}

/** Closes the challenge; false if another request closed it first. */
export async function completeMfaChallenge(c: Context<AppEnv>, id: string): Promise<boolean> {
  const result = await c
    .get("db")
    .update(mfaChallenges)
    .set({ usedAt: Date.now() })
    .where(and(eq(mfaChallenges.id, id), isNull(mfaChallenges.usedAt)))
    .run();
  return result.meta.changes === 1;
}
