/**
 * Cursor pagination over id-ordered rows. Ids are time-sortable and unique, so "after this id"
 * is a stable position: rows inserted or deleted meanwhile never shift a page.
 * The cursor is opaque to clients (base64url JSON) so its contents can change later.
 */
import { b64url, utf8 } from "../../../shared/crypto/encoding";
import { ApiError } from "./api-error";

export function encodeCursor(lastKey: string | number): string {
  return b64url.encode(utf8(JSON.stringify({ after: lastKey })));
}

export function decodeCursor(cursor: string | undefined): string | undefined;
export function decodeCursor(cursor: string | undefined, kind: "number"): number | undefined;
export function decodeCursor(cursor: string | undefined, kind: "string" | "number" = "string"): string | number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(b64url.decode(cursor))) as { after?: unknown };
    if (typeof parsed.after === kind) return parsed.after as string | number;
  } catch {
    // fall through to the error below
  }
  throw new ApiError("validation_failed", "Invalid query string: cursor is not one this API issued.", {
    location: "query string",
    issues: [{ path: "cursor", code: "invalid_cursor", message: "Unknown cursor." }],
  });
}

/** Rows were fetched with `limit + 1`; trims the extra and builds the page. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  keyOf: (row: R) => string | number = (row) => (row as { id: string }).id,
): { data: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { data: page.map(map), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
