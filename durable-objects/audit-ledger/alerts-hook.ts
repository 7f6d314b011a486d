/**
 * The alerts extension point of the AuditLedger Durable Object (one object per chain, i.e. per
 * tenant, plus the platform chain). OWNED BY THE ALERTS CAPABILITY: the ledger only calls these
 * functions; everything alert-related (rules, alerts, the live inbox, webhook enqueueing) lives
 * behind them, in ./alerts/. Semantics and storage: docs/alerts.md.
 *
 * Contract with the ledger (durable-objects/audit-ledger/audit-ledger.ts):
 * - `onEntriesAppended` is called after EVERY committed append (the entries are already durable in
 *   the DO's SQLite and their hash chain is final), once per append call that added entries, in
 *   chain order (calls never overlap: the ledger awaits it inside its post-commit queue). Retried/
 *   duplicate events that were already in the chain are NOT passed again (and entries at or below
 *   the alerts cursor are skipped here anyway). If it throws, the error is logged and swallowed.
 * - `chainId` is the tenant id, or PLATFORM_CHAIN_ID ("platform") for tenant-less events (no
 *   tenant rules apply there).
 * - Storage: the ledger's own tables are prefixed `ledger_`; ours `alert_` (./alerts/storage.ts).
 * - The object's alarm belongs to the ledger; `alertsAlarm` is what it should call from it: it
 *   evaluates entries the hook never saw and retries alerts whose D1 write / enqueue failed.
 * - `handleAlertsFetch` receives every `fetch()` sent to the object: the live inbox upgrade and
 *   the API's pokes (ALERTS_PATHS in workers/shared/alerts/ledger-endpoints.ts).
 * - `webSocketMessage` → `alertsWebSocketMessage`; `webSocketClose` → `alertsWebSocketClose`
 *   with the close arguments; `webSocketError` → `alertsWebSocketClose(ctx, env, ws, 1011,
 *   String(error), false)`.
 */
import { ALERTS_PATHS } from "../../workers/shared/alerts/ledger-endpoints";
import { PLATFORM_CHAIN_ID, type LedgerEntry } from "../../workers/shared/audit/chain";
import type { Alert } from "../../workers/shared/schemas/alerts";
import { endQuietPeriod, evaluateEntry } from "./alerts/evaluate";
import { acceptLiveSocket, broadcastAlert, isLiveSocket, sendFrame } from "./alerts/live";
import { flushOutbox, stagedCount } from "./alerts/outbox";
import { cachedRules, reloadRules, rulesAreStale, rulesLoaded } from "./alerts/rules";
import { alertsOf, readMeta, writeMeta, type AlertsInstance } from "./alerts/storage";
import { readHead, readMeta as readLedgerMeta } from "./storage/meta";
import { localEntriesBetween } from "./storage/read";
import { log } from "../../workers/shared/observability/log";

/** The most missed entries one call re-reads (a gap is one interrupted append, normally a handful). */
const MAX_CATCH_UP = 5_000;

export async function onEntriesAppended(
  ctx: DurableObjectState,
  env: Env,
  chainId: string,
  entries: readonly LedgerEntry[],
): Promise<void> {
  if (chainId === PLATFORM_CHAIN_ID || entries.length === 0) return;
  const inst = alertsOf(ctx);
  if (!rulesLoaded(inst)) {
    // First use of this object: nothing to evaluate with until the rules are read.
    try {
      await reloadRules(inst, env, chainId);
    } catch (err) {
      logError("alert rules load failed; evaluating without rules, the next append retries", chainId, err);
    }
  } else if (rulesAreStale(inst)) {
    // Safety net for a lost poke: refresh in the background, evaluate now with the copy we have.
    ctx.waitUntil(reloadRules(inst, env, chainId).catch((err: unknown) => logError("alert rules reload failed", chainId, err)));
  }
  evaluate(ctx, inst, chainId, entries);
  // The ledger acknowledges the append after this returns: the network part (D1, queue, sockets)
  // runs behind it. Staged alerts are durable, so an eviction mid-flush only delays them.
  if (stagedCount(inst) > 0) ctx.waitUntil(flushAlerts(ctx, env));
}

/**
 * For the ledger's alarm (it runs a few seconds after every commit): evaluates entries the hook
 * never saw (the object was evicted between a commit and the hook) and retries staged alerts.
 * Never throws.
 */
export async function alertsAlarm(ctx: DurableObjectState, env: Env): Promise<void> {
  try {
    const inst = alertsOf(ctx);
    const chainId = readLedgerMeta(inst.sql, "chain_id");
    const cursor = Number(readMeta(inst.sql, "cursor") ?? 0);
    const head = readHead(inst.sql).seq;
    if (chainId && chainId !== PLATFORM_CHAIN_ID && cursor > 0 && head > cursor) {
      if (rulesAreStale(inst)) await reloadRules(inst, env, chainId);
      evaluate(ctx, inst, chainId, missedEntries(inst.sql, chainId, cursor, head + 1));
    }
  } catch (err) {
    logError("alerts alarm: catch-up failed", null, err);
  }
  if (hasStagedAlerts(ctx)) await flushAlerts(ctx, env);
}

/** Evaluates entries in chain order (re-reading any the hook skipped), atomically with the cursor. */
function evaluate(ctx: DurableObjectState, inst: AlertsInstance, chainId: string, entries: readonly LedgerEntry[]): void {
  const rules = cachedRules(inst).filter((r) => r.enabled);
  const cursor = Number(readMeta(inst.sql, "cursor") ?? 0);
  if (rules.length === 0) {
    // Nothing to evaluate: write nothing (most tenants, most of the time). Cursor 0 = "start at the
    // next entry", so enabling a rule later never replays what happened while there was none.
    if (cursor !== 0) writeMeta(inst.sql, "cursor", 0);
    return;
  }
  const fresh = entries.filter((e) => e.seq > cursor);
  if (fresh.length === 0) return;
  // Entries committed but never passed to us (the object was evicted between the ledger's commit
  // and the hook): read them back from the ledger's own table first, so no alert is lost. A
  // cursor of 0 means alerts start here: history before the first evaluated entry is not replayed.
  const missed = cursor > 0 && fresh[0]!.seq > cursor + 1 ? missedEntries(inst.sql, chainId, cursor, fresh[0]!.seq) : [];
  const now = Date.now();
  // One synchronous transaction: window counts, staged alerts and the cursor move together.
  ctx.storage.transactionSync(() => {
    for (const entry of [...missed, ...fresh]) evaluateEntry(inst, chainId, rules, entry, now);
    writeMeta(inst.sql, "cursor", fresh[fresh.length - 1]!.seq);
  });
}

/** Writes staged alerts to D1, enqueues their webhooks, pushes them live. Never throws; failures stay staged. */
export async function flushAlerts(ctx: DurableObjectState, env: Env): Promise<void> {
  try {
    await flushOutbox(ctx, alertsOf(ctx), env);
  } catch (err) {
    logError("alert flush failed; staged alerts are retried on the next append", null, err);
  }
}

/**
 * For the ledger's commit (synchronous): whether to set the alarm that catches up entries the hook
 * might never see (an eviction between the commit and the hook). Only chains that have enabled
 * rules, or whose rules were never loaded, need it — so a tenant without rules costs no alarm.
 */
export function alertsWantCatchUp(ctx: DurableObjectState): boolean {
  const inst = alertsOf(ctx);
  if (readLedgerMeta(inst.sql, "chain_id") === PLATFORM_CHAIN_ID) return false;
  return !rulesLoaded(inst) || cachedRules(inst).some((r) => r.enabled);
}

export function hasStagedAlerts(ctx: DurableObjectState): boolean {
  return stagedCount(alertsOf(ctx)) > 0;
}

export async function handleAlertsFetch(ctx: DurableObjectState, env: Env, request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const inst = alertsOf(ctx);
  if (pathname === ALERTS_PATHS.live) return acceptLiveSocket(ctx, request);
  if (request.method === "POST" && pathname === ALERTS_PATHS.reloadRules) {
    const { tenantId } = (await request.json()) as { tenantId: string };
    await reloadRules(inst, env, tenantId);
    if (stagedCount(inst) > 0) await flushAlerts(ctx, env);
    return new Response(null, { status: 204 });
  }
  if (request.method === "POST" && pathname === ALERTS_PATHS.alertChanged) {
    const { alert } = (await request.json()) as { alert: Alert };
    if (alert.status === "resolved") endQuietPeriod(inst, alert.id);
    broadcastAlert(ctx, alert);
    return new Response(null, { status: 204 });
  }
  return new Response("Not found.", { status: 404 });
}

export async function alertsWebSocketMessage(
  ctx: DurableObjectState,
  _env: Env,
  ws: WebSocket,
  _message: string | ArrayBuffer,
): Promise<void> {
  if (isLiveSocket(ctx, ws)) sendFrame(ws, { type: "error", code: "not_allowed", message: "The alerts feed is read-only." });
}

export async function alertsWebSocketClose(
  _ctx: DurableObjectState,
  _env: Env,
  ws: WebSocket,
  code: number,
  reason: string,
  _wasClean: boolean,
): Promise<void> {
  // Echo the close so clients see a clean close rather than 1006 (1005/1006/1015 may not be sent).
  try {
    ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code, reason);
  } catch {
    // already closed
  }
}

/** Entries with cursor < seq < beforeSeq from the ledger's own segments, capped so one call stays short. */
function missedEntries(sql: SqlStorage, chainId: string, cursor: number, beforeSeq: number): LedgerEntry[] {
  const entries = localEntriesBetween(sql, cursor, beforeSeq - 1, MAX_CATCH_UP);
  const expected = beforeSeq - cursor - 1;
  if (entries.length < expected)
    logError("alert evaluation skipped entries", chainId, `only ${entries.length} of seq ${cursor + 1}..${beforeSeq - 1} could be re-read`);
  return entries;
}

function logError(msg: string, chainId: string | null, err: unknown): void {
  log.error(msg, { chainId, error: err });
}
