/**
 * The single audit emit point. Every mutation and every authentication success or failure, in
 * every Worker, calls `emitAudit` (or `emitAuditBatch` for events staged elsewhere first). Each
 * event is appended to its chain's AuditLedger Durable Object (one per tenant, plus the platform
 * chain for tenant-less events), which assigns seq and hashes and commits before it answers: when
 * these functions resolve the events are durable in the chain and readable through the audit API
 * (the ledger serves the hot window itself). See docs/audit.md.
 *
 * Typed by the binding they use (`AUDIT_LEDGER`). A Worker other than the API binds the same class
 * with `script_name = "switchboard-api"` and passes its Env.
 */
import type { AuditLedger } from "../../../durable-objects/audit-ledger";
import { newId } from "../crypto/ids";
import { chainIdFor, type AuditEvent, type StagedAuditEvent } from "./event";

export type { AuditActor, AuditEvent, StagedAuditEvent } from "./event";

/** What the emit point needs from a Worker's Env. */
export type AuditEnv = Pick<Env, "AUDIT_LEDGER">;
/**
 * The signature callers used before the emit point was typed by its binding (`Pick<Env, "DB">`,
 * e.g. the team relay's audit staging). Accepted so their code keeps compiling; the object passed
 * must still be the Worker's Env, which carries AUDIT_LEDGER.
 */
type LegacyAuditEnv = Pick<Env, "DB">;

export async function emitAudit(env: AuditEnv, event: AuditEvent): Promise<void> {
  const at = event.at ?? Date.now();
  // A fresh id cannot be in the chain yet: the ledger skips the duplicate check.
  await ledgerFor(env, chainIdFor(event)).append([{ ...event, id: newId("audit", at), at }], { fresh: true });
}

/**
 * Appends many events, in order, as one atomic append per chain (normally one: a relay's batch is
 * one tenant's), committed as one block (or a few, for very large batches). For callers that stage
 * events durably and flush them later (the TeamRelay): delivery is at least once, so each event
 * keeps the id it was staged with and the ledger answers a repeated event with the seq it already
 * has instead of appending it again. Resolves once the events are durable in the chain.
 */
export async function emitAuditBatch(env: AuditEnv, events: readonly StagedAuditEvent[]): Promise<void>;
/** @deprecated Pass the Worker's Env typed with AUDIT_LEDGER (`AuditEnv`). */
export async function emitAuditBatch(env: LegacyAuditEnv, events: readonly StagedAuditEvent[]): Promise<void>;
export async function emitAuditBatch(env: AuditEnv | LegacyAuditEnv, events: readonly StagedAuditEvent[]): Promise<void> {
  const byChain = new Map<string, StagedAuditEvent[]>();
  for (const event of events) {
    const chainId = chainIdFor(event);
    const group = byChain.get(chainId);
    if (group) group.push(event);
    else byChain.set(chainId, [event]);
  }
  await Promise.all([...byChain].map(([chainId, group]) => ledgerFor(env as AuditEnv, chainId).append(group)));
}

/**
 * The ledger's RPC methods with their own signatures. The runtime's stub typing turns results
 * holding `unknown` (an entry's `details`) into `never`; these methods only pass plain JSON and
 * bytes, which RPC carries as they are.
 */
type LedgerRpc = Pick<
  AuditLedger,
  | "append"
  | "currentHead"
  | "list"
  | "get"
  | "links"
  | "linkOf"
  | "seqRangeForTimes"
  | "lastLinkBefore"
  | "expire"
  | "strayLinks"
  | "sealOpenSegment"
  | "moveSegments"
  | "storageFigures"
  | "stats"
>;
export type LedgerStub = LedgerRpc & DurableObjectStub<AuditLedger>;

/** The chain's ledger object. Exported for the audit API (reads, verify), the archiver and tests. */
export function ledgerFor(env: AuditEnv, chainId: string): LedgerStub {
  const namespace = (env as Partial<AuditEnv>).AUDIT_LEDGER;
  if (!namespace) throw new Error("emitAudit needs the Worker's Env with the AUDIT_LEDGER Durable Object binding");
  return namespace.get(namespace.idFromName(chainId)) as LedgerStub;
}
