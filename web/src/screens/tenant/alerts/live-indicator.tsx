import { cn } from "@/lib/cn";
import { useNow } from "@/lib/use-now";
import type { LiveStatus } from "@/lib/live-socket";

/** Says whether the inbox is receiving alerts as they fire, and when it will try again if not. */
export function LiveIndicator({ live, liveText = "Live: new alerts appear here as they fire" }: { live: LiveStatus; liveText?: string }) {
  const now = useNow(live.state === "reconnecting");
  const { dot, text, countdown }: { dot: string; text: string; countdown?: string } =
    live.state === "live"
      ? { dot: "bg-green-500", text: liveText }
      : live.state === "connecting"
        ? { dot: "bg-zinc-400", text: live.attempt === 0 ? "Connecting to live updates…" : "Live updates interrupted; reconnecting…" }
        : live.state === "reconnecting"
          ? {
              dot: "bg-amber-500",
              text: "Live updates interrupted; reconnecting",
              countdown: ` in ${Math.max(0, Math.ceil((live.retryAt - now) / 1000))} s`,
            }
          : { dot: "bg-red-500", text: `Live updates stopped: ${live.message}` };
  return (
    <p
      role="status"
      data-testid="live-indicator"
      data-state={live.state}
      className="inline-flex items-center gap-2 rounded-full bg-white px-3 py-1 text-xs font-medium text-zinc-700 ring-1 ring-zinc-200"
    >
      <span className={cn("size-2 rounded-full", dot, live.state === "live" && "motion-safe:animate-pulse")} aria-hidden="true" />
      <span>
        {text}
        {/* The countdown ticks every second: shown, not announced. */}
        {countdown && <span aria-hidden="true">{countdown}</span>}
      </span>
    </p>
  );
}
