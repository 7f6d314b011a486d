/**
 * Relay protocol v1: every frame an agent and the TeamRelay exchange over the WebSocket, as zod
 * schemas. Shared by the relay and the SDK (and the dashboard's live feed), so it imports only
 * zod. The prose contract — examples, error and close codes, delivery guarantees — is
 * docs/protocol.md; change both together. Frames are JSON text messages.
 * Lives in @switchboard/protocol (packages/protocol); workers/shared/relay/protocol.ts re-exports it.
 */
import { z } from "zod";

export const PROTOCOL_VERSION = 1;
/** The subprotocol a client offers (and the only one the relay echoes back). */
export const SUBPROTOCOL = "switchboard.v1";
/** Prefix of the `Sec-WebSocket-Protocol` entry that carries a browser's agent token. */
export const BEARER_PROTOCOL_PREFIX = "bearer.";
/** Largest text frame the relay reads; bigger ones get `error frame_too_large`. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Answered by the runtime without waking the relay (`setWebSocketAutoResponse`). */
export const HEARTBEAT = { request: "ping", response: "pong" } as const;

export const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
export const MAX_TTL_SECONDS = 7 * 24 * 60 * 60;
export const MAX_REQUEST_TIMEOUT_MS = 5 * 60 * 1000;
export const MIN_REQUEST_TIMEOUT_MS = 100;

/**
 * Every WebSocket close code the relay uses: the one home of them (the agent-identity rules map a
 * token failure onto `tokenInvalid`/`suspended`, the API's suspend/remove calls use them, the SDK
 * reacts to them). 4003 mirrors HTTP 403 `agent_suspended`; 4001 mirrors 401: the token expired or
 * the agent is gone, and reconnecting needs a fresh token (which a deleted agent cannot get).
 * Contract: docs/protocol.md "Close codes".
 */
export const CLOSE_CODES = {
  normal: { code: 1000, reason: "bye" },
  protocolVersion: { code: 4400, reason: "unsupported protocol version" },
  tokenInvalid: { code: 4001, reason: "agent token invalid" },
  suspended: { code: 4003, reason: "agent suspended" },
  /** The tenant or the agent's team entered safe mode (HTTP 423 `safe_mode`); reconnecting is refused until it is lifted. */
  safeMode: { code: 4023, reason: "safe mode" },
} as const;
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/**
 * The `id` the relay gives a request in the `deliver` frame its recipient gets: `req-<seq>`, unique
 * in the team. A reply names it in `inReplyTo`, which binds the reply to that one request (its seq)
 * whoever else used the same client id. See docs/protocol.md "Requests and replies".
 */
export const REQUEST_ID_PREFIX = "req-";
export const requestIdOf = (seq: number) => `${REQUEST_ID_PREFIX}${seq}`;
/** The request seq a reply's `inReplyTo` names, or null if it names none (an old client id, garbage). */
export function requestSeqOf(inReplyTo: string): number | null {
  if (!inReplyTo.startsWith(REQUEST_ID_PREFIX)) return null;
  const digits = inReplyTo.slice(REQUEST_ID_PREFIX.length);
  if (!/^[1-9][0-9]{0,15}$/.test(digits)) return null;
  const seq = Number(digits);
  return Number.isSafeInteger(seq) ? seq : null;
}

/** A client's id for a frame: echoed in `accepted`, `denied` and `error`; the idempotency key of sends. */
const ClientId = z.string().min(1).max(128);
const AgentId = z.string().min(1).max(64);
/** A topic name: dot/slash/dash separated words. `*` is reserved for allowlist patterns. */
export const TopicSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:/-]+$/, "letters, digits and . _ : / - only");
/**
 * Any JSON value (object, array, string, number, boolean or null) whose strings — keys included —
 * are well-formed Unicode. A lone surrogate can only arrive through a `\\uD800`-style escape; it is
 * refused because it has no UTF-8 form and no RFC 8785 canonical form, which the audit trail's
 * `bodySha256` is computed over (docs/protocol.md "Body").
 */
const Body = z
  .unknown()
  .refine((v) => v !== undefined, "body is required")
  .refine((v) => isWellFormedJson(v), "strings must be well-formed Unicode (no lone surrogates)");

/** `String.prototype.isWellFormed` (ES2024) where the runtime has it; the same test by regex elsewhere. */
const wellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === "function"
    ? (s) => (s as string & { isWellFormed(): boolean }).isWellFormed()
    : (s) => !/\p{Cs}/u.test(s);

/** True if every string in a parsed JSON value (keys included) is well-formed UTF-16. */
export function isWellFormedJson(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") {
      if (!wellFormed(v)) return false;
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === "object") {
      for (const [k, item] of Object.entries(v)) {
        if (!wellFormed(k)) return false;
        stack.push(item);
      }
    }
  }
  return true;
}

export const HelloFrame = z
  .object({ type: z.literal("hello"), v: z.number().int(), resumeFrom: z.number().int().min(0).optional() })
  .strict();
export const SendFrame = z
  .object({
    type: z.literal("send"),
    id: ClientId,
    to: AgentId,
    body: Body,
    ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
  })
  .strict();
export const BroadcastFrame = z
  .object({ type: z.literal("broadcast"), id: ClientId, body: Body, ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional() })
  .strict();
export const RequestFrame = z
  .object({
    type: z.literal("request"),
    id: ClientId,
    to: AgentId,
    body: Body,
    timeoutMs: z.number().int().min(MIN_REQUEST_TIMEOUT_MS).max(MAX_REQUEST_TIMEOUT_MS),
  })
  .strict();
/** `inReplyTo` is the `id` of the request's deliver frame (`req-<seq>`): it names exactly one request. */
export const ReplyFrame = z.object({ type: z.literal("reply"), id: ClientId, inReplyTo: ClientId, body: Body }).strict();
export const SubscribeFrame = z.object({ type: z.literal("subscribe"), id: ClientId, topic: TopicSchema }).strict();
export const UnsubscribeFrame = z.object({ type: z.literal("unsubscribe"), id: ClientId, topic: TopicSchema }).strict();
export const PublishFrame = z
  .object({
    type: z.literal("publish"),
    id: ClientId,
    topic: TopicSchema,
    body: Body,
    ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
  })
  .strict();
/** Cumulative: everything up to and including `seq` was processed. */
export const AckFrame = z.object({ type: z.literal("ack"), seq: z.number().int().min(0) }).strict();

export const ClientFrameSchema = z.discriminatedUnion("type", [
  HelloFrame,
  SendFrame,
  BroadcastFrame,
  RequestFrame,
  ReplyFrame,
  SubscribeFrame,
  UnsubscribeFrame,
  PublishFrame,
  AckFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;
export type ClientFrameType = ClientFrame["type"];
export const CLIENT_FRAME_TYPES = ClientFrameSchema.options.map((o) => o.shape.type.value) as ClientFrameType[];

export const DeliveryKindSchema = z.enum(["direct", "broadcast", "request", "reply", "topic"]);
export type DeliveryKind = z.infer<typeof DeliveryKindSchema>;

export const WelcomeFrame = z.object({
  type: z.literal("welcome"),
  v: z.literal(PROTOCOL_VERSION),
  agentId: z.string(),
  teamId: z.string(),
  /** The cursor replay started from: every deliver that follows has a larger seq. */
  resumeFrom: z.number().int(),
  /** The team's latest seq when the agent joined. */
  head: z.number().int(),
});
export const AcceptedFrame = z.object({
  type: z.literal("accepted"),
  id: ClientId,
  seq: z.number().int(),
  /** A held message delivered after its approval (docs/governance.md#approvals). */
  approvalId: z.string().optional(),
});
export const DeliverFrame = z.object({
  type: z.literal("deliver"),
  seq: z.number().int(),
  from: z.string(),
  kind: DeliveryKindSchema,
  body: z.unknown(),
  /**
   * The sender's client id — except for `kind: "request"`, where it is the relay's id of the
   * request (`req-<seq>`), unique in the team: what the reply's `inReplyTo` must name.
   */
  id: z.string(),
  topic: z.string().optional(),
  /** `kind: "reply"`: the client id the requester gave its request (what its `accepted` echoed). */
  inReplyTo: z.string().optional(),
  /** `kind: "reply"`: the seq of the request this reply answers. */
  requestSeq: z.number().int().optional(),
  /** Observer feed only: the recipients. */
  to: z.array(z.string()).optional(),
});
export const PresenceFrame = z.object({ type: z.literal("presence"), agentId: z.string(), status: z.enum(["joined", "left"]) });
export const DeniedFrame = z.object({
  type: z.literal("denied"),
  id: z.string(),
  reason: z.string(),
  code: z.string(),
  /** Observer feed only: who was denied, ... */
  from: z.string().optional(),
  /** ... what they tried (the delivery kind; absent for subscriptions) ... */
  kind: DeliveryKindSchema.optional(),
  /** ... to whom (direct sends and requests) or on which topic (publish, subscribe) ... */
  to: z.array(z.string()).optional(),
  topic: z.string().optional(),
  /** ... and when the relay decided (ms since the epoch). */
  at: z.number().int().optional(),
  /** A held message refused after all: the approval that was denied or expired. */
  approvalId: z.string().optional(),
});
export const ErrorFrame = z.object({ type: z.literal("error"), id: z.string().nullable(), code: z.string(), message: z.string() });
/**
 * A send or request held for a person's approval (docs/governance.md#approvals): not delivered yet.
 * Later, on the same connection (or the agent's next one, if it is online then): `accepted` with the
 * same `id` and `approvalId` once approved and delivered, or `denied` with `approvalId` and code
 * `approval_denied` / `approval_expired`. `GET /v1/agent/approvals/{approvalId}` answers meanwhile.
 */
export const HeldFrame = z.object({
  type: z.literal("held"),
  id: z.string(),
  approvalId: z.string(),
  /** Why: a guardrail finding, or the supervised pair. */
  reason: z.string(),
  code: z.enum(["guardrail_approval", "supervised_pair"]),
  /** When the approval expires if no one decides (ms since the epoch). */
  expiresAt: z.number().int(),
});
export const TimeoutFrame = z.object({ type: z.literal("timeout"), id: z.string() });

export const ServerFrameSchema = z.discriminatedUnion("type", [
  WelcomeFrame,
  AcceptedFrame,
  DeliverFrame,
  PresenceFrame,
  DeniedFrame,
  ErrorFrame,
  TimeoutFrame,
  HeldFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;

export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id: string | null; code: "frame_too_large" | "invalid_frame"; message: string };

/**
 * Parses one inbound message. Never throws: every failure names the frame's `id` when one could
 * be read, so the client can match the error to what it sent.
 */
export function parseClientFrame(data: string | ArrayBuffer): ParseResult {
  const size = typeof data === "string" ? utf8Length(data) : data.byteLength;
  if (size > MAX_FRAME_BYTES)
    return {
      ok: false,
      id: null,
      code: "frame_too_large",
      message: `Frames are limited to ${MAX_FRAME_BYTES} bytes; this one has ${size}.`,
    };
  if (typeof data !== "string")
    return { ok: false, id: null, code: "invalid_frame", message: "Frames are JSON text messages, not binary." };
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return { ok: false, id: null, code: "invalid_frame", message: "The frame is not valid JSON." };
  }
  const id =
    raw !== null && typeof raw === "object" && typeof (raw as { id?: unknown }).id === "string"
      ? (raw as { id: string }).id.slice(0, 128)
      : null;
  const type = raw !== null && typeof raw === "object" ? (raw as { type?: unknown }).type : undefined;
  if (typeof type !== "string" || !(CLIENT_FRAME_TYPES as string[]).includes(type)) {
    return {
      ok: false,
      id,
      code: "invalid_frame",
      message: `Unknown frame type ${JSON.stringify(type ?? null)}; expected one of ${CLIENT_FRAME_TYPES.join(", ")}.`,
    };
  }
  const parsed = ClientFrameSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(frame)"}: ${i.message}`).join("; ");
    return { ok: false, id, code: "invalid_frame", message: `Invalid ${type} frame: ${issues}` };
  }
  return { ok: true, frame: parsed.data };
}

function utf8Length(s: string): number {
  // Cheap upper bound first: most frames are far below the limit.
  if (s.length * 3 <= MAX_FRAME_BYTES) return s.length;
  return new TextEncoder().encode(s).byteLength;
}
