import { AlertOctagon, AlertTriangle, Ban, Check, Info, X } from "lucide-react";
import { Badge, type BadgeTone } from "@/components/ui";
import type { LedgerEntry } from "./audit-api";

type Severity = LedgerEntry["severity"];
type Outcome = LedgerEntry["outcome"];

const SEVERITY: Record<Severity, { tone: BadgeTone; label: string; Icon: typeof Info }> = {
  info: { tone: "neutral", label: "Info", Icon: Info },
  warning: { tone: "warning", label: "Warning", Icon: AlertTriangle },
  critical: { tone: "danger", label: "Critical", Icon: AlertOctagon },
};

/** Severity with an icon as well as a colour (colour alone says nothing to some people). */
export function SeverityBadge({ severity }: { severity: Severity }) {
  const { tone, label, Icon } = SEVERITY[severity];
  return (
    <Badge tone={tone}>
      <Icon className="size-3" aria-hidden="true" />
      {label}
    </Badge>
  );
}

const OUTCOME: Record<Outcome, { tone: BadgeTone; label: string; Icon: typeof Info }> = {
  success: { tone: "success", label: "Success", Icon: Check },
  failure: { tone: "danger", label: "Failure", Icon: X },
  denied: { tone: "warning", label: "Denied", Icon: Ban },
};

export function OutcomeBadge({ outcome }: { outcome: Outcome }) {
  const { tone, label, Icon } = OUTCOME[outcome];
  return (
    <Badge tone={tone}>
      <Icon className="size-3" aria-hidden="true" />
      {label}
    </Badge>
  );
}

export const severityLabel = (s: Severity) => SEVERITY[s].label;
export const outcomeLabel = (o: Outcome) => OUTCOME[o].label;

const ACTOR_LABELS: Record<LedgerEntry["actor"]["type"], string> = {
  user: "Person",
  api_key: "API key",
  agent: "Agent",
  system: "System",
  anonymous: "Anonymous",
};
export const actorTypeLabel = (t: LedgerEntry["actor"]["type"]) => ACTOR_LABELS[t];

/** "Ada Owner" (recorded with the event, or the name the id has now), else the id, else the actor type ("System"). */
export function actorDisplay(actor: LedgerEntry["actor"], names: ReadonlyMap<string, string> = new Map()): string {
  return actor.name ?? (actor.id ? names.get(actor.id) : undefined) ?? actor.id ?? ACTOR_LABELS[actor.type];
}

/** The target's name: as recorded with the event (`details.name`, e.g. the agent's name then), else the name its id has now. */
export function targetName(entry: LedgerEntry, names: ReadonlyMap<string, string> = new Map()): string | undefined {
  if (!entry.target) return undefined;
  const name = entry.details.name;
  if (typeof name === "string" && name !== "") return name;
  return names.get(entry.target.id);
}

/** "a1b2c3d4…e5f6": enough of a hash to recognise it; the full value is one click away. */
export function shortHash(hash: string): string {
  return hash.length > 16 ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : hash;
}
