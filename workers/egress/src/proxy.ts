/**
 * One proxied call, whatever the entry (JSON envelope, forward form, or the `EgressOutbound`
 * entrypoint a skill's code is given as `globalOutbound`): sanitize the agent's headers → the
 * agent's EgressGate admits (policy, trust, limits, mode, credential) → fetch hop by hop with
 * `redirect: "manual"`, asking the gate about every hop → read the body within the limit → redact
 * every injected secret from headers and body → release the call to the gate (audit + metering,
 * after the answer, in `waitUntil`). Returns the upstream's answer, or a refusal, as data; the
 * entry turns it into its wire form.
 */
import type { CallOutcome, GateDenial } from "../../../durable-objects/egress-gate/egress-gate";
import type { Injection } from "../../../durable-objects/egress-gate/credentials";
import { droppedRequestHeaders, filterResponseHeaders, sanitizeRequestHeaders } from "../../shared/egress/headers";
import { EGRESS_LIMITS } from "../../shared/egress/limits";
import { redactBytes, redactHeaders } from "../../shared/egress/redact";
import { chargeRefusal, chargeRun } from "../../shared/runs/ledger";
import { isRunId } from "../../shared/runs/schemas";
import type { EgressEnv, EgressIdentity } from "./env";
import { devUpstream, nextHopMethod, readLimited, REDIRECT_STATUSES, ResponseTooLarge, withCredential } from "./upstream";

export interface OutboundRequest {
  method: string;
  url: string;
  headers: HeadersInit | undefined;
  body: Uint8Array | null;
  /** The host the proxy itself was reached on: never a destination. */
  selfHost: string | null;
}

export type ProxyResult =
  | {
      kind: "response";
      status: number;
      headers: Headers;
      body: Uint8Array;
      url: string;
      redirects: string[];
      callId: string;
      mode: "live" | "mock";
    }
  | { kind: "denied"; denial: GateDenial }
  | {
      kind: "failed";
      code: "egress_upstream_failed" | "egress_upstream_timeout" | "egress_response_too_large" | ReturnType<typeof chargeRefusal>["code"];
      message: string;
      details: Record<string, unknown>;
    };

export function gateFor(env: EgressEnv, agentId: string) {
  return env.EGRESS_GATE.get(env.EGRESS_GATE.idFromName(agentId));
}

export function platformHosts(env: EgressEnv, selfHost: string | null): string[] {
  return [
    ...(selfHost ? [selfHost] : []),
    ...(env.EGRESS_PLATFORM_HOSTS ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  ];
}

export async function proxyCall(
  env: EgressEnv,
  waitUntil: (p: Promise<unknown>) => void,
  who: EgressIdentity,
  req: OutboundRequest,
): Promise<ProxyResult> {
  // Runs (docs/runs.md): a call made for a run counts against its egress budget, before the gate.
  if (isRunId(who.run)) {
    const charged = await chargeRun(env.DB, { runId: who.run, tenantId: who.tenantId, agentId: who.agentId, kind: "egress" });
    if (!charged.ok) return { kind: "failed", ...chargeRefusal(charged, who.run) };
  }
  const gate = gateFor(env, who.agentId);
  const headers = sanitizeRequestHeaders(req.headers);
  const hosts = platformHosts(env, req.selfHost);
  const admission = await gate.admit({
    agentId: who.agentId,
    tenantId: who.tenantId,
    method: req.method,
    url: req.url,
    skill: who.skill,
    skillVersion: who.skillVersion ?? null,
    run: who.run,
    via: who.via,
    droppedHeaders: droppedRequestHeaders(req.headers),
    bytesOut: req.body?.byteLength ?? 0,
    platformHosts: hosts,
    body: req.body,
    contentType: headers.get("content-type"),
    // Our own header (dropped before the call goes upstream, like every x-switchboard-* header).
    approvalId: new Headers(req.headers).get("x-switchboard-approval")?.trim() || null,
  });
  if (!admission.ok) return { kind: "denied", denial: admission };
  const ticket = admission.ticket;
  const release = (outcome: CallOutcome) =>
    waitUntil(
      gate
        .release(ticket, outcome)
        .catch((err) => console.error(JSON.stringify({ msg: "egress release failed", ticket, err: String(err) }))),
    );

  if (admission.mode === "mock") {
    const body = new TextEncoder().encode(admission.mock.body);
    release({ status: admission.mock.status, bytesIn: body.byteLength, redirects: [], redactions: 0, error: null });
    return {
      kind: "response",
      status: admission.mock.status,
      headers: new Headers(admission.mock.headers),
      body,
      url: admission.url,
      redirects: [],
      callId: ticket,
      mode: "mock",
    };
  }

  const deadline = AbortSignal.timeout(EGRESS_LIMITS.timeoutMs);
  const secrets: string[] = [];
  const redirects: string[] = [];
  let url = admission.url;
  let method = req.method.toUpperCase();
  let body = req.body;
  let injection: Injection | null = admission.injection;
  let response: Response;
  for (let hop = 0; ; hop++) {
    // Redact the secret and what was sent (e.g. `Bearer <secret>`): an echo may encode the whole header value.
    if (injection) secrets.push(injection.secret, ...(injection.value !== injection.secret ? [injection.value] : []));
    const outgoing = withCredential(url, headers, injection);
    try {
      response = await fetch(devUpstream(outgoing.url, env.ENVIRONMENT, env.EGRESS_DEV_UPSTREAMS), {
        method,
        headers: outgoing.headers,
        body: body && method !== "GET" && method !== "HEAD" ? body : undefined,
        redirect: "manual",
        signal: deadline,
      });
    } catch (err) {
      const timedOut = deadline.aborted;
      release({
        status: null,
        bytesIn: 0,
        redirects,
        redactions: 0,
        error: timedOut ? "timeout" : `fetch failed: ${String((err as Error)?.message ?? err)}`,
      });
      return timedOut
        ? {
            kind: "failed",
            code: "egress_upstream_timeout",
            message: `The upstream did not answer within ${EGRESS_LIMITS.timeoutMs} ms.`,
            details: { timeoutMs: EGRESS_LIMITS.timeoutMs },
          }
        : {
            kind: "failed",
            code: "egress_upstream_failed",
            message: "The upstream could not be reached.",
            details: { host: new URL(url).hostname },
          };
    }
    const location = response.headers.get("location");
    if (!REDIRECT_STATUSES.has(response.status) || location === null) break;
    await response.body?.cancel().catch(() => {});
    const next = safeResolve(location, url);
    if (hop + 1 > EGRESS_LIMITS.maxRedirects) {
      const denial: GateDenial = { ok: false, reason: "too_many_redirects", detail: `more than ${EGRESS_LIMITS.maxRedirects} redirects` };
      release({
        status: response.status,
        bytesIn: 0,
        redirects,
        redactions: 0,
        error: null,
        deniedHop: { reason: "too_many_redirects", detail: denial.detail, hop: hop + 1 },
      });
      return { kind: "denied", denial };
    }
    const nextMethod = nextHopMethod(response.status, method);
    const check = await gate.hop(ticket, next, nextMethod.method);
    if (!check.ok) {
      release({
        status: response.status,
        bytesIn: 0,
        redirects,
        redactions: 0,
        error: null,
        deniedHop: { reason: check.reason as never, detail: check.detail, hop: hop + 1 },
      });
      return { kind: "denied", denial: check };
    }
    redirects.push(check.url);
    url = check.url;
    method = nextMethod.method;
    if (!nextMethod.keepBody) body = null;
    injection = check.injection;
  }

  let bytes: Uint8Array;
  try {
    bytes = await readLimited(response.body);
  } catch (err) {
    const tooLarge = err instanceof ResponseTooLarge;
    release({
      status: response.status,
      bytesIn: 0,
      redirects,
      redactions: 0,
      error: tooLarge ? "response_too_large" : deadline.aborted ? "timeout" : `body failed: ${String(err)}`,
    });
    if (tooLarge)
      return {
        kind: "failed",
        code: "egress_response_too_large",
        message: `The response is larger than ${EGRESS_LIMITS.maxResponseBytes} bytes.`,
        details: { maxBytes: EGRESS_LIMITS.maxResponseBytes },
      };
    return deadline.aborted
      ? {
          kind: "failed",
          code: "egress_upstream_timeout",
          message: `The upstream did not finish within ${EGRESS_LIMITS.timeoutMs} ms.`,
          details: { timeoutMs: EGRESS_LIMITS.timeoutMs },
        }
      : { kind: "failed", code: "egress_upstream_failed", message: "The upstream broke off while sending its response.", details: {} };
  }
  const redactedBody = redactBytes(bytes, secrets);
  const redactedHeaders = redactHeaders(filterResponseHeaders(response.headers), secrets);
  release({
    status: response.status,
    bytesIn: bytes.byteLength,
    redirects,
    redactions: redactedBody.count + redactedHeaders.count,
    error: null,
  });
  return {
    kind: "response",
    status: response.status,
    headers: redactedHeaders.headers,
    body: redactedBody.bytes,
    url,
    redirects,
    callId: ticket,
    mode: "live",
  };
}

/** A Location resolved against the URL that sent it; an unparseable one becomes a URL the guard refuses. */
function safeResolve(location: string, base: string): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}
