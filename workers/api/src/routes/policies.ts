/**
 * Policies as code (docs/governance.md "Policies as code (Cedar)"): a tenant's Cedar policy set,
 * versioned like tenant config (every save a new version with author and message; rollback writes
 * an old version's text as a new one), validated against Switchboard's schema on save (422
 * `policy_invalid` with Cedar's messages), a per-tenant switch that makes Cedar an additional gate,
 * and the dry-run that replays recent audit events through a draft. Cedar itself runs in the policy
 * Worker (workers/policy), reached through the POLICY service binding.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { CEDAR_SCHEMA, ENFORCED_ACTIONS, POLICY_ACTIONS, STARTER_POLICY } from "../../../shared/policy/schema";
import { policyBinding } from "../../../shared/policy/tenant-policy";
import { toIso } from "../../../shared/schemas/common";
import { pageOf, PageQuerySchema } from "../../../shared/schemas/common";
import {
  CreatePolicyVersionInputSchema,
  PolicyDiffQuerySchema,
  PolicyDiffSchema,
  PolicyDryRunInputSchema,
  PolicyDryRunSchema,
  PolicySettingsInputSchema,
  PolicySettingsSchema,
  PolicyValidationSchema,
  PolicyVersionSchema,
  RollbackPolicyInputSchema,
  ValidatePolicyInputSchema,
} from "../../../shared/schemas/policies";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { ConfigVersionParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { diffPolicies } from "../services/policies/diff";
import { invalidateTenantEgress } from "../services/egress";
import { dryRun } from "../services/policies/dry-run";
import {
  findVersion,
  latestVersion,
  listVersions,
  loadSettings,
  saveSettings,
  toPolicyVersion,
  writeVersion,
} from "../services/policies/store";
import type { Context } from "hono";

export const policiesRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Policies"];
const base = "/v1/tenants/{tenantId}/policies";
const VersionEnvelope = z.object({ version: PolicyVersionSchema });
const Invalid = jsonResponse(z.any(), "`policy_invalid`: `details.errors` lists Cedar's messages.");

const userId = (c: Context<AppEnv>) => {
  const p = c.get("principal");
  return p?.type === "user" ? p.user.id : null;
};

/** Validate in the policy Worker; 422 with Cedar's messages when the set does not parse or validate. */
async function assertValid(c: Context<AppEnv>, text: string): Promise<number> {
  const binding = policyBinding(c.env);
  if (!binding) throw new ApiError("unavailable", "The policy service is not bound (POLICY).");
  const result = await binding.validate(text);
  if (!result.ok)
    throw new ApiError("policy_invalid", `The policy set is not valid: ${result.errors[0]?.message ?? "Cedar refused it"}.`, {
      errors: result.errors,
    });
  return result.policies;
}

async function settingsOf(c: Context<AppEnv>) {
  const { tenant } = c.get("tenantAccess");
  const db = c.get("db");
  const [settings, latest] = await Promise.all([loadSettings(db, tenant.id), latestVersion(db, tenant.id)]);
  return {
    enabled: settings?.cedarEnabled ?? false,
    currentVersion: latest?.version ?? null,
    updatedAt: settings ? toIso(settings.updatedAt) : null,
    updatedBy: settings?.updatedBy ?? null,
    schema: CEDAR_SCHEMA,
    starter: STARTER_POLICY,
    actions: POLICY_ACTIONS.map((action) => ({ action, enforced: ENFORCED_ACTIONS.has(action) })),
  };
}

policiesRoutes.openapi(
  defineRoute("policies:read", {
    method: "get",
    path: base,
    tags,
    summary: "Whether Cedar gates this tenant, the current version, the schema and the actions",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(z.object({ policies: PolicySettingsSchema }), "The tenant's policy settings.") },
  }),
  async (c) => c.json({ policies: await settingsOf(c) }, 200),
);

policiesRoutes.openapi(
  defineRoute("policies:write", {
    method: "put",
    path: `${base}/settings`,
    tags,
    summary: "Turn Cedar on or off for the tenant (audited). Turning it on needs a saved version.",
    request: { params: TenantParams, body: jsonBody(PolicySettingsInputSchema) },
    responses: {
      200: jsonResponse(z.object({ policies: PolicySettingsSchema }), "Updated."),
      409: jsonResponse(z.any(), "`conflict`: no policy version saved yet."),
    },
  }),
  async (c) => {
    const { enabled } = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const latest = await latestVersion(db, tenant.id);
    if (enabled && !latest) throw new ApiError("conflict", "Save a policy version before turning Cedar on.");
    const before = (await loadSettings(db, tenant.id))?.cedarEnabled ?? false;
    await saveSettings(db, tenant.id, enabled, userId(c));
    // The agents' egress gates cache the tenant's Cedar state: they reload before their next call.
    await invalidateTenantEgress(c.env, db, tenant.id);
    if (before !== enabled)
      await audit(c, {
        action: enabled ? "policy.cedar_enabled" : "policy.cedar_disabled",
        target: { type: "tenant", id: tenant.id },
        severity: "warning",
        details: { version: latest?.version ?? null },
      });
    return c.json({ policies: await settingsOf(c) }, 200);
  },
);

policiesRoutes.openapi(
  defineRoute("policies:read", {
    method: "post",
    path: `${base}/validate`,
    tags,
    summary: "Validate a policy set against the schema without saving it",
    request: { params: TenantParams, body: jsonBody(ValidatePolicyInputSchema) },
    responses: { 200: jsonResponse(PolicyValidationSchema, "Valid."), 422: Invalid },
  }),
  async (c) => {
    const { text } = c.req.valid("json");
    return c.json({ valid: true as const, policies: await assertValid(c, text) }, 200);
  },
);

policiesRoutes.openapi(
  defineRoute("policies:read", {
    method: "get",
    path: `${base}/versions`,
    tags,
    summary: "List policy versions, newest first",
    request: { params: TenantParams, query: PageQuerySchema },
    responses: { 200: jsonResponse(pageOf(PolicyVersionSchema, "PolicyVersionPage"), "A page of versions.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listVersions(c.get("db"), c.get("tenantAccess").tenant.id, decodeCursor(cursor, "number"), limit);
    return c.json(
      toPage(rows, limit, toPolicyVersion, (v) => v.version),
      200,
    );
  },
);

policiesRoutes.openapi(
  defineRoute("policies:write", {
    method: "post",
    path: `${base}/versions`,
    tags,
    summary: "Save a policy set as a new version (validated first); enforced at once when Cedar is on",
    request: { params: TenantParams, body: jsonBody(CreatePolicyVersionInputSchema) },
    responses: {
      201: jsonResponse(VersionEnvelope, "Saved."),
      409: jsonResponse(z.any(), "`version_conflict`"),
      422: Invalid,
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const policies = await assertValid(c, input.text);
    const row = await writeVersion(c.get("db"), tenant.id, {
      text: input.text,
      message: input.message,
      rolledBackFrom: null,
      createdBy: userId(c),
      expectedVersion: input.expectedVersion,
    });
    await invalidateTenantEgress(c.env, c.get("db"), tenant.id);
    await audit(c, {
      action: "policy.version_saved",
      target: { type: "tenant", id: tenant.id },
      severity: "warning",
      details: { version: row.version, message: row.message, policies },
    });
    return c.json({ version: toPolicyVersion(row) }, 201);
  },
);

policiesRoutes.openapi(
  defineRoute("policies:read", {
    method: "get",
    path: `${base}/versions/{version}`,
    tags,
    summary: "Get one policy version with its text",
    request: { params: ConfigVersionParams },
    responses: { 200: jsonResponse(VersionEnvelope, "The version.") },
  }),
  async (c) => {
    const { version } = c.req.valid("param");
    return c.json({ version: toPolicyVersion(await findVersion(c.get("db"), c.get("tenantAccess").tenant.id, version)) }, 200);
  },
);

policiesRoutes.openapi(
  defineRoute("policies:write", {
    method: "post",
    path: `${base}/versions/{version}/rollback`,
    tags,
    summary: "Roll back: save an old version's text as a new version (validated again)",
    request: {
      params: ConfigVersionParams,
      body: { required: false, content: { "application/json": { schema: RollbackPolicyInputSchema } } },
    },
    responses: { 201: jsonResponse(VersionEnvelope, "Rolled back."), 409: jsonResponse(z.any(), "`version_conflict`"), 422: Invalid },
  }),
  async (c) => {
    const { version } = c.req.valid("param");
    const body = (c.req.valid("json") as { message?: string } | undefined) ?? {};
    const { tenant } = c.get("tenantAccess");
    const target = await findVersion(c.get("db"), tenant.id, version);
    // Re-validated: the schema may have grown stricter since that version was saved.
    await assertValid(c, target.text);
    const row = await writeVersion(c.get("db"), tenant.id, {
      text: target.text,
      message: body.message ?? `Rollback to version ${version}`,
      rolledBackFrom: version,
      createdBy: userId(c),
    });
    await invalidateTenantEgress(c.env, c.get("db"), tenant.id);
    await audit(c, {
      action: "policy.rolled_back",
      target: { type: "tenant", id: tenant.id },
      severity: "warning",
      details: { toVersion: version, newVersion: row.version },
    });
    return c.json({ version: toPolicyVersion(row) }, 201);
  },
);

policiesRoutes.openapi(
  defineRoute("policies:read", {
    method: "get",
    path: `${base}/diff`,
    tags,
    summary: "A line diff between two versions",
    request: { params: TenantParams, query: PolicyDiffQuerySchema },
    responses: { 200: jsonResponse(z.object({ diff: PolicyDiffSchema }), "The diff.") },
  }),
  async (c) => {
    const { from, to } = c.req.valid("query");
    const tenantId = c.get("tenantAccess").tenant.id;
    const [a, b] = await Promise.all([findVersion(c.get("db"), tenantId, from), findVersion(c.get("db"), tenantId, to)]);
    return c.json({ diff: diffPolicies(a, b) }, 200);
  },
);

policiesRoutes.openapi(
  defineRoute("policies:write", {
    method: "post",
    path: `${base}/dry-run`,
    tags,
    summary: "Replay the latest audit events through a draft policy set: which decisions would change",
    request: { params: TenantParams, body: jsonBody(PolicyDryRunInputSchema) },
    responses: { 200: jsonResponse(z.object({ report: PolicyDryRunSchema }), "The report."), 422: Invalid },
  }),
  async (c) => {
    const { text, events } = c.req.valid("json");
    return c.json({ report: await dryRun(c.env, c.get("db"), c.get("tenantAccess").tenant.id, text, events) }, 200);
  },
);
