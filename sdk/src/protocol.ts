/**
 * The wire types the SDK speaks, taken from the relay's own zod schemas
 * (@switchboard/protocol, packages/protocol) so the two can never drift. Nothing here redefines a frame.
 */
import type { z } from "zod";
import {
  AcceptedFrame,
  DeliverFrame,
  DeniedFrame,
  ErrorFrame,
  PresenceFrame,
  ServerFrameSchema,
  TimeoutFrame,
  WelcomeFrame,
} from "@switchboard/protocol/relay";
import type { ClientFrame, DeliveryKind, ServerFrame } from "@switchboard/protocol/relay";

export {
  CLOSE_CODES,
  DEFAULT_TTL_SECONDS,
  HEARTBEAT,
  MAX_FRAME_BYTES,
  MAX_REQUEST_TIMEOUT_MS,
  MAX_TTL_SECONDS,
  MIN_REQUEST_TIMEOUT_MS,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  BEARER_PROTOCOL_PREFIX,
  ClientFrameSchema,
  ServerFrameSchema,
  TopicSchema,
} from "@switchboard/protocol/relay";
export type { ClientFrame, ServerFrame, DeliveryKind };

export type WelcomeFrame = z.infer<typeof WelcomeFrame>;
export type AcceptedFrame = z.infer<typeof AcceptedFrame>;
export type DeliverFrame = z.infer<typeof DeliverFrame>;
export type PresenceFrame = z.infer<typeof PresenceFrame>;
export type DeniedFrame = z.infer<typeof DeniedFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type TimeoutFrame = z.infer<typeof TimeoutFrame>;

/** A message body: any JSON value. */
export type MessageBody = Extract<ClientFrame, { type: "send" }>["body"];

/** Client frames that carry an `id` and are answered by `accepted` (everything but hello and ack). */
export type AnsweredClientFrame = Exclude<ClientFrame, { type: "hello" } | { type: "ack" }>;

const KNOWN_SERVER_TYPES = new Set<string>(ServerFrameSchema.options.map((o) => o.shape.type.value));

export type IncomingFrame =
  | { kind: "frame"; frame: ServerFrame }
  /** A frame type this SDK does not know: the protocol lets the relay add them, so it is ignored. */
  | { kind: "unknown"; type: string }
  | { kind: "invalid"; message: string };

/** Validates one text message from the relay against the shared schemas. Never throws. */
export function parseServerFrame(text: string): IncomingFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: "invalid", message: "The relay sent a message that is not JSON." };
  }
  const type = raw !== null && typeof raw === "object" ? (raw as { type?: unknown }).type : undefined;
  if (typeof type !== "string") return { kind: "invalid", message: "The relay sent a frame without a type." };
  if (!KNOWN_SERVER_TYPES.has(type)) return { kind: "unknown", type };
  const parsed = ServerFrameSchema.safeParse(raw);
  if (!parsed.success)
    return {
      kind: "invalid",
      message: `Invalid ${type} frame from the relay: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(frame)"}: ${i.message}`).join("; ")}`,
    };
  return { kind: "frame", frame: parsed.data };
}
