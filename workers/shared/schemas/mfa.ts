/**
 * Inputs and outputs of the MFA, password-reset and dev-outbox routes; the web app's forms
 * validate with exactly these shapes. Email and password rules come from their one definition.
 */
import { z } from "zod";
import { PasswordSchema } from "./auth";
import { EmailSchema, IsoTimeSchema } from "./common";
import { MailDeliverySchema } from "./mail";

/** What an authenticator app shows: 6 digits (RFC 6238 defaults: SHA-1, 30 s steps). */
export const TotpCodeSchema = z
  .string()
  .trim()
  .regex(/^\d{6}$/, { message: "Enter the 6-digit code from your authenticator app." })
  .meta({ description: "The current 6-digit code from the authenticator app." });

/** A second factor: a 6-digit authenticator code or one of the recovery codes (`abcd-efgh-ijkl`). */
export const SecondFactorCodeSchema = z
  .string()
  .trim()
  .min(6, { message: "Enter the 6-digit code from your authenticator app, or a recovery code." })
  .max(32, { message: "That is longer than any code we issue." })
  .meta({ description: "A 6-digit authenticator code, or a recovery code such as `abcd-efgh-ijkl` (each recovery code works once)." });

export const MfaStatusSchema = z
  .object({
    enabled: z.boolean(),
    enabledAt: IsoTimeSchema.nullable(),
    recoveryCodesRemaining: z.number().int().meta({ description: "Unused recovery codes; 0 when MFA is off." }),
  })
  .meta({ id: "MfaStatus" });
export type MfaStatus = z.infer<typeof MfaStatusSchema>;

export const TotpSetupSchema = z
  .object({
    secret: z.string().meta({ description: "Base32 secret, for typing into an authenticator app by hand." }),
    otpauthUri: z.string().meta({ description: "`otpauth://totp/…` URI to show as a QR code." }),
  })
  .meta({ id: "TotpSetup" });
export type TotpSetup = z.infer<typeof TotpSetupSchema>;

export const TotpEnableInputSchema = z.object({ code: TotpCodeSchema }).strict().meta({ id: "TotpEnableInput" });
export type TotpEnableInput = z.infer<typeof TotpEnableInputSchema>;

/** Disabling MFA and regenerating recovery codes both re-prove possession of a second factor. */
export const SecondFactorInputSchema = z.object({ code: SecondFactorCodeSchema }).strict().meta({ id: "SecondFactorInput" });
export type SecondFactorInput = z.infer<typeof SecondFactorInputSchema>;

export const RecoveryCodesSchema = z
  .object({ recoveryCodes: z.array(z.string()).meta({ description: "Shown once: store them somewhere safe. Each works once." }) })
  .meta({ id: "RecoveryCodes" });
export type RecoveryCodes = z.infer<typeof RecoveryCodesSchema>;

export const LoginMfaInputSchema = z
  .object({ challengeToken: z.string().min(1).max(200), code: SecondFactorCodeSchema })
  .strict()
  .meta({ id: "LoginMfaInput" });
export type LoginMfaInput = z.infer<typeof LoginMfaInputSchema>;

export const ForgotPasswordInputSchema = z.object({ email: EmailSchema }).strict().meta({ id: "ForgotPasswordInput" });
export type ForgotPasswordInput = z.infer<typeof ForgotPasswordInputSchema>;

export const ResetPasswordInputSchema = z
  .object({ token: z.string().min(1).max(200), password: PasswordSchema })
  .strict()
  .meta({ id: "ResetPasswordInput" });
export type ResetPasswordInput = z.infer<typeof ResetPasswordInputSchema>;

export const OkSchema = z.object({ ok: z.literal(true) }).meta({ id: "Ok" });

export const ForgotPasswordResultSchema = z
  .object({ ok: z.literal(true), mailDelivery: MailDeliverySchema })
  .meta({ id: "ForgotPasswordResult" });
export type ForgotPasswordResult = z.infer<typeof ForgotPasswordResultSchema>;

export const DevMailSchema = z
  .object({ id: z.string(), to: z.string(), subject: z.string(), text: z.string(), createdAt: IsoTimeSchema })
  .meta({ id: "DevMail" });
export type DevMail = z.infer<typeof DevMailSchema>;

export const DevOutboxSchema = z.object({ data: z.array(DevMailSchema) }).meta({ id: "DevOutbox" });
