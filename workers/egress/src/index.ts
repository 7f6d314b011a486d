/**
 * The egress proxy Worker. Two ways in for agents (both wrapped by the SDK, sdk/src/egress.ts):
 *
 *   POST /v1/fetch                             JSON envelope: { url, method, headers, body } → { status, headers, body, … }
 *   ANY  /proxy/<https|http>/<host>/<path>?q   forward form: the upstream's answer as is (drop-in fetch)
 *
 * and one for code the platform runs on an agent's behalf (a custom skill, issue 19): the
 * `EgressOutbound` entrypoint, given to the skill's Dynamic Worker as `globalOutbound` with props
 * `{ tenant, agent, skill, version, run }`, so every fetch the skill makes goes through the same
 * pipeline. Contract: docs/egress.md.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { EgressEnvelopeRequestSchema, type EgressEnvelopeResponse } from "../../shared/schemas/egress";
import { EGRESS_LIMITS } from "../../shared/egress/limits";
import { authenticate } from "./auth";
import type { EgressEnv, EgressProps } from "./env";
import { denialResponse, errorResponse } from "./errors";
import { proxyCall, type ProxyResult } from "./proxy";
import { readLimited, ResponseTooLarge } from "./upstream";

export default {
  async fetch(request: Request, env: EgressEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/health") return Response.json({ ok: true, service: "switchboard-egress" });
      if (url.pathname === "/v1/fetch")
        return request.method === "POST"
          ? await envelope(request, env, ctx)
          : errorResponse("method_not_allowed", "Use POST /v1/fetch.", undefined, { allow: "POST" });
      if (url.pathname.startsWith("/proxy/")) return await forward(request, env, ctx);
      return errorResponse("not_found", "Unknown path. The egress proxy serves POST /v1/fetch and /proxy/<scheme>/<host>/<path>.");
    } catch (err) {
      console.error(JSON.stringify({ msg: "egress error", path: url.pathname, err: String((err as Error)?.stack ?? err) }));
      return errorResponse("internal_error", "The egress proxy failed unexpectedly.");
    }
  },
} satisfies ExportedHandler<EgressEnv>;

/** What a skill's code gets as `globalOutbound`: its fetches, through the proxy, as the agent that runs it. */
export class EgressOutbound extends WorkerEntrypoint<EgressEnv, EgressProps> {
  override async fetch(request: Request): Promise<Response> {
    const { tenant, agent, skill, version, run, platformHosts } = this.ctx.props;
    const body = await bodyOf(request);
    if (body instanceof Response) return body;
    const env = platformHosts?.length
      ? { ...this.env, EGRESS_PLATFORM_HOSTS: [this.env.EGRESS_PLATFORM_HOSTS ?? "", ...platformHosts].filter(Boolean).join(",") }
      : this.env;
    const result = await proxyCall(
      env,
      (p) => this.ctx.waitUntil(p),
      { agentId: agent, tenantId: tenant, skill, skillVersion: version, run: run || null, via: "outbound" },
      { method: request.method, url: request.url, headers: request.headers, body, selfHost: null },
    );
    return asForwardResponse(result);
  }
}

async function envelope(request: Request, env: EgressEnv, ctx: ExecutionContext): Promise<Response> {
  const who = await authenticate(env, request, "envelope");
  if (who instanceof Response) return who;
  if (!(request.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json"))
    return errorResponse("unsupported_media_type", "Send the envelope as application/json.");
  let raw: Uint8Array;
  try {
    raw = await readLimited(request.body, EGRESS_LIMITS.maxEnvelopeBytes);
  } catch (err) {
    if (err instanceof ResponseTooLarge)
      return errorResponse("payload_too_large", `The envelope is larger than ${EGRESS_LIMITS.maxEnvelopeBytes} bytes.`, {
        maxBytes: EGRESS_LIMITS.maxEnvelopeBytes,
      });
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    return errorResponse("invalid_json", "The body is not valid JSON.");
  }
  const parsed = EgressEnvelopeRequestSchema.safeParse(json);
  if (!parsed.success)
    return errorResponse("validation_failed", "The envelope is not valid.", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), code: i.code, message: i.message })),
    });
  const { url, method, headers, body, bodyEncoding } = parsed.data;
  let bytes: Uint8Array | null = null;
  if (body !== undefined) {
    try {
      bytes = bodyEncoding === "base64" ? Uint8Array.from(atob(body), (c) => c.charCodeAt(0)) : new TextEncoder().encode(body);
    } catch {
      return errorResponse("validation_failed", "`body` is not valid base64.", {
        issues: [{ path: "body", code: "invalid_base64", message: "Not base64." }],
      });
    }
  }
  const result = await proxyCall(env, (p) => ctx.waitUntil(p), who, {
    method,
    url,
    headers,
    body: bytes,
    selfHost: new URL(request.url).hostname,
  });
  if (result.kind !== "response") return failure(result);
  const text = decodeText(result.body, result.headers.get("content-type"));
  const answer: EgressEnvelopeResponse = {
    status: result.status,
    headers: Object.fromEntries(result.headers),
    body: text ?? btoa(String.fromCharCode(...result.body)),
    bodyEncoding: text === null ? "base64" : "utf8",
    url: result.url,
    redirects: result.redirects,
    callId: result.callId,
    mode: result.mode,
  };
  return Response.json(answer, { headers: { "x-switchboard-egress": "allowed", "cache-control": "no-store" } });
}

async function forward(request: Request, env: EgressEnv, ctx: ExecutionContext): Promise<Response> {
  const who = await authenticate(env, request, "forward");
  if (who instanceof Response) return who;
  const incoming = new URL(request.url);
  const match = /^\/proxy\/([^/]+)\/(.+)$/.exec(incoming.pathname);
  if (!match || (match[1] !== "https" && match[1] !== "http"))
    return errorResponse("bad_request", "Forward form: /proxy/https/<host>/<path> (or /proxy/http/… where a rule allows plain http).");
  const target = `${match[1]}://${match[2]}${incoming.search}`;
  const body = await bodyOf(request);
  if (body instanceof Response) return body;
  return asForwardResponse(
    await proxyCall(env, (p) => ctx.waitUntil(p), who, {
      method: request.method,
      url: target,
      headers: request.headers,
      body,
      selfHost: incoming.hostname,
    }),
  );
}

async function bodyOf(request: Request): Promise<Uint8Array | null | Response> {
  if (request.method === "GET" || request.method === "HEAD" || !request.body) return null;
  try {
    return await readLimited(request.body, EGRESS_LIMITS.maxRequestBytes);
  } catch (err) {
    if (err instanceof ResponseTooLarge)
      return errorResponse("payload_too_large", `The request body is larger than ${EGRESS_LIMITS.maxRequestBytes} bytes.`, {
        maxBytes: EGRESS_LIMITS.maxRequestBytes,
      });
    throw err;
  }
}

function asForwardResponse(result: ProxyResult): Response {
  if (result.kind !== "response") return failure(result);
  const headers = new Headers(result.headers);
  headers.set("x-switchboard-egress", "allowed");
  headers.set("x-switchboard-egress-call", result.callId);
  headers.set("x-switchboard-egress-mode", result.mode);
  const nullBody = result.status === 204 || result.status === 304 || (result.status >= 100 && result.status < 200);
  return new Response(nullBody ? null : result.body, { status: result.status < 200 ? 502 : result.status, headers });
}

function failure(result: Exclude<ProxyResult, { kind: "response" }>): Response {
  return result.kind === "denied" ? denialResponse(result.denial) : errorResponse(result.code, result.message, result.details);
}

/** UTF-8 text for textual content types (and bodies that decode cleanly), else null (sent as base64). */
function decodeText(body: Uint8Array, contentType: string | null): string | null {
  const type = (contentType ?? "").toLowerCase();
  const textual = type === "" || type.startsWith("text/") || /json|xml|javascript|x-www-form-urlencoded|graphql|yaml|csv/.test(type);
  if (!textual) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    return null;
  }
}
