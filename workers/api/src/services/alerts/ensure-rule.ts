/**
 * Features whose events should alert by default (budgets' soft caps, safe mode) make sure one of the
 * tenant's alert rules listens to their actions, created from a built-in template on first use. One
 * place for it, so the rule, its audit event and the ledger poke are the same for every feature.
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { ALERT_RULE_TEMPLATES } from "../../../../shared/alerts/templates";
import { newId } from "../../../../shared/crypto/ids";
import { alertRules } from "../../../../shared/db/schema";
import { ALERT_LIMITS, RULE_DEFAULTS } from "../../../../shared/schemas/alerts";
import type { AppEnv } from "../../env";
import { audit } from "../../http/audit";
import { rulesChanged } from "./ledger";

/**
 * The id of a rule of the tenant that listens to `<prefix>.*` (or one of its actions), creating one
 * from `templateId` when none does; null when the tenant is at its rule limit (nothing is created).
 * `reason` lands in the `alert_rule.created` audit event.
 */
export async function ensureAlertRuleFor(
  c: Context<AppEnv>,
  opts: { actionPrefix: string; templateId: string; reason: string },
): Promise<string | null> {
  const { tenant } = c.get("tenantAccess");
  const db = c.get("db");
  const rules = await db
    .select({ id: alertRules.id, match: alertRules.match })
    .from(alertRules)
    .where(eq(alertRules.tenantId, tenant.id))
    .all();
  const listening = rules.find((r) => r.match.action === `${opts.actionPrefix}.*` || r.match.action.startsWith(`${opts.actionPrefix}.`));
  if (listening) return listening.id;
  if (rules.length >= ALERT_LIMITS.rulesPerTenant) return null;
  const template = ALERT_RULE_TEMPLATES.find((t) => t.id === opts.templateId);
  if (!template) throw new Error(`no alert rule template ${opts.templateId}`);
  const now = Date.now();
  const row = {
    id: newId("alertRule", now),
    tenantId: tenant.id,
    ...RULE_DEFAULTS,
    ...template.rule,
    webhookIds: [],
    createdBy: null,
    createdAt: now,
    updatedAt: now,
  };
  await db.insert(alertRules).values(row);
  await audit(c, {
    action: "alert_rule.created",
    target: { type: "alert_rule", id: row.id },
    details: {
      name: row.name,
      match: row.match,
      threshold: row.threshold,
      windowSeconds: row.windowSeconds,
      severity: row.severity,
      enabled: row.enabled,
      reason: opts.reason,
    },
  });
  await rulesChanged(c.env, tenant.id);
  return row.id;
}
