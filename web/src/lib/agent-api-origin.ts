/**
 * The address agents use for the API (the SDK's `url`: an origin, no path).
 *
 * The dashboard itself reaches the API same-origin under /v1, through the Pages Function; agents
 * should go to the API Worker directly. The dashboard cannot discover that address at run time
 * (the Function reaches the API by service binding, which has no public URL), so it is given at
 * build time: `VITE_API_ORIGIN=https://api.example.com npm run build -w web`. Without it, the
 * dashboard's own origin is shown: it forwards every /v1 request, WebSocket upgrades included, to
 * the API, so agents work through it as well — one hop longer.
 */
export function agentApiOrigin(): string {
  const configured: unknown = import.meta.env.VITE_API_ORIGIN;
  if (typeof configured === "string" && configured !== "") {
    try {
      return new URL(configured).origin;
    } catch {
      // not a URL: fall back to the dashboard's origin
    }
  }
  return window.location.origin;
}
