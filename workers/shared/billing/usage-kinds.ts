/**
 * The usage kinds Switchboard meters, in one table (docs/billing.md). A new kind of usage (runs,
 * when invocations land) is one row here plus one `recordUsage` call where it happens; the meter,
 * budgets, Stripe reporting, the API and the dashboard all read this table. Browser-safe.
 *
 * - `unit`: what one unit is, for people.
 * - `meterEventName`: the Stripe Billing Meter the tenant-wide totals are reported to
 *   (docs/deploy.md says how to create them); its events carry `value` = units.
 * - `producer`: who records it — documentation for the next engineer, shown in docs/billing.md.
 */
import { z } from "zod";

export const USAGE_KIND_IDS = ["relay_messages", "egress_calls", "runs", "active_agents", "skill_invocations"] as const;
export const UsageKindSchema = z.enum(USAGE_KIND_IDS).meta({ id: "UsageKind" });
export type UsageKind = z.infer<typeof UsageKindSchema>;

export interface UsageKindSpec {
  label: string;
  unit: string;
  meterEventName: string;
  producer: string;
}

export const USAGE_KINDS: Record<UsageKind, UsageKindSpec> = {
  relay_messages: {
    label: "Relayed messages",
    unit: "message",
    meterEventName: "switchboard_relay_messages",
    producer: "the TeamRelay, once per audit flush (accepted messages by sender)",
  },
  egress_calls: {
    label: "Egress calls",
    unit: "call",
    meterEventName: "switchboard_egress_calls",
    producer: "the EgressGate, with its per-agent daily totals",
  },
  runs: { label: "Runs", unit: "run", meterEventName: "switchboard_runs", producer: "invocations (issue 15), once they exist" },
  active_agents: {
    label: "Active agents",
    unit: "agent",
    meterEventName: "switchboard_active_agents",
    producer: "the API, when an agent first gets a token in the month",
  },
  skill_invocations: {
    label: "Skill invocations",
    unit: "invocation",
    meterEventName: "switchboard_skill_invocations",
    producer: "the skill runtime, once per invocation whose code ran (success or failure), keyed by the invocation id",
  },
};
