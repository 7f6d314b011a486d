/**
 * Brute-force protection for password sign-in that nobody can turn against the person it protects.
 *
 * A plain per-account lockout ("5 failures, then even the right password is refused") lets anyone
 * lock anyone out by sending five wrong passwords every 15 minutes. Like the smart lockouts of the
 * big identity providers (Microsoft Entra, Okta, Auth0), we lock *the client that fails*, not the
 * account:
 *
 * 1. every attempt from one source address counts (LOGIN_LIMITS.perIp): an address spraying many
 *    accounts is refused whatever it tries;
 * 2. failures for an account count per client (perClientFailures): a browser that signed in to the
 *    account before (its `sb_device` cookie, services/known-device.ts) is its own client, anything
 *    else is its source address. Five failures lock that client out of that account; the person,
 *    on their own browser or from another address, is not affected;
 * 3. failures for an account from clients it has never signed in from count together as well
 *    (perAccountFailures): guessing spread over many addresses ends after 50 per window — and even
 *    then only *unrecognised* clients are refused; the person's own browsers still get in, and a
 *    password reset (proof of the mailbox) clears it.
 *
 * A successful sign-in clears its client's failures, never the account-wide count (else an
 * attacker's budget would refill whenever the victim signs in). Accounts with MFA still need the
 * second factor after the right password; its wrong codes have their own limit (second-factor.ts).
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { knownDeviceId } from "./known-device";
import { limiter, LOGIN_LIMITS, throwIfLimited } from "./throttle";

export interface LoginThrottle {
  /** The client is a browser this account signed in from before. */
  readonly knownDevice: boolean;
  recordFailure(): Promise<void>;
  recordSuccess(): Promise<void>;
}

export const accountFailuresKey = (email: string) => `login:account:${email}`;

/**
 * Checks the limits for this attempt (throws 429 `rate_limited` with Retry-After when over one) and
 * returns how to record its outcome. `findUser` loads the account the email names, if any — only
 * once the address is known to be under its limit — since a device cookie vouches for an account.
 */
export async function checkLoginThrottle<U extends { id: string }>(
  c: Context<AppEnv>,
  email: string,
  findUser: () => Promise<U | undefined>,
): Promise<LoginThrottle & { user: U | undefined }> {
  const { perIp, perClientFailures, perAccountFailures } = LOGIN_LIMITS;
  const ip = c.get("ip") ?? "unknown";
  throwIfLimited(await limiter(c.env, `login:ip:${ip}`).consume(perIp.limit, perIp.windowMs), "sign-in attempts from your network");

  const user = await findUser();
  const deviceId = user ? await knownDeviceId(c, user.id) : null;
  const client = limiter(c.env, deviceId ? `login:device:${deviceId}` : `login:account-ip:${email}|${ip}`);
  const account = limiter(c.env, accountFailuresKey(email));
  throwIfLimited(
    await client.peek(perClientFailures.limit, perClientFailures.windowMs),
    "failed sign-in attempts for this account from here",
  );
  if (!deviceId) {
    throwIfLimited(
      await account.peek(perAccountFailures.limit, perAccountFailures.windowMs),
      "failed sign-in attempts for this account from unrecognised devices. Sign in from a browser you used before, or reset your password",
    );
  }

  return {
    user,
    knownDevice: deviceId !== null,
    async recordFailure() {
      await client.consume(perClientFailures.limit, perClientFailures.windowMs);
      if (!deviceId) await account.consume(perAccountFailures.limit, perAccountFailures.windowMs);
    },
    async recordSuccess() {
      await client.reset();
    },
  };
}
