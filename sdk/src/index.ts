/** @switchboard/sdk — a TypeScript client for Switchboard agents. Guide: sdk/README.md. */
export { SwitchboardAgent, type SwitchboardAgentOptions, type SendOptions, type RequestOptions, type ConnectionState } from "./client";
export type { MessageBody } from "./protocol";
export type { AgentEvents, IncomingMessage, IncomingRequest, ReplyOptions } from "./messages";
export type { Accepted } from "./outbox";
export { exchangeAgentToken, TokenSource, type AgentCredentials, type AgentToken } from "./token";
export { Backoff, backoffCeiling, backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff";
export { defaultTransport, nodeGlobalTransport, relayUrl, subprotocolTransport, workersFetchTransport, wsPackageTransport, type OpenSocket, type OpenSocketInit, type SocketLike, type WsConstructor } from "./transport";
export { ClientClosedError, ConnectionClosedError, RelayDeniedError, RelayFrameError, RequestTimeoutError, SwitchboardError, TokenExchangeError } from "./errors";
export { newClientId } from "./ids";
export * from "./protocol";
export { CoordinationClient, CoordinationError, type CoordinationClientOptions } from "./coordination";
export type * from "./coordination-types";
export { createEgressClient, createEgressFetch, egressOutcome, EgressRefusedError, forwardUrl, type EgressOptions, type EgressOutcome, type EnvelopeRequest } from "./egress";
