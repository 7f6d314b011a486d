/**
 * Webhook signatures (docs/alerts.md has the receiver's side):
 *
 *   Switchboard-Signature: t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The HMAC key is the UTF-8 bytes of the whole secret string as shown at creation (`whsec_…`).
 * Receivers recompute the HMAC over the timestamp, a dot and the raw body bytes, compare in
 * constant time, and refuse timestamps more than SIGNATURE_TOLERANCE_SECONDS from their clock.
 * Several `v1=` entries may appear (secret rotation); one matching is enough.
 */
import { constantTimeEqual, utf8 } from "../crypto/encoding";

export const SIGNATURE_HEADER = "Switchboard-Signature";
export const DELIVERY_HEADER = "Switchboard-Delivery";
export const EVENT_HEADER = "Switchboard-Event";
export const SIGNATURE_TOLERANCE_SECONDS = 300;
export const WEBHOOK_SECRET_PREFIX = "whsec_";

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function signatureHeader(secret: string, rawBody: string, unixSeconds: number): Promise<string> {
  return `t=${unixSeconds},v1=${await hmacHex(secret, `${unixSeconds}.${rawBody}`)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: "malformed" | "stale" | "mismatch" };

/** The receiver's check, also what docs/alerts.md shows. */
export async function verifySignature(
  secret: string,
  rawBody: string,
  header: string | null,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<SignatureCheck> {
  if (!header) return { ok: false, reason: "malformed" };
  const parts = header.split(",").map((p) => p.trim().split("=", 2) as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  const candidates = parts.filter(([k, v]) => k === "v1" && v).map(([, v]) => v!);
  if (!Number.isInteger(t) || candidates.length === 0) return { ok: false, reason: "malformed" };
  if (Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: "stale" };
  const expected = utf8(await hmacHex(secret, `${t}.${rawBody}`));
  return candidates.some((c) => constantTimeEqual(utf8(c), expected)) ? { ok: true } : { ok: false, reason: "mismatch" };
}
