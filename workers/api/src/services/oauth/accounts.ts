/**
 * Which Switchboard user a provider identity belongs to. The rules, in order:
 * 1. an `oauth_accounts` row for (provider, provider user id) → that user, whatever the provider's
 *    email is today (the identity is the provider account, not the address);
 * 2. otherwise the provider must vouch for the email (verified) — else refused;
 * 3. a user with that email exists → linked ONLY if our side has verified the address too
 *    (`emailVerifiedAt`). An unverified account may have been registered by someone who does not
 *    own the address, waiting for the owner to sign in with a provider and hand it over
 *    (pre-account takeover); its holder must sign in with the password and link from account
 *    security instead;
 * 4. no such user → a new one, without a password, its email verified by the provider.
 */
import { and, eq, ne } from "drizzle-orm";
import type { Context } from "hono";
import { newId } from "../../../../shared/crypto/ids";
import { oauthAccounts, users, type OauthAccountRow, type UserRow } from "../../../../shared/db/schema";
import type { OAuthLoginError, OAuthProviderId } from "../../../../shared/schemas/oauth";
import type { AppEnv } from "../../env";
import type { OAuthProfile } from "./providers";

export type OAuthSignIn =
  | { ok: true; user: UserRow; account: "existing" | "linked" | "created"; providerUserId: string }
  | { ok: false; reason: Extract<OAuthLoginError, "oauth_email_unverified" | "oauth_link_requires_verification">; userId: string | null };

export type OAuthLink = { ok: true; created: boolean } | { ok: false; reason: Extract<OAuthLoginError, "oauth_account_in_use"> };

const NAME_MAX = 100;

export async function signInWithProvider(
  c: Context<AppEnv>,
  provider: OAuthProviderId,
  profile: OAuthProfile,
  retried = false,
): Promise<OAuthSignIn> {
  const db = c.get("db");
  const linked = await db
    .select({ user: users, email: oauthAccounts.email })
    .from(oauthAccounts)
    .innerJoin(users, eq(users.id, oauthAccounts.userId))
    .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.providerUserId, profile.providerUserId)))
    .get();
  if (linked) {
    if (profile.verifiedEmail && profile.verifiedEmail !== linked.email) {
      await db
        .update(oauthAccounts)
        .set({ email: profile.verifiedEmail })
        .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.providerUserId, profile.providerUserId)));
    }
    return { ok: true, user: linked.user, account: "existing", providerUserId: profile.providerUserId };
  }

  const email = profile.verifiedEmail;
  if (!email) return { ok: false, reason: "oauth_email_unverified", userId: null };

  const now = Date.now();
  const existing = await db.select().from(users).where(eq(users.email, email)).get();
  if (existing) {
    if (existing.emailVerifiedAt === null) return { ok: false, reason: "oauth_link_requires_verification", userId: existing.id };
    const inserted = await db
      .insert(oauthAccounts)
      .values(accountRow(provider, profile, existing.id, email, now))
      .onConflictDoNothing()
      .returning()
      .get();
    // A concurrent callback for the same identity linked it first: rule 1 now applies.
    if (!inserted && !retried) return signInWithProvider(c, provider, profile, true);
    return { ok: true, user: existing, account: "linked", providerUserId: profile.providerUserId };
  }

  const user: UserRow = {
    id: newId("user", now),
    email,
    name: profile.name.trim().slice(0, NAME_MAX) || email.split("@")[0]!,
    passwordHash: null,
    isOperator: false,
    emailVerifiedAt: now,
    totpSecretEnc: null,
    totpLastStep: null,
    mfaEnabledAt: null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await db.batch([db.insert(users).values(user), db.insert(oauthAccounts).values(accountRow(provider, profile, user.id, email, now))]);
  } catch (err) {
    // A concurrent callback created the user or the link between our reads and this write.
    if (!retried && String(err).includes("UNIQUE")) return signInWithProvider(c, provider, profile, true);
    throw err;
  }
  return { ok: true, user, account: "created", providerUserId: profile.providerUserId };
}

/**
 * Links a provider identity to a signed-in user who asked for it from account security. No email
 * rule here: the person proved both sides (our session and the provider's consent screen).
 */
export async function linkToUser(c: Context<AppEnv>, provider: OAuthProviderId, profile: OAuthProfile, user: UserRow): Promise<OAuthLink> {
  const db = c.get("db");
  const owner = await db
    .select({ userId: oauthAccounts.userId })
    .from(oauthAccounts)
    .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.providerUserId, profile.providerUserId)))
    .get();
  if (owner) return owner.userId === user.id ? { ok: true, created: false } : { ok: false, reason: "oauth_account_in_use" };
  // One account per provider per user, so unlinking by provider is unambiguous.
  const other = await db
    .select({ id: oauthAccounts.providerUserId })
    .from(oauthAccounts)
    .where(
      and(
        eq(oauthAccounts.userId, user.id),
        eq(oauthAccounts.provider, provider),
        ne(oauthAccounts.providerUserId, profile.providerUserId),
      ),
    )
    .get();
  if (other) return { ok: false, reason: "oauth_account_in_use" };
  const inserted = await db
    .insert(oauthAccounts)
    .values(accountRow(provider, profile, user.id, profile.verifiedEmail ?? user.email, Date.now()))
    .onConflictDoNothing()
    .returning()
    .get();
  return inserted ? { ok: true, created: true } : { ok: false, reason: "oauth_account_in_use" };
}

function accountRow(provider: OAuthProviderId, profile: OAuthProfile, userId: string, email: string, now: number): OauthAccountRow {
  return { provider, providerUserId: profile.providerUserId, userId, email, createdAt: now };
}
