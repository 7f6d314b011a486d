/** Client ids for frames: the echo key of `accepted`/`denied`/`error` and the relay's idempotency key. */
export function newClientId(): string {
  return crypto.randomUUID();
}
