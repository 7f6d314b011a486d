/**
 * What crosses the proxy in headers. Inbound (agent → upstream): the agent's own credentials
 * (`Authorization`, `Cookie`, `Proxy-Authorization`), `Host`, Cloudflare's `cf-*`, every
 * forwarding header (`X-Forwarded-*`, `Forwarded`, `X-Real-IP`, `True-Client-IP`, `Via`), hop-by-hop
 * headers and our own `x-switchboard-*` are dropped, so an agent can neither smuggle a credential
 * nor pretend to be somewhere it is not; credentials are injected afterwards by the proxy alone.
 * Outbound (upstream → agent): cookies and hop-by-hop/encoding headers are dropped (the body is
 * re-sent decoded and possibly redacted, so its length and encoding are ours).
 */
const DROPPED_REQUEST = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "cookie2",
  "host",
  "forwarded",
  "via",
  "x-real-ip",
  "true-client-ip",
  "client-ip",
  "x-client-ip",
  "x-cluster-client-ip",
  "x-original-url",
  "x-rewrite-url",
  "x-http-method-override",
  "x-method-override",
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "expect",
]);
const DROPPED_REQUEST_PREFIXES = ["cf-", "x-forwarded-", "x-switchboard-", "proxy-", "sec-websocket-"];

const DROPPED_RESPONSE = new Set([
  "set-cookie",
  "set-cookie2",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
  "trailer",
  "upgrade",
  "proxy-authenticate",
]);

/** The headers an agent's call may carry upstream. */
export function sanitizeRequestHeaders(input: HeadersInit | undefined): Headers {
  const out = new Headers();
  for (const [name, value] of new Headers(input)) {
    const lower = name.toLowerCase();
    if (DROPPED_REQUEST.has(lower) || DROPPED_REQUEST_PREFIXES.some((p) => lower.startsWith(p))) continue;
    out.append(lower, value);
  }
  return out;
}

/** The headers of an upstream response the agent gets back. */
export function filterResponseHeaders(input: Headers): Headers {
  const out = new Headers();
  for (const [name, value] of input) {
    if (DROPPED_RESPONSE.has(name.toLowerCase())) continue;
    out.append(name, value);
  }
  return out;
}

/** Which request header names were dropped (for the audit event: names only, never values). */
export function droppedRequestHeaders(input: HeadersInit | undefined): string[] {
  const dropped: string[] = [];
  for (const [name] of new Headers(input)) {
    const lower = name.toLowerCase();
    if (DROPPED_REQUEST.has(lower) || DROPPED_REQUEST_PREFIXES.some((p) => lower.startsWith(p))) dropped.push(lower);
  }
  return [...new Set(dropped)].sort();
}
