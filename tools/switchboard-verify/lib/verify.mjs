/**
 * The verifier's core: given the files of one or more archived days (digest.json and
 * audit.jsonl.gz) and the published digest keys — and/or JSONL exports from the dashboard or the
 * API — say whether the audit trail they cover is intact and, if not, exactly what is wrong.
 * WebCrypto (Ed25519, SHA-256) and node:zlib (a day's archive is a multi-member gzip file, which
 * DecompressionStream does not read), so it runs in Node 22 (bin.mjs) and in workerd with
 * nodejs_compat (the platform's own tests). Hash rules: ./chain.mjs.
 *
 * What it checks (docs/audit-archives.md, "Verifying offline"):
 * 1. each digest: well-formed, signed by a published key (Ed25519 over its RFC 8785 form), not
 *    signed after that key was retired;
 * 2. each archive: present when the digest counts events, SHA-256 equal to the digest's, a complete
 *    gzip stream; every entry re-hashes to its `hash`, every block's Merkle root and hash
 *    recompute, entries are in seq order, links chain by `prevHash`, and they cover exactly
 *    fromSeq..toSeq with the digest's first/last link hash; the digest was signed after its day ended;
 * 3. across days, per chain: no day missing, seqs continue, each day's `prevHash` is the day
 *    before's `lastHash`, and each `previousDigest.sha256` is the SHA-256 of the day before's digest;
 * 4. each export (JSONL): the same entry, block and link checks over its range, and agreement with
 *    every supplied signed digest whose range it covers (verifyExports).
 */
import { gunzipSync, constants as zlibConstants } from "node:zlib";
import { entryHash, GENESIS_HASH, linksOf, sha256Hex } from "./chain.mjs";
import { canonicalize } from "./jcs.mjs";

export { GENESIS_HASH, sha256Hex };
const DAY_MS = 86_400_000;
/** Clock slack around a key's life: a job may sign a little after the retirement it raced with. */
const RETIREMENT_GRACE_MS = 60 * 60 * 1000;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * @param {{ files: Array<{ path: string, bytes: Uint8Array }>, jwks: { keys: any[] }, from?: string, to?: string }} input
 * @returns {Promise<import("./verify.d.mts").VerifyReport>}
 */
export async function verifyArchives({ files, jwks, from, to, expectHead }) {
  const problems = [];
  const notes = [];
  const problem = (kind, where, message, extra = {}) => problems.push({ kind, ...where, message, ...extra });

  const keys = await loadKeys(jwks, notes);
  const digests = [];
  const archives = [];
  const exports = [];
  for (const file of files) {
    if (file.path.endsWith(".jsonl")) exports.push(file);
    else if (file.path.endsWith(".jsonl.gz")) archives.push({ ...file, sha256: await sha256Hex(file.bytes), used: false });
    else if (file.path.endsWith("digest.json")) {
      const parsed = parseDigest(file);
      if (parsed.ok) digests.push({ ...parsed.digest, _path: file.path });
      else problem("bad_digest", { file: file.path }, parsed.message);
    }
  }
  if (digests.length === 0 && exports.length === 0 && problems.length === 0) {
    problem(
      "nothing_to_verify",
      {},
      "Nothing to verify: no digest files (…/digest.json next to audit.jsonl.gz) and no JSONL export (*.jsonl).",
    );
  }

  // Per day.
  for (const digest of digests) {
    const where = { chainId: digest.chainId, day: digest.day, file: digest._path };
    await checkSignature(digest, keys, where, problem);
    checkDigestSelfConsistent(digest, where, problem);
    const archive = findArchive(digest, archives);
    if (digest.archive === null) {
      if (archive) archive.used = true;
      continue;
    }
    if (!archive) {
      problem(
        "archive_missing",
        where,
        `The archive file is missing (the digest counts ${digest.count} events, seq ${range(digest.fromSeq, digest.toSeq)}; expected ${basename(digest.archive.key)} next to the digest).`,
      );
      continue;
    }
    archive.used = true;
    where.file = archive.path;
    if (archive.sha256 !== digest.archive.sha256) {
      problem(
        "archive_altered",
        where,
        `Archive altered: its SHA-256 is ${archive.sha256} but the signed digest says ${digest.archive.sha256}.`,
      );
    }
    await checkEntries(digest, archive, where, problem);
  }
  for (const archive of archives) {
    if (!archive.used)
      problem("unexpected_archive", { file: archive.path }, "An archive file no digest refers to (inserted, or its digest is missing).");
  }

  // Across days, per chain.
  const chains = new Map();
  for (const d of digests) {
    const list = chains.get(d.chainId) ?? [];
    list.push(d);
    chains.set(d.chainId, list);
  }
  const summaries = [];
  for (const [chainId, list] of chains) {
    list.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    await checkChainOfDays(chainId, list, { from, to }, problem, notes);
    summaries.push({
      chainId,
      days: list.length,
      firstDay: list[0].day,
      lastDay: list[list.length - 1].day,
      fromSeq: list[0].fromSeq,
      toSeq: list[list.length - 1].toSeq,
      events: list.reduce((n, d) => n + d.count, 0),
    });
  }
  const exported = [];
  for (const file of exports) exported.push(await checkExport(file, digests, expectHead, problem, notes));
  return { ok: problems.length === 0, chains: summaries, exports: exported, problems, notes };
}

// ---------------------------------------------------------------- digests and keys

const DIGEST_FIELDS = [
  "digestVersion",
  "chainSchemeVersion",
  "chainId",
  "tenantId",
  "day",
  "fromSeq",
  "toSeq",
  "count",
  "prevHash",
  "firstHash",
  "lastHash",
  "archive",
  "previousDigest",
  "signedAt",
  "alg",
  "kid",
  "signature",
];

function parseDigest(file) {
  let value;
  try {
    value = JSON.parse(new TextDecoder().decode(file.bytes));
  } catch (e) {
    return { ok: false, message: `Not valid JSON: ${e.message}` };
  }
  if (value === null || typeof value !== "object") return { ok: false, message: "Not a digest (not a JSON object)." };
  if (value.digestVersion !== 1)
    return { ok: false, message: `Not a version 1 digest (digestVersion ${JSON.stringify(value.digestVersion)}).` };
  const missing = DIGEST_FIELDS.filter((f) => !(f in value));
  const extra = Object.keys(value).filter((f) => !DIGEST_FIELDS.includes(f));
  if (missing.length) return { ok: false, message: `Digest lacks ${missing.join(", ")}.` };
  if (extra.length) return { ok: false, message: `Digest has unknown fields ${extra.join(", ")}.` };
  const intOk = (n) => Number.isInteger(n) && n >= 0;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value.day) || !intOk(value.fromSeq) || value.fromSeq < 1 || !intOk(value.toSeq) || !intOk(value.count))
    return { ok: false, message: "Digest has a malformed day or range." };
  if (!HEX64.test(value.prevHash) || !HEX64.test(value.lastHash) || (value.firstHash !== null && !HEX64.test(value.firstHash)))
    return { ok: false, message: "Digest has a malformed hash." };
  if (
    value.archive !== null &&
    (typeof value.archive !== "object" || !HEX64.test(value.archive.sha256) || typeof value.archive.key !== "string")
  )
    return { ok: false, message: "Digest has a malformed archive reference." };
  if (value.previousDigest !== null && (typeof value.previousDigest !== "object" || !HEX64.test(value.previousDigest.sha256)))
    return { ok: false, message: "Digest has a malformed previousDigest." };
  return { ok: true, digest: value };
}

async function loadKeys(jwks, notes) {
  const keys = new Map();
  for (const jwk of jwks?.keys ?? []) {
    if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string" || typeof jwk.kid !== "string") {
      notes.push(`Ignored key ${jwk.kid ?? "(no kid)"}: not an Ed25519 public key.`);
      continue;
    }
    const key = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
    keys.set(jwk.kid, {
      key,
      created: jwk.created ? Date.parse(jwk.created) : null,
      retired: jwk.retired ? Date.parse(jwk.retired) : null,
    });
  }
  return keys;
}

async function checkSignature(digest, keys, where, problem) {
  const entry = keys.get(digest.kid);
  if (!entry) return problem("unknown_key", where, `Signed by key ${digest.kid}, which is not in the key set.`);
  const { signature, _path, ...unsigned } = digest;
  let sig;
  try {
    sig = fromBase64url(signature);
  } catch {
    return problem("bad_signature", where, "The signature is not base64url.");
  }
  const valid = await crypto.subtle.verify({ name: "Ed25519" }, entry.key, sig, new TextEncoder().encode(canonicalize(unsigned)));
  if (!valid)
    return problem("bad_signature", where, `Bad signature: the digest was altered after it was signed (or not signed by ${digest.kid}).`);
  const signedAt = Date.parse(digest.signedAt);
  if (entry.created !== null && signedAt < entry.created - RETIREMENT_GRACE_MS) {
    problem(
      "signed_before_key_created",
      where,
      `Signed at ${digest.signedAt}, before key ${digest.kid} existed (${new Date(entry.created).toISOString()}): back-dated.`,
    );
  }
  const dayEnded = Date.parse(`${digest.day}T00:00:00.000Z`) + DAY_MS;
  if (signedAt < dayEnded) {
    problem(
      "signed_before_day_ended",
      where,
      `Signed at ${digest.signedAt}, before ${digest.day} ended (${new Date(dayEnded).toISOString()}): a day can only be sealed once it is over, so this digest cannot be complete.`,
    );
  }
  if (entry.retired !== null && signedAt > entry.retired + RETIREMENT_GRACE_MS) {
    problem(
      "signed_after_retirement",
      where,
      `Signed at ${digest.signedAt}, after key ${digest.kid} was retired (${new Date(entry.retired).toISOString()}).`,
    );
  }
}

function checkDigestSelfConsistent(d, where, problem) {
  if (d.count !== d.toSeq - d.fromSeq + 1)
    problem("bad_digest", where, `The digest's count ${d.count} does not match its range ${range(d.fromSeq, d.toSeq)}.`);
  if (d.count === 0 && (d.archive !== null || d.lastHash !== d.prevHash || d.firstHash !== null))
    problem("bad_digest", where, "An empty day's digest must have no archive, no firstHash and lastHash = prevHash.");
  if (d.count > 0 && d.archive === null) problem("bad_digest", where, "The digest counts events but names no archive.");
}

function findArchive(digest, archives) {
  if (digest.archive === null) return null;
  const dir = dirname(digest._path);
  const names = [basename(digest.archive.key), `audit-${digest.day}.jsonl.gz`];
  return (
    archives.find((a) => dirname(a.path) === dir && names.includes(basename(a.path))) ??
    archives.find((a) => !a.used && a.sha256 === digest.archive.sha256) ??
    null
  );
}

// ---------------------------------------------------------------- one day's entries

async function checkEntries(digest, archive, where, problem) {
  const { text, complete, error } = await gunzipPartial(archive.bytes);
  if (!complete)
    problem("archive_truncated", where, `The archive file is truncated or corrupt (${error}); checking the entries that could be read.`);
  const lines = text.split("\n");
  // The last piece is "" after a final newline, or a partial line of a truncated file.
  const last = lines.pop();
  if (last !== "" && complete) lines.push(last);

  const entries = [];
  lines.forEach((line, i) => {
    try {
      const entry = JSON.parse(line);
      if (entry === null || typeof entry !== "object" || !Number.isInteger(entry.seq)) throw new Error("not a ledger entry");
      entries.push({ entry, line: i + 1 });
    } catch (e) {
      problem("entry_malformed", where, `Line ${i + 1} is not a ledger entry (${e.message}).`, { line: i + 1 });
    }
  });

  // Each entry's own hash.
  for (const { entry, line } of entries) {
    const recomputed = await entryHash(entry);
    if (recomputed !== entry.hash)
      problem(
        "entry_altered",
        { ...where, seq: entry.seq },
        `Seq ${entry.seq} altered (line ${line}): its content hashes to ${recomputed} but it records ${entry.hash}.`,
      );
    if (entry.chainId !== digest.chainId)
      problem(
        "entry_inserted",
        { ...where, seq: entry.seq },
        `Seq ${entry.seq} (line ${line}) belongs to chain ${entry.chainId}, not ${digest.chainId}.`,
      );
  }

  // Order.
  for (let i = 1; i < entries.length; i++) {
    const [a, b] = [entries[i - 1].entry, entries[i].entry];
    if (b.seq < a.seq)
      problem(
        "entries_reordered",
        { ...where, seq: b.seq },
        `Entries reordered: seq ${b.seq} (line ${entries[i].line}) comes after seq ${a.seq}.`,
      );
  }

  // Which entry holds each seq; extra entries are insertions.
  const bySeq = new Map();
  for (const e of entries) bySeq.set(e.entry.seq, [...(bySeq.get(e.entry.seq) ?? []), e]);
  const chosen = new Map();
  for (const [seq, list] of bySeq) {
    if (seq < digest.fromSeq || seq > digest.toSeq) {
      for (const e of list)
        problem(
          "entry_inserted",
          { ...where, seq },
          `Inserted entry: seq ${seq} (line ${e.line}, id ${e.entry.id}) is outside the day's signed range ${range(digest.fromSeq, digest.toSeq)}.`,
        );
      continue;
    }
    if (list.length === 1) {
      chosen.set(seq, list[0]);
      continue;
    }
    // The genuine one is what the next entry (or the digest's lastHash) links to.
    const next = bySeq.get(seq + 1)?.[0]?.entry;
    const wanted = seq === digest.toSeq ? digest.lastHash : next?.prevHash;
    const genuine = list.find((e) => e.entry.hash === wanted) ?? list[0];
    chosen.set(seq, genuine);
    for (const e of list) {
      if (e !== genuine)
        problem(
          "entry_inserted",
          { ...where, seq },
          `Inserted entry: ${list.length} entries claim seq ${seq}; the one on line ${e.line} (id ${e.entry.id}) is not part of the signed chain.`,
        );
    }
  }

  // Missing seqs: a hole is a deletion, a missing tail is a truncation.
  const present = [...chosen.keys()].sort((a, b) => a - b);
  const maxPresent = present.length ? present[present.length - 1] : digest.fromSeq - 1;
  let s = digest.fromSeq;
  while (s <= maxPresent) {
    if (chosen.has(s)) {
      s++;
      continue;
    }
    const start = s;
    while (s <= maxPresent && !chosen.has(s)) s++;
    problem(
      "entry_missing",
      { ...where, seq: start },
      `Deleted: seq ${range(start, s - 1)} missing from the archive (the digest covers ${range(digest.fromSeq, digest.toSeq)}).`,
      { fromSeq: start, toSeq: s - 1 },
    );
  }
  if (maxPresent < digest.toSeq) {
    problem(
      "archive_truncated",
      { ...where, seq: maxPresent + 1 },
      `Truncated: the archive ends at seq ${maxPresent} but the digest says the day ends at seq ${digest.toSeq}; seq ${range(maxPresent + 1, digest.toSeq)} missing.`,
      { fromSeq: maxPresent + 1, toSeq: digest.toSeq },
    );
  }

  // Links: v1 entries, and v2 blocks (root and block hash recomputed), chained by prevHash.
  const links = await linksOf(present.map((seq) => chosen.get(seq).entry));
  reportLinkProblems(links, where, problem);
  let expectedPrev = digest.prevHash;
  let expectedFrom = digest.fromSeq;
  for (const link of links) {
    if (link.fromSeq !== expectedFrom) {
      expectedPrev = undefined; // after a hole (reported above) the link before is unknown
    } else if (expectedPrev !== undefined && link.prevHash !== expectedPrev) {
      const before = link.fromSeq === digest.fromSeq ? "the previous day's last link" : `the link ending at seq ${link.fromSeq - 1}`;
      problem(
        "link_broken",
        { ...where, seq: link.fromSeq },
        `Chain broken at seq ${link.fromSeq}: its prevHash ${link.prevHash} is not the hash of ${before} (${expectedPrev}); seq ${link.fromSeq - 1} was altered or replaced.`,
      );
    }
    expectedPrev = link.hash;
    expectedFrom = link.toSeq + 1;
  }
  const first = links[0];
  if (first && first.fromSeq === digest.fromSeq && first.hash !== digest.firstHash)
    problem(
      "entry_altered",
      { ...where, seq: first.fromSeq },
      `Seq ${first.fromSeq} is not the signed first link (hash ${first.hash}, the digest says ${digest.firstHash}).`,
    );
  const lastLink = links.at(-1);
  if (lastLink && lastLink.toSeq === digest.toSeq && lastLink.hash !== digest.lastHash)
    problem(
      "entry_altered",
      { ...where, seq: lastLink.fromSeq },
      `Seq ${lastLink.fromSeq}–${lastLink.toSeq} is not the signed last link (hash ${lastLink.hash}, the digest says ${digest.lastHash}).`,
    );
  if (entries.length !== digest.count)
    problem("count_mismatch", where, `The archive holds ${entries.length} entries; the digest says ${digest.count}.`);
}

/** Problems the link grouping found inside blocks (chain.mjs `linksOf`). */
function reportLinkProblems(links, where, problem) {
  for (const link of links) {
    for (const p of link.problems) {
      if (p.kind === "header")
        problem(
          "entry_altered",
          { ...where, seq: p.seq },
          `Seq ${p.seq} carries a different header for block ${link.fromSeq}–${link.toSeq} than the block's other entries.`,
        );
      if (p.kind === "root")
        problem(
          "block_altered",
          { ...where, seq: link.fromSeq },
          `Block ${link.fromSeq}–${link.toSeq} altered: its entries' Merkle root is ${p.expected} but the block records ${link.root} (an entry was changed and its own hash recomputed).`,
        );
      if (p.kind === "block_hash")
        problem(
          "block_altered",
          { ...where, seq: link.fromSeq },
          `Block ${link.fromSeq}–${link.toSeq} altered: its header hashes to ${p.expected} but it records ${link.hash}.`,
        );
      // "incomplete" blocks are reported as missing seqs by the caller.
    }
  }
}

// ---------------------------------------------------------------- exports (JSONL from the dashboard or the API)

/**
 * One export file: every entry re-hashes, blocks are whole and recompute, seqs are consecutive and
 * links chain. Its first link's prevHash is taken as given unless it starts at seq 1 (genesis);
 * what anchors it is agreement with signed digests supplied alongside (any digest whose range
 * the export covers must name the same link hashes) or `--expect-head` (the head hash the
 * dashboard's Verify showed).
 */
async function checkExport(file, digests, expectHead, problem, notes) {
  const where = { file: file.path };
  const lines = new TextDecoder().decode(file.bytes).split("\n");
  if (lines.at(-1) === "") lines.pop();
  const entries = [];
  lines.forEach((line, i) => {
    try {
      const entry = JSON.parse(line);
      if (entry === null || typeof entry !== "object" || !Number.isInteger(entry.seq)) throw new Error("not a ledger entry");
      entries.push(entry);
    } catch (e) {
      problem("entry_malformed", where, `Line ${i + 1} is not a ledger entry (${e.message}).`, { line: i + 1 });
    }
  });
  if (entries.length === 0) {
    problem("nothing_to_verify", where, "The export holds no entries.");
    return { file: file.path, entries: 0 };
  }
  const chainId = entries[0].chainId;
  const w = { ...where, chainId };
  for (const [i, entry] of entries.entries()) {
    const recomputed = await entryHash(entry);
    if (recomputed !== entry.hash)
      problem(
        "entry_altered",
        { ...w, seq: entry.seq },
        `Seq ${entry.seq} altered (line ${i + 1}): its content hashes to ${recomputed} but it records ${entry.hash}.`,
      );
    if (entry.chainId !== chainId)
      problem(
        "entry_inserted",
        { ...w, seq: entry.seq },
        `Seq ${entry.seq} (line ${i + 1}) belongs to chain ${entry.chainId}, not ${chainId}.`,
      );
    if (i > 0 && entry.seq !== entries[i - 1].seq + 1) {
      const prev = entries[i - 1].seq;
      if (entry.seq <= prev)
        problem(
          "entries_reordered",
          { ...w, seq: entry.seq },
          `Entries out of order: seq ${entry.seq} (line ${i + 1}) comes after seq ${prev}.`,
        );
      else
        problem("entry_missing", { ...w, seq: prev + 1 }, `Deleted: seq ${range(prev + 1, entry.seq - 1)} missing from the export.`, {
          fromSeq: prev + 1,
          toSeq: entry.seq - 1,
        });
    }
  }
  const links = await linksOf(entries);
  reportLinkProblems(links, w, problem);
  for (const link of links) {
    const missing = link.problems.find((p) => p.kind === "incomplete");
    if (missing && missing.missing.length > 0 && (link === links[0] || link === links.at(-1))) {
      problem(
        "entry_missing",
        { ...w, seq: missing.missing[0] },
        `Block ${link.fromSeq}–${link.toSeq} is cut off: seq ${range(missing.missing[0], missing.missing.at(-1))} missing (an export holds whole blocks).`,
      );
    }
  }
  let prev = links[0].fromSeq === 1 ? GENESIS_HASH : links[0].prevHash;
  if (links[0].fromSeq !== 1)
    notes.push(
      `${file.path} starts at seq ${links[0].fromSeq}: its first link's prevHash (${links[0].prevHash}) is taken as given; supply the digests of those days, or an export from seq 1, to anchor it.`,
    );
  for (const link of links) {
    if (link.prevHash !== prev)
      problem(
        "link_broken",
        { ...w, seq: link.fromSeq },
        `Chain broken at seq ${link.fromSeq}: its prevHash ${link.prevHash} is not the hash of the link before it (${prev}).`,
      );
    prev = link.hash;
  }
  const head = links.at(-1);
  if (expectHead && head.hash !== expectHead)
    problem(
      "head_mismatch",
      { ...w, seq: head.toSeq },
      `The export ends at seq ${head.toSeq} with hash ${head.hash}, not the expected head ${expectHead}.`,
    );

  // Agreement with signed digests of the same chain: the link hashes at their boundaries must match.
  const ends = new Map(links.map((l) => [l.toSeq, l.hash]));
  if (links[0].fromSeq === 1) ends.set(0, GENESIS_HASH);
  else ends.set(links[0].fromSeq - 1, links[0].prevHash);
  let matched = 0;
  for (const d of digests.filter((x) => x.chainId === chainId)) {
    const at = (seq) => ends.get(seq);
    const startOk = at(d.fromSeq - 1);
    const endOk = at(d.toSeq);
    if (startOk === undefined || endOk === undefined) continue;
    const wd = { ...w, day: d.day };
    if (startOk !== d.prevHash)
      problem(
        "export_mismatch",
        { ...wd, seq: d.fromSeq },
        `The export's link before seq ${d.fromSeq} has hash ${startOk}; the signed digest of ${d.day} says ${d.prevHash}.`,
      );
    else if (endOk !== d.lastHash)
      problem(
        "export_mismatch",
        { ...wd, seq: d.toSeq },
        `The export's link ending at seq ${d.toSeq} has hash ${endOk}; the signed digest of ${d.day} says ${d.lastHash}.`,
      );
    else matched++;
  }
  return {
    file: file.path,
    chainId,
    entries: entries.length,
    fromSeq: entries[0].seq,
    toSeq: entries.at(-1).seq,
    headHash: head.hash,
    digestsMatched: matched,
  };
}

// ---------------------------------------------------------------- across days

async function checkChainOfDays(chainId, list, bounds, problem, notes) {
  const first = list[0];
  if (bounds.from && first.day > bounds.from) {
    problem(
      "day_missing",
      { chainId, day: bounds.from },
      `Missing day(s) ${dayRange(bounds.from, previousDay(first.day))}: no digest (the first supplied is ${first.day}, from seq ${first.fromSeq}).`,
    );
  } else if (first.previousDigest === null) {
    if (first.fromSeq !== 1 || first.prevHash !== GENESIS_HASH)
      problem(
        "link_broken",
        { chainId, day: first.day },
        `The chain's first digest must start at seq 1 from the genesis hash; it starts at seq ${first.fromSeq}.`,
      );
  } else {
    notes.push(
      `Chain ${chainId} starts at ${first.day} (seq ${first.fromSeq}); earlier days were not supplied (or have expired). Pass --from to require a first day.`,
    );
  }
  for (let i = 0; i < list.length; i++) {
    const cur = list[i];
    const where = { chainId, day: cur.day, file: cur._path };
    if (i === 0) continue;
    const prev = list[i - 1];
    if (prev.day === cur.day) {
      problem("duplicate_day", where, `Two digests for ${cur.day} (${prev._path} and ${cur._path}).`);
      continue;
    }
    const expectedDay = nextDay(prev.day);
    if (cur.day !== expectedDay) {
      const lost =
        cur.fromSeq - 1 >= prev.toSeq + 1
          ? `seq ${range(prev.toSeq + 1, cur.fromSeq - 1)} unaccounted for`
          : "no seq missing, but the absence of events cannot be proven";
      problem(
        "day_missing",
        { chainId, day: expectedDay },
        `Missing day(s) ${dayRange(expectedDay, previousDay(cur.day))}: no digest; ${lost}.`,
        { fromSeq: prev.toSeq + 1, toSeq: cur.fromSeq - 1 },
      );
      continue;
    }
    if (cur.fromSeq !== prev.toSeq + 1) {
      problem(
        cur.fromSeq > prev.toSeq + 1 ? "entry_missing" : "entry_inserted",
        where,
        `Seq does not continue from ${prev.day}: it ended at seq ${prev.toSeq}, ${cur.day} starts at seq ${cur.fromSeq}.`,
      );
    }
    if (cur.prevHash !== prev.lastHash)
      problem(
        "link_broken",
        where,
        `${cur.day} does not link to ${prev.day}: its prevHash ${cur.prevHash} is not ${prev.day}'s lastHash ${prev.lastHash}.`,
      );
    if (cur.previousDigest === null) {
      problem("digest_link_broken", where, `${cur.day}'s digest names no previous digest although ${prev.day} exists.`);
    } else {
      const prevSha = await sha256Hex(new TextEncoder().encode(canonicalize(stripPath(prev))));
      if (cur.previousDigest.sha256 !== prevSha)
        problem(
          "digest_link_broken",
          { chainId, day: prev.day, file: prev._path },
          `The digest of ${prev.day} was altered or replaced: ${cur.day}'s digest records its SHA-256 as ${cur.previousDigest.sha256}, the file's is ${prevSha}.`,
        );
    }
  }
  const last = list[list.length - 1];
  if (bounds.to && last.day < bounds.to) {
    problem(
      "day_missing",
      { chainId, day: nextDay(last.day) },
      `Missing day(s) ${dayRange(nextDay(last.day), bounds.to)}: no digest (the last supplied is ${last.day}, up to seq ${last.toSeq}); the trail may be truncated.`,
    );
  }
}

// ---------------------------------------------------------------- helpers

function stripPath(d) {
  const { _path, ...rest } = d;
  return rest;
}

/** A gzip file's text, all members; for a cut or corrupt file, what could be read and why it stopped. */
async function gunzipPartial(bytes) {
  try {
    return { text: gunzipSync(bytes).toString("utf8"), complete: true, error: null };
  } catch (e) {
    let text = "";
    try {
      text = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString("utf8");
    } catch {
      // nothing readable
    }
    return { text, complete: false, error: e?.message ?? String(e) };
  }
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error("not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const range = (a, b) => (a === b ? `${a}` : a > b ? "(none)" : `${a}–${b}`);
const dayRange = (a, b) => (a === b ? a : `${a} to ${b}`);
const nextDay = (day) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
const previousDay = (day) => new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
const dirname = (p) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : ".");
const basename = (p) => p.slice(p.lastIndexOf("/") + 1);
