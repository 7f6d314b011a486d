/**
 * The outbound side of a call: one `fetch` per hop with `redirect: "manual"` (workerd's
 * `follow` would carry cookies and custom headers to the next origin; STACK.md), the credential
 * applied last and only for the hop it was issued for, a deadline over the whole call, and the
 * body read with a byte limit.
 */
import { EGRESS_LIMITS } from "../../shared/egress/limits";
import type { Injection } from "../../../durable-objects/egress-gate/credentials";

export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function withCredential(url: string, headers: Headers, injection: Injection | null): { url: string; headers: Headers } {
  const out = new Headers(headers);
  if (!injection) return { url, headers: out };
  if (injection.type === "header") {
    out.set(injection.name, injection.value);
    return { url, headers: out };
  }
  const u = new URL(url);
  u.searchParams.set(injection.name, injection.value);
  return { url: u.href, headers: out };
}

/** Development only: the local origin an allowed host is served from (`EGRESS_DEV_UPSTREAMS`). */
export function devUpstream(url: string, environment: string | undefined, upstreams: string | undefined): string {
  if (environment !== "development" || !upstreams) return url;
  const u = new URL(url);
  for (const pair of upstreams.split(",")) {
    const [host, origin] = pair.split("=").map((s) => s.trim());
    if (host && origin && host.toLowerCase() === u.hostname) {
      const local = new URL(origin);
      return `${local.origin}${u.pathname}${u.search}`;
    }
  }
  return url;
}

/** Method and body for the next hop (Fetch standard §4.4 step 12: 303, and 301/302 after POST, become GET without a body). */
export function nextHopMethod(status: number, method: string): { method: string; keepBody: boolean } {
  if ((status === 303 && method !== "GET" && method !== "HEAD") || ((status === 301 || status === 302) && method === "POST"))
    return { method: "GET", keepBody: false };
  return { method, keepBody: true };
}

export class ResponseTooLarge extends Error {}

/** Reads a body up to the limit; throws ResponseTooLarge beyond it (and cancels the stream). */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number = EGRESS_LIMITS.maxResponseBytes,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new ResponseTooLarge(`more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
