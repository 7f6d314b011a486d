import { z } from "zod";
import { RoleSchema } from "../auth/roles";
import { EmailSchema, IsoTimeSchema } from "./common";
import { MailResultSchema } from "./mail";

export const MemberSchema = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), role: RoleSchema, joinedAt: IsoTimeSchema })
  .meta({ id: "Member" });

export const UpdateMemberInputSchema = z.object({ role: RoleSchema }).strict().meta({ id: "UpdateMemberInput" });

export const CreateInviteInputSchema = z.object({ email: EmailSchema, role: RoleSchema }).strict().meta({ id: "CreateInviteInput" });

export const InviteStatusSchema = z.enum(["pending", "accepted", "revoked", "expired"]);

export const InviteSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    email: z.string(),
    role: RoleSchema,
    status: InviteStatusSchema,
    invitedBy: z.string(),
    createdAt: IsoTimeSchema,
    expiresAt: IsoTimeSchema,
  })
  .meta({ id: "Invite" });

export const CreatedInviteSchema = z
  .object({
    invite: InviteSchema,
    token: z.string().meta({ description: "Shown once. The invitee accepts with it while signed in as the invited email." }),
    /** Whether the invite link was mailed; anything but `sent` means nobody was mailed (`dev_outbox`: kept in the local dev outbox). */
    mail: MailResultSchema,
  })
  .meta({ id: "CreatedInvite" });

export const AcceptInviteInputSchema = z
  .object({ token: z.string().min(1).max(200) })
  .strict()
  .meta({ id: "AcceptInviteInput" });

/** What the invitee sees before accepting: enough to decide, nothing about the tenant's insides. */
export const InvitePreviewSchema = z
  .object({
    tenantName: z.string(),
    role: RoleSchema,
    email: z.string().meta({ description: "The address the invite was sent to; accept while signed in as it." }),
    invitedByName: z.string().nullable().meta({ description: "The inviter's name, or null when an API key created the invite." }),
    status: InviteStatusSchema,
    expiresAt: IsoTimeSchema,
  })
  .meta({ id: "InvitePreview" });
