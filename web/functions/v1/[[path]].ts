/**
 * Same-origin API: every `/v1/*` request to the dashboard is handed to the API Worker through the
 * `API` service binding (web/wrangler.toml), unchanged.
 *
 * The request keeps its ORIGINAL URL (the dashboard's origin), method, headers (Cookie, Origin,
 * CF-Connecting-IP) and body, because the API derives security decisions from them: the session
 * cookie drops `Secure` only on localhost, the CSRF check allows the request's own origin, and
 * OAuth callback and password-reset links are built on it. The response, including every
 * Set-Cookie, goes back untouched — redirects too (`redirect: "manual"`): the OAuth start and
 * callback answer 302 with cookies, and the browser, not this function, must follow them.
 * Static files and the SPA fallback never reach this function: Pages routes only `/v1/*` here.
 *
 * WebSocket upgrades (the dashboard's live relay feed, `/v1/tenants/…/relay/observe`) pass through
 * the same way: the Upgrade header travels with the request, and the API's 101 response — with
 * its WebSocket — is returned as is, so the browser's socket is joined to the relay's. Checked
 * end to end by test/browser/relay.test.ts.
 */
interface Env {
  API: Fetcher;
}

export const onRequest: PagesFunction<Env> = async ({ request, env }) => {
  try {
    return await env.API.fetch(new Request(request, { redirect: "manual" }));
  } catch (err) {
    // The binding itself failed: the API is not deployed, or locally its process is not running
    // (or is restarting after a code change).
    // Answer in the API's error shape so the dashboard shows a sentence rather than a blank page.
    console.error(JSON.stringify({ level: "error", msg: "API service binding failed", error: String(err) }));
    return Response.json(
      { error: { code: "internal_error", message: "The dashboard could not reach the API. Try again in a moment." } },
      { status: 500 },
    );
  }
};
