import { env } from "cloudflare:workers";
import { FAKE_RESEND_KEY } from "../../../../../test/workers/fake-mail-provider";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { hashSecret } from "../../../../shared/crypto/secrets";
import {
  addMember,
  call,
  createTenant,
  expectError,
  PASSWORD,
  sessionCookieOf,
  signup,
  uniqueEmail,
  type TestUser,
} from "../../../../../test/workers/harness";
import { INVITE_TTL_MS } from "../invites";
import { auditResults } from "../../../../../test/workers/audit-view";

const invitesPath = (tenantId: string) => `/v1/tenants/${tenantId}/invites`;
const invite = (tenantId: string, actor: TestUser, email: string, role = "member") =>
  call(invitesPath(tenantId), { body: { email, role }, cookie: actor.cookie });
const accept = (user: TestUser, token: string) => call("/v1/invites/accept", { body: { token }, cookie: user.cookie });
const revoke = (tenantId: string, actor: TestUser, inviteId: string) =>
  call(`${invitesPath(tenantId)}/${inviteId}`, { method: "DELETE", cookie: actor.cookie });

/** Signs up an account with a chosen email (the harness's `signup` picks its own). */
async function signupAs(email: string): Promise<TestUser> {
  const res = await call("/v1/auth/signup", { body: { email, password: PASSWORD, name: "Invitee" } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, email, cookie: sessionCookieOf(res) };
}

/** A tenant with just its owner, on a plan roomy enough that the member limit stays out of the way. */
async function tenant(plan: "free" | "team" = "team") {
  const owner = await signup("owner");
  const tenantId = await createTenant(owner);
  await env.DB.prepare("update tenants set plan = ? where id = ?").bind(plan, tenantId).run();
  return { owner, tenantId };
}

async function auditRows(tenantId: string, action: string) {
  const { results } = await auditResults<Record<string, string>>(
    "select * from audit_events where tenant_id = ? and action = ? order by id",
    tenantId,
    action,
  );
  return results.map((r) => ({ ...r, details: JSON.parse(r.details!) }));
}

async function membershipCount(tenantId: string, userId: string): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from memberships where tenant_id = ? and user_id = ?")
    .bind(tenantId, userId)
    .first<{ n: number }>();
  return row!.n;
}

// Mail is logged (never its text); keep test output readable.
let log: MockInstance<typeof console.log>;
beforeEach(() => {
  log = vi.spyOn(console, "log").mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

describe("invite flow", () => {
  it("creates an invite, shows the token once, and the invited person accepts and becomes a member", async () => {
    const { owner, tenantId } = await tenant();
    const email = uniqueEmail("invitee");
    const before = Date.now();
    const created = await invite(tenantId, owner, email.toUpperCase(), "admin");
    expect(created.status).toBe(201);
    const { invite: inv, token } = created.body;
    expect(typeof token).toBe("string");
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(inv).toMatchObject({ tenantId, email, role: "admin", status: "pending", invitedBy: owner.id });
    const ttl = Date.parse(inv.expiresAt) - Date.parse(inv.createdAt);
    expect(ttl).toBe(INVITE_TTL_MS);
    expect(INVITE_TTL_MS).toBe(7 * 24 * 60 * 60 * 1000);
    expect(Date.parse(inv.createdAt)).toBeGreaterThanOrEqual(before - 1000);

    // stored hashed, never in the clear
    const row = await env.DB.prepare("select token_hash from invites where id = ?").bind(inv.id).first<{ token_hash: string }>();
    expect(row!.token_hash).toBe(await hashSecret(token));
    expect(row!.token_hash).not.toContain(token);

    const invitee = await signupAs(email);
    const accepted = await accept(invitee, token);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ tenantId, role: "admin" });

    const me = await call("/v1/me", { cookie: invitee.cookie });
    expect(me.body.memberships).toEqual([{ tenantId, tenantName: "Test tenant", role: "admin" }]);
    const listed = await call(invitesPath(tenantId), { cookie: invitee.cookie });
    expect(listed.body.data).toEqual([expect.objectContaining({ id: inv.id, status: "accepted" })]);

    const [createdAudit] = await auditRows(tenantId, "invite.created");
    expect(createdAudit).toMatchObject({ actor_id: owner.id, target_type: "invite", target_id: inv.id, details: { email, role: "admin" } });
    const [acceptedAudit] = await auditRows(tenantId, "invite.accepted");
    expect(acceptedAudit).toMatchObject({
      tenant_id: tenantId,
      actor_type: "user",
      actor_id: invitee.id,
      target_id: inv.id,
      details: { userId: invitee.id, role: "admin" },
    });
  });

  it("never returns or records the token again: not in the list, not in audit details", async () => {
    const { owner, tenantId } = await tenant();
    const email = uniqueEmail("secret");
    const { token, invite: inv } = (await invite(tenantId, owner, email)).body;
    const listed = await call(invitesPath(tenantId), { cookie: owner.cookie });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: inv.id, status: "pending" })]);
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect(JSON.stringify(listed.body)).not.toMatch(/token/i);
    await accept(await signupAs(email), token);
    const { results } = await auditResults<{ details: string }>("select details from audit_events where tenant_id = ?", tenantId);
    expect(results.length).toBeGreaterThanOrEqual(3);
    for (const r of results) {
      expect(r.details).not.toContain(token);
      expect(r.details).not.toContain(await hashSecret(token));
    }
  });

  it("mails the invitee the accept link; locally it lands in the dev outbox, and the answer says so", async () => {
    const { owner, tenantId } = await tenant();
    const email = uniqueEmail("outbox");
    const created = await invite(tenantId, owner, email);
    expect(created.body.mail).toEqual({ status: "dev_outbox" });
    const mail = await env.DB.prepare("select subject, text from dev_outbox where `to` = ?")
      .bind(email)
      .first<{ subject: string; text: string }>();
    expect(mail!.subject).toBe("You are invited to Test tenant on Switchboard");
    expect(mail!.text).toContain(`http://localhost:8787/invites/accept?token=${encodeURIComponent(created.body.token)}`);
    expect(mail!.text).toContain("as a member");
    // The token reaches nobody else: not the logs.
    expect(log.mock.calls.map((args) => String(args[0])).join("\n")).not.toContain(created.body.token);
  });

  it("in production: sent through the mail provider (status sent), or honestly not (not_configured, failed) — the invite exists either way", async () => {
    const { owner, tenantId } = await tenant();
    const provider = {
      ENVIRONMENT: "production",
      RESEND_API_KEY: FAKE_RESEND_KEY,
      MAIL_FROM: "Switchboard <no-reply@mail.switchboard.test>",
    };
    const send = (email: string, overrides: Partial<Env>) =>
      call(invitesPath(tenantId), {
        body: { email, role: "viewer" },
        cookie: owner.cookie,
        headers: { origin: "http://localhost:5173" },
        env: overrides,
      });

    const sentTo = uniqueEmail("mailed");
    const sent = await send(sentTo, provider);
    expect(sent.status).toBe(201);
    expect(sent.body.mail).toEqual({ status: "sent" });
    const recorded = (await (await fetch(`https://api.resend.com/__recorded?to=${encodeURIComponent(sentTo)}`)).json()) as {
      accepted: { text: string; idempotencyKey: string }[];
    };
    expect(recorded.accepted).toHaveLength(1);
    expect(recorded.accepted[0]!.idempotencyKey).toBe(`invite/${sent.body.invite.id}`);
    // the link points at the dashboard the owner used
    expect(recorded.accepted[0]!.text).toContain(`http://localhost:5173/invites/accept?token=${encodeURIComponent(sent.body.token)}`);

    const unconfigured = await send(uniqueEmail("unmailed"), { ENVIRONMENT: "production" });
    expect(unconfigured.status).toBe(201);
    expect(unconfigured.body.mail).toEqual({ status: "not_configured" });

    const failed = await send(`refused-${uniqueEmail()}`, provider);
    expect(failed.status).toBe(201);
    expect(failed.body.mail).toEqual({ status: "failed" });
    const [audited] = (await auditRows(tenantId, "invite.created")).filter(
      (r) => (r as Record<string, unknown>).target_id === failed.body.invite.id,
    );
    expect(audited!.details).toMatchObject({ mail: "failed" });
  });

  it("refuses an accept by an account with a different email (403 invite_email_mismatch)", async () => {
    const { owner, tenantId } = await tenant();
    const { token } = (await invite(tenantId, owner, uniqueEmail("intended"))).body;
    const other = await signup("other");
    expectError(await accept(other, token), 403, "invite_email_mismatch");
    expect(await membershipCount(tenantId, other.id)).toBe(0);
    expect(await auditRows(tenantId, "invite.accepted")).toEqual([]);
  });

  it("answers 410 invite_expired for an expired invite", async () => {
    const { owner, tenantId } = await tenant();
    const email = uniqueEmail("late");
    const { token, invite: inv } = (await invite(tenantId, owner, email)).body;
    await env.DB.prepare("update invites set expires_at = ? where id = ?")
      .bind(Date.now() - 1000, inv.id)
      .run();
    const invitee = await signupAs(email);
    expectError(await accept(invitee, token), 410, "invite_expired");
    expect(await membershipCount(tenantId, invitee.id)).toBe(0);
    const listed = await call(invitesPath(tenantId), { cookie: owner.cookie });
    expect(listed.body.data[0].status).toBe("expired");
  });

  it("previews an invite for a signed-in token holder: tenant, role, inviter, status; 404 for an unknown token", async () => {
    const { owner, tenantId } = await tenant();
    await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { name: "Preview Corp" }, cookie: owner.cookie });
    const email = uniqueEmail("peek");
    const { token, invite: inv } = (await invite(tenantId, owner, email, "viewer")).body;
    const someone = await signup("peeker");
    const preview = await call("/v1/invites/preview", { body: { token }, cookie: someone.cookie });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      tenantName: "Preview Corp",
      role: "viewer",
      email,
      invitedByName: expect.any(String),
      status: "pending",
      expiresAt: inv.expiresAt,
    });
    // previewing changes nothing: the invite is still pending and the looker is not a member
    expect(await membershipCount(tenantId, someone.id)).toBe(0);
    await revoke(tenantId, owner, inv.id);
    expect((await call("/v1/invites/preview", { body: { token }, cookie: someone.cookie })).body.status).toBe("revoked");
    expectError(
      await call("/v1/invites/preview", { body: { token: "not-a-real-invite-token" }, cookie: someone.cookie }),
      404,
      "not_found",
    );
    expectError(await call("/v1/invites/preview", { body: { token } }), 401, "unauthenticated");
  });

  it("answers 404 for an unknown token and 400 for a missing one", async () => {
    const user = await signup("guess");
    expectError(await accept(user, "not-a-real-invite-token"), 404, "not_found");
    expectError(await call("/v1/invites/accept", { body: {}, cookie: user.cookie }), 400, "validation_failed");
    expectError(await call("/v1/invites/accept", { body: { token: "x" } }), 401, "unauthenticated");
  });

  it("accepts once: a second accept fails and only one membership row exists", async () => {
    const { owner, tenantId } = await tenant();
    const email = uniqueEmail("twice");
    const { token } = (await invite(tenantId, owner, email)).body;
    const invitee = await signupAs(email);
    expect((await accept(invitee, token)).status).toBe(200);
    expectError(await accept(invitee, token), 410, "invite_expired");
    expect(await membershipCount(tenantId, invitee.id)).toBe(1);
    expect(await auditRows(tenantId, "invite.accepted")).toHaveLength(1);
  });

  it("accepts once even when two accepts race", async () => {
    const { owner, tenantId } = await tenant();
    const email = uniqueEmail("race");
    const { token } = (await invite(tenantId, owner, email)).body;
    const invitee = await signupAs(email);
    const results = await Promise.all([accept(invitee, token), accept(invitee, token)]);
    expect(results.map((r) => r.status).filter((s) => s === 200)).toHaveLength(1);
    const loser = results.find((r) => r.status !== 200)!;
    expect(["invite_expired", "already_member"]).toContain(loser.body.error.code);
    expect(await membershipCount(tenantId, invitee.id)).toBe(1);
  });

  it("refuses an invite for someone who is already a member, and an accept by one (409 already_member)", async () => {
    const { owner, tenantId } = await tenant();
    const existing = await addMember(tenantId, "viewer");
    expectError(await invite(tenantId, owner, existing.email), 409, "already_member");

    // invited, then added by other means before accepting
    const email = uniqueEmail("joined");
    const { token } = (await invite(tenantId, owner, email)).body;
    const joined = await addMember(tenantId, "viewer", await signupAs(email));
    expectError(await accept(joined, token), 409, "already_member");
    expect(await membershipCount(tenantId, joined.id)).toBe(1);
  });

  it("refuses a second pending invite for the same email (409 conflict), but allows one after revoking", async () => {
    const { owner, tenantId } = await tenant();
    const email = uniqueEmail("dup");
    const first = await invite(tenantId, owner, email);
    expectError(await invite(tenantId, owner, email.toUpperCase()), 409, "conflict");
    expect((await revoke(tenantId, owner, first.body.invite.id)).status).toBe(204);
    expect((await invite(tenantId, owner, email)).status).toBe(201);
  });

  it("refuses bad input", async () => {
    const { owner, tenantId } = await tenant();
    expectError(await invite(tenantId, owner, "not-an-email"), 400, "validation_failed");
    expectError(await invite(tenantId, owner, uniqueEmail(), "superuser"), 400, "validation_failed");
    expectError(
      await call(invitesPath(tenantId), { body: { email: uniqueEmail(), role: "member", token: "mine" }, cookie: owner.cookie }),
      400,
      "validation_failed",
    );
  });
});

describe("who may invite", () => {
  it("lets only an owner invite an owner (403 owner_required for an admin)", async () => {
    const { owner, tenantId } = await tenant();
    const admin = await addMember(tenantId, "admin");
    expectError(await invite(tenantId, admin, uniqueEmail(), "owner"), 403, "owner_required");
    expect((await invite(tenantId, admin, uniqueEmail(), "admin")).status).toBe(201);
    expect((await invite(tenantId, owner, uniqueEmail(), "owner")).status).toBe(201);
  });

  it("refuses viewers and members (403); they can still read the list", async () => {
    const { tenantId } = await tenant();
    const viewer = await addMember(tenantId, "viewer");
    const member = await addMember(tenantId, "member");
    expectError(await invite(tenantId, viewer, uniqueEmail()), 403, "forbidden");
    expectError(await invite(tenantId, member, uniqueEmail()), 403, "forbidden");
    expect((await call(invitesPath(tenantId), { cookie: viewer.cookie })).status).toBe(200);
    expect(await auditRows(tenantId, "invite.created")).toEqual([]);
  });
});

describe("plan limit", () => {
  it("counts members plus pending invites: a free tenant (3 members) with owner + 2 pending refuses a third invite", async () => {
    const { owner, tenantId } = await tenant("free");
    const a = await invite(tenantId, owner, uniqueEmail("a"));
    expect(a.status).toBe(201);
    expect((await invite(tenantId, owner, uniqueEmail("b"))).status).toBe(201);
    const third = await invite(tenantId, owner, uniqueEmail("c"));
    expectError(third, 402, "plan_limit_exceeded");
    expect(third.body.error.details).toEqual({ limit: "members", max: 3, plan: "free" });
    const count = await env.DB.prepare("select count(*) as n from invites where tenant_id = ?").bind(tenantId).first<{ n: number }>();
    expect(count!.n).toBe(2);

    // an expired invite no longer holds a seat
    await env.DB.prepare("update invites set expires_at = ? where id = ?")
      .bind(Date.now() - 1, a.body.invite.id)
      .run();
    expect((await invite(tenantId, owner, uniqueEmail("d"))).status).toBe(201);
  });

  it("holds under concurrent invites: of three at once on a fresh free tenant, exactly two land", async () => {
    const { owner, tenantId } = await tenant("free");
    const results = await Promise.all([1, 2, 3].map((i) => invite(tenantId, owner, uniqueEmail(`race${i}`))));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 402]);
    const count = await env.DB.prepare("select count(*) as n from invites where tenant_id = ?").bind(tenantId).first<{ n: number }>();
    expect(count!.n).toBe(2);
  });
});

describe("revoke", () => {
  it("revokes a pending invite so its token stops working; revoking again is 409; audited", async () => {
    const { owner, tenantId } = await tenant();
    const email = uniqueEmail("revoked");
    const { token, invite: inv } = (await invite(tenantId, owner, email)).body;
    expect((await revoke(tenantId, owner, inv.id)).status).toBe(204);
    const invitee = await signupAs(email);
    expectError(await accept(invitee, token), 410, "invite_expired");
    expect(await membershipCount(tenantId, invitee.id)).toBe(0);
    expectError(await revoke(tenantId, owner, inv.id), 409, "conflict");
    const listed = await call(invitesPath(tenantId), { cookie: owner.cookie });
    expect(listed.body.data[0]).toMatchObject({ id: inv.id, status: "revoked" });
    const [row] = await auditRows(tenantId, "invite.revoked");
    expect(row).toMatchObject({ actor_id: owner.id, target_id: inv.id, details: { email } });
    expect(await auditRows(tenantId, "invite.revoked")).toHaveLength(1);
  });

  it("refuses to revoke an accepted invite (409 conflict)", async () => {
    const { owner, tenantId } = await tenant();
    const email = uniqueEmail("done");
    const { token, invite: inv } = (await invite(tenantId, owner, email)).body;
    await accept(await signupAs(email), token);
    expectError(await revoke(tenantId, owner, inv.id), 409, "conflict");
  });

  it("answers 404 for another tenant's invite id and leaves it pending", async () => {
    const a = await tenant();
    const b = await tenant();
    const { invite: inv } = (await invite(a.tenantId, a.owner, uniqueEmail("theirs"))).body;
    expectError(await revoke(b.tenantId, b.owner, inv.id), 404, "not_found");
    expectError(await revoke(a.tenantId, b.owner, inv.id), 404, "not_found");
    const row = await env.DB.prepare("select revoked_at from invites where id = ?").bind(inv.id).first<{ revoked_at: number | null }>();
    expect(row!.revoked_at).toBeNull();
    const listed = await call(invitesPath(b.tenantId), { cookie: b.owner.cookie });
    expect(listed.body.data).toEqual([]);
  });
});

describe("list", () => {
  it("paginates invites by id, with no gaps or repeats", async () => {
    const { owner, tenantId } = await tenant();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await invite(tenantId, owner, uniqueEmail(`p${i}`))).body.invite.id);
    // ids are time-sortable; within one millisecond their order is random, so compare sorted
    ids.sort();
    const first = await call(`${invitesPath(tenantId)}?limit=2`, { cookie: owner.cookie });
    expect(first.body.data.map((i: { id: string }) => i.id)).toEqual(ids.slice(0, 2));
    const second = await call(`${invitesPath(tenantId)}?limit=2&cursor=${first.body.nextCursor}`, { cookie: owner.cookie });
    expect(second.body.data.map((i: { id: string }) => i.id)).toEqual(ids.slice(2));
    expect(second.body.nextCursor).toBeNull();
  });
});
