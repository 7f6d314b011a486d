/**
 * Outbound HTTP through Switchboard's egress proxy (docs/egress.md). The agent holds no API keys:
 * the proxy checks every call against the agent's policy and injects the credentials an admin
 * bound to the host. Two ways, both authenticated by an egress agent token that this module
 * exchanges and renews itself:
 *
 * - `createEgressFetch(options)` — a drop-in `fetch`: `await egressFetch("https://api.github.com/…")`
 *   is sent to `<egressUrl>/proxy/https/api.github.com/…` and answers with the upstream's response.
 *   A refusal by the proxy is a Response too (403/429/501/502/504, JSON error body); tell it apart
 *   with `egressOutcome(res)` or pass `throwOnRefusal: true` to get an `EgressRefusedError`.
 * - `egressEnvelope(options, request)` — the JSON envelope (`POST /v1/fetch`): body as text or
 *   base64, the redirects followed and the call id for the audit trail.
 */
import { EgressEnvelopeResponseSchema, type EgressEnvelopeResponse } from "@switchboard/protocol/egress";

export type { EgressEnvelopeResponse };
import { SwitchboardError } from "./errors";
import { TokenSource } from "./token";

export interface EgressOptions {
  /** The API's base URL (token exchange), e.g. `http://localhost:8787`. */
  url: string;
  /** The egress proxy's base URL, e.g. `http://localhost:8789`. */
  egressUrl: string;
  agentId: string;
  secret: string;
  /** Calls made on behalf of an installed skill: its network permissions and secrets apply (and only those). */
  skill?: string;
  /** A run id recorded with every call in the audit trail. */
  run?: string;
  /** Throw `EgressRefusedError` when the proxy (not the upstream) refuses or fails. Default false. */
  throwOnRefusal?: boolean;
  /** The fetch used to reach the API and the proxy (default: the global one). */
  fetch?: typeof fetch;
}

/** The proxy refused or could not complete the call; `code` and `reason` are docs/egress.md's. */
export class EgressRefusedError extends SwitchboardError {
  constructor(
    readonly status: number,
    code: string,
    /** The policy reason (`no_matching_rule`, `private_address`, …) when there is one. */
    readonly reason: string | null,
    message: string,
  ) {
    super(`Egress ${status} ${code}${reason ? ` (${reason})` : ""}: ${message}`, code);
  }
}

export type EgressOutcome = { by: "upstream" } | { by: "proxy"; status: number; code: string; reason: string | null; message: string };

/** Whether a response came from the upstream or is the proxy's own refusal/failure (its `x-switchboard-egress` header). */
export async function egressOutcome(res: Response): Promise<EgressOutcome> {
  const marker = res.headers.get("x-switchboard-egress");
  if (marker === "allowed" || marker === null) return { by: "upstream" };
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { error?: { code?: string; message?: string; details?: { reason?: string } } } | null;
  return {
    by: "proxy",
    status: res.status,
    code: body?.error?.code ?? `http_${res.status}`,
    reason: body?.error?.details?.reason ?? null,
    message: body?.error?.message ?? res.statusText,
  };
}

function tokens(options: EgressOptions): TokenSource {
  return new TokenSource(
    { url: options.url, agentId: options.agentId, secret: options.secret, audience: "egress" },
    60_000,
    options.fetch ?? globalThis.fetch,
  );
}

function proxyHeaders(options: EgressOptions, token: string, base?: HeadersInit): Headers {
  const headers = new Headers(base);
  headers.set("authorization", `Bearer ${token}`);
  if (options.skill) headers.set("x-switchboard-skill", options.skill);
  if (options.run) headers.set("x-switchboard-run", options.run);
  return headers;
}

/** `https://host/path?q` → `<egressUrl>/proxy/https/host/path?q`. */
export function forwardUrl(egressUrl: string, target: string): string {
  const u = new URL(target);
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new TypeError(`The egress proxy carries http(s) only, not ${u.protocol}`);
  return `${egressUrl.replace(/\/$/, "")}/proxy/${u.protocol.slice(0, -1)}/${u.host}${u.pathname}${u.search}`;
}

/** A `fetch` whose calls go out through the egress proxy as this agent. */
export function createEgressFetch(options: EgressOptions): typeof fetch {
  const source = tokens(options);
  const doFetch = options.fetch ?? globalThis.fetch;
  const egressFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    // Buffered once, so a retry after a token refresh can send it again.
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    const send = async (token: string) =>
      doFetch(forwardUrl(options.egressUrl, request.url), {
        method: request.method,
        headers: proxyHeaders(options, token, request.headers),
        body,
        redirect: "manual",
        signal: request.signal,
      });
    let res = await send((await source.get()).token);
    if (res.status === 401) {
      source.invalidate();
      res = await send((await source.refresh()).token);
    }
    if (options.throwOnRefusal) {
      const outcome = await egressOutcome(res);
      if (outcome.by === "proxy") throw new EgressRefusedError(outcome.status, outcome.code, outcome.reason, outcome.message);
    }
    return res;
  };
  return egressFetch as typeof fetch;
}

export interface EnvelopeRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  bodyEncoding?: "utf8" | "base64";
}

/** One call through the JSON envelope. Throws `EgressRefusedError` when the proxy refuses or fails. */
export function createEgressClient(options: EgressOptions): { fetch(request: EnvelopeRequest): Promise<EgressEnvelopeResponse> } {
  const source = tokens(options);
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    async fetch(request) {
      const send = async (token: string) =>
        doFetch(`${options.egressUrl.replace(/\/$/, "")}/v1/fetch`, {
          method: "POST",
          headers: proxyHeaders(options, token, { "content-type": "application/json" }),
          body: JSON.stringify(request),
        });
      let res = await send((await source.get()).token);
      if (res.status === 401) {
        source.invalidate();
        res = await send((await source.refresh()).token);
      }
      const outcome = await egressOutcome(res);
      if (outcome.by === "proxy") throw new EgressRefusedError(outcome.status, outcome.code, outcome.reason, outcome.message);
      const parsed = EgressEnvelopeResponseSchema.safeParse(await res.json());
      if (!parsed.success)
        throw new EgressRefusedError(res.status, "invalid_response", null, "The egress proxy answered with an unexpected body.");
      return parsed.data;
    },
  };
}
