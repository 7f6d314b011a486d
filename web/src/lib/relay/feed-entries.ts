/**
 * What the live feed shows: the observer frames of a team's relay (docs/protocol.md, "Observers")
 * turned into rows, and the filters over them. Frames are parsed with the relay's own schemas
 * (workers/shared/relay/protocol.ts); a frame type this dashboard does not know is skipped, as the
 * protocol asks of clients.
 */
import { ServerFrameSchema, type DeliveryKind, type ServerFrame } from "@shared/relay/protocol";

/** The feed keeps the newest rows only: a busy team must not grow the page without bound. */
export const MAX_FEED_ENTRIES = 500;
const PREVIEW_CHARS = 160;

type Common = { key: string; receivedAt: number };
export type FeedEntry =
  | (Common & {
      type: "message";
      seq: number;
      kind: DeliveryKind;
      from: string;
      to: string[];
      topic?: string;
      inReplyTo?: string;
      clientId: string;
      bodyBytes: number;
      preview: string;
      bodyJson: string;
    })
  | (Common & {
      type: "denied";
      from?: string;
      kind?: DeliveryKind;
      to: string[];
      topic?: string;
      code: string;
      reason: string;
      clientId: string;
    })
  | (Common & { type: "presence"; agentId: string; status: "joined" | "left" })
  /** The feed was disconnected: observers get no replay, so anything sent meanwhile is missing here. */
  | (Common & { type: "gap"; text: string });

let counter = 0;
const nextKey = () => `e${++counter}`;

export function parseServerFrame(text: string): ServerFrame | null {
  try {
    const parsed = ServerFrameSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const utf8 = new TextEncoder();

/** The row for a frame, or null for frames that are not feed rows (welcome, error, …). */
export function entryOf(frame: ServerFrame, receivedAt = Date.now()): FeedEntry | null {
  switch (frame.type) {
    case "deliver": {
      const bodyJson = JSON.stringify(frame.body) ?? "null";
      return {
        key: nextKey(),
        receivedAt,
        type: "message",
        seq: frame.seq,
        kind: frame.kind,
        from: frame.from,
        to: frame.to ?? [],
        topic: frame.topic,
        inReplyTo: frame.inReplyTo,
        clientId: frame.id,
        bodyBytes: utf8.encode(bodyJson).byteLength,
        preview: bodyJson.length > PREVIEW_CHARS ? `${bodyJson.slice(0, PREVIEW_CHARS)}…` : bodyJson,
        bodyJson,
      };
    }
    case "denied":
      // The relay's decision time when it says (older relays did not), else when it arrived.
      return {
        key: nextKey(),
        receivedAt: frame.at ?? receivedAt,
        type: "denied",
        from: frame.from,
        kind: frame.kind,
        to: frame.to ?? [],
        topic: frame.topic,
        code: frame.code,
        reason: frame.reason,
        clientId: frame.id,
      };
    case "presence":
      return { key: nextKey(), receivedAt, type: "presence", agentId: frame.agentId, status: frame.status };
    default:
      return null;
  }
}

export function gapEntry(text: string): FeedEntry {
  return { key: nextKey(), receivedAt: Date.now(), type: "gap", text };
}

/** Newest first, at most MAX_FEED_ENTRIES. */
export function prepend(entries: FeedEntry[], incoming: FeedEntry[]): FeedEntry[] {
  return [...incoming.slice().reverse(), ...entries].slice(0, MAX_FEED_ENTRIES);
}

export const KIND_FILTERS = ["direct", "broadcast", "request", "reply", "topic", "presence"] as const;
export type KindFilter = (typeof KIND_FILTERS)[number] | "";
export type OutcomeFilter = "" | "allowed" | "denied";

export interface FeedFilters {
  agentId: string;
  kind: KindFilter;
  outcome: OutcomeFilter;
  text: string;
}
export const NO_FILTERS: FeedFilters = { agentId: "", kind: "", outcome: "", text: "" };

export function isFiltering(f: FeedFilters): boolean {
  return f.agentId !== "" || f.kind !== "" || f.outcome !== "" || f.text.trim() !== "";
}

/** The agents a row is about (sender and recipients). */
function agentsOf(e: FeedEntry): string[] {
  if (e.type === "message") return [e.from, ...e.to];
  if (e.type === "denied") return [...(e.from ? [e.from] : []), ...e.to];
  if (e.type === "presence") return [e.agentId];
  return [];
}

/** Everything a text search looks at, names included (so "PM" finds the PM agent's rows). */
function searchableText(e: FeedEntry, names: Map<string, string>): string {
  const who = agentsOf(e).flatMap((id) => [id, names.get(id) ?? ""]);
  switch (e.type) {
    case "message":
      return [...who, e.kind, e.topic ?? "", e.clientId, e.bodyJson, String(e.seq)].join("\n");
    case "denied":
      return [...who, "denied", e.kind ?? "", e.topic ?? "", e.code, e.reason, e.clientId].join("\n");
    case "presence":
      return [...who, e.status].join("\n");
    case "gap":
      return e.text;
  }
}

export function matches(e: FeedEntry, f: FeedFilters, names: Map<string, string>): boolean {
  // A gap is context for whatever is around it: shown unless a filter narrows to something specific.
  if (e.type === "gap") return !isFiltering(f);
  if (f.agentId && !agentsOf(e).includes(f.agentId)) return false;
  if (f.kind) {
    if (f.kind === "presence" ? e.type !== "presence" : (e.type !== "message" && e.type !== "denied") || e.kind !== f.kind) return false;
  }
  if (f.outcome === "allowed" && e.type !== "message") return false;
  if (f.outcome === "denied" && e.type !== "denied") return false;
  const text = f.text.trim().toLowerCase();
  if (text && !searchableText(e, names).toLowerCase().includes(text)) return false;
  return true;
}
