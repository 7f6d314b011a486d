/**
 * `switchboard-verify` as a tenant runs it: a real Node process over real files. Intact archives
 * exit 0; each kind of damage exits 1 with a message that says exactly what and where: an edited,
 * deleted, inserted, reordered or truncated event, a missing day, an altered or foreign-signed
 * digest. Usage errors exit 2.
 */
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { archiveKey, digestKey } from "../../../workers/shared/audit/archive/layout";
import { hashEntry, sealEntry, type LedgerEntryV1, type LedgerEntryV2 } from "../../../workers/shared/audit/chain";
import { archiveLines, buildTrail, CHAIN, editArchive, type Trail } from "./fixtures";

const BIN = join(process.cwd(), "tools/switchboard-verify/bin.mjs");
const DAYS: Array<[string, number]> = [
  ["2026-11-26", 3],
  ["2026-11-27", 0],
  ["2026-11-28", 2],
  ["2026-11-29", 4],
];

let trail: Trail;
afterEach(async () => trail && (await trail.cleanup()));

async function verify(args: string[], cwd = process.cwd()): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd });
    return { code: 0, out: stdout, err: stderr };
  } catch (e: any) {
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

const run = (t: Trail, extra: string[] = []) => verify([t.dir, "--keys", t.keysPath, ...extra]);
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const dayDir = (t: Trail, day: string) => t.path(digestKey(CHAIN, day)).replace(/\/digest\.json$/, "");

describe("switchboard-verify on intact archives", () => {
  it("exits 0 and says so", async () => {
    trail = await buildTrail(DAYS);
    const res = await run(trail);
    expect(res.err).toBe("");
    expect(res.out).toContain(`chain ${CHAIN}: 4 day(s) 2026-11-26 to 2026-11-29, seq 1–9, 9 event(s)`);
    expect(res.out).toContain("INTACT");
    expect(res.code).toBe(0);
  });

  it("runs as `npx switchboard-verify`, with the keys fetched from a URL, and prints JSON on --json", async () => {
    trail = await buildTrail(DAYS);
    const keys = await readFile(trail.keysPath, "utf8");
    const server = createServer((req, res) => {
      res.writeHead(req.url === "/.well-known/audit-digest-keys.json" ? 200 : 404, { "content-type": "application/json" });
      res.end(keys);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    try {
      await rm(trail.keysPath);
      const { stdout } = await promisify(execFile)(
        "npx",
        ["switchboard-verify", trail.dir, "--keys", `http://127.0.0.1:${port}/.well-known/audit-digest-keys.json`, "--json"],
        { cwd: process.cwd() },
      );
      const report = JSON.parse(stdout);
      expect(report).toMatchObject({ ok: true, problems: [], chains: [{ chainId: CHAIN, days: 4, events: 9 }] });
    } finally {
      server.close();
    }
  }, 60_000);
});

describe("switchboard-verify reports exactly what is wrong (exit 1)", () => {
  it("an edited event: the archive's hash and the event's own hash at its seq", async () => {
    trail = await buildTrail(DAYS);
    await editArchive(trail, "2026-11-26", (lines) =>
      lines.map((l) => (JSON.parse(l).seq === 2 ? l.replace("agent.created", "agent.deleted") : l)),
    );
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("FAIL [archive_altered]");
    expect(res.out).toMatch(
      /FAIL \[entry_altered\] \S+ 2026-11-26: Seq 2 altered \(line 2\): its content hashes to [0-9a-f]{64} but it records [0-9a-f]{64}\./,
    );
  });

  it("an edited event whose hash was recomputed: the broken link after it", async () => {
    trail = await buildTrail(DAYS);
    const entries = trail.entries.get("2026-11-26")!;
    const { hash: _h, ...body } = entries[1]! as LedgerEntryV1;
    const forged = await sealEntry({ ...body, action: "agent.deleted" });
    await editArchive(trail, "2026-11-26", (lines) => lines.map((l, i) => (i === 1 ? JSON.stringify(forged) : l)));
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("Chain broken at seq 3: its prevHash");
    expect(res.out).toContain("seq 2 was altered or replaced");
  });

  it("a deleted event: the missing seq", async () => {
    trail = await buildTrail(DAYS);
    await editArchive(trail, "2026-11-29", (lines) => lines.filter((l) => JSON.parse(l).seq !== 7));
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("FAIL [entry_missing] ");
    expect(res.out).toContain("2026-11-29: Deleted: seq 7 missing from the archive (the digest covers 6–9).");
    expect(res.out).toContain("The archive holds 3 entries; the digest says 4.");
  });

  it("an inserted event: which line is not part of the signed chain", async () => {
    trail = await buildTrail(DAYS);
    const entries = trail.entries.get("2026-11-28")!;
    const { hash: _h, ...body } = entries[0]! as LedgerEntryV1;
    const forged = await sealEntry({ ...body, id: "audit_forged", action: "agent.suspended" });
    await editArchive(trail, "2026-11-28", (lines) => [lines[0]!, JSON.stringify(forged), ...lines.slice(1)]);
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain(
      "Inserted entry: 2 entries claim seq 4; the one on line 2 (id audit_forged) is not part of the signed chain.",
    );
  });

  it("reordered events", async () => {
    trail = await buildTrail(DAYS);
    await editArchive(trail, "2026-11-29", (lines) => [lines[0]!, lines[2]!, lines[1]!, lines[3]!]);
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("FAIL [entries_reordered]");
    expect(res.out).toContain("Entries reordered: seq 7 (line 3) comes after seq 8.");
  });

  it("a truncated archive: the missing tail, and a cut gzip file", async () => {
    trail = await buildTrail(DAYS);
    await editArchive(trail, "2026-11-29", (lines) => lines.slice(0, 2));
    let res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("Truncated: the archive ends at seq 7 but the digest says the day ends at seq 9; seq 8–9 missing.");

    await trail.cleanup();
    trail = await buildTrail(DAYS);
    const path = trail.path(archiveKey(CHAIN, "2026-11-29"));
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 12));
    res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("The archive file is truncated or corrupt");
  });

  it("a missing day: which day, and which seqs it held", async () => {
    trail = await buildTrail(DAYS);
    await rm(dayDir(trail, "2026-11-28"), { recursive: true });
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("Missing day(s) 2026-11-28: no digest; seq 4–5 unaccounted for.");
  });

  it("a missing empty day: absence can no longer be proven", async () => {
    trail = await buildTrail(DAYS);
    await rm(dayDir(trail, "2026-11-27"), { recursive: true });
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("Missing day(s) 2026-11-27: no digest; no seq missing, but the absence of events cannot be proven.");
  });

  it("a missing archive file next to its digest", async () => {
    trail = await buildTrail(DAYS);
    await rm(trail.path(archiveKey(CHAIN, "2026-11-26")));
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("The archive file is missing (the digest counts 3 events, seq 1–3");
  });

  it("a trail cut short at either end, given --from and --to", async () => {
    trail = await buildTrail(DAYS);
    await rm(dayDir(trail, "2026-11-29"), { recursive: true });
    const res = await run(trail, ["--from", "2026-11-25", "--to", "2026-11-29"]);
    expect(res.code).toBe(1);
    expect(res.out).toContain("Missing day(s) 2026-11-25: no digest (the first supplied is 2026-11-26, from seq 1).");
    expect(res.out).toContain(
      "Missing day(s) 2026-11-29: no digest (the last supplied is 2026-11-28, up to seq 5); the trail may be truncated.",
    );
  });

  it("an edited digest: bad signature, and the next day's link to it", async () => {
    trail = await buildTrail(DAYS);
    const path = trail.path(digestKey(CHAIN, "2026-11-26"));
    const digest = JSON.parse(await readFile(path, "utf8"));
    await writeFile(path, JSON.stringify({ ...digest, count: 2, toSeq: 2 }, null, 2));
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("Bad signature: the digest was altered after it was signed");
    expect(res.out).toContain("The digest of 2026-11-26 was altered or replaced: 2026-11-27's digest records its SHA-256 as");
  });

  it("a digest signed by a key that is not published", async () => {
    trail = await buildTrail(DAYS);
    const other = await buildTrail(DAYS, { kid: "adk_someone-else" });
    try {
      await writeFile(trail.path(digestKey(CHAIN, "2026-11-29")), await readFile(other.path(digestKey(CHAIN, "2026-11-29"))));
      const res = await run(trail);
      expect(res.code).toBe(1);
      expect(res.out).toContain("Signed by key adk_someone-else, which is not in the key set.");
    } finally {
      await other.cleanup();
    }
  });

  it("a pretty-printed (reformatted) digest still verifies: hashes are over the canonical form", async () => {
    trail = await buildTrail(DAYS);
    const path = trail.path(digestKey(CHAIN, "2026-11-28"));
    await writeFile(path, JSON.stringify(JSON.parse(await readFile(path, "utf8"))));
    expect((await run(trail)).code).toBe(0);
  });
});

describe("block archives (chain scheme v2): one gzip member per block, Merkle roots", () => {
  const V2 = { scheme: 2 as const, blockSize: 3 };

  it("an intact trail of blocks exits 0", async () => {
    trail = await buildTrail(DAYS, V2);
    const res = await run(trail);
    expect(res.out).toContain(`chain ${CHAIN}: 4 day(s) 2026-11-26 to 2026-11-29, seq 1–9, 9 event(s)`);
    expect(res.code, res.out).toBe(0);
  });

  it("an entry edited inside a block: its own hash; with its hash recomputed: the block's Merkle root", async () => {
    trail = await buildTrail(DAYS, V2);
    await editArchive(trail, "2026-11-29", (lines) =>
      lines.map((l) => (JSON.parse(l).seq === 7 ? l.replace("agent.created", "agent.deleted") : l)),
    );
    let res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/FAIL \[entry_altered\] \S+ 2026-11-29: Seq 7 altered \(line 2\)/);

    await trail.cleanup();
    trail = await buildTrail(DAYS, V2);
    const lines = await archiveLines(trail, "2026-11-29");
    await editArchive(trail, "2026-11-29", () =>
      lines.map((l) => {
        const e = JSON.parse(l) as LedgerEntryV2;
        return e.seq === 7 ? JSON.stringify({ ...e, action: "agent.deleted" }) : l;
      }),
    );
    // Recompute the edited leaf's own hash, as a careful forger would.
    const edited = (await archiveLines(trail, "2026-11-29")).map((l) => JSON.parse(l) as LedgerEntryV2);
    const target = edited.find((e) => e.seq === 7)!;
    target.hash = await hashEntry(target);
    await editArchive(trail, "2026-11-29", () => edited.map((e) => JSON.stringify(e)));
    res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("FAIL [block_altered]");
    expect(res.out).toContain("Block 6–8 altered: its entries' Merkle root is");
    expect(res.out).not.toMatch(/entry_altered.*Seq 7 altered/);
  });

  it("an entry removed from a block: the missing seq", async () => {
    trail = await buildTrail(DAYS, V2);
    await editArchive(trail, "2026-11-29", (lines) => lines.filter((l) => JSON.parse(l).seq !== 8));
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("Deleted: seq 8 missing from the archive (the digest covers 6–9).");
  });

  it("a digest signed before its day ended (a job handed a clock in the future) is flagged", async () => {
    trail = await buildTrail(DAYS, {
      ...V2,
      signedAt: (day) =>
        day === "2026-11-28"
          ? "2026-11-28T12:00:00.000Z"
          : `${day}T23:59:59.999Z`.replace(/T.*/, "T00:00:00.000Z").replace(day, nextDay(day)).replace("T00:00:00.000Z", "T03:00:00.000Z"),
    });
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toContain("FAIL [signed_before_day_ended]");
    expect(res.out).toContain("2026-11-28: Signed at 2026-11-28T12:00:00.000Z, before 2026-11-28 ended (2026-11-29T00:00:00.000Z)");
    expect(res.out.match(/signed_before_day_ended/g)).toHaveLength(1);
  });
});

describe("JSONL exports (the dashboard's and the API's)", () => {
  async function exportOf(t: Trail, days: string[], name = `audit-${CHAIN}.jsonl`): Promise<string> {
    const lines = (await Promise.all(days.filter((d) => t.entries.get(d)!.length > 0).map((d) => archiveLines(t, d)))).flat();
    const path = join(t.dir, name);
    await writeFile(path, lines.map((l) => `${l}\n`).join(""));
    return path;
  }

  it("an export verifies on its own (no key set needed), and says its head", async () => {
    trail = await buildTrail(DAYS, { scheme: 2, blockSize: 3 });
    const file = await exportOf(trail, ["2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"]);
    const res = await verify([file]);
    expect(res.err).toBe("");
    expect(res.out).toMatch(new RegExp(`export \\S+\\.jsonl: chain ${CHAIN}, seq 1–9, 9 event\\(s\\), head [0-9a-f]{64}`));
    expect(res.out).toContain("INTACT");
    expect(res.code).toBe(0);
    const head = trail.digests.get("2026-11-29")!.lastHash;
    expect((await verify([file, "--expect-head", head])).code).toBe(0);
    const wrong = await verify([file, "--expect-head", "0".repeat(64)]);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain("FAIL [head_mismatch]");
  });

  it("an export checked against the signed digests of the days it covers; a v1 export too", async () => {
    trail = await buildTrail(DAYS, { scheme: 2, blockSize: 3 });
    const file = await exportOf(trail, ["2026-11-28", "2026-11-29"]);
    const res = await verify([file, trail.dir, "--keys", trail.keysPath]);
    expect(res.out).toMatch(/export \S+: chain \S+, seq 4–9, 6 event\(s\), head [0-9a-f]{64}, agrees with 3 signed digest\(s\)/);
    expect(res.code, res.out).toBe(0);

    await trail.cleanup();
    trail = await buildTrail(DAYS);
    expect(
      (
        await verify([
          await exportOf(
            trail,
            DAYS.map(([d]) => d),
          ),
        ])
      ).code,
    ).toBe(0);
  });

  it("a tampered export: an edited event, an event removed, a block cut off, a forged re-hash that no longer matches the digest", async () => {
    trail = await buildTrail(DAYS, { scheme: 2, blockSize: 3 });
    const file = await exportOf(trail, ["2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"]);
    const lines = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    const write = (ls: string[]) => writeFile(file, ls.map((l) => `${l}\n`).join(""));

    await write(lines.map((l, i) => (i === 3 ? l.replace("relay.message_denied", "agent.deleted") : l)));
    let res = await verify([file]);
    expect(res.code).toBe(1);
    expect(res.out).toContain("FAIL [entry_altered]");

    await write(lines.filter((_, i) => i !== 7));
    res = await verify([file]);
    expect(res.out).toContain("FAIL [entry_missing]");

    await write(lines.slice(0, 7)); // ends inside the block 6–8
    res = await verify([file]);
    expect(res.out).toContain("Block 6–8 is cut off: seq 8 missing");

    // A whole block re-hashed by a forger, and the block after it re-linked: consistent on its own, but not what the digest signed.
    const forged = lines.map((l) => JSON.parse(l) as LedgerEntryV2);
    const { blockHash, merkleRoot } = await import("../../../workers/shared/audit/chain");
    const block = forged.filter((e) => e.block.fromSeq === 6);
    block[0]!.action = "agent.deleted";
    block[0]!.hash = await hashEntry(block[0]!);
    const root = await merkleRoot(block.map((e) => e.hash));
    const hash = await blockHash({ chainId: CHAIN, fromSeq: 6, toSeq: 8, prevHash: block[0]!.block.prevHash, root });
    for (const e of block) e.block = { ...e.block, root, hash };
    const nine = forged.find((e) => e.seq === 9)!;
    nine.block = { ...nine.block, prevHash: hash };
    nine.block.root = await merkleRoot([nine.hash]);
    nine.block.hash = await blockHash({ chainId: CHAIN, fromSeq: 9, toSeq: 9, prevHash: hash, root: nine.block.root });
    await write(forged.map((e) => JSON.stringify(e)));
    expect((await verify([file])).code).toBe(0); // alone, nothing to compare it with…
    res = await verify([file, trail.dir, "--keys", trail.keysPath]);
    expect(res.code).toBe(1); // …the signed digest of 2026-11-29 says otherwise
    expect(res.out).toContain("FAIL [export_mismatch]");
    expect(res.out).toContain("the signed digest of 2026-11-29 says");
  });
});

describe("usage errors (exit 2)", () => {
  it("no keys, no paths, a bad day, a missing directory", async () => {
    trail = await buildTrail(DAYS.slice(0, 1));
    for (const args of [
      [trail.dir],
      ["--keys", trail.keysPath],
      [trail.dir, "--keys", trail.keysPath, "--from", "yesterday"],
      ["/nonexistent/dir", "--keys", trail.keysPath],
      [trail.dir, "--keys", "/nonexistent/keys.json"],
    ]) {
      const res = await verify(args);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.err).toContain("usage: switchboard-verify");
    }
  });
});

describe("key lifetimes", () => {
  it("flags a digest signed before its key existed (back-dated) or long after it was retired", async () => {
    trail = await buildTrail(DAYS);
    const keys = JSON.parse(await readFile(trail.keysPath, "utf8"));
    keys.keys[0].created = "2026-11-28T00:00:00.000Z";
    keys.keys[0].retired = "2026-11-29T02:30:00.000Z"; // 2026-11-28 was signed at 03:00: within the hour of slack
    await writeFile(trail.keysPath, JSON.stringify(keys));
    const res = await run(trail);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/2026-11-26: Signed at 2026-11-27T03:00:00.000Z, before key adk_fixture-key existed/);
    expect(res.out).toMatch(/2026-11-29: Signed at 2026-11-30T03:00:00.000Z, after key adk_fixture-key was retired/);
    expect(res.out).not.toMatch(/2026-11-28: Signed at/);
  });
});
