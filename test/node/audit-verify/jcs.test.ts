/**
 * The verifier's own RFC 8785 implementation (tools/switchboard-verify/lib/jcs.mjs) must agree with
 * the `canonicalize` package the platform hashes entries with, byte for byte — including the
 * tricky parts: number formatting, string escaping, UTF-16 key order. And a ledger entry's hash
 * computed the verifier's way equals chain.ts's `hashEntry`.
 */
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { canonicalize as verifierCanonicalize } from "../../../tools/switchboard-verify/lib/jcs.mjs";
import {
  asyncChainHasher,
  blockHash,
  canonicalLeaf,
  ChainWalker,
  entryLine,
  GENESIS_HASH,
  hashEntry,
  hashLeafText,
  leafOfLine,
  merkleRoot,
  sealEntry,
  type LedgerEntryV2,
  type LedgerLeaf,
} from "../../../workers/shared/audit/chain";
import { entryHash } from "../../../tools/switchboard-verify/lib/chain.mjs";

const SAMPLES: unknown[] = [
  null,
  true,
  0,
  -0,
  1,
  -1.5,
  0.1 + 0.2,
  1e21,
  1e-7,
  123456789012345680000,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_VALUE,
  "",
  "plain",
  'quote " backslash \\ slash / controls \u0000\u0001\u001f \b\f\n\r\t',
  "unicode é ✓ 😀 \u2028\u2029",
  [],
  [1, "a", null, [true, {}]],
  { b: 1, a: 2, "": 3, A: 4, é: 5, "😀": 6, "\u20ac": 7, "\r": 8, 10: 9, 1: 10 },
  { nested: { z: [{ y: 1, x: 2 }], a: { c: null, b: undefined } } },
];

function random(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function randomValue(rand: () => number, depth = 0): unknown {
  const r = rand();
  if (depth > 3 || r < 0.3) {
    const k = Math.floor(rand() * 5);
    if (k === 0) return Math.floor(rand() * 1e6) - 5e5;
    if (k === 1) return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    if (k === 2) return String.fromCharCode(...Array.from({ length: Math.floor(rand() * 8) }, () => Math.floor(rand() * 0x3000)));
    if (k === 3) return rand() < 0.5;
    return null;
  }
  if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  return Object.fromEntries(
    Array.from({ length: Math.floor(rand() * 5) }, () => [
      String.fromCharCode(...Array.from({ length: 1 + Math.floor(rand() * 3) }, () => 32 + Math.floor(rand() * 0x500))),
      randomValue(rand, depth + 1),
    ]),
  );
}

describe("the verifier's RFC 8785 canonicalisation", () => {
  it("matches the canonicalize package on hand-picked edge cases", () => {
    for (const sample of SAMPLES) expect(verifierCanonicalize(sample), JSON.stringify(sample)).toBe(canonicalize(sample));
  });

  it("refuses a lone surrogate, as the package does", () => {
    for (const bad of ["\ud800", { "\udc00": 1 }]) {
      expect(() => canonicalize(bad)).toThrow();
      expect(() => verifierCanonicalize(bad)).toThrow();
    }
  });

  it("matches it on 2,000 random JSON values", () => {
    const rand = random(42);
    for (let i = 0; i < 2000; i++) {
      const value = randomValue(rand);
      expect(verifierCanonicalize(value)).toBe(canonicalize(value));
    }
  });

  it("hashes a ledger entry exactly as chain.ts does", async () => {
    const rand = random(7);
    for (let i = 0; i < 50; i++) {
      const entry = await sealEntry({
        v: 1,
        chainId: "ten_x",
        seq: i + 1,
        id: `audit_${i}`,
        at: 1_764_547_200_000 + i,
        tenantId: "ten_x",
        actor: { type: "agent", id: "agt_1", name: "Ops ✓" },
        action: "relay.message_denied",
        target: i % 2 ? null : { type: "team", id: "team_1" },
        severity: "warning",
        outcome: "denied",
        details: { value: randomValue(rand), n: i },
        ip: null,
        userAgent: "ua",
        prevHash: GENESIS_HASH,
      });
      const { hash, ...body } = entry;
      expect(createHash("sha256").update(verifierCanonicalize(body), "utf8").digest("hex")).toBe(hash);
      expect(await hashEntry(entry)).toBe(hash);
    }
  });

  it("chain.ts's fast canonical leaf (member order assembled by hand) is the package's output, and falls back when the shape differs", async () => {
    const rand = random(11);
    const text = () => String.fromCharCode(...Array.from({ length: Math.floor(rand() * 6) }, () => 1 + Math.floor(rand() * 0x3000)));
    for (let i = 0; i < 500; i++) {
      const leaf: LedgerLeaf = {
        v: 2,
        chainId: text() || "c",
        seq: 1 + Math.floor(rand() * 1e9),
        id: text() || "i",
        at: Math.floor(rand() * 2e12),
        tenantId: rand() < 0.2 ? null : text(),
        actor: { type: "agent", id: rand() < 0.3 ? null : text(), name: rand() < 0.5 ? null : text() },
        action: text() || "a.b",
        target: rand() < 0.3 ? null : { type: text(), id: text() },
        severity: "info",
        outcome: "success",
        details: (randomValue(rand) as Record<string, unknown>) ?? {},
        ip: rand() < 0.5 ? null : text(),
        userAgent: rand() < 0.5 ? null : text(),
      };
      if (typeof leaf.details !== "object" || leaf.details === null || Array.isArray(leaf.details)) leaf.details = { value: leaf.details };
      expect(canonicalLeaf(leaf)).toBe(canonicalize(leaf));
      // And the verifier's independent rules agree on the leaf hash.
      expect(await entryHash({ ...leaf, hash: "", block: {} })).toBe(await hashEntry(leaf));
    }
    // Not the exact shape (an extra member, a missing one, a non-integer seq): the generic path, same answer.
    const base = {
      v: 2 as const,
      chainId: "c",
      seq: 1,
      id: "i",
      at: 1,
      tenantId: null,
      actor: { type: "user" as const, id: null, name: null },
      action: "a",
      target: null,
      severity: "info" as const,
      outcome: "success" as const,
      details: {},
      ip: null,
      userAgent: null,
    };
    for (const odd of [
      { ...base, extra: 1 },
      { ...base, seq: 1.5 },
      { ...base, actor: { ...base.actor, extra: true } },
    ])
      expect(canonicalLeaf(odd as LedgerLeaf)).toBe(canonicalize(odd));
    expect(() => canonicalLeaf({ ...base, action: "\ud800" })).toThrow();
  });

  it("a stored line is the entry's RFC 8785 text, and leafOfLine takes the leaf text back out of it", async () => {
    const rand = random(23);
    const text = () => String.fromCharCode(...Array.from({ length: Math.floor(rand() * 6) }, () => 1 + Math.floor(rand() * 0x3000)));
    let cut = 0;
    for (let i = 0; i < 300; i++) {
      const leaf: LedgerLeaf = {
        v: 2,
        chainId: rand() < 0.5 ? `ten_${i}` : text() || "c",
        seq: 1 + Math.floor(rand() * 1e9),
        id: text() || "i",
        at: Math.floor(rand() * 2e12),
        tenantId: rand() < 0.2 ? null : text(),
        actor: { type: "agent", id: rand() < 0.3 ? null : text(), name: rand() < 0.5 ? null : `,"chainId":"x",${text()}` },
        action: text() || "a.b",
        target: rand() < 0.3 ? null : { type: text(), id: text() },
        severity: "info",
        outcome: "success",
        details: {
          id: text(),
          hash: `,"hash":"${"a".repeat(64)}"`,
          seq: 5,
          nested: { id: "x", block: { fromSeq: 1 } },
          value: randomValue(rand),
        },
        ip: rand() < 0.5 ? null : text(),
        userAgent: rand() < 0.5 ? null : `,"id":"${text()}`,
      };
      const entry: LedgerEntryV2 = {
        ...leaf,
        hash: await hashEntry(leaf),
        block: { fromSeq: leaf.seq, toSeq: leaf.seq + 3, prevHash: GENESIS_HASH, root: "b".repeat(64), hash: "c".repeat(64) },
      };
      const line = entryLine(entry);
      expect(line).toBe(canonicalize(entry));
      const back = leafOfLine(line);
      if (back === null) {
        // Only a chain id that JSON must escape takes the parse path.
        expect(JSON.stringify(leaf.chainId)).not.toBe(`"${leaf.chainId}"`);
        continue;
      }
      cut++;
      expect(back).toEqual({ seq: leaf.seq, chainId: leaf.chainId, block: entry.block, hash: entry.hash, leafText: canonicalLeaf(leaf) });
    }
    expect(cut).toBeGreaterThan(100);
  });

  it("leafOfLine refuses lines it could misread: whatever it accepts with an intact leaf hash parses to exactly that leaf", async () => {
    const leaf: LedgerLeaf = {
      v: 2,
      chainId: "ten_1",
      seq: 7,
      id: "audit_7",
      at: 1,
      tenantId: "ten_1",
      actor: { type: "agent", id: "agt_1", name: null },
      action: "relay.message_accepted",
      target: { type: "agent", id: "agt_2" },
      severity: "info",
      outcome: "success",
      details: { a: 1 },
      ip: null,
      userAgent: null,
    };
    const hash = await hashEntry(leaf);
    const block = { fromSeq: 7, toSeq: 7, prevHash: GENESIS_HASH, root: hash, hash: "c".repeat(64) };
    const line = entryLine({ ...leaf, hash, block });
    const blockText = `,"block":${canonicalize(block)}`;
    const hashText = `,"hash":"${hash}"`;
    const bare = line.replace(blockText, "").replace(hashText, "");
    expect(bare).toBe(canonicalLeaf(leaf));
    const variants = [
      // the block member moved into details, or to the end; the hash member moved; both doubled; numbers with leading zeros
      bare.replace(`"details":{"a":1}`, `"details":{"a":1${blockText}}`).replace(`,"id":"audit_7"`, `${hashText},"id":"audit_7"`),
      bare.replace(`,"v":2}`, `${blockText}${hashText},"v":2}`),
      line.replace(hashText, "").replace(`"details":{"a":1}`, `"details":{"a":1${hashText}}`),
      line.replace(blockText, `${blockText}${blockText}`),
      line.replace(`"fromSeq":7`, `"fromSeq":07`),
      line.replace(hashText, `${hashText}${hashText}`),
      line.replace(`{"action"`, `{"block":1,"action"`),
      `${line.slice(0, -1)},"x":1}`,
    ];
    for (const v of variants) {
      const back = leafOfLine(v);
      if (back && (await hashLeafText(back.leafText)) === hash) {
        const { block: b, hash: h, ...rest } = JSON.parse(v) as LedgerEntryV2;
        expect({ rest, b, h }).toEqual({ rest: leaf, b: back.block, h: back.hash });
      }
    }
    expect(leafOfLine(line)).not.toBeNull();
  });

  it("ChainWalker.pushLine gives push(JSON.parse(line))'s verdict on every line of a tampered chain", async () => {
    const lines: string[] = [];
    let prevHash = GENESIS_HASH;
    for (let b = 0; b < 4; b++) {
      const leaves: LedgerLeaf[] = Array.from({ length: 3 }, (_, j) => ({
        v: 2,
        chainId: "ten_1",
        seq: b * 3 + j + 1,
        id: `audit_${b}_${j}`,
        at: b,
        tenantId: "ten_1",
        actor: { type: "agent", id: "agt_1", name: null },
        action: "relay.message_accepted",
        target: null,
        severity: "info",
        outcome: "success",
        details: { n: j },
        ip: null,
        userAgent: null,
      }));
      const hashes = await Promise.all(leaves.map(hashEntry));
      const root = await merkleRoot(hashes);
      const header = { chainId: "ten_1", fromSeq: b * 3 + 1, toSeq: b * 3 + 3, prevHash, root };
      const block = { fromSeq: header.fromSeq, toSeq: header.toSeq, prevHash, root, hash: await blockHash(header) };
      leaves.forEach((l, j) => lines.push(entryLine({ ...l, hash: hashes[j]!, block })));
      prevHash = block.hash;
    }
    const walk = async (ls: string[], byLine: boolean) => {
      const w = new ChainWalker({ prevHash: GENESIS_HASH, prevSeq: 0 }, asyncChainHasher);
      for (const l of ls) {
        const broken = await (byLine ? w.pushLine(l) : w.push(JSON.parse(l)));
        if (broken) return broken;
      }
      return w.finish() ?? w.position;
    };
    const tampered = [
      lines,
      lines.map((l, i) => (i === 4 ? l.replace('"n":1', '"n":9') : l)),
      lines.map((l, i) => (i === 6 ? l.replace('"seq":7', '"seq":8') : l)),
      lines.filter((_, i) => i !== 5),
      lines.map((l, i) => (i === 9 ? l.replace(/"prevHash":"[0-9a-f]{64}"/, `"prevHash":"${"0".repeat(64)}"`) : l)),
      lines.map((l, i) => (i === 2 ? l.replace('"chainId":"ten_1"', '"chainId":"ten_2"') : l)),
    ];
    expect(await walk(lines, true)).toEqual({ prevHash, prevSeq: 12 });
    for (const t of tampered) expect(await walk(t, true)).toEqual(await walk(t, false));
  });
});
