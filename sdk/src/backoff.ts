/**
 * Reconnect delays: exponential backoff with "full jitter" (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"): delay = random(0, min(cap, base · 2^attempt)). Full jitter spreads a
 * crowd of agents that lost the relay at the same moment (a redeploy) instead of having them
 * return in waves. The attempt counter resets once a connection has been stable for a while, so
 * a brief blip after an hour of service reconnects fast, while a relay that accepts and then
 * drops every connection still backs off.
 */
export interface BackoffOptions {
  /** First ceiling, in ms (attempt 0 waits up to this). Default 500. */
  baseMs: number;
  /** Largest ceiling, in ms. Default 30 000. */
  capMs: number;
  /** A connection open this long (after `welcome`) counts as stable and resets the attempts. Default 10 000. */
  stableAfterMs: number;
  /** Give up after this many failed attempts in a row (`Infinity`: never). Default Infinity. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000, stableAfterMs: 10_000, maxAttempts: Infinity };

/** The ceiling for an attempt (0-based): min(cap, base · 2^attempt), without overflow for large attempts. */
export function backoffCeiling(attempt: number, { baseMs, capMs }: Pick<BackoffOptions, "baseMs" | "capMs">): number {
  if (attempt < 0 || !Number.isFinite(attempt)) return capMs;
  // 2^31 · base is far past any cap: stop doubling before it can overflow to Infinity.
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 31));
}

/** Full jitter: a uniformly random delay in [0, ceiling). `random` is injectable for tests. */
export function backoffDelay(
  attempt: number,
  options: Pick<BackoffOptions, "baseMs" | "capMs">,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}

/** Tracks consecutive failed attempts and when the current connection became usable. */
export class Backoff {
  private attempts = 0;
  private connectedAt: number | null = null;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  get attempt(): number {
    return this.attempts;
  }

  /** The connection is usable (welcome received). */
  connected(): void {
    this.connectedAt = this.now();
  }

  /** The connection ended: a stable one resets the count. */
  disconnected(): void {
    if (this.connectedAt !== null && this.now() - this.connectedAt >= this.options.stableAfterMs) this.attempts = 0;
    this.connectedAt = null;
  }

  /** The delay before the next attempt, counting it; null once `maxAttempts` is used up. */
  next(): number | null {
    if (this.attempts >= this.options.maxAttempts) return null;
    return backoffDelay(this.attempts++, this.options, this.random);
  }
}
