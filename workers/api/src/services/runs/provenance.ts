/** Placeholder until provenance signing lands (next commit): returns the row unchanged. */
import type { RunRow } from "../../../../shared/db/schema";

export async function signRunProvenance(_env: Env, row: RunRow): Promise<RunRow> {
  return row;
}
