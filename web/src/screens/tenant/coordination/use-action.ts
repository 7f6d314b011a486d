/** Runs a change from a tab, refreshes the team's coordination queries, and keeps the error to show. */
import { useState } from "react";
import { describeError } from "@/lib/forms";

export function useAction(refresh: () => Promise<unknown>) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function run(fn: () => Promise<unknown>) {
    setError(null);
    setPending(true);
    try {
      await fn();
      await refresh();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setPending(false);
    }
  }
  return { error, pending, run };
}
