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
import { trustLimits, type TrustLevel } from "../../workers/shared/trust-levels";
import type { RateCheck } from "./judge";

interface Bucket {
  tokens: number;
  at: number;
  /** Whether the current empty spell has been audited (once per spell, not per refused frame). */
  reported: boolean;
}

/**
 * Token buckets, read by the judge (`check`, pure) and changed by the effects (`consume` after an
 * admitted frame, `refused` after a refused one): the decision and its effect stay apart.
 */
export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();

  /** Would one more message be admitted at `now`? Changes nothing. */
  check(agentId: string, trust: TrustLevel, now: number): RateCheck {
    const { messagesPerMinute, messageBurst } = trustLimits(trust);
    const perMs = messagesPerMinute / 60_000;
    const bucket = this.buckets.get(agentId);
    const tokens = bucket ? Math.min(messageBurst, bucket.tokens + (now - bucket.at) * perMs) : messageBurst;
    if (tokens >= 1) return { ok: true };
    return { ok: false, retryAfterMs: Math.ceil((1 - tokens) / perMs), firstRefusal: !bucket?.reported };
  }

  /** Takes one token (the frame was admitted). */
  consume(agentId: string, trust: TrustLevel, now: number): void {
    const bucket = this.refill(agentId, trust, now);
    bucket.tokens -= 1;
    bucket.reported = false;
  }

  /** A frame was refused for the rate: the spell is now reported. */
  refused(agentId: string, trust: TrustLevel, now: number): void {
    this.refill(agentId, trust, now).reported = true;
  }

  forget(agentId: string): void {
    this.buckets.delete(agentId);
  }

  private refill(agentId: string, trust: TrustLevel, now: number): Bucket {
    const { messagesPerMinute, messageBurst } = trustLimits(trust);
    const bucket = this.buckets.get(agentId) ?? { tokens: messageBurst, at: now, reported: false };
    bucket.tokens = Math.min(messageBurst, bucket.tokens + (now - bucket.at) * (messagesPerMinute / 60_000));
    bucket.at = now;
    this.buckets.set(agentId, bucket);
    return bucket;
  }
}
