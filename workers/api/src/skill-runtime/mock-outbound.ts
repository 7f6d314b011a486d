/**
 * The network of a skill's *dry run* (mock mode, "try it"): given to the isolate as
 * `globalOutbound` instead of the egress proxy, it judges every fetch with the proxy's own
 * `decideEgress` (the skill's network minus the tenant's deny rules, at the trust level the dry
 * run names), answers allowed calls from the responses given with the dry run or the manifest's
 * declared mocks, and lets nothing leave. Each call is recorded for the report.
 *
 * The record is kept in this isolate, keyed by the dry run's id: a `ctx.exports` entrypoint is
 * served by the Worker that made it (checked in workerd: the entrypoint and the caller share
 * module state). Only platform code sets the props; the skill's code only sees the answers.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { compilePolicy, decideEgress } from "../../../shared/egress/policy";
import { dryRunReports, type MockAnswerSpec, type MockOutboundProps } from "./dry-run-calls";
import { REASON_TEXT } from "../../../shared/egress/reasons";
import type { DenyReason } from "../../../shared/egress/reasons";
import { denialResponse, errorResponse } from "../../../egress/src/errors";

function match(specs: MockAnswerSpec[], method: string, url: string): MockAnswerSpec | undefined {
  return specs.find((m) => (!m.method || m.method.toUpperCase() === method) && url.startsWith(new URL(m.url).href));
}

export class SkillMockOutbound extends WorkerEntrypoint<Env, MockOutboundProps> {
  override async fetch(request: Request): Promise<Response> {
    const p = this.ctx.props;
    const calls = dryRunReports.get(p.dryRunId);
    const method = request.method.toUpperCase();
    if (!calls) return errorResponse("egress_denied", "This dry run is over.", { reason: "dry_run_closed" });
    await request.body?.cancel().catch(() => {});
    if (calls.length >= p.maxCalls)
      return errorResponse(
        "rate_limited",
        `A dry run makes at most ${p.maxCalls} calls.`,
        { reason: "rate_limited" },
        { "retry-after": "1" },
      );
    const verdict = decideEgress(
      compilePolicy(p.rules),
      { method, url: request.url, trustLevel: p.trustLevel },
      { platformHosts: p.platformHosts },
    );
    if (verdict.decision === "deny") {
      calls.push({
        method,
        url: request.url,
        decision: "deny",
        reason: verdict.reason,
        message: REASON_TEXT[verdict.reason],
        detail: verdict.detail,
        status: null,
        answeredBy: null,
      });
      return denialResponse({ ok: false, reason: verdict.reason as DenyReason, detail: verdict.detail });
    }
    const url = verdict.url.href;
    const given = match(p.given, method, url);
    const spec = given ?? match(p.declared, method, url);
    if (!spec) {
      calls.push({
        method,
        url,
        decision: "allow",
        reason: verdict.reason,
        message: `${REASON_TEXT[verdict.reason]} No declared or given response matches, so the call got egress_mock_missing.`,
        detail: null,
        status: 501,
        answeredBy: null,
      });
      return denialResponse({ ok: false, reason: "mock_no_match", detail: "mock mode and no declared response matches" });
    }
    calls.push({
      method,
      url,
      decision: "allow",
      reason: verdict.reason,
      message: REASON_TEXT[verdict.reason],
      detail: null,
      status: spec.status,
      answeredBy: given ? "given" : "declared",
    });
    const json = spec.body !== undefined && typeof spec.body !== "string";
    const body = spec.body === undefined ? null : json ? JSON.stringify(spec.body) : (spec.body as string);
    const nullBody = spec.status === 204 || spec.status === 304;
    return new Response(nullBody ? null : body, {
      status: spec.status,
      headers: {
        ...(json ? { "content-type": "application/json" } : {}),
        ...spec.headers,
        "x-switchboard-egress": "allowed",
        "x-switchboard-egress-mode": "mock",
      },
    });
  }
}
