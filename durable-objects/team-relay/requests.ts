/**
 * Requests waiting for their reply, keyed by the request's seq — the binding a reply names
 * (`inReplyTo: "req-<seq>"`, see judge.ts). One SQL row each, no secondary index (every index
 * entry is billed as a row written), mirrored in memory: the table only holds the requests still
 * open (at most a few minutes each), so loading it at start-up is cheap and judging a reply or
 * finding the due timeouts reads no SQL.
 */
import type { OpenRequest } from "./judge";

type Row = { seq: number; requester: string; request_id: string; responder: string; deadline: number };

export class OpenRequests {
  private readonly bySeq = new Map<number, OpenRequest>();

  constructor(private readonly sql: SqlStorage) {
    for (const r of sql.exec<Row>("SELECT seq, requester, request_id, responder, deadline FROM open_requests")) {
      this.bySeq.set(r.seq, { seq: r.seq, requester: r.requester, requestId: r.request_id, responder: r.responder, deadline: r.deadline });
    }
  }

  get(seq: number): OpenRequest | null {
    return this.bySeq.get(seq) ?? null;
  }

  /** Inside the request's write (same synchronous run as its message row). */
  add(r: OpenRequest): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO open_requests (seq, requester, request_id, responder, deadline) VALUES (?, ?, ?, ?, ?)",
      r.seq,
      r.requester,
      r.requestId,
      r.responder,
      r.deadline,
    );
    this.bySeq.set(r.seq, r);
  }

  /** Answered (inside the reply's write) or timed out. */
  close(seq: number): void {
    if (!this.bySeq.has(seq)) return;
    this.sql.exec("DELETE FROM open_requests WHERE seq = ?", seq);
    this.bySeq.delete(seq);
  }

  /** Requests whose deadline has passed, oldest deadline first. */
  due(now: number): OpenRequest[] {
    return [...this.bySeq.values()].filter((r) => r.deadline <= now).sort((a, b) => a.deadline - b.deadline);
  }

  nextDeadline(): number | null {
    let next: number | null = null;
    for (const r of this.bySeq.values()) if (next === null || r.deadline < next) next = r.deadline;
    return next;
  }

  get size(): number {
    return this.bySeq.size;
  }
}
