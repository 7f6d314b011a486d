/**
 * Builds archived audit trails on disk the way the platform does (the same chain, archive and
 * digest modules the Worker uses), for the offline verifier's tests, plus helpers to tamper with
 * them the ways an attacker or an accident would.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  blockHash,
  GENESIS_HASH,
  hashEntry,
  merkleRoot,
  sealEntry,
  type LedgerEntry,
  type LedgerEntryV2,
  type LedgerLeaf,
} from "../../../workers/shared/audit/chain";
import { buildArchive, gzip } from "../../../workers/shared/audit/archive/archive-file";
import { digestFileText, digestSha256, signDigest, type Digest } from "../../../workers/shared/audit/archive/digest";
import { archiveKey, dayStart, digestKey } from "../../../workers/shared/audit/archive/layout";

export const CHAIN = "ten_01JFIXTURE0000000000000000";
export const KID = "adk_fixture-key";

export interface Trail {
  dir: string;
  keysPath: string;
  days: string[];
  entries: Map<string, LedgerEntry[]>;
  digests: Map<string, Digest>;
  path: (key: string) => string;
  cleanup: () => Promise<void>;
}

/**
 * Days and how many events each had; seqs run on across days. `scheme: 2` writes them as the block
 * ledger does: blocks of `blockSize` entries (Merkle root, block hash), each block's lines one gzip
 * member, a day's archive the members concatenated.
 */
export async function buildTrail(
  plan: Array<[day: string, count: number]>,
  options: { kid?: string; scheme?: 1 | 2; blockSize?: number; signedAt?: (day: string) => string } = {},
): Promise<Trail> {
  const dir = await mkdtemp(join(tmpdir(), "sb-verify-"));
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = options.kid ?? KID;
  const keysPath = join(dir, "audit-digest-keys.json");
  await writeFile(
    keysPath,
    JSON.stringify({
      keys: [{ kty: "OKP", crv: "Ed25519", x: jwk.x, kid, alg: "EdDSA", use: "sig", created: "2026-01-01T00:00:00.000Z", retired: null }],
    }),
  );

  const trail: Trail = {
    dir,
    keysPath,
    days: [],
    entries: new Map(),
    digests: new Map(),
    path: (key) => join(dir, key),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  let prevSeq = 0;
  let prevHash = GENESIS_HASH;
  let previousDigest: Digest["previousDigest"] = null;
  for (const [day, count] of plan) {
    const entries: LedgerEntry[] = [];
    const dayPrevHash = prevHash;
    const fields = (i: number) => ({
      chainId: CHAIN,
      seq: prevSeq + 1,
      id: `audit_${day}_${i}`,
      at: dayStart(day) + (i + 1) * 60_000,
      tenantId: CHAIN,
      actor: { type: "user" as const, id: "usr_1", name: "ada@example.test" },
      action: i % 2 ? "agent.created" : "relay.message_denied",
      target: { type: "agent", id: `agt_${i}` },
      severity: "info" as const,
      outcome: "success" as const,
      details: { i, note: "naïve ✓ \u2028", nested: { b: 1, a: [1.5, -0, 1e21] } },
      ip: "203.0.113.7",
      userAgent: "fixture",
    });
    const members: Uint8Array[] = [];
    let firstHash: string | null = null;
    if (options.scheme === 2) {
      const size = options.blockSize ?? 3;
      for (let i = 0; i < count; ) {
        const n = Math.min(size, count - i);
        const leaves: LedgerLeaf[] = [];
        for (let j = 0; j < n; j++, i++) {
          leaves.push({ v: 2, ...fields(i) });
          prevSeq++;
        }
        const hashes = await Promise.all(leaves.map((l) => hashEntry(l)));
        const root = await merkleRoot(hashes);
        const fromSeq = leaves[0]!.seq;
        const toSeq = leaves[n - 1]!.seq;
        const hash = await blockHash({ chainId: CHAIN, fromSeq, toSeq, prevHash, root });
        const block = leaves.map((l, k): LedgerEntryV2 => ({ ...l, hash: hashes[k]!, block: { fromSeq, toSeq, prevHash, root, hash } }));
        entries.push(...block);
        members.push(gzipSync(block.map((e) => `${JSON.stringify(e)}\n`).join("")));
        firstHash ??= hash;
        prevHash = hash;
      }
    } else {
      for (let i = 0; i < count; i++) {
        const entry = await sealEntry({ v: 1, ...fields(i), prevHash });
        entries.push(entry);
        firstHash ??= entry.hash;
        prevSeq = entry.seq;
        prevHash = entry.hash;
      }
    }
    const first = entries[0];
    const built = count === 0 ? null : options.scheme === 2 ? await concatenated(members) : await buildArchive(entries);
    const digest = await signDigest(
      {
        digestVersion: 1,
        chainSchemeVersion: options.scheme ?? 1,
        chainId: CHAIN,
        tenantId: CHAIN,
        day,
        fromSeq: (first?.seq ?? prevSeq + 1) as number,
        toSeq: prevSeq,
        count,
        prevHash: dayPrevHash,
        firstHash,
        lastHash: prevHash,
        archive: built ? { key: archiveKey(CHAIN, day), sha256: built.sha256, bytes: built.bytes.byteLength } : null,
        previousDigest,
        signedAt: options.signedAt?.(day) ?? new Date(dayStart(day) + 86_400_000 + 3 * 3_600_000).toISOString(),
        alg: "EdDSA",
        kid,
      },
      privateKey as CryptoKey,
    );
    if (built) await put(trail.path(archiveKey(CHAIN, day)), built.bytes);
    await put(trail.path(digestKey(CHAIN, day)), digestFileText(digest));
    previousDigest = { key: digestKey(CHAIN, day), sha256: await digestSha256(digest) };
    trail.days.push(day);
    trail.entries.set(day, entries);
    trail.digests.set(day, digest);
  }
  return trail;
}

async function concatenated(members: Uint8Array[]): Promise<{ bytes: Uint8Array<ArrayBuffer>; sha256: string }> {
  const bytes = new Uint8Array(Buffer.concat(members));
  const { createHash } = await import("node:crypto");
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** A day's entries as they are in its archive (all gzip members). */
export async function archiveLines(trail: Trail, day: string): Promise<string[]> {
  return gunzipSync(await readFile(trail.path(archiveKey(CHAIN, day))))
    .toString("utf8")
    .split("\n")
    .filter(Boolean);
}

async function put(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

/** Rewrites a day's archive lines (decompress → edit → recompress); the digest is left as signed. */
export async function editArchive(trail: Trail, day: string, edit: (lines: string[]) => string[]): Promise<void> {
  const path = trail.path(archiveKey(CHAIN, day));
  const lines = gunzipSync(await readFile(path))
    .toString("utf8")
    .split("\n")
    .filter(Boolean);
  const text = edit(lines)
    .map((l) => `${l}\n`)
    .join("");
  await writeFile(path, await gzip(new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>));
}
