/** RFC 8785 canonical JSON (lib/jcs.mjs). */
export function canonicalize(value: unknown): string;
