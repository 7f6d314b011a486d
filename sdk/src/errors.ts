/**
 * What can go wrong, as classes a caller can tell apart with `instanceof` (and `code`, which is
 * the relay's / API's error code from docs/errors.md where there is one).
 */
import type { DeniedFrame, ErrorFrame } from "./protocol";

export class SwitchboardError extends Error {
  constructor(
    message: string,
    /** The relay's or API's code (`not_allowed`, `invalid_credentials`, …) or the SDK's own. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The relay refused a frame by policy (`denied`): allowlist, trust level, queue cap, late reply. */
export class RelayDeniedError extends SwitchboardError {
  /** The client id of the refused frame. */
  readonly frameId: string;
  readonly reason: string;
  constructor(readonly frame: DeniedFrame) {
    super(`Denied (${frame.code}): ${frame.reason}`, frame.code);
    this.frameId = frame.id;
    this.reason = frame.reason;
  }
}

/** The relay could not process a frame (`error`). `retryable` frames may be sent again with the same client id. */
export class RelayFrameError extends SwitchboardError {
  readonly frameId: string | null;
  /** `rate_limited` and `internal_error`: sending the same frame again (same id) later may succeed. */
  readonly retryable: boolean;
  constructor(readonly frame: ErrorFrame) {
    super(`Relay error (${frame.code}): ${frame.message}`, frame.code);
    this.frameId = frame.id;
    this.retryable = frame.code === "rate_limited" || frame.code === "internal_error";
  }
}

/** No reply to a request in time. `source: "relay"` is the relay's `timeout` frame; `"client"` is the SDK's own timer. */
export class RequestTimeoutError extends SwitchboardError {
  constructor(
    readonly requestId: string,
    readonly source: "relay" | "client",
    timeoutMs: number,
  ) {
    super(
      `No reply to request ${requestId} within ${timeoutMs} ms (${source === "relay" ? "the relay's timeout" : "the client's timer"}).`,
      "request_timeout",
    );
  }
}

/** `POST /v1/agent-tokens` refused or failed. `fatal` errors will not go away by retrying (wrong secret, suspended, not in the team). */
export class TokenExchangeError extends SwitchboardError {
  constructor(
    message: string,
    code: string,
    /** HTTP status, or 0 when the API could not be reached. */
    readonly status: number,
    /** From `Retry-After` on 429. */
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
  }
  get fatal(): boolean {
    return this.status === 400 || this.status === 401 || this.status === 403;
  }
}

/** The connection ended for good: the agent was suspended (4003), lost its identity (4001 twice), or the protocol version is refused (4400). */
export class ConnectionClosedError extends SwitchboardError {
  constructor(
    message: string,
    code: string,
    readonly closeCode: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
  }
}

/** The client was closed (`close()`) before the operation completed. */
export class ClientClosedError extends SwitchboardError {
  constructor() {
    super("The Switchboard client was closed.", "client_closed");
  }
}
