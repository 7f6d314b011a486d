/** How long the live feed waits before reconnect attempt `attempt` (1-based): 1 s doubling to 30 s, ±20 % jitter. */
export const BACKOFF_FIRST_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;

export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempt - 1));
  // Jitter: observers of a team that lost their connection together should not come back in step.
  return Math.round(base * (0.8 + random() * 0.4));
}
