/**
 * Safe mode shapes (docs/governance.md "Kill switch and safe mode"): a held tenant or team, the
 * tenant's whole picture (for the dashboard banner), and the enter / lift inputs. Browser-safe (zod only).
 */
import { z } from "zod";
import { IsoTimeSchema } from "./common";

export const SafeModeSchema = z
  .object({
    scope: z.enum(["tenant", "team"]),
    teamId: z.string().nullable().meta({ description: "The held team, or null for the whole tenant." }),
    teamName: z.string().nullable(),
    reason: z.string(),
    enteredBy: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
    enteredAt: IsoTimeSchema,
  })
  .meta({ id: "SafeMode" });
export type SafeMode = z.infer<typeof SafeModeSchema>;

export const SafeModeStatusSchema = z
  .object({
    tenant: SafeModeSchema.nullable().meta({ description: "The tenant's own safe mode, or null." }),
    teams: z.array(SafeModeSchema).meta({ description: "Teams held on their own (each listed once)." }),
  })
  .meta({ id: "SafeModeStatus" });
export type SafeModeStatus = z.infer<typeof SafeModeStatusSchema>;

const MfaCodeField = z
  .string()
  .trim()
  .min(6)
  .max(64)
  .optional()
  .meta({ description: "Required when your account has MFA on: a current authenticator code or an unused recovery code." });

export const EnterSafeModeInputSchema = z
  .object({
    reason: z.string().trim().min(3).max(500).meta({ description: "Why: shown in the banner, the audit trail and the alert." }),
    mfaCode: MfaCodeField,
  })
  .strict()
  .meta({ id: "EnterSafeModeInput" });
export type EnterSafeModeInput = z.infer<typeof EnterSafeModeInputSchema>;

export const LiftSafeModeInputSchema = z
  .object({
    reason: z.string().trim().max(500).optional().meta({ description: "Why it is safe again (audited)." }),
    mfaCode: MfaCodeField,
  })
  .strict()
  .meta({ id: "LiftSafeModeInput" });
export type LiftSafeModeInput = z.infer<typeof LiftSafeModeInputSchema>;

export const SafeModeEnteredSchema = z
  .object({
    safeMode: SafeModeSchema,
    closedConnections: z.number().int().meta({ description: "Agent relay connections closed (code 4023)." }),
    agentsHeld: z.number().int().meta({ description: "Agents whose tokens, egress and tools are now refused." }),
  })
  .meta({ id: "SafeModeEntered" });
