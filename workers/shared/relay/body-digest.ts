/**
 * How the audit trail fingerprints a message body without keeping it — the rule a third party
 * follows to recompute `bodySha256` and `bytes` from a body it holds (a recipient from its
 * `deliver` frame, an auditor from the sender's copy):
 *
 *   text       = RFC 8785 (JCS) canonical JSON of the body   (keys sorted by UTF-16 code units,
 *                no whitespace, ECMAScript number and string forms)
 *   bodySha256 = lowercase hex SHA-256 of the UTF-8 bytes of `text`
 *   bytes      = the number of those UTF-8 bytes
 *
 * Canonical, so key order and whitespace in the sender's frame do not matter, and any language
 * with a JCS library (the `canonicalize` package is the RFC authors' own) gets the same digest.
 * The audit chain canonicalises its entries the same way (workers/shared/audit/chain.ts).
 * Browser-safe (no hashing here): the relay hashes synchronously with node:crypto; anyone else
 * may use WebCrypto over `canonicalBody(body)`.
 */
import canonicalize from "canonicalize";

export function canonicalBody(body: unknown): string {
  const text = canonicalize(body);
  if (text === undefined) throw new Error("A message body must be a JSON value.");
  return text;
}
