/**
 * The "Trust levels" table of docs/governance.md, rendered from TRUST_LEVELS (and the coordination
 * and guardrail rows beside it). test/node/trust-levels-doc.test.ts fails when the doc's table is
 * not exactly this — the doc can never drift from the code — and prints the table to paste.
 */
import { COORDINATION_TRUST, GOVERNANCE_TRUST, TRUST_LEVEL_VALUES, TRUST_LEVELS, type TrustLevel } from "./trust-levels";

const yes = (b: boolean) => (b ? "yes" : "no");
const list = (xs: readonly string[]) => (xs.length === 0 ? "—" : xs.map((x) => `\`${x}\``).join(", "));

const ROWS: Array<[string, (level: TrustLevel) => string]> = [
  ["label", (l) => TRUST_LEVELS[l]!.label],
  ["relay messages / min (burst)", (l) => `${TRUST_LEVELS[l]!.messagesPerMinute} (${TRUST_LEVELS[l]!.messageBurst})`],
  ["relay broadcast", (l) => yes(TRUST_LEVELS[l]!.mayBroadcast)],
  ["relay topics: publish", (l) => yes(TRUST_LEVELS[l]!.topicsPublish)],
  ["relay topics: subscribe", (l) => yes(TRUST_LEVELS[l]!.topicsSubscribe)],
  ["invoke other agents", (l) => yes(TRUST_LEVELS[l]!.mayInvokeAgents)],
  ["egress methods without a person", (l) => list(TRUST_LEVELS[l]!.egressMethods)],
  [
    "egress calls / min (burst, in flight)",
    (l) => `${TRUST_LEVELS[l]!.egressRequestsPerMinute} (${TRUST_LEVELS[l]!.egressBurst}, ${TRUST_LEVELS[l]!.egressConcurrency})`,
  ],
  ["agent tools (MCP and HTTP agent API)", (l) => list(TRUST_LEVELS[l]!.agentTools)],
  ["needs approval", (l) => list(TRUST_LEVELS[l]!.approvalRequired)],
  ["guardrail `require_approval` waits", (l) => yes(GOVERNANCE_TRUST[l]!.guardrailApprovals)],
  ["locks held at once", (l) => String(COORDINATION_TRUST[l]!.maxHeldLocks)],
  ["create tasks", (l) => yes(COORDINATION_TRUST[l]!.createTasks)],
  ["write team memory", (l) => yes(COORDINATION_TRUST[l]!.teamMemoryWrite)],
  ["private memory", (l) => `${COORDINATION_TRUST[l]!.memoryQuotaBytes / 1024} KiB`],
];

export function renderTrustTable(): string {
  const header = `| | ${TRUST_LEVEL_VALUES.map((l) => `${l}`).join(" | ")} |`;
  const rule = `| --- | ${TRUST_LEVEL_VALUES.map(() => "---").join(" | ")} |`;
  const rows = ROWS.map(([name, cell]) => `| ${name} | ${TRUST_LEVEL_VALUES.map(cell).join(" | ")} |`);
  return [header, rule, ...rows].join("\n");
}
