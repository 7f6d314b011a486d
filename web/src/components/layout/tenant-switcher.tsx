import * as Dropdown from "@radix-ui/react-dropdown-menu";
import { useNavigate } from "@tanstack/react-router";
import { Building2, Check, ChevronsUpDown, Plus } from "lucide-react";
import type { Membership } from "@/lib/types";
import { humanize } from "@/lib/format";
import { menuContent, menuItem, menuSeparator } from "./menu-styles";

/** Switches the tenant in the URL (/t/$tenantId/…); lists the person's memberships. */
export function TenantSwitcher({ memberships, currentTenantId }: { memberships: Membership[]; currentTenantId: string | undefined }) {
  const navigate = useNavigate();
  const current = memberships.find((m) => m.tenantId === currentTenantId);
  return (
    <Dropdown.Root modal={false}>
      <Dropdown.Trigger className="inline-flex h-9 max-w-64 min-w-0 items-center gap-2 rounded-md px-2.5 text-sm font-medium text-zinc-900 ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50">
        <Building2 className="size-4 shrink-0 text-zinc-600" aria-hidden="true" />
        <span className="truncate">
          {current ? (
            <>
              <span className="sr-only">Switch tenant, current: </span>
              {current.tenantName}
            </>
          ) : (
            "Choose a tenant"
          )}
        </span>
        <ChevronsUpDown className="size-4 shrink-0 text-zinc-600" aria-hidden="true" />
      </Dropdown.Trigger>
      <Dropdown.Portal>
        <Dropdown.Content align="start" sideOffset={6} className={menuContent}>
          <Dropdown.Label className="px-2 py-1.5 text-xs font-semibold text-zinc-600">Your tenants</Dropdown.Label>
          {memberships.length === 0 && <div className="px-2 py-1.5 text-sm text-zinc-600">You are not in any tenant yet.</div>}
          {memberships.map((m) => (
            <Dropdown.Item
              key={m.tenantId}
              className={menuItem}
              onSelect={() => navigate({ to: "/t/$tenantId/agents", params: { tenantId: m.tenantId } })}
            >
              <Check className={m.tenantId === currentTenantId ? "size-4" : "size-4 opacity-0"} aria-hidden="true" />
              <span className="flex-1 truncate">{m.tenantName}</span>
              <span className="text-xs text-zinc-600">{humanize(m.role)}</span>
            </Dropdown.Item>
          ))}
          <Dropdown.Separator className={menuSeparator} />
          <Dropdown.Item className={menuItem} onSelect={() => navigate({ to: "/tenants/new" })}>
            <Plus className="size-4" aria-hidden="true" />
            Create a tenant
          </Dropdown.Item>
        </Dropdown.Content>
      </Dropdown.Portal>
    </Dropdown.Root>
  );
}
