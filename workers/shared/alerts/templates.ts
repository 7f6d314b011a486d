/**
 * Built-in rule templates (`GET /v1/alert-rule-templates`): starting points the dashboard offers.
 * Action names are the ones the platform emits (grep `action:` in workers/ and durable-objects/).
 */
import type { AlertRuleTemplate } from "../schemas/alerts";

export const ALERT_RULE_TEMPLATES: AlertRuleTemplate[] = [
  {
    id: "relay-denied-burst",
    title: "Denied relay messages",
    description: "10 messages refused by a team's allowlist or trust level within 5 minutes: an agent is misconfigured or probing.",
    rule: {
      name: "Burst of denied relay messages",
      match: { action: "relay.message_denied" },
      threshold: 10,
      windowSeconds: 300,
      severity: "warning",
    },
  },
  {
    id: "failed-agent-credentials",
    title: "Repeated failed agent sign-ins",
    description:
      "5 failed agent secret exchanges (wrong or unknown secret) within 10 minutes: a leaked id being guessed, or a stale secret in a deployment.",
    rule: {
      name: "Repeated failed agent sign-ins",
      match: { action: "agent.token_refused", outcome: "failure" },
      threshold: 5,
      windowSeconds: 600,
      severity: "critical",
    },
  },
  {
    id: "failed-logins",
    title: "Repeated failed logins",
    description: "5 failed password logins to your members' accounts within 10 minutes.",
    rule: { name: "Repeated failed logins", match: { action: "auth.login_failed" }, threshold: 5, windowSeconds: 600, severity: "warning" },
  },
  {
    id: "agent-suspended",
    title: "Agent suspended",
    description: "Every agent suspension, as it happens.",
    rule: { name: "Agent suspended", match: { action: "agent.suspended" }, threshold: 1, windowSeconds: 60, severity: "info" },
  },
  {
    id: "egress-denied",
    title: "Egress denied",
    description: "3 outbound calls refused by the egress proxy within 5 minutes: an agent trying to reach a host outside its allowlist.",
    rule: { name: "Egress denied", match: { action: "egress.request_denied" }, threshold: 3, windowSeconds: 300, severity: "warning" },
  },
  {
    id: "budget-caps",
    title: "Budget caps reached",
    description:
      "Every soft or hard budget cap (and the plan's monthly allowance) reached, per tenant or agent (docs/billing.md). Created for you with the first budget.",
    rule: { name: "Budget caps reached", match: { action: "budget.*" }, threshold: 1, windowSeconds: 60, severity: "warning" },
  },
  {
    id: "safe-mode",
    title: "Safe mode entered or lifted",
    description:
      "Every time the tenant or one of its teams enters or leaves safe mode (docs/governance.md). Created for you the first time safe mode is entered.",
    rule: { name: "Safe mode", match: { action: "safe_mode.*" }, threshold: 1, windowSeconds: 60, severity: "critical" },
  },
];
