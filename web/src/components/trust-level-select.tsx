import { forwardRef, type SelectHTMLAttributes } from "react";
import { TRUST_LEVEL_VALUES } from "@shared/trust-levels";
import { trustInfo } from "@/lib/agent-form";
import { Select } from "./ui";

/** What a trust level allows, for a field hint under the select. */
export function trustHint(level: string | number | undefined): string {
  if (level === undefined || level === "") return "What the agent may do without a human.";
  return trustInfo(Number(level)).description;
}

/** Trust levels 0–4 from the one table; `defaultOption` adds "use the tenant's default" as the empty value. */
export const TrustLevelSelect = forwardRef<HTMLSelectElement, SelectHTMLAttributes<HTMLSelectElement> & { defaultOption?: string }>(
  function TrustLevelSelect({ defaultOption, ...rest }, ref) {
    return (
      <Select ref={ref} {...rest}>
        {defaultOption && <option value="">{defaultOption}</option>}
        {TRUST_LEVEL_VALUES.map((l) => (
          <option key={l} value={String(l)}>
            {l} · {trustInfo(l).label}
          </option>
        ))}
      </Select>
    );
  },
);
