/**
 * Locks on named resources: one holder, a TTL, and a fencing token drawn from `meta.fence`, a
 * per-team counter incremented in the same synchronous write as the lock row. The counter only
 * goes up and lives in SQLite, so tokens are monotonic across eviction, restarts and crashes
 * (output gates hold the answer until the write is durable). An expired lock is free: the next
 * acquire takes it over with a larger token, which is what makes fencing safe against a holder
 * that paused past its TTL. Waiting is done by the class (team-coordinator.ts), which retries
 * `tryAcquire` when a lock is released or expires.
 */
import type { Caller } from "../../workers/shared/coordination/policy";
import { mayCoordinate } from "../../workers/shared/coordination/policy";
import type { CoordActor, Lock } from "../../workers/shared/coordination/schemas";
import { actorOf, callerKey, fail, iso, ok, type CoordResult, type CoordState } from "./context";
import { readMeta, writeMeta } from "./schema";

type LockRow = {
  name: string;
  holder_type: CoordActor["type"];
  holder_id: string | null;
  holder_name: string | null;
  fence: number;
  acquired_at: number;
  expires_at: number;
};

const holderId = (caller: Caller) => callerKey(caller);

export function toLock(r: LockRow): Lock {
  return {
    name: r.name,
    holder: {
      type: r.holder_type,
      id: r.holder_type === "agent" ? r.holder_id : (r.holder_id?.split(":")[1] ?? null),
      name: r.holder_name,
    },
    fencingToken: r.fence,
    acquiredAt: iso(r.acquired_at),
    expiresAt: iso(r.expires_at),
  };
}

function row(sql: SqlStorage, name: string): LockRow | undefined {
  return sql.exec<LockRow>("SELECT * FROM locks WHERE name = ?", name).toArray()[0];
}

export function currentFence(sql: SqlStorage): number {
  return Number(readMeta(sql, "fence") ?? 0);
}

export type AcquireOutcome = CoordResult<Lock> & { retryAt?: number };

/** One attempt, synchronous: free (or expired, or already ours) → taken with a new token. */
export function tryAcquire(co: CoordState, caller: Caller, name: string, ttlMs: number, now: number, audit: boolean): AcquireOutcome {
  const { sql } = co;
  const me = holderId(caller);
  const existing = row(sql, name);
  if (existing && existing.expires_at > now && existing.holder_id !== me) {
    if (audit)
      co.stage({
        actor: actorOf(caller),
        action: "coordination.lock_denied",
        target: { type: "lock", id: name },
        outcome: "denied",
        details: { holder: existing.holder_id, fencingToken: existing.fence },
      });
    return {
      ...fail("lock_held", `The lock ${name} is held until ${iso(existing.expires_at)}.`, {
        holder: toLock(existing).holder,
        expiresAt: iso(existing.expires_at),
        fencingToken: existing.fence,
      }),
      retryAt: existing.expires_at,
    };
  }
  if (!existing || existing.holder_id !== me) {
    const held = sql.exec<{ n: number }>("SELECT count(*) AS n FROM locks WHERE holder_id = ? AND expires_at > ?", me, now).one().n;
    const decision = mayCoordinate(caller, "lock.acquire", { heldLocks: held });
    if (!decision.ok) {
      co.stage({
        actor: actorOf(caller),
        action: "coordination.lock_denied",
        target: { type: "lock", id: name },
        outcome: "denied",
        details: { reason: decision.code, ...decision.details },
      });
      return fail(decision.code, decision.message, decision.details);
    }
  }
  // Re-acquiring a lock one holds also takes a new token: the old one must stop being accepted.
  const fence = currentFence(sql) + 1;
  writeMeta(sql, "fence", String(fence));
  const actor = actorOf(caller);
  const r: LockRow = {
    name,
    holder_type: actor.type,
    holder_id: me,
    holder_name: actor.name ?? null,
    fence,
    acquired_at: now,
    expires_at: now + ttlMs,
  };
  sql.exec(
    "INSERT INTO locks (name, holder_type, holder_id, holder_name, fence, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder_type = excluded.holder_type, holder_id = excluded.holder_id, holder_name = excluded.holder_name, fence = excluded.fence, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at",
    r.name,
    r.holder_type,
    r.holder_id,
    r.holder_name,
    r.fence,
    r.acquired_at,
    r.expires_at,
  );
  co.stage({
    actor,
    action: "coordination.lock_acquired",
    target: { type: "lock", id: name },
    details: { fencingToken: fence, ttlMs, ...(existing && existing.holder_id !== me ? { tookOverExpiredFrom: existing.holder_id } : {}) },
  });
  return ok(toLock(r));
}

function held(co: CoordState, caller: Caller, name: string, fencingToken: number, now: number): CoordResult<LockRow> {
  const existing = row(co.sql, name);
  if (!existing || existing.expires_at <= now || existing.holder_id !== holderId(caller) || existing.fence !== fencingToken) {
    return fail("lease_lost", `You do not hold the lock ${name} with fencing token ${fencingToken} (released, expired or taken over).`, {
      name,
      fencingToken,
      currentFencingToken: existing && existing.expires_at > now ? existing.fence : null,
    });
  }
  return ok(existing);
}

export function release(co: CoordState, caller: Caller, name: string, fencingToken: number, now: number): CoordResult<{ released: true }> {
  const h = held(co, caller, name, fencingToken, now);
  if (!h.ok) return h;
  co.sql.exec("DELETE FROM locks WHERE name = ?", name);
  co.stage({ actor: actorOf(caller), action: "coordination.lock_released", target: { type: "lock", id: name }, details: { fencingToken } });
  return ok({ released: true });
}

export function renew(co: CoordState, caller: Caller, name: string, fencingToken: number, ttlMs: number, now: number): CoordResult<Lock> {
  const h = held(co, caller, name, fencingToken, now);
  if (!h.ok) return h;
  co.sql.exec("UPDATE locks SET expires_at = ? WHERE name = ?", now + ttlMs, name);
  co.stage({
    actor: actorOf(caller),
    action: "coordination.lock_renewed",
    target: { type: "lock", id: name },
    details: { fencingToken, ttlMs },
  });
  return ok(toLock({ ...h.value, expires_at: now + ttlMs }));
}

export function forceRelease(
  co: CoordState,
  caller: Caller,
  name: string,
  now: number,
): CoordResult<{ released: boolean; previous: Lock | null }> {
  const decision = mayCoordinate(caller, "lock.force_release");
  if (!decision.ok) {
    co.stage({
      actor: actorOf(caller),
      action: "coordination.lock_force_release_denied",
      target: { type: "lock", id: name },
      outcome: "denied",
    });
    return fail(decision.code, decision.message, decision.details);
  }
  const existing = row(co.sql, name);
  const live = existing && existing.expires_at > now ? existing : null;
  if (existing) co.sql.exec("DELETE FROM locks WHERE name = ?", name);
  co.stage({
    actor: actorOf(caller),
    action: "coordination.lock_force_released",
    target: { type: "lock", id: name },
    details: { previousHolder: live?.holder_id ?? null, fencingToken: live?.fence ?? null },
  });
  return ok({ released: live !== null, previous: live ? toLock(live) : null });
}

export function listLocks(sql: SqlStorage, now: number): Lock[] {
  return sql.exec<LockRow>("SELECT * FROM locks WHERE expires_at > ? ORDER BY name", now).toArray().map(toLock);
}

export function nextLockExpiry(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>("SELECT min(expires_at) AS t FROM locks").one().t;
}

export function purgeExpiredLocks(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM locks WHERE expires_at <= ?", now);
}
