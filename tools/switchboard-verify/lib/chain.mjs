/**
 * The audit chain's hash rules, re-implemented from docs/audit.md with no dependencies (WebCrypto
 * and this folder's RFC 8785 only), so a tenant can run the verifier anywhere and read every rule
 * in one file. The platform's own implementation is workers/shared/audit/chain.ts; the tests prove
 * both agree on every entry the platform writes.
 *
 *   v1 entry hash = hex SHA-256( JCS(entry without "hash") )
 *   v2 leaf hash  = hex SHA-256( 0x00 ‖ JCS(entry without "hash" and "block") )
 *   v2 root       = RFC 6962 Merkle tree hash over the block's leaf hashes, in seq order,
 *                   interior node = SHA-256( 0x01 ‖ left ‖ right ), split at the largest power of two below n
 *   v2 block hash = hex SHA-256( JCS({ v: 2, chainId, fromSeq, toSeq, prevHash, root }) )
 */
import { canonicalize } from "./jcs.mjs";

export const GENESIS_HASH = "0".repeat(64);
const utf8 = new TextEncoder();

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return toHex(new Uint8Array(digest));
}

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex) {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

function prefixed(prefix, ...parts) {
  const out = new Uint8Array(1 + parts.reduce((n, p) => n + p.length, 0));
  out[0] = prefix;
  let at = 1;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The hash an entry records in `hash`: its v1 entry hash or its v2 leaf hash. */
export async function entryHash(entry) {
  if (entry.v === 1) {
    const { hash: _h, ...body } = entry;
    return sha256Hex(utf8.encode(canonicalize(body)));
  }
  const { hash: _h, block: _b, ...leaf } = entry;
  return sha256Hex(prefixed(0x00, utf8.encode(canonicalize(leaf))));
}

export async function merkleRoot(leafHashes) {
  const tree = async (from, to) => {
    if (to - from === 1) return fromHex(leafHashes[from]);
    let k = 1;
    while (k * 2 < to - from) k *= 2;
    return new Uint8Array(await crypto.subtle.digest("SHA-256", prefixed(0x01, await tree(from, from + k), await tree(from + k, to))));
  };
  return toHex(await tree(0, leafHashes.length));
}

export async function blockHash({ chainId, fromSeq, toSeq, prevHash, root }) {
  return sha256Hex(utf8.encode(canonicalize({ v: 2, chainId, fromSeq, toSeq, prevHash, root })));
}

/**
 * Groups entries (in seq order, each one's own hash already checked) into links: a v1 entry is its
 * own link; the consecutive entries that carry the same v2 block header form one. Returns the
 * links, each with what was found wrong with it (an incomplete block, a root or block hash that
 * does not recompute, entries disagreeing on their header).
 */
export async function linksOf(entries) {
  const links = [];
  for (const entry of entries) {
    if (entry.v === 1) {
      links.push({ fromSeq: entry.seq, toSeq: entry.seq, prevHash: entry.prevHash, hash: entry.hash, entries: [entry], problems: [] });
      continue;
    }
    const b = entry.block ?? {};
    const open = links.at(-1);
    if (open && open.v2 && open.fromSeq === b.fromSeq) {
      if (open.prevHash !== b.prevHash || open.root !== b.root || open.hash !== b.hash || open.toSeq !== b.toSeq)
        open.problems.push({ kind: "header", seq: entry.seq });
      open.entries.push(entry);
      continue;
    }
    links.push({
      v2: true,
      chainId: entry.chainId,
      fromSeq: b.fromSeq,
      toSeq: b.toSeq,
      prevHash: b.prevHash,
      root: b.root,
      hash: b.hash,
      entries: [entry],
      problems: [],
    });
  }
  for (const link of links) {
    if (!link.v2) continue;
    const seqs = link.entries.map((e) => e.seq);
    const expected = Array.from({ length: link.toSeq - link.fromSeq + 1 }, (_, i) => link.fromSeq + i);
    if (seqs.length !== expected.length || seqs.some((s, i) => s !== expected[i])) {
      link.problems.push({ kind: "incomplete", missing: expected.filter((s) => !seqs.includes(s)) });
      continue;
    }
    const root = await merkleRoot(link.entries.map((e) => e.hash));
    if (root !== link.root) link.problems.push({ kind: "root", expected: root });
    const hash = await blockHash(link);
    if (hash !== link.hash) link.problems.push({ kind: "block_hash", expected: hash });
  }
  return links;
}
