import { Outlet, useRouterState } from "@tanstack/react-router";
import { lastTenant } from "@/lib/last-tenant";
import { useQuery } from "@tanstack/react-query";
import { LoadingState } from "@/components/ui";
import { meQuery } from "@/lib/queries";
import type { Me } from "@/lib/types";
import { Logo } from "./logo";
import { SideNav } from "./side-nav";
import { TenantSwitcher } from "./tenant-switcher";
import { UserMenu } from "./user-menu";

/** Signed-in layout: header (tenant switcher, user menu), side nav, main. */
export function AppShell() {
  const { data } = useQuery(meQuery);
  // Signing out clears the cache before the router has left the app: show nothing of the old session.
  if (!data?.user) {
    return (
      <main id="main" className="mx-auto max-w-md px-4 py-20">
        <LoadingState />
      </main>
    );
  }
  return <SignedInShell me={data as Me & { user: NonNullable<Me["user"]> }} />;
}

function SignedInShell({ me }: { me: Me & { user: NonNullable<Me["user"]> } }) {
  // Only /t/$tenantId/… is "in a tenant" (the operator console has a tenantId param of its own).
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const tenantId = /^\/t\/([^/]+)/.exec(pathname)?.[1];
  // Outside /t/… (account, operator pages) keep showing the tenant the person last worked in.
  const remembered = lastTenant();
  const membership = me.memberships.find((m) => m.tenantId === (tenantId ?? remembered)) ?? (tenantId ? undefined : me.memberships[0]);
  const navTenant = membership ? { id: membership.tenantId, name: membership.tenantName, role: membership.role } : undefined;
  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only rounded-md bg-white px-3 py-2 text-sm font-medium focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-zinc-200 bg-white">
        <div className="mx-auto flex h-14 max-w-7xl items-center gap-3 px-4 sm:gap-4 sm:px-6">
          <Logo compact />
          <div aria-hidden="true" className="h-6 w-px bg-zinc-200" />
          <TenantSwitcher memberships={me.memberships} currentTenantId={membership?.tenantId} />
          <div className="ml-auto shrink-0">
            <UserMenu user={me.user} />
          </div>
        </div>
      </header>
      <div className="mx-auto flex max-w-7xl gap-8 px-4 py-6 sm:px-6">
        <aside className="hidden w-56 shrink-0 md:block">
          <div className="sticky top-20">
            <SideNav tenant={navTenant} isOperator={me.user.isOperator} />
          </div>
        </aside>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 focus:outline-none">
          <div className="mb-4 md:hidden">
            <details className="rounded-md bg-white ring-1 ring-zinc-200">
              <summary className="cursor-pointer px-3 py-2 text-sm font-medium">Menu</summary>
              <div className="p-2">
                <SideNav tenant={navTenant} isOperator={me.user.isOperator} />
              </div>
            </details>
          </div>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
