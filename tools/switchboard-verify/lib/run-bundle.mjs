/**
 * Verifies a run's provenance bundle offline (docs/runs.md, "Provenance"): the file
 * `GET /v1/tenants/{tenantId}/runs/{runId}/bundle` answers. No dependencies: WebCrypto for the JWS
 * (EdDSA/Ed25519 or ES256) and this folder's JCS and chain rules for the hashes.
 *
 *   1. the signature: a compact JWS whose key (`kid`) is in the key set given (`--keys`: the
 *      platform's `/.well-known/jwks.json` as you saved it) or, failing that, in the bundle's own
 *      `jwks` (which proves integrity, not who signed — say so in the report);
 *   2. the signed record IS the bundle's `provenance` (same canonical JSON) and names this run;
 *   3. SHA-256 of the canonical input and output equal the signed `inputHash` / `outputHash`;
 *   4. every audit entry in the excerpt re-hashes, every block is whole with its Merkle root and
 *      block hash, and every entry the record lists (seq + hash) is there, unchanged.
 */
import { entryHash, linksOf, sha256Hex } from "./chain.mjs";
import { canonicalize } from "./jcs.mjs";

export const BUNDLE_FORMAT = "switchboard.run-bundle/1";
const utf8 = new TextEncoder();

function b64urlBytes(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

async function verifyJws(jws, jwk) {
  const [h, p, s] = jws.split(".");
  const data = utf8.encode(`${h}.${p}`);
  const sig = b64urlBytes(s);
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    const key = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, sig, data);
  }
  if (jwk.kty === "EC" && jwk.crv === "P-256") {
    const key = await crypto.subtle.importKey(
      "jwk",
      { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y },
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["verify"],
    );
    return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, sig, data);
  }
  throw new Error(`unsupported key type ${jwk.kty}/${jwk.crv}`);
}

const hashOf = async (value) => sha256Hex(utf8.encode(canonicalize(value ?? null)));

/**
 * @param {{ bundle: any, jwks?: { keys: any[] } | null }} input
 * @returns {Promise<{ ok: boolean, runId: string | null, keySource: "given" | "bundle" | null, problems: { kind: string, message: string }[] }>}
 */
export async function verifyRunBundle({ bundle, jwks = null }) {
  const problems = [];
  const problem = (kind, message) => problems.push({ kind, message });
  if (!bundle || bundle.format !== BUNDLE_FORMAT) {
    problem("not_a_bundle", `Not a run bundle (format ${JSON.stringify(bundle?.format)}; expected ${BUNDLE_FORMAT}).`);
    return { ok: false, runId: null, keySource: null, problems };
  }
  const runId = bundle.run?.id ?? null;

  // 1. The signature.
  const jws = bundle.signatures?.[0]?.jws;
  let record = null;
  let keySource = null;
  if (typeof jws !== "string" || jws.split(".").length !== 3) problem("signature_missing", "The bundle carries no compact JWS.");
  else {
    const [h, p] = jws.split(".");
    let header = {};
    try {
      header = JSON.parse(new TextDecoder().decode(b64urlBytes(h)));
      record = JSON.parse(new TextDecoder().decode(b64urlBytes(p)));
    } catch {
      problem("signature_invalid", "The JWS header or payload is not JSON.");
    }
    const given = jwks?.keys?.find((k) => k.kid === header.kid);
    const bundled = bundle.jwks?.keys?.find((k) => k.kid === header.kid);
    const key = given ?? (jwks ? null : bundled);
    keySource = given ? "given" : key ? "bundle" : null;
    if (!key) problem("unknown_key", `The signing key ${header.kid} is not in the ${jwks ? "key set given" : "bundle"}.`);
    else if (!(await verifyJws(jws, key).catch(() => false)))
      problem(
        "signature_invalid",
        `The provenance signature does not verify with key ${header.kid}: the record was altered or signed by another key.`,
      );
  }

  // 2. The signed record is the bundle's provenance, for this run.
  if (record) {
    if (canonicalize(record) !== canonicalize(bundle.provenance ?? null))
      problem("provenance_altered", "The bundle's `provenance` differs from the signed record.");
    if (record.runId !== runId) problem("provenance_altered", `The signed record is for run ${record.runId}, the bundle for ${runId}.`);
  }
  const signed = record ?? {};

  // 3. Input and output hashes.
  if ((await hashOf(bundle.run?.input)) !== signed.inputHash) problem("input_altered", "The input does not hash to the signed inputHash.");
  if (signed.outputHash !== null && signed.outputHash !== undefined && (await hashOf(bundle.run?.output)) !== signed.outputHash)
    problem("output_altered", "The output does not hash to the signed outputHash.");
  if ((signed.outputHash === null || signed.outputHash === undefined) && bundle.run?.output !== null && bundle.run?.output !== undefined)
    problem("output_altered", "The bundle carries an output but the signed record has none.");

  // 4. The audit excerpt.
  const audit = Array.isArray(bundle.audit) ? [...bundle.audit].sort((a, b) => a.seq - b.seq) : [];
  for (const e of audit) {
    if ((await entryHash(e)) !== e.hash)
      problem("entry_altered", `Audit seq ${e.seq} altered: its content does not hash to its recorded hash.`);
  }
  for (const link of await linksOf(audit)) {
    for (const lp of link.problems)
      problem(
        "block_altered",
        `Audit block ${link.fromSeq}–${link.toSeq}: ${lp.kind}${lp.missing ? ` (missing seq ${lp.missing.join(", ")})` : ""}.`,
      );
  }
  const bySeq = new Map(audit.map((e) => [e.seq, e]));
  const listed = signed.audit?.entries ?? [];
  if (listed.length === 0) problem("audit_missing", "The signed record lists no audit entries for the run.");
  for (const { seq, hash } of listed) {
    const e = bySeq.get(seq);
    if (!e) problem("entry_missing", `Audit seq ${seq} (signed) is not in the bundle.`);
    else if (e.hash !== hash)
      problem(
        "entry_altered",
        `Audit seq ${seq} is not the entry the record signed (hash ${e.hash.slice(0, 12)}…, signed ${hash.slice(0, 12)}…).`,
      );
    else if (e.details?.runId !== runId) problem("entry_altered", `Audit seq ${seq} is not about run ${runId}.`);
  }
  return { ok: problems.length === 0, runId, keySource, problems };
}
