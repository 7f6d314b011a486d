/**
 * SSO test helpers: configure a tenant's connection through the API, and walk a person through a
 * real provider's sign-in (oidc-provider's development form, driven over HTTP with its cookies)
 * and back to our callback. Runs in workerd; the providers run in vitest's Node process.
 */
import { exports } from "cloudflare:workers";
import { BASE, call, type CallResult } from "./harness";

/** A browser navigation: redirects are answered, not followed. */
export async function navigate(path: string, cookie?: string): Promise<CallResult> {
  const res = await exports.default.fetch(new Request(`${BASE}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} }));
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}

export interface SsoResult {
  /** The callback's answer: 302 to the landing page, or to /login?error=. */
  callback: CallResult;
  location: string;
  /** The session cookie, when signed in. */
  cookie: string | null;
}

export function putSso(tenantId: string, cookie: string, body: Record<string, unknown>) {
  return call(`/v1/tenants/${tenantId}/sso`, { method: "PUT", body, cookie });
}

export async function setProviderAccount(issuer: string, email: string, account: { name?: string; groups?: string[] }): Promise<void> {
  const res = await fetch(`${issuer}/__accounts/${encodeURIComponent(email)}`, { method: "PUT", body: JSON.stringify(account) });
  if (res.status !== 204) throw new Error(`provider account setup failed: ${res.status}`);
}

/** GET /v1/auth/sso/start: the provider URL and this browser's sealed flow cookie. */
export async function startSso(email: string): Promise<{ authorizeUrl: URL; flowCookie: string }> {
  const res = await navigate(`/v1/auth/sso/start?email=${encodeURIComponent(email)}`);
  if (res.status !== 302) throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
  const location = res.headers.get("location")!;
  if (location.startsWith("/login")) throw new Error(`start refused: ${location}`);
  const flowCookie = /sb_sso_flow=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  if (!flowCookie) throw new Error("no flow cookie");
  return { authorizeUrl: new URL(location), flowCookie: `sb_sso_flow=${flowCookie}` };
}

/** Signs in at the provider's development form as `login`; returns where the provider redirects back to (our callback with code, state and iss). */
export async function signInAtProvider(authorizeUrl: URL, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  const step = async (url: URL, init: RequestInit = {}): Promise<URL> => {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
    }
    await res.body?.cancel();
    const location = res.headers.get("location");
    if (!location) throw new Error(`provider answered ${res.status} without a redirect at ${url.pathname}`);
    return new URL(location, url);
  };
  let next = await step(authorizeUrl);
  for (let i = 0; i < 5 && next.origin === authorizeUrl.origin; i++) {
    if (next.pathname.startsWith("/interaction/")) {
      next = await step(next, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ prompt: "login", login, password: "any" }),
      });
    } else {
      next = await step(next);
    }
  }
  return next;
}

/** Delivers the provider's redirect to our callback in the browser that holds `flowCookie`. */
export async function finishSso(callbackUrl: URL, flowCookie: string): Promise<SsoResult> {
  const res = await navigate(`${callbackUrl.pathname}${callbackUrl.search}`, flowCookie);
  const session = /sb_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  return { callback: res, location: res.headers.get("location") ?? "", cookie: session ? `sb_session=${session}` : null };
}

export async function ssoLogin(email: string, login = email): Promise<SsoResult> {
  const { authorizeUrl, flowCookie } = await startSso(email);
  return finishSso(await signInAtProvider(authorizeUrl, login), flowCookie);
}
