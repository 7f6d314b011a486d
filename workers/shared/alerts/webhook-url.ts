/**
 * Which URLs a tenant may register as a webhook: https with a DNS host name, no credentials in the
 * URL. In development (`ENVIRONMENT=development`) plain http to localhost/127.0.0.1 is allowed too,
 * for local receivers. IP-literal hosts are refused: a webhook names a service, and refusing
 * literals closes the cheapest way to aim our fetches at internal addresses.
 */
export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function checkWebhookUrl(raw: string, environment: string | undefined): WebhookUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "Not a valid absolute URL." };
  }
  const development = environment === "development";
  if (url.username || url.password)
    return { ok: false, reason: "Credentials in the URL are not allowed; authenticate the request with its signature." };
  if (url.hash) return { ok: false, reason: "A fragment (#…) is never sent; remove it." };
  if (development && url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname)) return { ok: true, url: url.toString() };
  if (url.protocol !== "https:")
    return { ok: false, reason: development ? "Use https (http is allowed only for localhost in development)." : "Use https." };
  if (LOCAL_HOSTS.has(url.hostname) && !development) return { ok: false, reason: "localhost is allowed only in development." };
  if (/^[0-9.]+$/.test(url.hostname) || url.hostname.startsWith("[")) return { ok: false, reason: "Use a host name, not an IP address." };
  if (!url.hostname.includes(".") && !LOCAL_HOSTS.has(url.hostname)) return { ok: false, reason: "Use a fully qualified host name." };
  return { ok: true, url: url.toString() };
}
