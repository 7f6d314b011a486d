/**
 * Signed provenance for a finished run (docs/runs.md, "Provenance"): a record of what ran — the run,
 * the callee's card version and installed skill versions, the input/output hashes, and the run's
 * audit entries (seq and hash of each) — as RFC 8785 JSON signed as a compact JWS. The export bundle
 * adds what a verifier needs offline: the input and output, the audit entries' full blocks and the
 * public key; `tools/switchboard-verify --run-bundle` checks all of it.
 *
 * The key: the platform's current agent-identity signing key (Ed25519, EdDSA; published at
 * `/.well-known/jwks.json`). Its public JWK is stored with the signature, because those keys are
 * deleted a while after rotation and a provenance record must stay verifiable for years.
 */
import canonicalize from "canonicalize";
import { and, eq, isNull } from "drizzle-orm";
import { CompactSign, type JWK } from "jose";
import type { LedgerEntry } from "../../../../shared/audit/chain";
import { currentSigningKey, publishedKeys, type PublicJwk } from "../../../../shared/agent-identity/signing-keys";
import { createDb } from "../../../../shared/db/client";
import { agentSkills, runs, skills, type RunRow } from "../../../../shared/db/schema";
import { getEntry, listEntries } from "../audit-query";

export const PROVENANCE_TYPE = "switchboard.run-provenance/1";
export const BUNDLE_FORMAT = "switchboard.run-bundle/1";
/** A run has a handful of audit events (started, finished, budget exceeded); more is not expected. */
const MAX_RUN_EVENTS = 20;

export interface ProvenanceRecord {
  type: typeof PROVENANCE_TYPE;
  runId: string;
  tenantId: string;
  teamId: string;
  caller: string;
  callee: string;
  parentRunId: string | null;
  via: string;
  status: string;
  cardVersion: string | null;
  skills: { name: string; version: string }[];
  inputHash: string;
  outputHash: string | null;
  startedAt: number;
  finishedAt: number | null;
  used: { calls: number; egressCalls: number; costUnits: number };
  audit: { chainId: string; fromSeq: number; toSeq: number; entries: { seq: number; hash: string }[] };
  signedAt: number;
}

/** What the `provenance` column holds. */
export interface StoredProvenance {
  record: ProvenanceRecord;
  jws: string;
  jwk: PublicJwk;
}

/** The run's own audit entries, oldest first. */
export async function runAuditEntries(env: Env, row: RunRow): Promise<LedgerEntry[]> {
  const entries = await listEntries(env, row.tenantId, { limit: MAX_RUN_EVENTS, targetType: "run", targetId: row.id }, undefined);
  return entries.slice(0, MAX_RUN_EVENTS).sort((a, b) => a.seq - b.seq);
}

/** Signs the ended run's provenance once (a second call finds it signed and returns the row as is). */
export async function signRunProvenance(env: Env, row: RunRow): Promise<RunRow> {
  if (row.provenance !== null || row.status === "running") return row;
  const [entries, installed, key] = await Promise.all([
    runAuditEntries(env, row),
    createDb(env.DB)
      .select({ name: skills.name, version: agentSkills.version })
      .from(agentSkills)
      .innerJoin(skills, eq(skills.id, agentSkills.skillId))
      .where(and(eq(agentSkills.agentId, row.calleeAgentId), eq(agentSkills.tenantId, row.tenantId)))
      .all(),
    currentSigningKey(env),
  ]);
  const jwk = (await publishedKeys(env)).find((k) => k.kid === key.kid);
  if (!jwk) throw new Error(`signing key ${key.kid} is not published`);
  const record: ProvenanceRecord = {
    type: PROVENANCE_TYPE,
    runId: row.id,
    tenantId: row.tenantId,
    teamId: row.teamId,
    caller: row.callerAgentId,
    callee: row.calleeAgentId,
    parentRunId: row.parentRunId,
    via: row.via,
    status: row.status,
    cardVersion: row.cardVersion,
    skills: installed.sort((a, b) => a.name.localeCompare(b.name)),
    inputHash: row.inputHash,
    outputHash: row.outputHash,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    used: { calls: row.usedCalls, egressCalls: row.usedEgressCalls, costUnits: row.usedCostUnits },
    audit: {
      chainId: row.tenantId,
      fromSeq: entries[0]?.seq ?? 0,
      toSeq: entries.at(-1)?.seq ?? 0,
      entries: entries.map((e) => ({ seq: e.seq, hash: e.hash })),
    },
    signedAt: Date.now(),
  };
  const jws = await new CompactSign(new TextEncoder().encode(canonicalize(record)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "run-provenance+jws" })
    .sign(key.privateKey);
  const stored: StoredProvenance = { record, jws, jwk };
  const text = JSON.stringify(stored);
  await createDb(env.DB)
    .update(runs)
    .set({ provenance: text })
    .where(and(eq(runs.id, row.id), isNull(runs.provenance)));
  return { ...row, provenance: text };
}

/** The export bundle: everything `switchboard-verify --run-bundle` needs, offline. */
export async function runBundle(env: Env, row: RunRow): Promise<Record<string, unknown> | null> {
  if (!row.provenance) return null;
  const stored = JSON.parse(row.provenance) as StoredProvenance;
  // The audit excerpt is the WHOLE blocks holding the run's entries, so each block's Merkle root and hash recompute.
  const seqs = new Set<number>();
  for (const { seq } of stored.record.audit.entries) {
    const entry = await getEntry(env, row.tenantId, seq);
    if (!entry) continue;
    if (entry.v === 2) for (let s = entry.block.fromSeq; s <= entry.block.toSeq && s - entry.block.fromSeq < 1000; s++) seqs.add(s);
    else seqs.add(seq);
  }
  const audit: LedgerEntry[] = [];
  for (const seq of [...seqs].sort((a, b) => a - b)) {
    const entry = await getEntry(env, row.tenantId, seq);
    if (entry) audit.push(entry);
  }
  return {
    format: BUNDLE_FORMAT,
    run: { id: row.id, input: JSON.parse(row.input) as unknown, output: row.output === null ? null : (JSON.parse(row.output) as unknown) },
    provenance: stored.record,
    signatures: [{ jws: stored.jws }],
    jwks: { keys: [stored.jwk as JWK] },
    audit,
  };
}
