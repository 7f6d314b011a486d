/**
 * Per-agent message rate (send, broadcast, request, reply, publish): a token bucket per agent
 * with the rate and burst of its trust level (TRUST_LEVELS, the one table).
 *
 * The buckets live in memory, deliberately: checking a rate must not cost a SQL row write per
 * message. What eviction does to them: the runtime evicts a relay only after it has been idle
 * (no events) for a while — ≥ 10 s — and an idle agent's bucket has refilled by then anyway
 * (rate × idle time). A fresh bucket starts full, so the most an eviction can hand an agent is
 * one burst earlier than it would otherwise have had; it can never raise the sustained rate.
 * An agent cannot force an eviction (sending keeps the object awake). See docs/relay.md.
 */
import { TRUST_LEVELS, type TrustLevel } from "../../workers/shared/trust-levels";

interface Bucket {
  tokens: number;
  at: number;
  /** Whether the current empty spell has been audited (once per spell, not per refused frame). */
  reported: boolean;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number; firstRefusal: boolean };

export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();

  take(agentId: string, trust: TrustLevel, now = Date.now()): TakeResult {
    const { messagesPerMinute, messageBurst } = trustLimits(trust);
    const perMs = messagesPerMinute / 60_000;
    const bucket = this.buckets.get(agentId) ?? { tokens: messageBurst, at: now, reported: false };
    bucket.tokens = Math.min(messageBurst, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(agentId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.reported = false;
      return { ok: true };
    }
    const firstRefusal = !bucket.reported;
    bucket.reported = true;
    return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / perMs), firstRefusal };
  }

  forget(agentId: string): void {
    this.buckets.delete(agentId);
  }
}

/** The trust table's row for a level; an unknown level gets level 0's (the most restrictive) limits. */
export function trustLimits(trust: number): (typeof TRUST_LEVELS)[TrustLevel] {
  return TRUST_LEVELS[trust as TrustLevel] ?? TRUST_LEVELS[0]!;
}
