/**
 * The audit archives API and the digest key set, in workerd: listing and fetching a tenant's
 * archives (audit:export; viewer/member 403; another tenant 404; bad days 400), byte-exact
 * downloads, the published keys (separate from agent-token keys) and their rotation, with old
 * digests still verifying after it.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifyArchives } from "../../../../../tools/switchboard-verify/lib/verify.mjs";
import { AS_OF, at, daysAgo, digestKeySet, emitAt, verifierFiles } from "../../../../../test/workers/audit-archive-harness";
import { auditRow } from "../../../../../test/workers/audit-view";
import { call, createTenant, expectError, signup, tenantWithRoles } from "../../../../../test/workers/harness";
import { archiveKey, DAY_MS } from "../../../../shared/audit/archive/layout";
import { DIGEST_KEY_ROTATION_MS, rotateDigestKeys } from "../../../../shared/audit/archive/digest-keys";
import { runRetentionJob } from "../../../../shared/audit/archive/retention-job";

const archivesPath = (tenantId: string) => `/v1/tenants/${tenantId}/audit/archives`;

async function sha256(bytes: ArrayBuffer): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function archivedTenant() {
  const t = await tenantWithRoles("Archives");
  await emitAt(t.tenantId, [at(3), at(3, 11), at(1)]);
  const result = await runRetentionJob(env, { chainId: t.tenantId, asOf: AS_OF });
  expect(result.archived).toEqual([daysAgo(3), daysAgo(2), daysAgo(1)]);
  return t;
}

describe("listing and fetching archives", () => {
  it("lists archived days newest first with cursor pagination, empty days included", async () => {
    const { tenantId, owner } = await archivedTenant();
    const page1 = await call(`${archivesPath(tenantId)}?limit=2`, { cookie: owner.cookie });
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((a: any) => a.day)).toEqual([daysAgo(1), daysAgo(2)]);
    expect(page1.body.data[1]).toMatchObject({
      day: daysAgo(2),
      count: 0,
      archive: null,
      digest: { url: `${archivesPath(tenantId)}/${daysAgo(2)}/digest` },
      kid: expect.stringMatching(/^adk_/),
    });
    expect(page1.body.data[0].archive).toMatchObject({
      key: archiveKey(tenantId, daysAgo(1)),
      url: `${archivesPath(tenantId)}/${daysAgo(1)}/archive`,
    });
    const page2 = await call(`${archivesPath(tenantId)}?limit=2&cursor=${page1.body.nextCursor}`, { cookie: owner.cookie });
    expect(page2.body.data.map((a: any) => a.day)).toEqual([daysAgo(3)]);
    expect(page2.body.nextCursor).toBeNull();
    expectError(await call(`${archivesPath(tenantId)}?cursor=garbage`, { cookie: owner.cookie }), 400, "validation_failed");
  });

  it("serves the digest and the archive byte for byte; the archive's SHA-256 is the digest's; the download is audited", async () => {
    const { tenantId, owner } = await archivedTenant();
    const day = daysAgo(3);
    const digestRes = await exportsFetch(`${archivesPath(tenantId)}/${day}/digest`, owner.cookie);
    expect(digestRes.status).toBe(200);
    expect(digestRes.headers.get("content-type")).toContain("application/json");
    const digestText = await digestRes.text();
    expect(digestText).toBe(await (await env.AUDIT_ARCHIVE.get(`tenants/${tenantId}/${day.replace(/-/g, "/")}/digest.json`))!.text());
    const digest = JSON.parse(digestText);

    const archiveRes = await exportsFetch(`${archivesPath(tenantId)}/${day}/archive`, owner.cookie);
    expect(archiveRes.status).toBe(200);
    expect(archiveRes.headers.get("content-type")).toBe("application/gzip");
    expect(archiveRes.headers.get("content-disposition")).toContain(`audit-${day}.jsonl.gz`);
    const bytes = await archiveRes.arrayBuffer();
    expect(await sha256(bytes)).toBe(digest.archive.sha256);

    const audited = await auditRow<{ actor_id: string; details: string }>(
      "select actor_id, details from audit_events where action = 'audit.archive_downloaded' and tenant_id = ?",
      tenantId,
    );
    expect(audited?.actor_id).toBe(owner.id);
    expect(JSON.parse(audited!.details)).toMatchObject({ day, sha256: digest.archive.sha256 });
  });

  it("answers 404 for an empty day's archive (its digest exists), a day not archived, and 400 for a non-day", async () => {
    const { tenantId, owner } = await archivedTenant();
    const empty = await call(`${archivesPath(tenantId)}/${daysAgo(2)}/archive`, { cookie: owner.cookie });
    expectError(empty, 404, "not_found");
    expect(empty.body.error.message).toContain("No events");
    expect((await call(`${archivesPath(tenantId)}/${daysAgo(2)}/digest`, { cookie: owner.cookie })).status).toBe(200);
    expectError(await call(`${archivesPath(tenantId)}/${daysAgo(0)}/digest`, { cookie: owner.cookie }), 404, "not_found");
    expectError(await call(`${archivesPath(tenantId)}/2020-01-01/archive`, { cookie: owner.cookie }), 404, "not_found");
    // Impossible dates are malformed days (400), never a server error: a month 13, a 32nd, year zero, a 30 February.
    for (const day of ["2026-13-45", "2026-12-32", "0000-00-00", "2026-02-30", "yesterday", "2026-1-01"]) {
      for (const file of ["digest", "archive"]) {
        const res = await call(`${archivesPath(tenantId)}/${day}/${file}`, { cookie: owner.cookie });
        expectError(res, 400, "validation_failed");
        expect(JSON.stringify(res.body.error.details), day).toContain("day");
      }
    }
  });

  it("needs audit:export: admins and API keys with the scope may, members and viewers get 403, strangers 401", async () => {
    const { tenantId, owner, admin, member, viewer } = await archivedTenant();
    const day = daysAgo(1);
    for (const path of [archivesPath(tenantId), `${archivesPath(tenantId)}/${day}/digest`, `${archivesPath(tenantId)}/${day}/archive`]) {
      expect((await call(path, { cookie: admin.cookie })).status).toBe(200);
      for (const user of [member, viewer]) {
        const res = await call(path, { cookie: user.cookie });
        expectError(res, 403, "forbidden");
        expect(res.body.error.details).toEqual({ permission: "audit:export" });
      }
      expectError(await call(path), 401, "unauthenticated");
    }
    const withScope = (
      await call(`/v1/tenants/${tenantId}/api-keys`, { body: { name: "export", scopes: ["audit:export"] }, cookie: owner.cookie })
    ).body.key;
    const without = (
      await call(`/v1/tenants/${tenantId}/api-keys`, { body: { name: "read", scopes: ["audit:read"] }, cookie: owner.cookie })
    ).body.key;
    expect((await call(archivesPath(tenantId), { apiKey: withScope })).status).toBe(200);
    expectError(await call(archivesPath(tenantId), { apiKey: without }), 403, "forbidden");
  });

  it("another tenant's archives answer 404, by its tenant id and by day under one's own tenant", async () => {
    const victim = await archivedTenant();
    const intruder = await signup("intruder");
    const ownTenant = await createTenant(intruder, "Intruder");
    const day = daysAgo(1);
    for (const path of [
      archivesPath(victim.tenantId),
      `${archivesPath(victim.tenantId)}/${day}/digest`,
      `${archivesPath(victim.tenantId)}/${day}/archive`,
    ]) {
      expectError(await call(path, { cookie: intruder.cookie }), 404, "not_found");
    }
    // Under the intruder's own tenant the victim's day simply does not exist.
    expectError(await call(`${archivesPath(ownTenant)}/${day}/archive`, { cookie: intruder.cookie }), 404, "not_found");
    expect((await call(archivesPath(ownTenant), { cookie: intruder.cookie })).body.data).toEqual([]);
  });
});

describe("the digest key set", () => {
  it("publishes Ed25519 public keys with created/retired times, apart from the agent-token JWKS", async () => {
    await archivedTenant();
    const res = await call("/.well-known/audit-digest-keys.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.body.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of res.body.keys) {
      expect(key).toEqual({
        kty: "OKP",
        crv: "Ed25519",
        x: expect.any(String),
        kid: expect.stringMatching(/^adk_/),
        alg: "EdDSA",
        use: "sig",
        created: expect.any(String),
        retired: null,
      });
    }
    const agentKids = (await call("/.well-known/jwks.json")).body.keys.map((k: { kid: string }) => k.kid);
    for (const key of res.body.keys) expect(agentKids).not.toContain(key.kid);
    const stored = await env.DB.prepare("select public_jwk from audit_digest_keys").all<{ public_jwk: string }>();
    for (const row of stored.results) expect(row.public_jwk).not.toContain('"d"');
  });

  it("rotates once per interval (duplicate runs make no second key); retired keys stay published and old digests still verify", async () => {
    const { tenantId } = await archivedTenant();
    const before = (await digestKeySet()).keys;
    const oldKid = before.find((k) => k.retired === null)!.kid;

    expect((await rotateDigestKeys(env, Date.now())).created).toBeNull();
    // The current key becomes due: it was made a rotation interval ago.
    await env.DB.prepare("update audit_digest_keys set created_at = created_at - ? where kid = ?")
      .bind(DIGEST_KEY_ROTATION_MS + 60_000, oldKid)
      .run();
    const rotateAt = Date.now();
    const [first, second] = await Promise.all([rotateDigestKeys(env, rotateAt), rotateDigestKeys(env, rotateAt)]);
    const created = [first.created, second.created].filter(Boolean);
    expect(created).toHaveLength(1);

    const after = (await digestKeySet()).keys;
    expect(after.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, created[0]]));
    expect(after.find((k) => k.kid === oldKid)!.retired).toBe(new Date(rotateAt).toISOString());
    expect(after.filter((k) => k.retired === null).map((k) => k.kid)).toEqual([created[0]]);

    // New days are signed by the new key; the whole trail, old key and new, verifies offline.
    await emitAt(tenantId, [at(0, 1)]);
    const next = await runRetentionJob(env, { chainId: tenantId, asOf: AS_OF + DAY_MS }, { clock: () => AS_OF + DAY_MS });
    expect(next.archived).toEqual([daysAgo(0)]);
    const newest = JSON.parse(
      await (await env.AUDIT_ARCHIVE.get(`tenants/${tenantId}/${daysAgo(0).replace(/-/g, "/")}/digest.json`))!.text(),
    );
    expect(newest.kid).toBe(created[0]);
    const report = await verifyArchives({ files: await verifierFiles(tenantId), jwks: await digestKeySet() });
    expect(report.problems).toEqual([]);
  });
});

/** A raw fetch through the Worker (the JSON helper would decode the body). */
async function exportsFetch(path: string, cookie: string): Promise<Response> {
  const { exports } = await import("cloudflare:workers");
  return exports.default.fetch(new Request(`http://localhost:8787${path}`, { headers: { cookie } }));
}
