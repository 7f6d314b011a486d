/**
 * The safe-mode banner on every tenant screen: the tenant (or a team) is held — agents are
 * disconnected and refused — with the reason, who and when. It stays on everywhere, the settings
 * screen included: an incident state must never be out of sight.
 */
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import type { SafeMode } from "@shared/schemas/safe-mode";
import { useTenant } from "@/components/layout/tenant-context";
import { Alert } from "@/components/ui";
import { safeModeQuery } from "./safe-mode-queries";

const who = (s: SafeMode) =>
  `${s.enteredBy ? `by ${s.enteredBy.name || s.enteredBy.email} ` : ""}at ${new Date(s.enteredAt).toLocaleString()}`;

export function SafeModeBanner() {
  const { tenantId, can } = useTenant();
  const status = useQuery(safeModeQuery(tenantId));
  const data = status.data;
  if (!data || (!data.tenant && data.teams.length === 0)) return null;
  return (
    <Alert
      tone="danger"
      className="mb-4"
      title={data.tenant ? "Safe mode: every agent of this tenant is stopped" : "Safe mode: some teams are stopped"}
      action={
        can("governance:safe_mode") ? (
          <Link to="/t/$tenantId/settings" params={{ tenantId }} hash="safe-mode" className="text-sm font-medium underline">
            Manage safe mode
          </Link>
        ) : undefined
      }
    >
      {data.tenant && (
        <p>
          “{data.tenant.reason}” — {who(data.tenant)}. Agents cannot connect, get tokens, call out or use tools.
        </p>
      )}
      {data.teams.map((t) => (
        <p key={t.teamId}>
          Team <span className="font-medium">{t.teamName ?? t.teamId}</span>: “{t.reason}” — {who(t)}.
        </p>
      ))}
    </Alert>
  );
}
