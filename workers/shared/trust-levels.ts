/**
 * Agent trust levels 0–4: what an agent may do without a human. The one table for it; the relay,
 * egress proxy and approvals read their limits from here as those capabilities land.
 */
import { z } from "zod";

export const TrustLevelSchema = z.number().int().min(0).max(4).meta({ id: "TrustLevel", description: "0 (sandboxed) to 4 (autonomous)." });
export type TrustLevel = z.infer<typeof TrustLevelSchema>;

/**
 * `messagesPerMinute` is the relay's sustained rate per agent (send, broadcast, request, reply,
 * publish); `messageBurst` is how many it may send at once before that rate applies (token bucket).
 */
export const TRUST_LEVELS: Record<TrustLevel, { label: string; description: string; messagesPerMinute: number; messageBurst: number; mayBroadcast: boolean }> = {
  0: { label: "Sandboxed", description: "Talks only to allowlisted peers; every external action needs approval.", messagesPerMinute: 30, messageBurst: 10, mayBroadcast: false },
  1: { label: "Supervised", description: "Allowlisted peers; read-only egress; writes need approval.", messagesPerMinute: 120, messageBurst: 20, mayBroadcast: false },
  2: { label: "Standard", description: "Allowlisted peers and egress; destructive actions need approval.", messagesPerMinute: 600, messageBurst: 100, mayBroadcast: true },
  3: { label: "Trusted", description: "Acts without approval inside its allowlists.", messagesPerMinute: 1200, messageBurst: 200, mayBroadcast: true },
  4: { label: "Autonomous", description: "Highest limits; still bound by allowlists and audited.", messagesPerMinute: 3000, messageBurst: 500, mayBroadcast: true },
};
export const DEFAULT_TRUST_LEVEL: TrustLevel = 1;

export type TrustLevelRow = (typeof TRUST_LEVELS)[TrustLevel];
/** Every level, in order (for pickers). */
export const TRUST_LEVEL_VALUES = Object.keys(TRUST_LEVELS).map(Number) as TrustLevel[];

/** A number from outside (a D1 row, an API answer, a stored member) as a trust level, or null if it is none. */
export function asTrustLevel(value: number): TrustLevel | null {
  return Number.isInteger(value) && value in TRUST_LEVELS ? (value as TrustLevel) : null;
}

/** The table's row for a value, or null if the value is not a level (for display: show it as unknown). */
export function trustLevelInfo(value: number): TrustLevelRow | null {
  const level = asTrustLevel(value);
  return level === null ? null : TRUST_LEVELS[level]!;
}

/**
 * What a level may do, for enforcement (rate limits, broadcast right): a value that is not a level
 * gets level 0's row — the most restrictive — so a corrupt or future value fails closed.
 */
export function trustLimits(value: number): TrustLevelRow {
  return trustLevelInfo(value) ?? TRUST_LEVELS[0]!;
}
