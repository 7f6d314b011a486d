/** The API Worker's entry point: the Hono app, plus the Durable Object classes it hosts. */
import { createApp } from "./app";
import { scheduled } from "./cron";
import { queue } from "./queues";

export { RateLimiter } from "../../../durable-objects/rate-limiter";
export { TeamRelay } from "../../../durable-objects/team-relay";
export { AuditLedger } from "../../../durable-objects/audit-ledger";
export { TeamCoordinator } from "../../../durable-objects/team-coordinator";
export { EgressGate } from "../../../durable-objects/egress-gate";
// Skill runtime (docs/skills.md#code): the networks a skill's Dynamic Worker is given, through ctx.exports.
export { EgressOutbound } from "../../egress/src/index";
export { SkillMockOutbound } from "./skill-runtime/mock-outbound";
export { UsageMeter } from "../../../durable-objects/usage-meter";
export { ApprovalDesk } from "../../../durable-objects/approval-desk";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled,
  queue,
} satisfies ExportedHandler<Env>;
