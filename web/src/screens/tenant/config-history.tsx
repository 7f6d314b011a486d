import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { trustLevelInfo } from "@shared/trust-levels";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import {
  ActionsTh,
  Badge,
  Button,
  CardSection,
  ConfirmDialog,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  Table,
  TBody,
  Td,
  Th,
  THead,
  Tr,
} from "@/components/ui";
import { api } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { configVersionsQuery, membersQuery, tenantPath } from "@/lib/queries";
import type { Tenant, TenantConfigVersion } from "@/lib/types";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";

/** The versioned fields, each with how to show its value. */
const FIELDS: Array<{ key: string; label: string; get: (v: { name: string; config: Tenant["config"] }) => string }> = [
  { key: "name", label: "Tenant name", get: (v) => v.name },
  { key: "requireMfa", label: "Require MFA", get: (v) => (v.config.requireMfa ? "Yes" : "No") },
  {
    key: "defaultTrustLevel",
    label: "Default trust level",
    get: (v) => `${v.config.defaultTrustLevel} · ${trustLevelInfo(v.config.defaultTrustLevel)?.label ?? ""}`,
  },
];

export function diffWithCurrent(version: TenantConfigVersion, current: Tenant) {
  return FIELDS.map((f) => ({ ...f, then: f.get(version), now: f.get(current), changed: f.get(version) !== f.get(current) }));
}

export function ConfigHistory({ tenant }: { tenant: Tenant }) {
  const { tenantId, can } = useTenant();
  const versions = useQuery(configVersionsQuery(tenantId));
  const members = useQuery(membersQuery(tenantId));
  const invalidate = useInvalidateTenant();
  const [comparing, setComparing] = useState<TenantConfigVersion | null>(null);
  const who = new Map((members.data ?? []).map((m) => [m.userId, m.name]));

  return (
    <CardSection
      title="Version history"
      description="Newest first. Compare any version with the current settings, or roll back to it (which saves it as a new version)."
    >
      <QueryState query={versions} loadingLabel="Loading versions…" empty={{ title: "No versions yet" }}>
        {(list) => (
          <Table caption="Config versions">
            <THead>
              <Tr>
                <Th>Version</Th>
                <Th>Change</Th>
                <Th>By</Th>
                <Th>When</Th>
                <ActionsTh />
              </Tr>
            </THead>
            <TBody>
              {list.map((v) => {
                const current = v.version === tenant.configVersion;
                return (
                  <Tr key={v.version}>
                    <Td className="whitespace-nowrap font-medium">
                      v{v.version} {current && <Badge tone="success">Current</Badge>}
                    </Td>
                    <Td className="text-zinc-700">
                      {v.reason === "update" ? "Settings changed" : v.reason.charAt(0).toUpperCase() + v.reason.slice(1)}
                    </Td>
                    <Td className="text-zinc-700">{v.createdBy ? (who.get(v.createdBy) ?? "A former member") : "API key"}</Td>
                    <Td className="whitespace-nowrap text-zinc-700">{formatDateTime(v.createdAt)}</Td>
                    <Td className="text-right whitespace-nowrap">
                      {!current && (
                        <div className="flex justify-end gap-1">
                          <Button
                            variant="ghost"
                            size="sm"
                            onClick={() => setComparing(v)}
                            aria-label={`Compare version ${v.version} with current`}
                          >
                            Compare
                          </Button>
                          {can("tenant:update") && (
                            <ConfirmDialog
                              trigger={
                                <Button variant="ghost" size="sm" aria-label={`Roll back to version ${v.version}`}>
                                  Roll back
                                </Button>
                              }
                              title={`Roll back to version ${v.version}?`}
                              description={`The settings of version ${v.version} become the current settings, saved as version ${tenant.configVersion + 1}. History is kept.`}
                              confirmLabel="Roll back"
                              onConfirm={async () => {
                                await api.post(`${tenantPath(tenantId)}/config/versions/${v.version}/rollback`);
                                await invalidate();
                              }}
                            >
                              <DiffTable version={v} current={tenant} />
                            </ConfirmDialog>
                          )}
                        </div>
                      )}
                    </Td>
                  </Tr>
                );
              })}
            </TBody>
          </Table>
        )}
      </QueryState>
      <Dialog open={comparing !== null} onOpenChange={(o) => !o && setComparing(null)}>
        <DialogContent
          title={comparing ? `Version ${comparing.version} compared with current (v${tenant.configVersion})` : "Compare"}
          className="max-w-2xl"
        >
          {comparing && <DiffTable version={comparing} current={tenant} />}
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary">Close</Button>
            </DialogClose>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </CardSection>
  );
}

function DiffTable({ version, current }: { version: TenantConfigVersion; current: Tenant }) {
  const rows = diffWithCurrent(version, current);
  const changed = rows.filter((r) => r.changed).length;
  return (
    <div className="space-y-2">
      <p className="text-sm text-zinc-700">
        {changed === 0
          ? "No differences: this version has the same settings as the current one."
          : `${changed} ${changed === 1 ? "setting differs" : "settings differ"}.`}
      </p>
      <Table caption="Differences">
        <THead>
          <Tr>
            <Th>Setting</Th>
            <Th>Version {version.version}</Th>
            <Th>Current</Th>
          </Tr>
        </THead>
        <TBody>
          {rows.map((r) => (
            <Tr key={r.key} className={r.changed ? "bg-amber-50" : undefined}>
              <Td className="font-medium">
                {r.label} {r.changed && <Badge tone="warning">Changed</Badge>}
              </Td>
              <Td>{r.then}</Td>
              <Td>{r.now}</Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
