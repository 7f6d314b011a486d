/**
 * The SDK's reconnect delays: exponential ceilings with a cap, full jitter, and the reset after a
 * stable connection. Pure logic with an injected random source and clock; the end-to-end
 * reconnect behaviour against the real relay is in sdk.test.ts.
 */
import { describe, expect, it } from "vitest";
import { Backoff, backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from "../../sdk/src/backoff";

const opts = { baseMs: 500, capMs: 30_000 };

describe("backoffCeiling", () => {
  it("doubles from the base and stops at the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffCeiling(a, opts))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it("never overflows for absurd attempt counts, and treats nonsense as the cap", () => {
    expect(backoffCeiling(10_000, opts)).toBe(30_000);
    expect(backoffCeiling(Number.POSITIVE_INFINITY, opts)).toBe(30_000);
    expect(backoffCeiling(-1, opts)).toBe(30_000);
  });
});

describe("backoffDelay (full jitter)", () => {
  it("is uniform in [0, ceiling): the random source's extremes map to the ends", () => {
    expect(backoffDelay(3, opts, () => 0)).toBe(0);
    expect(backoffDelay(3, opts, () => 0.999999)).toBe(3_999);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(2_000);
  });

  it("spreads real random delays over the whole range (not clustered at the ceiling)", () => {
    const delays = Array.from({ length: 2_000 }, () => backoffDelay(4, opts));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(8_000);
    const lowerHalf = delays.filter((d) => d < 4_000).length;
    // Binomial(2000, 0.5): 900–1100 holds with overwhelming probability.
    expect(lowerHalf).toBeGreaterThan(900);
    expect(lowerHalf).toBeLessThan(1_100);
  });
});

describe("Backoff", () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };

  it("grows with consecutive failures", () => {
    const b = new Backoff(DEFAULT_BACKOFF, () => 0.999999);
    expect([b.next(), b.next(), b.next()]).toEqual([499, 999, 1_999]);
    expect(b.attempt).toBe(3);
  });

  it("resets after a connection that stayed up for stableAfterMs, not after a short one", () => {
    const c = clock();
    const b = new Backoff({ ...DEFAULT_BACKOFF, stableAfterMs: 10_000 }, () => 0.999999, c.now);
    b.next();
    b.next();
    b.connected();
    c.advance(2_000); // flapping: accepted, then dropped quickly
    b.disconnected();
    expect(b.next()).toBe(1_999); // still backing off (third attempt)
    b.connected();
    c.advance(10_000);
    b.disconnected();
    expect(b.attempt).toBe(0);
    expect(b.next()).toBe(499);
  });

  it("gives up after maxAttempts", () => {
    const b = new Backoff({ ...DEFAULT_BACKOFF, maxAttempts: 2 });
    expect(b.next()).not.toBeNull();
    expect(b.next()).not.toBeNull();
    expect(b.next()).toBeNull();
  });
});
