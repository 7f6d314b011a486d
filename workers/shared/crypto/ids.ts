/**
 * Prefixed, time-sortable ids (`agt_01JD…`): a ULID body (48-bit ms time + 80 random bits,
 * Crockford base32) behind a type prefix. Sorting by id is creation order, which gives cursor
 * pagination a stable key. Hand-written (15 lines) rather than a dependency because we only need
 * `new` and not ULID parsing or monotonic mode.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export const ID_PREFIXES = {
  user: "usr",
  session: "ses",
  tenant: "ten",
  invite: "inv",
  agent: "agt",
  team: "team",
  apiKey: "key",
  audit: "aud",
  recoveryCode: "rc",
  mfaChallenge: "mfa",
  passwordReset: "pwr",
  mail: "mail",
  alertRule: "alr",
  alert: "alt",
  webhook: "whk",
  webhookDelivery: "dlv",
  // Coordination (durable-objects/team-coordinator).
  task: "task",
  handoff: "hof",
  memory: "mem",
  workflowRun: "wfr",
  project: "prj",
  ssoConnection: "sso",
  /** API request ids (`X-Request-Id`, error bodies, logs, audit details). */
  request: "req",
  egressRule: "egr",
  egressCall: "egc",
  secret: "sec",
  vaultKey: "vk",
  skill: "skl",
  skillInvocation: "ski",
  // Billing (docs/billing.md).
  budget: "bgt",
  usageReport: "ur",
  // Runs (docs/runs.md).
  run: "run",
  // Approvals (docs/governance.md#approvals).
  approval: "apr",
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

export function newId(kind: IdKind, nowMs: number = Date.now()): string {
  let time = "";
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let rand = "";
  for (const byte of random) rand += ALPHABET[byte % 32];
  return `${ID_PREFIXES[kind]}_${time}${rand}`;
}

/**
 * The id an event gets when it must be the same every time it is built (a record derived again
 * on a retried flush, e.g. a relay message's audit event): the time part of `newId`, then 16
 * characters taken from `seed` (e.g. a SHA-256 of what identifies the record) instead of random bits.
 */
export function derivedId(kind: IdKind, nowMs: number, seed: Uint8Array): string {
  if (seed.length < 16) throw new Error("derivedId needs a seed of at least 16 bytes");
  const time = newId(kind, nowMs).slice(ID_PREFIXES[kind].length + 1, ID_PREFIXES[kind].length + 11);
  let rest = "";
  for (const byte of seed.subarray(0, 16)) rest += ALPHABET[byte % 32];
  return `${ID_PREFIXES[kind]}_${time}${rest}`;
}
