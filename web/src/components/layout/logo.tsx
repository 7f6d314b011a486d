import { Link } from "@tanstack/react-router";

/** `compact`: the name is read out but not shown on phone widths (the app header needs the room). */
export function Logo({ to = "/", compact = false }: { to?: "/" | "/login"; compact?: boolean }) {
  return (
    <Link to={to} className="flex items-center gap-2 rounded-md font-semibold text-zinc-900">
      <svg viewBox="0 0 32 32" className="size-7" aria-hidden="true">
        <rect width="32" height="32" rx="7" fill="#4338ca" />
        <path d="M9 11h14M9 16h9M9 21h14" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" />
      </svg>
      <span className={compact ? "max-sm:sr-only" : undefined}>Switchboard</span>
    </Link>
  );
}
