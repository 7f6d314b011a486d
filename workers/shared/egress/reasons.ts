/**
 * Why the egress proxy allowed or refused a call: the `reason` of every decision, audit event and
 * `egress_denied` error. One list, so the docs (docs/egress.md), the dashboard and alert rules
 * speak the same words. Guard reasons (the URL itself is unsafe) come before policy reasons.
 */
export const DENY_REASONS = [
  // The URL (SSRF guard, workers/shared/egress/target.ts)
  "invalid_url",
  "scheme_not_allowed",
  "userinfo_not_allowed",
  "port_not_allowed",
  "ip_literal_not_allowed",
  "private_address",
  "blocked_hostname",
  "platform_host",
  // The policy (workers/shared/egress/policy.ts)
  "no_matching_rule",
  "denied_by_tenant_rule",
  "method_not_allowed",
  "method_not_allowed_by_trust",
  "skill_not_installed",
  // The caller and its limits (the gate)
  "agent_suspended",
  "agent_deleted",
  "rate_limited",
  "concurrency_limited",
  "too_many_redirects",
  "mock_no_match",
  // The guardrails (workers/shared/egress/guardrails.ts, docs/governance.md)
  "guardrail_blocked",
  "approval_required",
  // Approvals (docs/governance.md#approvals): the call needs a person (guardrail or trust level).
  "approval_pending",
  "approval_denied",
  "approval_expired",
  "approval_not_usable",
  // Billing (docs/billing.md): a hard budget on egress calls (the agent's or the tenant's) is reached.
  "budget_exceeded",
  // Safe mode (docs/governance.md): the tenant or one of the agent's teams is held.
  "safe_mode",
  // Policies as code (docs/governance.md "Policies as code (Cedar)"): the tenant's Cedar set refuses the call.
  "cedar_denied",
] as const;
export type DenyReason = (typeof DENY_REASONS)[number];

export const ALLOW_REASONS = ["agent_rule", "skill_rule"] as const;
export type AllowReason = (typeof ALLOW_REASONS)[number];

/** One sentence per reason, for error messages and the dashboard. */
export const REASON_TEXT: Record<DenyReason | AllowReason, string> = {
  invalid_url: "The URL could not be parsed.",
  scheme_not_allowed: "Only https (or http where a rule allows it) can leave through the proxy.",
  userinfo_not_allowed: "URLs with a user name or password are refused.",
  port_not_allowed: "Only the scheme's default port is allowed.",
  ip_literal_not_allowed: "IP-address hosts are refused unless a rule names that exact public address.",
  private_address: "The host is a private, loopback, link-local, reserved or translated address.",
  blocked_hostname: "The host name is local or internal (localhost, .local, .internal, single-label names…).",
  platform_host: "The proxy does not call Switchboard's own hosts.",
  no_matching_rule: "No rule allows this host for this agent (default deny).",
  denied_by_tenant_rule: "A tenant deny rule matches this host.",
  method_not_allowed: "A rule matches the host but not this method or path.",
  method_not_allowed_by_trust: "The agent's trust level does not allow this method without approval.",
  skill_not_installed: "The call names a skill the agent does not have installed.",
  agent_suspended: "The agent is suspended.",
  agent_deleted: "The agent no longer exists.",
  rate_limited: "The agent's egress rate for its trust level is used up.",
  concurrency_limited: "The agent has too many egress calls in flight.",
  too_many_redirects: "The redirect chain is longer than the proxy follows.",
  mock_no_match: "Mock mode: no recorded or declared response matches this call, and nothing leaves in mock mode.",
  guardrail_blocked: "The tenant's guardrail policy blocks this call: it deletes, destroys or moves money (details.findings).",
  approval_required: "This call needs a person's approval, but no approval could be opened right now; retry later (details.findings).",
  approval_pending:
    "This call needs a person's approval (details.trigger): an approval is open (details.approvalId). Poll details.statusUrl; once approved, retry the same call with the header X-Switchboard-Approval: <approvalId>.",
  approval_denied: "A person denied the approval this call needed (details.approvalId, details.reason).",
  approval_expired: "The approval this call needed expired (details.approvalId, details.reason); retry without the header to ask again.",
  approval_not_usable:
    "The approval in X-Switchboard-Approval was already used or was given for a different method, URL or body; an approval covers exactly one call, once.",
  budget_exceeded: "A hard budget on egress calls (the agent's, the tenant's, or the plan's allowance) is used up for this month.",
  safe_mode: "The tenant or one of the agent's teams is in safe mode: egress is frozen until an owner or admin lifts it.",
  cedar_denied: "The tenant's Cedar policy set does not allow this call (a forbid matches, or no permit does).",
  agent_rule: "Allowed by one of the agent's egress rules.",
  skill_rule: "Allowed by the network permissions of an installed skill.",
};
