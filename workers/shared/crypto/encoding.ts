import { base64url } from "jose";

const encoder = new TextEncoder();

export const b64url = {
  encode: (bytes: Uint8Array): string => base64url.encode(bytes),
  decode: (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(base64url.decode(text)),
};

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/** Constant-time equality of two byte strings (WebCrypto's `timingSafeEqual` needs equal lengths). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}
