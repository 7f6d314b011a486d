/**
 * The tenant's audit trail over HTTP: list with filters (newest first), one entry, verify a range
 * of the hash chain, export a range as JSONL or CSV. Entries are the ledger's `LedgerEntry`
 * exactly as hashed. Design, chain scheme and report meanings: docs/audit.md.
 *
 * Registered AFTER every other module with `/audit/...` paths (routes/index.ts): `/audit/{seq}`
 * would otherwise answer `/audit/archives` with a validation error. Inside this module `export`
 * is registered before `{seq}` for the same reason.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import {
  AuditEntryEnvelopeSchema,
  AuditListQuerySchema,
  AuditPageSchema,
  AuditSeqParamsSchema,
  ExportQuerySchema,
  VerifyInputSchema,
  VerifyResultSchema,
} from "../../../shared/schemas/audit";
import type { AppEnv } from "../env";
import { notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { exportFilename, exportStream, resolveExportRange } from "../services/audit-export";
import { getEntry, listEntries } from "../services/audit-query";
import { requireInProject } from "../services/projects";
import { MAX_VERIFY_SPAN, verifyRange } from "../services/audit-verify";

export const auditRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Audit"];

auditRoutes.openapi(
  defineRoute("audit:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/audit",
    tags,
    summary: "List the tenant's audit entries, newest first",
    description:
      "Filters combine with AND. `from`/`to` take milliseconds since the epoch or an ISO 8601 time (`from` inclusive, `to` exclusive). `q` matches a case-insensitive substring of the action. `projectId` keeps one project's events (those whose `details.projectId` is it; for the default project also the unscoped agent and team events). Covers the hot window the tenant's ledger keeps (90 days by default; older days are in the archives). Entries are scheme v1 (each its own link) or v2 (entries of one block share `block`).",
    request: { params: TenantParams, query: AuditListQuerySchema },
    responses: { 200: jsonResponse(AuditPageSchema, "A page of entries.") },
  }),
  async (c) => {
    const { projectId, ...query } = c.req.valid("query");
    const { tenant } = c.get("tenantAccess");
    // A project's view needs audit:read in that project (a project role only narrows); unknown or another tenant's project: 404.
    const project = projectId !== undefined ? await requireInProject(c, projectId, "audit:read") : undefined;
    const rows = await listEntries(c.env, tenant.id, query, decodeCursor(query.cursor, "number"), project);
    return c.json(
      toPage(
        rows,
        query.limit,
        (e) => e,
        (e) => e.seq,
      ),
      200,
    );
  },
);

auditRoutes.openapi(
  defineRoute("audit:read", {
    method: "post",
    path: "/v1/tenants/{tenantId}/audit/verify",
    tags,
    summary: "Verify the hash chain over a range",
    description: `Recomputes every hash in the range (entries, Merkle roots, block hashes), checks each link and the seqs, compares with the ledger's head and the last archived day's checkpoint, and answers \`intact\` with the head, or the first broken link. The range is widened to whole blocks. At most ${MAX_VERIFY_SPAN.toLocaleString("en")} entries per call (default: the newest ones up to the head). A broken chain is itself audited (\`audit.chain_verify_failed\`, critical).`,
    request: { params: TenantParams, body: jsonBody(VerifyInputSchema) },
    responses: { 200: jsonResponse(VerifyResultSchema, "The verification result (a broken chain is a 200 with `status: broken`).") },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const result = await verifyRange(c.env, tenant.id, c.req.valid("json"));
    if (result.status === "broken") {
      await audit(c, {
        action: "audit.chain_verify_failed",
        severity: "critical",
        outcome: "failure",
        target: { type: "audit_chain", id: tenant.id },
        details: { ...result.firstBreak },
      });
    }
    return c.json(result, 200);
  },
);

auditRoutes.openapi(
  defineRoute("audit:export", {
    method: "get",
    path: "/v1/tenants/{tenantId}/audit/export",
    tags,
    summary: "Export a range of the audit trail (JSONL or CSV), streamed",
    description:
      "A contiguous seq range of whole blocks (time bounds are turned into the seqs they cover), oldest first, as an attachment. JSONL: one `LedgerEntry` per line, exactly as hashed — verifiable offline with `npx switchboard-verify export <file>`. CSV: RFC 4180 with a header row, for spreadsheets. The export is audited (`audit.exported`).",
    request: { params: TenantParams, query: ExportQuerySchema },
    responses: {
      200: {
        description: "The export.",
        content: { "application/x-ndjson": { schema: z.string() }, "text/csv": { schema: z.string() } },
      },
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { tenant } = c.get("tenantAccess");
    // The range is fixed before the export's own audit event is appended.
    const range = await resolveExportRange(c.env, tenant.id, query);
    await audit(c, {
      action: "audit.exported",
      target: { type: "audit_chain", id: tenant.id },
      details: { format: query.format, fromSeq: range?.fromSeq ?? null, toSeq: range?.toSeq ?? null },
    });
    return c.body(exportStream(c.env, tenant.id, range, query.format), 200, {
      "Content-Type": query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="${exportFilename(tenant.id, range, query.format)}"`,
      "Cache-Control": "private, no-store",
    }) as never;
  },
);

auditRoutes.openapi(
  defineRoute("audit:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/audit/{seq}",
    tags,
    summary: "One audit entry by seq",
    request: { params: AuditSeqParamsSchema },
    responses: { 200: jsonResponse(AuditEntryEnvelopeSchema, "The entry.") },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const entry = await getEntry(c.env, tenant.id, c.req.valid("param").seq);
    if (!entry) throw notFound("Audit entry");
    return c.json({ entry }, 200);
  },
);
