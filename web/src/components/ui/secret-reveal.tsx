import { KeyRound } from "lucide-react";
import type { ReactNode } from "react";
import { Alert } from "./alert";
import { CopyButton } from "./copy-button";

/** A secret the API returns once: shown in full with a copy button and a clear warning. */
export function SecretReveal({ label, value, children }: { label: string; value: string; children?: ReactNode }) {
  return (
    <div className="space-y-3">
      <Alert tone="warning" title="Copy it now: you will not see this again">
        {children ?? "Only a hash is stored. If you lose it, you will have to create a new one."}
      </Alert>
      <div>
        <p className="mb-1.5 flex items-center gap-1.5 text-sm font-medium text-zinc-800">
          <KeyRound className="size-4" aria-hidden="true" />
          {label}
        </p>
        <div className="flex flex-wrap items-center gap-2">
          <code
            data-testid="secret-value"
            className="min-w-0 flex-1 rounded-md bg-zinc-900 px-3 py-2 font-mono text-sm break-all text-zinc-50 select-all"
          >
            {value}
          </code>
          <CopyButton value={value} label={`Copy ${sentenceCase(label)}`} />
        </div>
      </div>
    </div>
  );
}

/** "Agent secret" → "agent secret", but "API key" keeps its acronym. */
function sentenceCase(label: string): string {
  return label.replace(/^[A-Z][a-z]/, (first) => first.toLowerCase());
}
