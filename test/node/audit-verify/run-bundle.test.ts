/**
 * `switchboard-verify --run-bundle` (docs/runs.md, "Provenance") on a bundle built the way the
 * platform builds one — audit entries hashed and blocked by the platform's chain code
 * (workers/shared/audit/chain.ts), the record signed with jose — so the verifier's independent
 * implementation is checked against the platform's. Intact passes; each tampering fails with its kind.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import canonicalize from "canonicalize";
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockHash, GENESIS_HASH, hashEntry, merkleRoot, type LedgerEntryV2, type LedgerLeaf } from "../../../workers/shared/audit/chain";
import { sha256Hex } from "../../../workers/shared/crypto/sha256";
import { verifyRunBundle } from "../../../tools/switchboard-verify/lib/run-bundle.mjs";

const BIN = join(process.cwd(), "tools/switchboard-verify/bin.mjs");
const CHAIN = "ten_01JFIXTURE0000000000000000";
const RUN = "run_01JFIXTURE0000000000000000";
let dir: string;
let bundle: any;
let jwks: any;

async function block(leaves: LedgerLeaf[], prevHash: string): Promise<LedgerEntryV2[]> {
  const hashes = await Promise.all(leaves.map((l) => hashEntry(l)));
  const root = await merkleRoot(hashes);
  const fromSeq = leaves[0]!.seq;
  const toSeq = leaves.at(-1)!.seq;
  const hash = await blockHash({ chainId: CHAIN, fromSeq, toSeq, prevHash, root });
  return leaves.map((l, i) => ({ ...l, hash: hashes[i]!, block: { fromSeq, toSeq, prevHash, root, hash } }));
}

const leaf = (seq: number, action: string, role: string, agent: string): LedgerLeaf => ({
  v: 2,
  chainId: CHAIN,
  seq,
  id: `aud_${seq}`,
  at: 1_765_000_000_000 + seq,
  tenantId: CHAIN,
  actor: { type: "agent", id: agent, name: null },
  action,
  target: { type: "run", id: RUN },
  severity: "info",
  outcome: "success",
  details: { runId: RUN, role },
  ip: null,
  userAgent: null,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sb-run-bundle-"));
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const jwk = { kty: pub.kty, crv: pub.crv, x: pub.x, kid, alg: "EdDSA", use: "sig" };
  jwks = { keys: [jwk] };
  const started = await block([leaf(7, "run.started", "caller", "agt_a"), leaf(8, "run.started", "callee", "agt_b")], GENESIS_HASH);
  const finished = await block([leaf(12, "run.finished", "caller", "agt_a"), leaf(13, "run.finished", "callee", "agt_b")], "a".repeat(64));
  const audit = [...started, ...finished];
  const input = { q: "2+2" };
  const output = { a: 4 };
  const record = {
    type: "switchboard.run-provenance/1",
    runId: RUN,
    tenantId: CHAIN,
    status: "succeeded",
    inputHash: await sha256Hex(canonicalize(input)!),
    outputHash: await sha256Hex(canonicalize(output)!),
    audit: { chainId: CHAIN, fromSeq: 7, toSeq: 13, entries: audit.map((e) => ({ seq: e.seq, hash: e.hash })) },
  };
  const jws = await new CompactSign(new TextEncoder().encode(canonicalize(record)))
    .setProtectedHeader({ alg: "EdDSA", kid, typ: "run-provenance+jws" })
    .sign(privateKey);
  bundle = { format: "switchboard.run-bundle/1", run: { id: RUN, input, output }, provenance: record, signatures: [{ jws }], jwks, audit };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const clone = () => structuredClone(bundle);
const kinds = async (b: any, keys: any = null) => (await verifyRunBundle({ bundle: b, jwks: keys })).problems.map((p) => p.kind);

async function cli(b: any, extra: string[] = []): Promise<{ code: number; out: string }> {
  const path = join(dir, `b-${Math.random()}.json`);
  await writeFile(path, JSON.stringify(b));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, "--run-bundle", path, ...extra]);
    return { code: 0, out: stdout };
  } catch (e: any) {
    return { code: e.code, out: e.stdout };
  }
}

describe("switchboard-verify --run-bundle", () => {
  it("an intact bundle verifies (with its own key, and with the key set given)", async () => {
    expect(await verifyRunBundle({ bundle })).toMatchObject({ ok: true, runId: RUN, keySource: "bundle" });
    expect(await verifyRunBundle({ bundle, jwks })).toMatchObject({ ok: true, keySource: "given" });
    const r = await cli(bundle);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`INTACT: run ${RUN}`);
    expect(r.out).toContain("note: verified with the key the bundle carries");
  });

  it("rejects a changed output, input, record, audit entry, a dropped entry and a foreign key", async () => {
    const out = clone();
    out.run.output = { a: 5 };
    expect(await kinds(out)).toEqual(["output_altered"]);
    const inp = clone();
    inp.run.input = { q: "2+3" };
    expect(await kinds(inp)).toEqual(["input_altered"]);
    const rec = clone();
    rec.provenance.status = "failed";
    expect(await kinds(rec)).toEqual(["provenance_altered"]);
    const forged = clone();
    const [h, , s] = forged.signatures[0].jws.split(".");
    forged.provenance.status = "failed";
    forged.signatures[0].jws = `${h}.${Buffer.from(canonicalize(forged.provenance)!).toString("base64url")}.${s}`;
    expect(await kinds(forged)).toEqual(["signature_invalid"]);
    const entry = clone();
    entry.audit[3].details.role = "caller";
    expect(await kinds(entry)).toContain("entry_altered");
    const dropped = clone();
    dropped.audit.splice(3, 1);
    expect(await kinds(dropped)).toEqual(expect.arrayContaining(["block_altered", "entry_missing"]));
    const { publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const other = { keys: [{ ...(await exportJWK(publicKey)), kid: "other", alg: "EdDSA" }] };
    expect(await kinds(bundle, other)).toEqual(["unknown_key"]);
    const r = await cli(out);
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAIL [output_altered]");
    expect((await cli({ format: "nope" })).code).toBe(1);
  });
});
