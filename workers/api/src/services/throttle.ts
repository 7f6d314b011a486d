/**
 * Authentication throttling limits, in one place. Login: per source IP (all attempts), per
 * account and client (failures) and per account from unknown clients (failures). MFA: wrong codes per account, across sign-in challenges and account-security
 * actions, so a stolen password cannot buy unlimited guesses by opening new challenges. Password
 * reset requests: per source IP and per address (counted whether or not the account exists, so the
 * limit reveals nothing). All answer 429 with Retry-After.
 */
import type { RateLimitResult } from "../../../../durable-objects/rate-limiter";
import { ApiError } from "../http/api-error";

/** Sign-in: see services/login-throttle.ts for how these combine (nobody can lock a person out). */
export const LOGIN_LIMITS = {
  /** Every attempt from one source address, whatever the account. */
  perIp: { limit: 30, windowMs: 15 * 60 * 1000 },
  /** Failures for one account from one client: a browser it signed in from before, or else a source address. */
  perClientFailures: { limit: 5, windowMs: 15 * 60 * 1000 },
  /** Failures for one account from clients it never signed in from, all addresses together (distributed guessing). */
  perAccountFailures: { limit: 50, windowMs: 15 * 60 * 1000 },
} as const;

export const MFA_LIMITS = {
  perAccountFailures: { limit: 10, windowMs: 15 * 60 * 1000 },
} as const;

export const FORGOT_PASSWORD_LIMITS = {
  perIp: { limit: 10, windowMs: 60 * 60 * 1000 },
  perEmail: { limit: 3, windowMs: 60 * 60 * 1000 },
} as const;

/**
 * Agent token exchange, failures only (agents exchange every few minutes, many behind one IP).
 * Per IP: over the limit, everything from that IP is refused before any lookup. Per agent id: only
 * wrong attempts are refused, a right secret always gets through, so nobody can lock an agent out
 * by failing with its (not secret) id; with 256-bit secrets guessing is hopeless anyway.
 */
export const AGENT_TOKEN_LIMITS = {
  perIpFailures: { limit: 30, windowMs: 15 * 60 * 1000 },
  perAgentFailures: { limit: 10, windowMs: 15 * 60 * 1000 },
} as const;

export function limiter(env: Env, key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
}

export function throwIfLimited(result: RateLimitResult, what: string): void {
  if (result.allowed) return;
  throw new ApiError(
    "rate_limited",
    `Too many ${what}. Try again in ${result.retryAfterSeconds} seconds.`,
    { retryAfterSeconds: result.retryAfterSeconds },
    { "Retry-After": String(result.retryAfterSeconds) },
  );
}
