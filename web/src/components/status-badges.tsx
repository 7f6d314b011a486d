import type { Role } from "@shared/auth/roles";
import { trustLevelInfo } from "@shared/trust-levels";
import { humanize } from "@/lib/format";
import type { Agent, ApiKey, Invite } from "@/lib/types";
import { Badge, type BadgeTone } from "./ui";

export function AgentStatusBadge({ status }: { status: Agent["status"] }) {
  return <Badge tone={status === "active" ? "success" : "warning"}>{status === "active" ? "Active" : "Suspended"}</Badge>;
}

const INVITE_TONES: Record<Invite["status"], BadgeTone> = { pending: "info", accepted: "success", revoked: "neutral", expired: "neutral" };
export function InviteStatusBadge({ status }: { status: Invite["status"] }) {
  return <Badge tone={INVITE_TONES[status]}>{humanize(status)}</Badge>;
}

const ROLE_TONES: Record<Role, BadgeTone> = { owner: "accent", admin: "info", member: "neutral", viewer: "neutral" };
export function RoleBadge({ role }: { role: Role }) {
  return <Badge tone={ROLE_TONES[role]}>{humanize(role)}</Badge>;
}

export function TrustBadge({ level }: { level: number }) {
  const info = trustLevelInfo(level);
  return (
    <Badge tone="neutral">
      {level} · {info?.label ?? "Unknown"}
    </Badge>
  );
}

export type ApiKeyState = "active" | "revoked" | "expired";
export function apiKeyState(key: ApiKey, now = Date.now()): ApiKeyState {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return "expired";
  return "active";
}
export function ApiKeyStateBadge({ state }: { state: ApiKeyState }) {
  return <Badge tone={state === "active" ? "success" : "neutral"}>{humanize(state)}</Badge>;
}
