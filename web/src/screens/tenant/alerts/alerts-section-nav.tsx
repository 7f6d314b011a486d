import { Link } from "@tanstack/react-router";
import { Bell, SlidersHorizontal } from "lucide-react";
import { useTenant } from "@/components/layout/tenant-context";

const linkClass =
  "-mb-px inline-flex items-center gap-1.5 border-b-2 border-transparent px-3 py-2 text-sm font-medium text-zinc-600 hover:text-zinc-900 data-[status=active]:border-indigo-600 data-[status=active]:text-indigo-700";

/** Alerts has two pages: the inbox (what fired) and the rules and webhooks (what fires, and where it goes). */
export function AlertsSectionNav() {
  const { tenantId } = useTenant();
  return (
    <nav aria-label="Alerts sections" className="mb-6 border-b border-zinc-200">
      <ul className="flex flex-wrap gap-1">
        <li>
          <Link to="/t/$tenantId/alerts" params={{ tenantId }} activeOptions={{ exact: true, includeSearch: false }} className={linkClass}>
            <Bell className="size-4" aria-hidden="true" /> Inbox
          </Link>
        </li>
        <li>
          <Link to="/t/$tenantId/alerts/rules" params={{ tenantId }} className={linkClass}>
            <SlidersHorizontal className="size-4" aria-hidden="true" /> Rules and webhooks
          </Link>
        </li>
      </ul>
    </nav>
  );
}
