/**
 * RateLimiter: one object per limited key (e.g. `login:ip:203.0.113.9`), a sliding-window log in
 * the object's own SQLite. One writer per key makes check-and-record atomic without D1 races.
 * Everything lives in `ctx.storage.sql`, so eviction loses nothing; an alarm deletes the log once
 * the window has passed so idle keys cost no storage.
 */
import { DurableObject } from "cloudflare:workers";

export interface RateLimitResult {
  allowed: boolean;
  /** Hits left in the window after this call. */
  remaining: number;
  /** Seconds until the next hit would be allowed; 0 when allowed. */
  retryAfterSeconds: number;
}

export class RateLimiter extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL)");
  }

  /** Counts a hit if under `limit` in the last `windowMs`; refuses (without counting) otherwise. */
  async consume(limit: number, windowMs: number): Promise<RateLimitResult> {
    const result = this.check(limit, windowMs);
    if (result.allowed) {
      this.sql.exec("INSERT INTO hits (at) VALUES (?)", Date.now());
      await this.ctx.storage.setAlarm(Date.now() + windowMs);
      return { ...result, remaining: result.remaining - 1 };
    }
    return result;
  }

  /** Reports whether a hit would be allowed, without counting one. */
  async peek(limit: number, windowMs: number): Promise<RateLimitResult> {
    return this.check(limit, windowMs);
  }

  async reset(): Promise<void> {
    this.sql.exec("DELETE FROM hits");
  }

  override async alarm(): Promise<void> {
    // Idempotent: deleting everything older than the longest window we use is always safe.
    this.sql.exec("DELETE FROM hits WHERE at < ?", Date.now() - 24 * 60 * 60 * 1000);
  }

  private check(limit: number, windowMs: number): RateLimitResult {
    const now = Date.now();
    const since = now - windowMs;
    this.sql.exec("DELETE FROM hits WHERE at <= ?", since);
    const rows = this.sql.exec<{ at: number }>("SELECT at FROM hits ORDER BY at ASC").toArray();
    if (rows.length < limit) return { allowed: true, remaining: limit - rows.length, retryAfterSeconds: 0 };
    const oldest = rows[rows.length - limit]!.at;
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)) };
  }
}
