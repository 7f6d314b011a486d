/**
 * Per-call limits of the egress proxy (per-agent rates and concurrency come from the trust-level
 * table, workers/shared/trust-levels.ts). The response is buffered (to scan it for secrets and to
 * enforce the size limit), so the size limit also bounds the proxy's memory per call.
 */
export const EGRESS_LIMITS = {
  /** Redirect hops followed, each re-checked against the policy. */
  maxRedirects: 5,
  /** Whole call (all hops, headers and body), ms. */
  timeoutMs: 30_000,
  /** Response body bytes returned to the agent. */
  maxResponseBytes: 10 * 1024 * 1024,
  /** Request body bytes the agent may send (forward form). */
  maxRequestBytes: 10 * 1024 * 1024,
  /** The JSON envelope's body (it travels inside JSON). */
  maxEnvelopeBytes: 2 * 1024 * 1024,
} as const;
