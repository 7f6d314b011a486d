import { z } from "zod";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../auth/password-policy";
import { RoleSchema } from "../auth/roles";
import { EmailSchema, IsoTimeSchema } from "./common";
import { PermissionSchema } from "../auth/permissions";

export const PasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { message: `Use at least ${PASSWORD_MIN_LENGTH} characters.` })
  .max(PASSWORD_MAX_LENGTH, { message: `Use at most ${PASSWORD_MAX_LENGTH} characters.` });

export const SignupInputSchema = z
  .object({ email: EmailSchema, password: PasswordSchema, name: z.string().trim().min(1).max(100) })
  .strict()
  .meta({ id: "SignupInput" });
export type SignupInput = z.infer<typeof SignupInputSchema>;

export const LoginInputSchema = z
  .object({ email: EmailSchema, password: z.string().min(1).max(PASSWORD_MAX_LENGTH) })
  .strict()
  .meta({ id: "LoginInput" });
export type LoginInput = z.infer<typeof LoginInputSchema>;

export const UserSchema = z
  .object({ id: z.string(), email: z.string(), name: z.string(), isOperator: z.boolean(), createdAt: IsoTimeSchema })
  .meta({ id: "User" });
export type User = z.infer<typeof UserSchema>;

export const UserEnvelopeSchema = z.object({ user: UserSchema }).meta({ id: "UserEnvelope" });

/** The answer to a correct password when the account has MFA: no session yet, a challenge to answer. */
export const MfaChallengeIssuedSchema = z
  .object({
    mfaRequired: z.literal(true),
    challengeToken: z.string().meta({ description: "Send it with the code to `POST /v1/auth/login/mfa` within 5 minutes." }),
  })
  .meta({ id: "MfaChallengeIssued" });
export type MfaChallengeIssued = z.infer<typeof MfaChallengeIssuedSchema>;

/** `POST /v1/auth/login`: signed in (`user`, cookie set), or the account's second factor is needed. */
export const LoginResultSchema = z.union([UserEnvelopeSchema, MfaChallengeIssuedSchema]).meta({ id: "LoginResult" });
export type LoginResult = z.infer<typeof LoginResultSchema>;

export const MembershipSummarySchema = z
  .object({ tenantId: z.string(), tenantName: z.string(), role: RoleSchema })
  .meta({ id: "MembershipSummary" });

export const MeSchema = z
  .object({
    principal: z.enum(["user", "api_key"]),
    user: UserSchema.nullable(),
    memberships: z.array(MembershipSummarySchema),
    apiKey: z
      .object({
        id: z.string(),
        tenantId: z.string(),
        name: z.string(),
        scopes: z.array(z.string()),
        permissions: z.array(PermissionSchema).meta({
          description: "What the key may do now: its scopes, limited to what the person who created it may do in the tenant today.",
        }),
      })
      .nullable(),
  })
  .meta({ id: "Me" });
export type Me = z.infer<typeof MeSchema>;

export const SessionSchema = z
  .object({
    id: z.string(),
    current: z.boolean(),
    createdAt: IsoTimeSchema,
    lastSeenAt: IsoTimeSchema,
    expiresAt: IsoTimeSchema,
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .meta({ id: "Session" });
