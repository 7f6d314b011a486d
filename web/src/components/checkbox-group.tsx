import type { ReactNode } from "react";
import { Checkbox } from "./ui";

export interface CheckboxOption {
  value: string;
  label: ReactNode;
  description?: ReactNode;
  disabled?: boolean;
}

/** Controlled checkboxes over a string array (react-hook-form's native handling turns a lone checkbox into a boolean). */
export function CheckboxGroup({
  name,
  options,
  value,
  onChange,
  columns = 2,
}: {
  name: string;
  options: CheckboxOption[];
  value: string[];
  onChange: (next: string[]) => void;
  columns?: 1 | 2 | 3;
}) {
  const cols = columns === 1 ? "" : columns === 2 ? "sm:grid-cols-2" : "sm:grid-cols-3";
  return (
    <div className={`grid gap-2 ${cols}`}>
      {options.map((o) => {
        const id = `${name}-${o.value}`;
        const checked = value.includes(o.value);
        return (
          <label
            key={o.value}
            htmlFor={id}
            className={`flex cursor-pointer items-start gap-3 rounded-md p-3 ring-1 ring-inset ${checked ? "bg-indigo-50 ring-indigo-300" : "bg-white ring-zinc-200 hover:bg-zinc-50"} ${o.disabled ? "cursor-not-allowed opacity-70" : ""}`}
          >
            <Checkbox
              id={id}
              name={name}
              value={o.value}
              checked={checked}
              disabled={o.disabled}
              className="mt-0.5"
              onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))}
            />
            <span className="min-w-0">
              <span className="block text-sm font-medium text-zinc-900">{o.label}</span>
              {o.description && <span className="block text-xs text-zinc-600">{o.description}</span>}
            </span>
          </label>
        );
      })}
    </div>
  );
}
