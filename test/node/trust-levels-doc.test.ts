/**
 * docs/governance.md "Trust levels" ↔ workers/shared/trust-levels.ts: the doc's table is exactly
 * what renderTrustTable() renders from the code's table. Change a level in code, and this fails
 * with the new table to paste into the doc.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderTrustTable } from "../../workers/shared/trust-levels-doc";

const ROOT = path.resolve(import.meta.dirname, "../..");
const START = "<!-- trust-table:start (generated from workers/shared/trust-levels.ts; test/node/trust-levels-doc.test.ts checks it) -->";
const END = "<!-- trust-table:end -->";

describe("docs/governance.md trust levels", () => {
  it("shows exactly the code's trust table", () => {
    const doc = readFileSync(path.join(ROOT, "docs/governance.md"), "utf8");
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start, "the doc has no trust-table markers").toBeGreaterThan(-1);
    const inDoc = doc.slice(start + START.length, end).trim();
    expect(inDoc, `paste this between the markers:\n${renderTrustTable()}\n`).toBe(renderTrustTable());
  });
});
