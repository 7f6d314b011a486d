/**
 * @switchboard/sdk — a TypeScript client for Switchboard agents. Guide: sdk/README.md.
 *
 * The package's whole public surface (its `exports` map has only this entry): 22 runtime names
 * and the types their signatures use. Internals — backoff arithmetic, the outbox and inbox, the
 * zod frame schemas — stay private so they can change without a major version; the wire contract
 * itself is docs/protocol.md.
 */
// The relay client (1)
export { SwitchboardAgent, type SwitchboardAgentOptions, type SendOptions, type RequestOptions, type ConnectionState } from "./client";
export type { AgentEvents, IncomingMessage, IncomingRequest, ReplyOptions } from "./messages";
export type { Accepted } from "./outbox";
export type { MessageBody, ServerFrame, ClientFrame, DeliverFrame, WelcomeFrame, DeliveryKind } from "./protocol";
// Tokens (2): one exchange, or a renewing source shared by several clients
export { exchangeAgentToken, TokenSource, type AgentCredentials, type AgentToken } from "./token";
// Transports (4): how the socket is opened, per runtime
export {
  nodeGlobalTransport,
  subprotocolTransport,
  workersFetchTransport,
  wsPackageTransport,
  type OpenSocket,
  type OpenSocketInit,
  type SocketLike,
  type WsConstructor,
} from "./transport";
// Errors (7)
export {
  ClientClosedError,
  ConnectionClosedError,
  RelayDeniedError,
  RelayFrameError,
  RequestTimeoutError,
  SwitchboardError,
  TokenExchangeError,
} from "./errors";
// Coordination over HTTP (2)
export { CoordinationClient, CoordinationError, type CoordinationClientOptions } from "./coordination";
export type * from "./coordination-types";
// Outbound HTTP through the egress proxy (4)
export {
  createEgressClient,
  createEgressFetch,
  egressOutcome,
  EgressRefusedError,
  type EgressOptions,
  type EgressOutcome,
  type EnvelopeRequest,
  type EgressEnvelopeResponse,
} from "./egress";
// Skills' tools, run by Switchboard in a sandbox (2)
export {
  SkillError,
  SkillsClient,
  type JsonSchema,
  type SkillInvocation,
  type SkillsClientOptions,
  type SkillTool,
  type SkillToolResult,
} from "./skills";
