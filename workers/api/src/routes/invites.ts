/**
 * Invites: an admin invites an email with a role; the invitee, signed in as that email, accepts
 * with the token (shown once, stored hashed) and becomes a member.
 *
 * Races are settled in SQL, not by reading first: the create is an INSERT … SELECT that refuses a
 * second pending invite for the email and a tenant at its member limit (members + pending invites)
 * in one statement; the accept marks the invite used only if it still is pending and inserts the
 * membership only for the request whose mark landed, both in one D1 batch (a transaction).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Context } from "hono";
import { ownerRuleViolation } from "../../../shared/auth/owner-rules";
import { RoleSchema } from "../../../shared/auth/roles";
import { newId } from "../../../shared/crypto/ids";
import { hashSecret, randomToken } from "../../../shared/crypto/secrets";
import { invites, memberships, tenants, users, type InviteRow } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { pageOf, PageQuerySchema } from "../../../shared/schemas/common";
import {
  AcceptInviteInputSchema,
  CreatedInviteSchema,
  CreateInviteInputSchema,
  InvitePreviewSchema,
  InviteSchema,
} from "../../../shared/schemas/members";
import type { AppEnv, Principal } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { linkOrigin } from "../http/link-origin";
import { InviteParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { requirePrincipal, requireUser } from "../middleware/access";
import { inviteStatus, toInvite } from "../serializers";
import { pendingInviteAt } from "../services/invite-status";
import { sendMail } from "../services/mail";
import { insertWithinPlanLimit } from "../services/plan-limits";

export const invitesRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Invites"];

/** How long an invite can be accepted for. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const AcceptedInviteSchema = z.object({ tenantId: z.string(), role: RoleSchema }).meta({ id: "AcceptedInvite" });
const errors = (description: string) => jsonResponse(ErrorBodySchema, description);

invitesRoutes.openapi(
  defineRoute("members:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/invites",
    tags,
    summary: "List the tenant's invites (every status), oldest first",
    request: { params: TenantParams, query: PageQuerySchema },
    responses: { 200: jsonResponse(pageOf(InviteSchema, "InvitePage"), "A page of invites.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const { tenant } = c.get("tenantAccess");
    const rows = await c
      .get("db")
      .select()
      .from(invites)
      .where(and(eq(invites.tenantId, tenant.id), after !== undefined ? gt(invites.id, after) : undefined))
      .orderBy(invites.id)
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, toInvite), 200);
  },
);

invitesRoutes.openapi(
  defineRoute("members:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/invites",
    tags,
    summary: "Invite an email to the tenant with a role; returns the token once",
    description: `The invite expires after ${INVITE_TTL_MS / 86_400_000} days. Only an owner may invite an owner. Pending invites count towards the plan's member limit. The invitee is mailed a link to \`<origin>/invites/accept?token=…\`; \`mail.status\` says whether it was sent (\`sent\`), kept in the dev outbox, not sent because this deployment has no mail provider (\`not_configured\`), or refused by the provider (\`failed\`) — in the last two cases hand the link over yourself.`,
    request: { params: TenantParams, body: jsonBody(CreateInviteInputSchema) },
    responses: {
      201: jsonResponse(CreatedInviteSchema, "Created. `token` is shown only in this response."),
      402: errors("`plan_limit_exceeded`: members plus pending invites are at the plan's member limit."),
      409: errors("`already_member`, or `conflict` when a pending invite for this email exists."),
    },
  }),
  async (c) => {
    const { email, role } = c.req.valid("json");
    const { tenant, role: callerRole } = c.get("tenantAccess");
    if (ownerRuleViolation(callerRole, null, role)) throw new ApiError("owner_required", "Only an owner may invite an owner.");
    const db = c.get("db");
    const member = await db
      .select({ userId: memberships.userId })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.tenantId, tenant.id), eq(users.email, email)))
      .get();
    if (member) throw new ApiError("already_member", `${email} is already a member of this tenant.`, { userId: member.userId });

    const token = randomToken();
    const now = Date.now();
    const invite: InviteRow = {
      id: newId("invite", now),
      tenantId: tenant.id,
      email,
      role,
      tokenHash: await hashSecret(token),
      invitedBy: invitedBy(requirePrincipal(c)),
      createdAt: now,
      expiresAt: now + INVITE_TTL_MS,
      acceptedAt: null,
      acceptedBy: null,
      revokedAt: null,
    };
    const pendingForEmail = and(eq(invites.tenantId, tenant.id), eq(invites.email, email), pendingInviteAt("invites", now));
    await insertWithinPlanLimit(c, "members", invites, invite, {
      now,
      // One pending invite per email, checked in the same statement as the seat count.
      also: sql`NOT EXISTS (SELECT 1 FROM ${invites} WHERE ${pendingForEmail})`,
      explainRefusal: async () => {
        const duplicate = await db.select({ id: invites.id }).from(invites).where(pendingForEmail).get();
        return duplicate
          ? new ApiError("conflict", `${email} already has a pending invite. Revoke it to send a new one.`, { inviteId: duplicate.id })
          : null;
      },
    });

    const mail = await mailInvite(c, invite, token);
    await audit(c, {
      action: "invite.created",
      target: { type: "invite", id: invite.id },
      details: { email, role, expiresAt: new Date(invite.expiresAt).toISOString(), mail: mail.status },
    });
    return c.json({ invite: toInvite(invite), token, mail: { status: mail.status } }, 201);
  },
);

invitesRoutes.openapi(
  defineRoute("members:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/invites/{inviteId}",
    tags,
    summary: "Revoke an invite so its token no longer works",
    request: { params: InviteParams },
    responses: { 204: { description: "Revoked." }, 409: errors("`conflict`: the invite was already accepted or revoked.") },
  }),
  async (c) => {
    const { inviteId } = c.req.valid("param");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const invite = await db
      .select()
      .from(invites)
      .where(and(eq(invites.id, inviteId), eq(invites.tenantId, tenant.id)))
      .get();
    if (!invite) throw notFound("Invite");
    const result = await db
      .update(invites)
      .set({ revokedAt: Date.now() })
      .where(and(eq(invites.id, invite.id), isNull(invites.acceptedAt), isNull(invites.revokedAt)))
      .run();
    if (result.meta.changes === 0) throw new ApiError("conflict", "The invite was already accepted or revoked.");
    await audit(c, {
      action: "invite.revoked",
      target: { type: "invite", id: invite.id },
      details: { email: invite.email, role: invite.role },
    });
    return c.body(null, 204);
  },
);

invitesRoutes.openapi(
  defineRoute("user", {
    method: "post",
    path: "/v1/invites/preview",
    tags,
    summary: "Look at an invite before accepting it: tenant, role, inviter, status",
    description:
      "POST so that the token stays out of URLs and logs. Any signed-in person holding the token may look; only the invited email may accept.",
    request: { body: jsonBody(AcceptInviteInputSchema) },
    responses: { 200: jsonResponse(InvitePreviewSchema, "The invite.") },
  }),
  async (c) => {
    const { token } = c.req.valid("json");
    const found = await c
      .get("db")
      .select({ invite: invites, tenantName: tenants.name, tenantDeletedAt: tenants.deletedAt, inviterName: users.name })
      .from(invites)
      .innerJoin(tenants, eq(tenants.id, invites.tenantId))
      .leftJoin(users, eq(users.id, invites.invitedBy))
      .where(eq(invites.tokenHash, await hashSecret(token)))
      .get();
    if (!found || found.tenantDeletedAt !== null) throw notFound("Invite");
    const { invite } = found;
    return c.json(
      {
        tenantName: found.tenantName,
        role: invite.role,
        email: invite.email,
        invitedByName: found.inviterName,
        status: inviteStatus(invite, Date.now()),
        expiresAt: new Date(invite.expiresAt).toISOString(),
      },
      200,
    );
  },
);

invitesRoutes.openapi(
  defineRoute("user", {
    method: "post",
    path: "/v1/invites/accept",
    tags,
    summary: "Accept an invite as the signed-in person; you become a member with the invite's role",
    request: { body: jsonBody(AcceptInviteInputSchema) },
    responses: {
      200: jsonResponse(AcceptedInviteSchema, "Accepted: you are now a member of the tenant."),
      403: errors("`invite_email_mismatch`: sign in as the invited email."),
      409: errors("`already_member`."),
      410: errors("`invite_expired`: expired, revoked or already used."),
    },
  }),
  async (c) => {
    const { user } = requireUser(c);
    const { token } = c.req.valid("json");
    const db = c.get("db");
    const found = await db
      .select({ invite: invites, tenantDeletedAt: tenants.deletedAt })
      .from(invites)
      .innerJoin(tenants, eq(tenants.id, invites.tenantId))
      .where(eq(invites.tokenHash, await hashSecret(token)))
      .get();
    if (!found) throw notFound("Invite");
    const { invite } = found;
    const now = Date.now();
    if (inviteStatus(invite, now) !== "pending" || found.tenantDeletedAt !== null) throw inviteExpired();
    if (user.email.toLowerCase() !== invite.email) {
      throw new ApiError(
        "invite_email_mismatch",
        "This invite was sent to a different email address. Sign in with the invited email to accept it.",
      );
    }
    const existing = await db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.tenantId, invite.tenantId), eq(memberships.userId, user.id)))
      .get();
    if (existing) throw alreadyMember(existing.role);

    let marked: number;
    try {
      const [mark] = await db.batch([
        db
          .update(invites)
          .set({ acceptedAt: now, acceptedBy: user.id })
          .where(and(eq(invites.id, invite.id), pendingInviteAt("invites", now))),
        // Inserts only if this request's mark landed: a request that lost the race inserts nothing.
        db.insert(memberships).select(
          db
            .select({ tenantId: invites.tenantId, userId: invites.acceptedBy, role: invites.role, createdAt: invites.acceptedAt })
            .from(invites)
            .where(and(eq(invites.id, invite.id), eq(invites.acceptedBy, user.id), eq(invites.acceptedAt, now))),
        ),
      ]);
      marked = mark.meta.changes;
    } catch (err) {
      // The membership's primary key: the person joined by other means since the check above.
      if (String(err).includes("UNIQUE") || String(err).includes("PRIMARY KEY")) throw alreadyMember(null);
      throw err;
    }
    if (marked === 0) throw inviteExpired();

    await audit(c, {
      tenantId: invite.tenantId,
      action: "invite.accepted",
      target: { type: "invite", id: invite.id },
      details: { userId: user.id, email: invite.email, role: invite.role },
    });
    return c.json({ tenantId: invite.tenantId, role: invite.role }, 200);
  },
);

/** Mails the invitee the accept link (the dashboard's /invites/accept page). The token appears only in the mail and in the creator's answer. */
function mailInvite(c: Context<AppEnv>, invite: InviteRow, token: string) {
  const principal = requirePrincipal(c);
  const inviter =
    principal.type === "user" ? `${principal.user.name} (${principal.user.email})` : `An API key ("${principal.apiKey.name}")`;
  const { tenant } = c.get("tenantAccess");
  const link = `${linkOrigin(c)}/invites/accept?token=${encodeURIComponent(token)}`;
  return sendMail(c.env, {
    to: invite.email,
    idempotencyKey: `invite/${invite.id}`,
    subject: `You are invited to ${tenant.name} on Switchboard`,
    text: [
      `${inviter} invited you to join ${tenant.name} on Switchboard as ${/^[aeiou]/.test(invite.role) ? "an" : "a"} ${invite.role}.`,
      "",
      `Open this link, and sign in or sign up as ${invite.email}, to accept (it works until ${new Date(invite.expiresAt).toUTCString()}):`,
      link,
      "",
      "If you did not expect this invite, ignore this mail.",
    ].join("\n"),
  });
}

const invitedBy = (p: Principal) => (p.type === "user" ? p.user.id : p.apiKey.id);
const inviteExpired = () =>
  new ApiError("invite_expired", "This invite has expired, been revoked or already been used. Ask for a new one.");
const alreadyMember = (role: string | null) =>
  new ApiError("already_member", "You are already a member of this tenant.", role ? { role } : undefined);
