/**
 * Audit archives over HTTP: the public key set that verifies digests, and a tenant's own daily
 * archives and digests (read from R2 through the API, so R2 never needs to be public). Format,
 * layout and offline verification: docs/audit-archives.md.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { Context } from "hono";
import { publishedDigestKeys } from "../../../shared/audit/archive/digest-keys";
import { isDay } from "../../../shared/audit/archive/layout";
import { auditArchives, type AuditArchiveRow } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import {
  ArchiveDaySchema,
  AuditArchiveSchema,
  AuditDigestKeySetSchema,
  AuditDigestSchema,
  type AuditArchive,
} from "../../../shared/schemas/audit-archives";
import { pageOf, PageQuerySchema, toIso } from "../../../shared/schemas/common";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { TenantParams } from "../http/params";
import { defineRoute, jsonResponse } from "../http/route";
import { log } from "../../../shared/observability/log";

export const auditArchivesRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Audit archives"];
export const AUDIT_DIGEST_KEYS_PATH = "/.well-known/audit-digest-keys.json";
const KEYS_CACHE_CONTROL = "public, max-age=300";
const DayParams = TenantParams.extend({ day: ArchiveDaySchema });

auditArchivesRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: AUDIT_DIGEST_KEYS_PATH,
    tags,
    summary: "Public keys that verify audit archive digests",
    description:
      "A JSON Web Key Set of every key that ever signed a digest (Ed25519, `alg` EdDSA, kids `adk_…`), newest first, with `created` and `retired` times. Retired keys stay published forever: digests are verified years after they were signed. Pick the key by the digest's `kid`; a digest signed after its key's `retired` time is suspect. Separate from /.well-known/jwks.json (agent tokens).",
    responses: { 200: jsonResponse(AuditDigestKeySetSchema, "The key set.") },
  }),
  async (c) => {
    c.header("Cache-Control", KEYS_CACHE_CONTROL);
    return c.json({ keys: await publishedDigestKeys(c.env) }, 200);
  },
);

auditArchivesRoutes.openapi(
  defineRoute("audit:export", {
    method: "get",
    path: "/v1/tenants/{tenantId}/audit/archives",
    tags,
    summary: "List the tenant's daily audit archives, newest first",
    description:
      "One item per archived UTC day still within the plan's cold window, including days without events (no archive file, a digest proving the absence).",
    request: { params: TenantParams, query: PageQuerySchema },
    responses: { 200: jsonResponse(pageOf(AuditArchiveSchema, "AuditArchivePage"), "A page of archived days.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const before = decodeCursor(cursor);
    const { tenant } = c.get("tenantAccess");
    const rows = await c
      .get("db")
      .select()
      .from(auditArchives)
      .where(
        and(
          eq(auditArchives.chainId, tenant.id),
          isNull(auditArchives.expiredAt),
          before !== undefined ? lt(auditArchives.day, before) : undefined,
        ),
      )
      .orderBy(desc(auditArchives.day))
      .limit(limit + 1)
      .all();
    return c.json(
      toPage(rows, limit, toAuditArchive, (r) => r.day),
      200,
    );
  },
);

auditArchivesRoutes.openapi(
  defineRoute("audit:export", {
    method: "get",
    path: "/v1/tenants/{tenantId}/audit/archives/{day}/digest",
    tags,
    summary: "A day's signed digest",
    description: "Byte for byte as stored. Save it as `<day>/digest.json` next to the archive for `npx switchboard-verify`.",
    request: { params: DayParams },
    responses: { 200: jsonResponse(AuditDigestSchema, "The digest.") },
  }),
  async (c) => {
    const row = await archivedDay(c, c.req.valid("param").day);
    const object = await c.env.AUDIT_ARCHIVE.get(row.digestKey);
    if (!object) throw missingObject(row.day);
    return c.body(object.body, 200, { "Content-Type": "application/json", "Cache-Control": "private, max-age=3600" }) as never;
  },
);

auditArchivesRoutes.openapi(
  defineRoute("audit:export", {
    method: "get",
    path: "/v1/tenants/{tenantId}/audit/archives/{day}/archive",
    tags,
    summary: "A day's archive (gzip JSONL)",
    description:
      "The gzip-compressed JSONL file, byte for byte as stored: its SHA-256 is the digest's `archive.sha256`. Each line is one ledger entry (docs/audit.md). 404 for a day without events (its digest proves that). The download is audited (`audit.archive_downloaded`).",
    request: { params: DayParams },
    responses: {
      200: { description: "The archive.", content: { "application/gzip": { schema: z.string().meta({ format: "binary" }) } } },
      404: jsonResponse(ErrorBodySchema, "`not_found`: the day is not archived, has expired, or had no events."),
    },
  }),
  async (c) => {
    const row = await archivedDay(c, c.req.valid("param").day);
    if (!row.archiveKey)
      throw new ApiError("not_found", `No events on ${row.day}: there is no archive file, only the digest that proves it.`, {
        day: row.day,
      });
    const object = await c.env.AUDIT_ARCHIVE.get(row.archiveKey);
    if (!object) throw missingObject(row.day);
    await audit(c, {
      action: "audit.archive_downloaded",
      target: { type: "audit_archive", id: row.day },
      details: { day: row.day, fromSeq: row.fromSeq, toSeq: row.toSeq, sha256: row.archiveSha256 },
    });
    return c.body(object.body, 200, {
      "Content-Type": "application/gzip",
      "Content-Disposition": `attachment; filename="audit-${row.day}.jsonl.gz"`,
      "Cache-Control": "private, no-transform",
    }) as never;
  },
);

/** The tenant's archived, unexpired day; 404 otherwise (another tenant's day is simply not found). */
async function archivedDay(c: Context<AppEnv>, day: string): Promise<AuditArchiveRow> {
  if (!isDay(day))
    throw new ApiError("validation_failed", "Invalid path: day must be a calendar day, YYYY-MM-DD.", {
      location: "path",
      issues: [{ path: "day", code: "invalid_day", message: "Not a calendar day." }],
    });
  const { tenant } = c.get("tenantAccess");
  const row = await c
    .get("db")
    .select()
    .from(auditArchives)
    .where(and(eq(auditArchives.chainId, tenant.id), eq(auditArchives.day, day), isNull(auditArchives.expiredAt)))
    .get();
  if (!row)
    throw new ApiError(
      "not_found",
      `No audit archive for ${day}: not archived yet (days are archived after they end, UTC), or past the plan's retention.`,
      { day },
    );
  return row;
}

function missingObject(day: string): ApiError {
  log.error("indexed audit archive object missing from R2", { day });
  return new ApiError("internal_error", "The archive object is missing from storage. This has been logged.");
}

function toAuditArchive(row: AuditArchiveRow): AuditArchive {
  const base = `/v1/tenants/${row.chainId}/audit/archives/${row.day}`;
  return {
    day: row.day,
    fromSeq: row.fromSeq,
    toSeq: row.toSeq,
    count: row.count,
    archive:
      row.archiveKey && row.archiveSha256
        ? { key: row.archiveKey, sha256: row.archiveSha256, bytes: row.archiveBytes ?? 0, url: `${base}/archive` }
        : null,
    digest: { key: row.digestKey, sha256: row.digestSha256, url: `${base}/digest` },
    kid: row.kid,
    archivedAt: toIso(row.createdAt),
  };
}
