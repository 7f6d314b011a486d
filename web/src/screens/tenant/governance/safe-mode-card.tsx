/**
 * The kill switch (docs/governance.md "Kill switch and safe mode"): owners and admins put the
 * tenant in safe mode with a reason — confirmed, and with an MFA code when their account has MFA —
 * and lift it. Held teams are listed and can be lifted one by one.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import type { MfaStatus } from "@shared/schemas/mfa";
import { useTenant } from "@/components/layout/tenant-context";
import { Badge, Button, CardSection, ConfirmDialog, Input, Label } from "@/components/ui";
import { api } from "@/lib/api";
import { identityPaths } from "@/lib/identity-api";
import { enterSafeMode, liftSafeMode, safeModeKey, safeModeQuery } from "./safe-mode-queries";

function MfaField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const id = useId();
  return (
    <div className="mt-4 space-y-1.5">
      <Label htmlFor={id}>Authenticator code</Label>
      <Input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        inputMode="numeric"
        autoComplete="one-time-code"
        placeholder="123456 or a recovery code"
      />
      <p className="text-xs text-zinc-500">Your account has two-step verification: confirm it is you.</p>
    </div>
  );
}

export function SafeModeCard() {
  const { tenantId, can } = useTenant();
  const queryClient = useQueryClient();
  const status = useQuery(safeModeQuery(tenantId));
  const mfa = useQuery({ queryKey: ["me", "mfa"] as const, queryFn: () => api.get<MfaStatus>(identityPaths.mfaStatus) });
  const [reason, setReason] = useState("");
  const [code, setCode] = useState("");
  const reasonId = useId();
  if (!can("governance:safe_mode")) return null;
  const needsCode = mfa.data?.enabled ?? false;
  const mfaCode = needsCode ? { mfaCode: code.trim() } : {};
  const done = async () => {
    setCode("");
    setReason("");
    await queryClient.invalidateQueries({ queryKey: safeModeKey(tenantId) });
  };
  const held = status.data?.tenant ?? null;
  return (
    <CardSection title="Safe mode">
      <div id="safe-mode" className="space-y-4">
        <p className="text-sm text-zinc-600">
          The kill switch. Every agent's relay connection closes at once, new tokens are refused, egress is frozen and MCP tools and skills
          are refused until you lift it. Audited and alerted.
        </p>
        {held ? (
          <div className="flex flex-wrap items-center justify-between gap-3">
            <div>
              <Badge tone="danger">In safe mode</Badge>
              <p className="mt-1 text-sm text-zinc-700">“{held.reason}”</p>
            </div>
            <ConfirmDialog
              trigger={<Button variant="secondary">Lift safe mode</Button>}
              title="Lift safe mode?"
              description="Agents may get tokens, connect and call out again; connected SDKs reconnect by themselves."
              confirmLabel="Lift safe mode"
              tone="primary"
              onConfirm={async () => {
                await liftSafeMode(tenantId, mfaCode);
                await done();
              }}
            >
              {needsCode && <MfaField value={code} onChange={setCode} />}
            </ConfirmDialog>
          </div>
        ) : (
          <div className="flex flex-wrap items-end justify-between gap-3">
            <div className="min-w-72 flex-1 space-y-1.5">
              <Label htmlFor={reasonId}>Reason</Label>
              <Input
                id={reasonId}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                placeholder="e.g. leaked API key, investigating"
              />
            </div>
            <ConfirmDialog
              trigger={
                <Button variant="danger" disabled={reason.trim().length < 3}>
                  Enter safe mode
                </Button>
              }
              title="Stop every agent of this tenant?"
              description={`Reason: “${reason.trim()}”. Connections close now and nothing an agent does goes through until safe mode is lifted.`}
              confirmLabel="Enter safe mode"
              onConfirm={async () => {
                await enterSafeMode(tenantId, { reason: reason.trim(), ...mfaCode });
                await done();
              }}
            >
              {needsCode && <MfaField value={code} onChange={setCode} />}
            </ConfirmDialog>
          </div>
        )}
        {(status.data?.teams ?? []).map((t) => (
          <div key={t.teamId} className="flex flex-wrap items-center justify-between gap-3 border-t border-zinc-200 pt-3">
            <p className="text-sm text-zinc-700">
              Team <span className="font-medium">{t.teamName ?? t.teamId}</span> is in safe mode: “{t.reason}”
            </p>
            <ConfirmDialog
              trigger={<Button variant="secondary">Lift for this team</Button>}
              title={`Lift safe mode for ${t.teamName ?? "this team"}?`}
              description="Its agents may connect and call out again (unless the tenant is held)."
              confirmLabel="Lift"
              tone="primary"
              onConfirm={async () => {
                await liftSafeMode(tenantId, mfaCode, t.teamId ?? undefined);
                await done();
              }}
            >
              {needsCode && <MfaField value={code} onChange={setCode} />}
            </ConfirmDialog>
          </div>
        ))}
      </div>
    </CardSection>
  );
}
