/**
 * What an agent's trust level allows, read from the one table (workers/shared/trust-levels.ts —
 * the same rows the relay, the egress proxy and the agent tools enforce, docs/governance.md
 * "Trust levels"), so the page can never say something the platform does not do.
 */
import { COORDINATION_TRUST, trustLevelInfo, type TrustLevel } from "@shared/trust-levels";
import { CardSection } from "@/components/ui";

const OPERATION_LABEL: Record<string, string> = {
  egress_read: "outbound reads",
  egress_write: "outbound writes",
  guardrail_finding: "guardrail findings marked “require approval”",
  agent_invocation: "invoking other agents",
};

export function TrustAllowances({ level }: { level: number }) {
  const row = trustLevelInfo(level);
  if (!row) return null;
  const coordination = COORDINATION_TRUST[level as TrustLevel]!;
  const items: Array<[string, string]> = [
    ["Relay messages", `${row.messagesPerMinute} per minute (bursts of ${row.messageBurst})`],
    ["Broadcast", row.mayBroadcast ? "Allowed" : "Not allowed"],
    [
      "Topics",
      `${row.topicsPublish ? "Publish" : "No publishing"} · ${row.topicsSubscribe ? "subscribe" : "no subscribing"} (team allowlist decides which)`,
    ],
    ["Invoke other agents", row.mayInvokeAgents ? "Allowed" : "Not allowed"],
    ["Outbound calls alone", row.egressMethods.length ? row.egressMethods.join(", ") : "None"],
    ["Outbound rate", `${row.egressRequestsPerMinute} per minute, ${row.egressConcurrency} at once`],
    ["Agent tools", row.agentTools.join(", ")],
    [
      "Needs a person for",
      row.approvalRequired.length
        ? row.approvalRequired.map((o) => OPERATION_LABEL[o] ?? o).join("; ")
        : "Nothing (still bound by allowlists and audited)",
    ],
    [
      "Coordination",
      `${coordination.maxHeldLocks} locks · ${coordination.createTasks ? "creates tasks" : "no new tasks"} · ${coordination.teamMemoryWrite ? "writes team memory" : "no team memory writes"}`,
    ],
  ];
  return (
    <CardSection title={`What trust level ${level} (${row.label}) allows`}>
      <dl aria-label="What the trust level allows" className="grid gap-x-4 gap-y-2 text-sm sm:grid-cols-3">
        {items.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="font-medium text-zinc-700">{label}</dt>
            <dd className="text-zinc-900 sm:col-span-2">{value}</dd>
          </div>
        ))}
      </dl>
    </CardSection>
  );
}
