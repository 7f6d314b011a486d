/**
 * What a failed agent-token verification looks like on the wire: an HTTP error from the
 * catalogue, or a WebSocket close code for a live relay connection. One exhaustive mapping, so a
 * new failure reason cannot ship without deciding what clients see.
 */
import type { ErrorCode } from "../errors/catalogue";
import { safeModeDetails, safeModeMessage } from "../governance/safe-mode";
import { CLOSE_CODES, type CloseCode } from "../relay/protocol";
import type { AgentTokenError, AgentTokenFailure } from "./agent-token";

export interface WireError {
  code: ErrorCode;
  message: string;
  details: { reason: AgentTokenError | "agent_deleted"; scope?: "tenant" | "team"; teamId?: string };
}

const MESSAGES: Record<Exclude<AgentTokenError, "agent_inactive" | "safe_mode">, string> = {
  malformed: "The agent token is not a valid token.",
  bad_signature: "The agent token's signature is not valid.",
  unknown_kid: "The agent token was signed by a key that is unknown or has expired. Exchange the agent secret for a new token.",
  expired: "The agent token has expired. Exchange the agent secret for a new token.",
  not_yet_valid: "The agent token is not valid yet; check the agent's clock.",
  wrong_audience: "The agent token was issued for another audience.",
  wrong_issuer: "The agent token was not issued by Switchboard.",
  wrong_type: "The token is not an agent token.",
  wrong_tenant: "The agent token does not match its agent's tenant.",
  not_in_team: "The agent is no longer a member of the token's team.",
};

export function agentTokenWireError(failure: AgentTokenFailure): WireError {
  if (failure.error === "safe_mode")
    return {
      code: "safe_mode",
      message: safeModeMessage(failure.hold),
      details: { reason: "safe_mode", ...safeModeDetails(failure.hold) },
    };
  if (failure.error === "agent_inactive") {
    return failure.agentState === "suspended"
      ? {
          code: "agent_suspended",
          message: "The agent is suspended. An admin must resume it before it can get tokens or connect.",
          details: { reason: "agent_inactive" },
        }
      : { code: "unauthenticated", message: "The agent no longer exists.", details: { reason: "agent_deleted" } };
  }
  return { code: "unauthenticated", message: MESSAGES[failure.error], details: { reason: failure.error } };
}

/**
 * The close code a live relay connection gets for a failed identity (contract in
 * docs/agent-identity.md; the codes themselves live with the protocol, `CLOSE_CODES`).
 */
export function agentCloseFor(failure: AgentTokenFailure): CloseCode {
  if (failure.error === "safe_mode") return CLOSE_CODES.safeMode;
  return failure.error === "agent_inactive" && failure.agentState === "suspended" ? CLOSE_CODES.suspended : CLOSE_CODES.tokenInvalid;
}
