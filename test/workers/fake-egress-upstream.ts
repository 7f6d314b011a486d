/**
 * The internet as the egress proxy sees it in tests: Miniflare's `outboundService` (vitest.config.ts,
 * through fake-oauth-providers.ts) hands this handler every fetch to `*.upstream.example`. It
 * answers like small real services would and REMEMBERS every request it received, so a test can
 * ask what actually left the proxy (`GET https://log.upstream.example/requests?token=…`): that is
 * how "a credential never crosses hosts" and "mock mode lets nothing out" are proven, rather than
 * by trusting the proxy's own account. Runs in Node (vitest's process); web-standard globals only.
 *
 *   /echo/…                 200 JSON of what arrived: method, url, headers, body
 *   /redirect?to=URL&status=302    a redirect (Location exactly as given, relative or absolute)
 *   /echo-secret/…          200 text that repeats the Authorization header and the `key` query parameter
 *   /big?bytes=N            N bytes of "x"
 *   /slow?ms=N              waits, then 200
 */
export const UPSTREAM_SUFFIX = ".upstream.example";

export interface SeenRequest {
  method: string;
  url: string;
  host: string;
  headers: Record<string, string>;
  body: string;
}

const seen: SeenRequest[] = [];

export async function fakeEgressUpstream(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname === `log${UPSTREAM_SUFFIX}`) {
    const token = url.searchParams.get("token") ?? "";
    return Response.json(seen.filter((r) => r.url.includes(token)));
  }
  const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
  const record: SeenRequest = {
    method: request.method,
    url: request.url,
    host: url.hostname,
    headers: Object.fromEntries(request.headers),
    body,
  };
  seen.push(record);
  if (seen.length > 5000) seen.splice(0, 1000);

  const path = url.pathname;
  if (path.startsWith("/echo-secret")) {
    return new Response(
      `auth=${request.headers.get("authorization") ?? ""} key=${url.searchParams.get("key") ?? ""} b64=${btoa(request.headers.get("authorization") ?? "")}`,
      {
        headers: { "content-type": "text/plain", "x-debug-auth": request.headers.get("authorization") ?? "" },
      },
    );
  }
  if (path.startsWith("/echo")) return Response.json(record, { headers: { "set-cookie": "session=abc; Path=/" } });
  if (path.startsWith("/redirect")) {
    return new Response(null, {
      status: Number(url.searchParams.get("status") ?? 302),
      headers: { location: url.searchParams.get("to") ?? "/" },
    });
  }
  if (path.startsWith("/big"))
    return new Response("x".repeat(Number(url.searchParams.get("bytes") ?? 0)), { headers: { "content-type": "text/plain" } });
  if (path.startsWith("/slow")) {
    await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms") ?? 100)));
    return new Response("slow", { headers: { "content-type": "text/plain" } });
  }
  return Response.json({ ok: true, path }, { status: 200 });
}
