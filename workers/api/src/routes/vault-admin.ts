/**
 * Operator route for the vault's KEK rotation (docs/secrets.md): re-wrap every tenant data key
 * still under an older key-encryption key. The daily cron runs the same job; this route lets an
 * operator drive a rotation to completion and see when the old KEK can be removed.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { emitAudit } from "../../../shared/audit/emit";
import { rewrapVaultKeys } from "../../../shared/vault/rewrap";
import type { AppEnv } from "../env";
import { actorOf } from "../http/audit";
import { defineRoute, jsonResponse } from "../http/route";

export const vaultAdminRoutes = new OpenAPIHono<AppEnv>();

const RewrapResultSchema = z
  .object({
    currentKekId: z.string(),
    rewrapped: z.number().int(),
    remaining: z
      .number()
      .int()
      .meta({ description: "Data keys still under another KEK; 0 means the old KEKs can be removed from VAULT_KEKS." }),
    missingKekIds: z.array(z.string()).meta({ description: "KEK ids some data keys need but VAULT_KEKS lacks: put them back." }),
  })
  .meta({ id: "VaultRewrapResult" });

vaultAdminRoutes.openapi(
  defineRoute("operator", {
    method: "post",
    path: "/v1/admin/vault/rewrap",
    tags: ["Operator"],
    summary: "Re-wrap tenant data keys with the current vault KEK (first in VAULT_KEKS), up to 500 per call",
    responses: { 200: jsonResponse(RewrapResultSchema, "What moved and what is left.") },
  }),
  async (c) => {
    const result = await rewrapVaultKeys(c.env);
    if (result.rewrapped > 0 || result.missingKekIds.length > 0) {
      await emitAudit(c.env, {
        tenantId: null,
        actor: actorOf(c.get("principal")),
        action: "vault.rewrapped",
        target: null,
        severity: result.missingKekIds.length ? "critical" : "info",
        details: { ...result },
        ip: c.get("ip"),
        userAgent: c.get("userAgent"),
      });
    }
    return c.json(result, 200);
  },
);
