/** What handlers receive, and the events a client emits. Shapes come from the shared frame schemas. */
import type { RelayDeniedError, SwitchboardError } from "./errors";
import type { Accepted } from "./outbox";
import type { DeliverFrame, DeniedFrame, MessageBody, PresenceFrame, WelcomeFrame } from "./protocol";

/** A delivered message: the relay's `deliver` frame plus `ack()`. */
export type IncomingMessage = Omit<DeliverFrame, "type" | "to"> & {
  /** The raw frame, as validated. */
  readonly frame: DeliverFrame;
  /** Acknowledge this message (and, acks being cumulative, every earlier one). Only needed with `autoAck: false`. */
  ack(): void;
};

export interface ReplyOptions {
  /** Idempotency key of the reply; generated when absent. */
  clientId?: string;
}

/** A `deliver` of kind `request`: answer it with `reply()` (or by returning a value from the handler). */
export type IncomingRequest = IncomingMessage & {
  kind: "request";
  /** Sends the reply; resolves on `accepted`. Rejects with `RelayDeniedError` (`request_timeout`) if the request already timed out. */
  reply(body: MessageBody, options?: ReplyOptions): Promise<Accepted>;
  /** Whether `reply()` was called. */
  readonly replied: boolean;
};

export interface AgentEvents extends Record<string, unknown> {
  /** A direct, broadcast or topic message (and a reply no pending `request()` is waiting for). */
  message: IncomingMessage;
  /** A request addressed to this agent. */
  request: IncomingRequest;
  presence: PresenceFrame;
  /** The relay refused one of this agent's frames (the frame's promise rejects too). */
  denied: { frame: DeniedFrame; error: RelayDeniedError };
  /** An `error` frame, an invalid frame from the relay, a handler that threw, a failed token refresh. */
  error: SwitchboardError;
  /** `welcome` received; replay of missed messages follows. `resumed` is false on the first connection. */
  connected: { welcome: WelcomeFrame; resumed: boolean };
  disconnected: { code: number; reason: string; willReconnect: boolean; error?: SwitchboardError };
  /** A new connection will be attempted after `delayMs`. `reason`: `token_refresh`, `token_invalid`, `heartbeat_timeout`, `closed`, `connect_failed`, … */
  reconnecting: { attempt: number; delayMs: number; reason: string };
}
