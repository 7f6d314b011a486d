/**
 * The audit log's URL search params: every filter lives in the URL, so a filtered view can be
 * bookmarked, shared and survives a reload; `event` is the seq open in the detail drawer.
 * Invalid values are dropped (`.catch`) rather than failing the page: URLs get hand-edited.
 */
import { z } from "zod";
import { entryFieldsSchema } from "@shared/audit/chain";

const entry = entryFieldsSchema.shape;
export const ACTOR_TYPES = entry.actor.shape.type.options;
export const SEVERITIES = entry.severity.options;
export const OUTCOMES = entry.outcome.options;

const text = z.string().trim().min(1).max(200).optional().catch(undefined);
const isoTime = z.iso.datetime({ offset: true }).optional().catch(undefined);

export const AuditSearchSchema = z.object({
  q: text,
  action: text,
  actorType: z.enum(ACTOR_TYPES).optional().catch(undefined),
  actorId: text,
  targetType: text,
  targetId: text,
  severity: z.enum(SEVERITIES).optional().catch(undefined),
  outcome: z.enum(OUTCOMES).optional().catch(undefined),
  from: isoTime,
  to: isoTime,
  /** The seq shown in the detail drawer. */
  event: z.coerce.number().int().positive().optional().catch(undefined),
});
export type AuditSearch = z.infer<typeof AuditSearchSchema>;
/** The filters the list is fetched with (the drawer's `event` is not one of them). */
export type AuditFilters = Omit<AuditSearch, "event">;

export const FILTER_KEYS = [
  "q",
  "action",
  "actorType",
  "actorId",
  "targetType",
  "targetId",
  "severity",
  "outcome",
  "from",
  "to",
] as const satisfies ReadonlyArray<keyof AuditSearch>;

export function filtersOf(search: AuditSearch): AuditFilters {
  const out: Record<string, unknown> = {};
  for (const k of FILTER_KEYS) if (search[k] !== undefined) out[k] = search[k];
  return out as AuditFilters;
}

export const hasFilters = (search: AuditSearch) => FILTER_KEYS.some((k) => search[k] !== undefined);
