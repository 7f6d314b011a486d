/**
 * RFC 8785 JSON Canonicalization Scheme, for the JSON values audit entries and digests contain.
 * Kept here (instead of a dependency) so the verifier is one folder with no install step; a test
 * (test/node/audit-verify/jcs.test.ts) proves it agrees with the `canonicalize` package the
 * platform hashes with.
 *
 * - numbers: ECMAScript Number-to-string (what JSON.stringify does for finite numbers);
 * - strings: JSON.stringify's escaping (RFC 8785 §3.2.2.2 is exactly that);
 * - object members sorted by UTF-16 code units (JavaScript's default string order);
 * - undefined members are dropped, as JSON.stringify does;
 * - a string with a lone surrogate is refused (RFC 8785 §3.2.2.2 needs well-formed Unicode).
 */
export function canonicalize(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "string") return string(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("non-finite number cannot be canonicalised");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalize(v))).join(",")}]`;
  if (typeof value === "object") {
    const members = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${string(k)}:${canonicalize(value[k])}`);
    return `{${members.join(",")}}`;
  }
  throw new Error(`cannot canonicalise a ${typeof value}`);
}

function string(text) {
  if (!text.isWellFormed()) throw new Error("Lone surrogate is not allowed");
  return JSON.stringify(text);
}
