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
