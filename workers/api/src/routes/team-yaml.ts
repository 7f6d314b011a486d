/**
 * Declarative teams: export a team as YAML and apply a YAML document to it, with a dry-run diff
 * first (docs/coordination.md "Declarative teams"). Pure diffing lives in
 * workers/shared/coordination/team-yaml.ts, the effects in services/team-apply.ts.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { MAX_YAML_BYTES, parseTeamYaml, stringifyTeam } from "../../../shared/coordination/team-yaml";
import type { AppEnv } from "../env";
import { TeamParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { invalidFields } from "../http/validation-hook";
import { teamOf } from "../services/coordination";
import { applyTeamDocument, loadTeamState } from "../services/team-apply";
import { toTeamDocument } from "../../../shared/coordination/team-yaml";

export const teamYamlRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Coordination"];

const ChangeSchema = z.object({ kind: z.string() }).catchall(z.unknown()).meta({
  id: "TeamChange",
  description:
    "One change: `team.update`, `agent.create`, `agent.update`, `member.add`, `member.remove`, `allowlist.edge.add|remove`, `allowlist.topic.add|remove`, `settings.update`, with its fields.",
});
const ApplyInputSchema = z
  .object({
    yaml: z.string().min(1).max(MAX_YAML_BYTES).meta({ description: "The team document (apiVersion switchboard.dev/v1, kind Team)." }),
    dryRun: z.boolean().default(true).meta({ description: "Default true: only compute the changes. Set false to apply them." }),
  })
  .strict()
  .meta({ id: "ApplyTeamInput" });
const ApplyResultSchema = z
  .object({
    dryRun: z.boolean(),
    applied: z.boolean(),
    changes: z.array(ChangeSchema),
    createdAgents: z.array(z.object({ id: z.string(), name: z.string(), secret: z.string().meta({ description: "Shown once." }) })),
    yaml: z.string().meta({ description: "The team as YAML after the apply (for a dry run, as it is now)." }),
  })
  .meta({ id: "ApplyTeamResult" });

teamYamlRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/teams/{teamId}/export",
    tags,
    summary: "Export a team as YAML",
    description:
      "Agents (by name), allowlist edges and topic rules (`role:<template>` / `agent:<name>`), and coordination settings, in a fixed order: export → apply → export is identical.",
    request: { params: TeamParams },
    responses: { 200: jsonResponse(z.object({ yaml: z.string() }).meta({ id: "TeamExport" }), "The document.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json({ yaml: stringifyTeam(toTeamDocument(await loadTeamState(c, team))) }, 200);
  },
);

teamYamlRoutes.openapi(
  defineRoute("coordination:admin", {
    method: "post",
    path: "/v1/tenants/{tenantId}/teams/{teamId}/apply",
    tags,
    summary: "Apply a team YAML (dry run by default)",
    description:
      "Diffs the document against the team and, with `dryRun: false`, makes the team match: creates missing agents (their secrets are in this answer only; plan limits apply), updates template/trust/description of named agents, adds and removes members, replaces the allowlist and the coordination settings. Idempotent: applying the same document again changes nothing. Agents are matched by name among the tenant's live agents.",
    request: { params: TeamParams, body: jsonBody(ApplyInputSchema) },
    responses: { 200: jsonResponse(ApplyResultSchema, "The changes (applied or not).") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    const { yaml, dryRun } = c.req.valid("json");
    const parsed = parseTeamYaml(yaml);
    if (!parsed.ok) throw invalidFields(parsed.issues);
    const outcome = await applyTeamDocument(c, team, parsed.doc, dryRun);
    return c.json(
      {
        dryRun,
        applied: outcome.applied,
        changes: outcome.changes,
        createdAgents: outcome.createdAgents,
        yaml: stringifyTeam(outcome.yaml),
      },
      200,
    );
  },
);
