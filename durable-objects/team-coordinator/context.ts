/**
 * What every coordination module gets from the TeamCoordinator: its SQL, the team it serves,
 * the team's settings, the audit stager and the result helpers. Modules are plain functions over
 * this, synchronous wherever they write (so each operation commits as one unit, see STACK.md).
 */
import type { ErrorCode } from "../../workers/shared/errors/catalogue";
import type { Caller } from "../../workers/shared/coordination/policy";
import type { CoordActor, CoordinationSettings } from "../../workers/shared/coordination/schemas";

export interface CoordError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Every RPC answers a Result: a failure is a value, so the writes it staged (its denial audit event) still commit. */
export type CoordResult<T> = { ok: true; value: T } | { ok: false; error: CoordError };

export const ok = <T>(value: T): CoordResult<T> => ({ ok: true, value });
export const fail = <T = never>(code: ErrorCode, message: string, details?: Record<string, unknown>): CoordResult<T> => ({
  ok: false,
  error: { code, message, ...(details ? { details } : {}) },
});

export interface CoordAuditInput {
  actor: CoordActor;
  /** `coordination.<thing>_<verb>`, e.g. `coordination.lock_acquired`. */
  action: string;
  target?: { type: string; id: string } | null;
  details?: Record<string, unknown>;
  outcome?: "success" | "denied" | "failure";
}

export interface CoordState {
  readonly sql: SqlStorage;
  readonly team: { teamId: string; tenantId: string };
  readonly settings: CoordinationSettings;
  stage(event: CoordAuditInput): void;
}

export function actorOf(caller: Caller): CoordActor {
  return caller.kind === "agent" ? { type: "agent", id: caller.agentId, name: caller.name } : caller.actor;
}

/** Stable id of a caller for ownership checks: agents by id, people by `type:id`. */
export function callerKey(caller: Caller): string {
  return caller.kind === "agent" ? caller.agentId : `${caller.actor.type}:${caller.actor.id ?? ""}`;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
