/**
 * Helpers for the audit archive tests (workerd): tenants seeded straight into D1 with a plan,
 * back-dated events appended through the real emit point (the tenant's AuditLedger), retention
 * messages run through the real queue handler, and R2 read back as the files a tenant would
 * download for the offline verifier.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { emitAudit } from "../../workers/shared/audit/emit";
import { AUDIT_RETENTION_QUEUE, type RetentionMessage } from "../../workers/shared/audit/archive/retention-queue";
import { chainPrefix, DAY_MS, dayOf, dayStart } from "../../workers/shared/audit/archive/layout";
import { newId } from "../../workers/shared/crypto/ids";
import type { PlanId } from "../../workers/shared/plans";
import { DEFAULT_TENANT_CONFIG } from "../../workers/shared/schemas/tenant";
import { queue } from "../../workers/api/src/queues";
import { chainEntries } from "./audit-view";
import { call } from "./harness";

export const HOUR = 60 * 60 * 1000;
/** Today (UTC) at 00:00, from the real clock: the ledger stamps appends with it. */
export const TODAY_START = dayStart(dayOf(Date.now()));
/** The retention job's clock in most tests: midday today, so yesterday is closed. */
export const AS_OF = TODAY_START + 12 * HOUR;

/** The UTC day `n` days before today. */
export const daysAgo = (n: number): string => dayOf(TODAY_START - n * DAY_MS);
/** A time inside the day `n` days ago. */
export const at = (n: number, hour = 10, minute = 0): number => TODAY_START - n * DAY_MS + hour * HOUR + minute * 60_000;

export async function seedTenant(plan: PlanId = "team"): Promise<string> {
  const id = newId("tenant");
  await env.DB.batch([
    env.DB.prepare("insert into tenants (id, name, plan, config) values (?, 'archive test', ?, ?)").bind(
      id,
      plan,
      JSON.stringify(DEFAULT_TENANT_CONFIG),
    ),
    env.DB.prepare(
      "insert into tenant_config_versions (tenant_id, version, name, config, reason) values (?, 1, 'archive test', ?, 'created')",
    ).bind(id, JSON.stringify(DEFAULT_TENANT_CONFIG)),
  ]);
  return id;
}

/** Appends events at the given times, in order, through the real ledger. */
export async function emitAt(tenantId: string, times: number[], action = "test.event"): Promise<void> {
  for (const [i, time] of times.entries()) {
    await emitAudit(env, {
      tenantId,
      actor: { type: "system", id: null, name: "test" },
      action,
      details: { n: i, note: "é ✓ \u2028" },
      ip: "203.0.113.9",
      userAgent: "archive-test",
      at: time,
    });
  }
}

let messageCounter = 0;

/** Delivers one retention message to the Worker's queue handler; answers the ack/retry outcome. */
export async function deliver(body: RetentionMessage | unknown, attempts = 1) {
  const id = `msg-${++messageCounter}`;
  const batch = createMessageBatch(AUDIT_RETENTION_QUEUE, [{ id, timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await queue(batch, env, ctx);
  const result = await getQueueResult(batch, ctx);
  return { id, acked: result.explicitAcks.includes(id), retried: result.retryMessages.find((m) => m.msgId === id) ?? null, result };
}

export interface StoredObject {
  key: string;
  bytes: Uint8Array;
  etag: string;
  uploaded: number;
}

export async function r2Objects(chainId: string): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.AUDIT_ARCHIVE.list({ prefix: chainPrefix(chainId), cursor });
    for (const o of page.objects) {
      const got = await env.AUDIT_ARCHIVE.get(o.key);
      out.push({ key: o.key, bytes: new Uint8Array(await got!.arrayBuffer()), etag: o.etag, uploaded: o.uploaded.getTime() });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The R2 objects as the verifier's input files (paths = keys, the documented layout). */
export async function verifierFiles(chainId: string) {
  return (await r2Objects(chainId)).map((o) => ({ path: o.key, bytes: o.bytes }));
}

export async function digestKeySet(): Promise<{ keys: Array<Record<string, any>> }> {
  const res = await call("/.well-known/audit-digest-keys.json");
  if (res.status !== 200) throw new Error(`key set: ${res.status}`);
  return res.body;
}

export async function checkpointOf(chainId: string) {
  return env.DB.prepare("select * from audit_archive_checkpoints where chain_id = ?").bind(chainId).first<Record<string, any>>();
}

export async function archiveRows(chainId: string) {
  return (await env.DB.prepare("select * from audit_archives where chain_id = ? order by day").bind(chainId).all<Record<string, any>>())
    .results;
}

/** The seqs the chain's hot window still holds (the ledger's live segments). */
export async function hotSeqs(chainId: string): Promise<number[]> {
  return (await chainEntries(chainId)).map((e) => e.seq);
}
