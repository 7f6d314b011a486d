import { Link } from "@tanstack/react-router";

export function Logo({ to = "/" }: { to?: "/" | "/login" }) {
  return (
    <Link to={to} className="flex items-center gap-2 rounded-md font-semibold text-zinc-900">
      <svg viewBox="0 0 32 32" className="size-7" aria-hidden="true">
        <rect width="32" height="32" rx="7" fill="#4338ca" />
        <path d="M9 11h14M9 16h9M9 21h14" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" />
      </svg>
      <span>Switchboard</span>
    </Link>
  );
}
