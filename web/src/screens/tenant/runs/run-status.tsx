import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { Run } from "./runs-api";

const TONE: Record<Run["status"], BadgeTone> = {
  running: "info",
  succeeded: "success",
  failed: "danger",
  timed_out: "warning",
  budget_exceeded: "warning",
  denied: "neutral",
};

export function RunStatusBadge({ status }: { status: Run["status"] }) {
  return <Badge tone={TONE[status]}>{status.replace("_", " ")}</Badge>;
}

export const formatMs = (ms: number | null) => (ms === null ? "—" : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
