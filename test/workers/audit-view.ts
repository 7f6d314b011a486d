/**
 * Test helpers that read audit trails the way the product stores them: the chains' ledger objects
 * (and, for chains carried over from the first ledger, D1's legacy rows).
 *
 * - `chainEntries(chainId)`: every entry of a chain the ledger holds, in seq order.
 * - `auditRows(sql, ...binds)`: for tests that assert on audit events with SQL. Every chain's
 *   entries (the platform chain and every tenant's, read through the ledgers) are loaded into a
 *   scratch D1 table `audit_view` with the columns `audit_events` had, and the query — written
 *   against `audit_events` — runs on it. Test-only: nothing in the product writes audit rows to D1.
 */
import { env } from "cloudflare:workers";
import type { LedgerEntry } from "../../workers/shared/audit/chain";
import { ledgerFor } from "../../workers/shared/audit/emit";
import { payloadLines } from "../../workers/shared/audit/payload";
import { PLATFORM_CHAIN_ID } from "../../workers/shared/audit/chain";

export async function chainEntries(chainId: string, afterSeq = 0): Promise<LedgerEntry[]> {
  const ledger = ledgerFor(env, chainId);
  const out: LedgerEntry[] = [];
  let after = afterSeq;
  for (;;) {
    const links = await ledger.links(after, Number.MAX_SAFE_INTEGER);
    if (links.length === 0) return out;
    for (const link of links) {
      for (const line of payloadLines(new Uint8Array(link.payload))) {
        const entry = JSON.parse(line) as LedgerEntry;
        if (entry.seq > afterSeq) out.push(entry);
      }
      after = link.to_seq;
    }
  }
}

const VIEW_DDL = `CREATE TABLE IF NOT EXISTS audit_view (
  id TEXT PRIMARY KEY, tenant_id TEXT, at INTEGER, actor_type TEXT, actor_id TEXT, actor_name TEXT, action TEXT,
  target_type TEXT, target_id TEXT, severity TEXT, outcome TEXT, details TEXT, ip TEXT, user_agent TEXT,
  chain_id TEXT, seq INTEGER, prev_hash TEXT, hash TEXT)`;

async function refreshView(): Promise<void> {
  await env.DB.prepare(VIEW_DDL).run();
  await env.DB.prepare("DELETE FROM audit_view").run();
  const tenants = (await env.DB.prepare("SELECT id FROM tenants").all<{ id: string }>()).results.map((r) => r.id);
  for (const chainId of [PLATFORM_CHAIN_ID, ...tenants]) {
    const entries = await chainEntries(chainId);
    const statements = entries.map((e) =>
      env.DB.prepare("INSERT INTO audit_view VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)").bind(
        e.id,
        e.tenantId,
        e.at,
        e.actor.type,
        e.actor.id,
        e.actor.name,
        e.action,
        e.target?.type ?? null,
        e.target?.id ?? null,
        e.severity,
        e.outcome,
        JSON.stringify(e.details),
        e.ip,
        e.userAgent,
        e.chainId,
        e.seq,
        e.v === 1 ? e.prevHash : e.block.prevHash,
        e.hash,
      ),
    );
    for (let i = 0; i < statements.length; i += 50) await env.DB.batch(statements.slice(i, i + 50));
  }
}

/** Rows of `sql` (written against `audit_events`) over every chain's entries as they are now. */
export async function auditRows<T = Record<string, unknown>>(sql: string, ...binds: unknown[]): Promise<T[]> {
  await refreshView();
  return (
    await env.DB.prepare(sql.replace(/\baudit_events\b/g, "audit_view"))
      .bind(...binds)
      .all<T>()
  ).results;
}

/** The first row of `sql`, or null. */
export async function auditRow<T = Record<string, unknown>>(sql: string, ...binds: unknown[]): Promise<T | null> {
  return (await auditRows<T>(sql, ...binds))[0] ?? null;
}

/** `env.DB.prepare(sql).bind(...).all()`'s shape, over the audit view. */
export async function auditResults<T = Record<string, unknown>>(sql: string, ...binds: unknown[]): Promise<{ results: T[] }> {
  return { results: await auditRows<T>(sql, ...binds) };
}
