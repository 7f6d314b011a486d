/**
 * `/docs`: the API reference, rendered in the browser by Redoc from `/openapi.json`. Everything the
 * page loads comes from this origin — the Redoc bundle and the page's script are static assets
 * served beside the Worker (workers/api/public/, copied from the pinned @redocly/cli by
 * scripts/docs-assets.mjs) — so it works offline, and its Content-Security-Policy forbids any
 * other origin: no third-party script, style, font, image or connection could load even if the
 * bundle asked for one (Redoc's telemetry and icon CDN are refused this way too).
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";

export const REFERENCE_SCRIPT = "/docs/assets/reference.js";

/**
 * Same-origin only. `style-src 'unsafe-inline'`: Redoc (styled-components) injects its styles at
 * run time; styles cannot run code. No `unsafe-eval`: Redoc's search probes whether it may build
 * its index worker with `Function()`, is refused, and indexes in the page instead (search works).
 */
export const REFERENCE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Switchboard API reference</title>
  </head>
  <body>
    <noscript>The reference needs JavaScript. The OpenAPI document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
    <div id="reference"></div>
    <script type="module" src="${REFERENCE_SCRIPT}"></script>
  </body>
</html>
`;

export function referencePage(c: Context<AppEnv>): Response {
  return c.html(PAGE, 200, {
    "Content-Security-Policy": REFERENCE_CSP,
    "Cache-Control": "no-cache",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
  });
}
