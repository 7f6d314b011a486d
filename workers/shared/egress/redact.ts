/**
 * Responses are scanned for every credential the proxy injected into the call, and each
 * occurrence is replaced before the agent sees it — an upstream that echoes the request (httpbin,
 * error pages quoting the header, debug endpoints) must not hand the secret to the agent. The
 * value is looked for as is and in the encodings an echo typically uses: URL-encoded, base64,
 * base64url and JSON-escaped. Bodies are bytes: text and binary alike are scanned (as latin-1, a
 * lossless byte ↔ char mapping), so a secret inside a gzip'd download would still be missed — the
 * proxy asks for identity encoding and the runtime decodes what it gets.
 */
export const REDACTED = "[REDACTED]";

export function secretVariants(value: string): string[] {
  const utf8 = new TextEncoder().encode(value);
  const b64 = btoa(String.fromCharCode(...utf8));
  const variants = new Set([
    value,
    encodeURIComponent(value),
    b64,
    b64.replace(/=+$/, ""),
    b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
    JSON.stringify(value).slice(1, -1),
  ]);
  return [...variants].filter((v) => v.length >= 4);
}

/** Replaces every variant of every value in a string; returns the new string and how many were replaced. */
export function redactText(text: string, values: readonly string[]): { text: string; count: number } {
  let count = 0;
  let out = text;
  for (const value of values) {
    for (const variant of secretVariants(value)) {
      const parts = out.split(variant);
      if (parts.length > 1) {
        count += parts.length - 1;
        out = parts.join(REDACTED);
      }
    }
  }
  return { text: out, count };
}

/** The same over raw bytes (the response body), via a latin-1 view of them. */
export function redactBytes(bytes: Uint8Array, values: readonly string[]): { bytes: Uint8Array; count: number } {
  if (values.length === 0 || bytes.byteLength === 0) return { bytes, count: 0 };
  const latin1 = bytesToLatin1(bytes);
  const encodedValues = values.map((v) => bytesToLatin1(new TextEncoder().encode(v)));
  // Variants are computed from the UTF-8 value, then mapped to latin-1 the same way as the body.
  let count = 0;
  let out = latin1;
  for (const [i, value] of values.entries()) {
    for (const variant of new Set([encodedValues[i]!, ...secretVariants(value).map((v) => bytesToLatin1(new TextEncoder().encode(v)))])) {
      if (variant.length < 4) continue;
      const parts = out.split(variant);
      if (parts.length > 1) {
        count += parts.length - 1;
        out = parts.join(REDACTED);
      }
    }
  }
  if (count === 0) return { bytes, count: 0 };
  const result = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) result[i] = out.charCodeAt(i);
  return { bytes: result, count };
}

/** Response headers with secrets replaced (a `WWW-Authenticate` or debug header may echo one). */
export function redactHeaders(headers: Headers, values: readonly string[]): { headers: Headers; count: number } {
  if (values.length === 0) return { headers, count: 0 };
  const out = new Headers();
  let count = 0;
  for (const [name, value] of headers) {
    const r = redactText(value, values);
    count += r.count;
    out.append(name, r.text);
  }
  return { headers: out, count };
}

function bytesToLatin1(bytes: Uint8Array): string {
  let s = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return s;
}
