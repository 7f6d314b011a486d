/**
 * Login throttling limits, in one place: per source IP (all attempts) and per account (failures).
 * Both answer 429 with Retry-After.
 */
import type { RateLimitResult } from "../../../../durable-objects/rate-limiter";
import { ApiError } from "../http/api-error";

export const LOGIN_LIMITS = {
  perIp: { limit: 30, windowMs: 15 * 60 * 1000 },
  perAccountFailures: { limit: 5, windowMs: 15 * 60 * 1000 },
} as const;

export function limiter(env: Env, key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
}

export function throwIfLimited(result: RateLimitResult, what: string): void {
  if (result.allowed) return;
  throw new ApiError("rate_limited", `Too many ${what}. Try again in ${result.retryAfterSeconds} seconds.`, { retryAfterSeconds: result.retryAfterSeconds }, { "Retry-After": String(result.retryAfterSeconds) });
}
