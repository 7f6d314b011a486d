/**
 * The proxy's refusals and failures on the wire: the API's error shape and codes (the catalogue),
 * plus `x-switchboard-egress: denied | error` so a caller of the forward form can tell the proxy's
 * answer from the upstream's. One mapping from gate reason to code.
 */
import { ERROR_CATALOGUE, type ErrorCode } from "../../shared/errors/catalogue";
import { REASON_TEXT } from "../../shared/egress/reasons";
import type { GateDenial } from "../../../durable-objects/egress-gate/egress-gate";

export function errorResponse(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  const status = ERROR_CATALOGUE[code].status;
  return Response.json(
    { error: { code, message, ...(details ? { details } : {}) } },
    {
      status,
      headers: {
        "x-switchboard-egress":
          code === "egress_denied" ||
          code === "budget_exceeded" ||
          code === "safe_mode" ||
          status === 401 ||
          status === 403 ||
          status === 429
            ? "denied"
            : "error",
        "cache-control": "no-store",
        ...headers,
      },
    },
  );
}

export function denialResponse(denial: GateDenial): Response {
  const details = {
    reason: denial.reason,
    detail: denial.detail,
    ...(denial.findings ? { findings: denial.findings } : {}),
    ...(denial.approval ?? {}),
  };
  switch (denial.reason) {
    case "agent_suspended":
      return errorResponse("agent_suspended", "The agent is suspended. An admin must resume it before it can call out.", details);
    case "agent_deleted":
    case "wrong_tenant":
      return errorResponse("unauthenticated", "The agent token does not belong to a live agent of its tenant.", details, {
        "www-authenticate": 'Bearer error="invalid_token"',
      });
    case "rate_limited":
    case "concurrency_limited":
      return errorResponse("rate_limited", REASON_TEXT[denial.reason], details, { "retry-after": String(denial.retryAfterSeconds ?? 1) });
    case "approval_required":
      return errorResponse("approval_required", REASON_TEXT.approval_required, details, { "retry-after": "5" });
    case "approval_pending":
    case "approval_denied":
    case "approval_expired":
    case "approval_not_usable":
      return errorResponse(denial.reason, REASON_TEXT[denial.reason], details);
    case "budget_exceeded":
      return errorResponse("budget_exceeded", `${REASON_TEXT.budget_exceeded} ${denial.detail}`, details);
    case "safe_mode":
      return errorResponse("safe_mode", REASON_TEXT.safe_mode, details);
    case "mock_no_match":
      return errorResponse("egress_mock_missing", REASON_TEXT.mock_no_match, details);
    default:
      return errorResponse("egress_denied", REASON_TEXT[denial.reason], details);
  }
}
