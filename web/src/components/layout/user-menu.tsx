import * as Dropdown from "@radix-ui/react-dropdown-menu";
import { useMutation } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { LogOut, ShieldCheck, UserRound, Wrench } from "lucide-react";
import type { User } from "@/lib/types";
import { logout } from "@/lib/session";
import { menuContent, menuItem, menuSeparator } from "./menu-styles";

export function UserMenu({ user }: { user: User }) {
  const navigate = useNavigate();
  const signOut = useMutation({ mutationFn: logout, onSuccess: () => navigate({ to: "/login" }) });
  return (
    <Dropdown.Root modal={false}>
      <Dropdown.Trigger className="inline-flex h-9 items-center gap-2 rounded-md px-2 text-sm font-medium text-zinc-800 hover:bg-zinc-100">
        <span
          aria-hidden="true"
          className="flex size-7 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-800"
        >
          {initials(user.name)}
        </span>
        <span className="sr-only">Account menu: </span>
        <span className="max-w-40 truncate max-sm:sr-only">{user.name}</span>
      </Dropdown.Trigger>
      <Dropdown.Portal>
        <Dropdown.Content align="end" sideOffset={6} className={menuContent}>
          <div className="px-2 py-1.5">
            <p className="flex items-center gap-1.5 text-sm font-medium text-zinc-900">
              <UserRound className="size-4" aria-hidden="true" />
              {user.name}
            </p>
            <p className="truncate text-xs text-zinc-600">{user.email}</p>
          </div>
          <Dropdown.Separator className={menuSeparator} />
          <Dropdown.Item className={menuItem} onSelect={() => navigate({ to: "/account/security" })}>
            <ShieldCheck className="size-4" aria-hidden="true" />
            Account security
          </Dropdown.Item>
          {user.isOperator && (
            <Dropdown.Item className={menuItem} onSelect={() => navigate({ to: "/operator" })}>
              <Wrench className="size-4" aria-hidden="true" />
              Operator console
            </Dropdown.Item>
          )}
          <Dropdown.Separator className={menuSeparator} />
          <Dropdown.Item className={menuItem} onSelect={() => signOut.mutate()}>
            <LogOut className="size-4" aria-hidden="true" />
            Log out
          </Dropdown.Item>
        </Dropdown.Content>
      </Dropdown.Portal>
    </Dropdown.Root>
  );
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/);
  return ((parts[0]?.[0] ?? "") + (parts.length > 1 ? (parts.at(-1)?.[0] ?? "") : "")).toUpperCase() || "?";
}
