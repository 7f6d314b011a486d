/** A line diff between two policy texts (jsdiff), as a unified patch and as lines for the dashboard. */
import { createTwoFilesPatch, diffLines } from "diff";

export function diffPolicies(from: { version: number; text: string }, to: { version: number; text: string }) {
  const lines: Array<{ op: "add" | "remove" | "same"; text: string }> = [];
  for (const part of diffLines(from.text, to.text)) {
    const op = part.added ? "add" : part.removed ? "remove" : "same";
    for (const text of part.value.replace(/\n$/, "").split("\n")) lines.push({ op, text });
  }
  return {
    from: from.version,
    to: to.version,
    unified: createTwoFilesPatch(`v${from.version}`, `v${to.version}`, from.text, to.text, undefined, undefined, { context: 3 }),
    lines,
    added: lines.filter((l) => l.op === "add").length,
    removed: lines.filter((l) => l.op === "remove").length,
  };
}
