import { cloneElement, isValidElement, useId, type ReactElement, type ReactNode } from "react";
import { Label } from "./label";

interface FieldProps {
  label: ReactNode;
  /** The control: an Input, Select or Textarea. It receives id, aria-describedby and aria-invalid. */
  children: ReactElement<Record<string, unknown>>;
  error?: string;
  hint?: ReactNode;
  id?: string;
  className?: string;
}

/** Label + control + hint + error, wired for assistive technology. */
export function Field({ label, children, error, hint, id, className }: FieldProps) {
  const auto = useId();
  const controlId = id ?? `f${auto}`;
  const hintId = hint ? `${controlId}-hint` : undefined;
  const errorId = error ? `${controlId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  const control = isValidElement(children)
    ? cloneElement(children, { id: controlId, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined })
    : children;
  return (
    <div className={className ?? "space-y-1.5"}>
      <Label htmlFor={controlId}>{label}</Label>
      {control}
      {hint && (
        <p id={hintId} className="text-xs text-zinc-600">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

/** A group of checkboxes or radios with a visible legend and one error for the group. */
export function FieldSet({ legend, children, error, hint }: { legend: ReactNode; children: ReactNode; error?: string; hint?: ReactNode }) {
  const id = useId();
  return (
    <fieldset className="space-y-2" aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}>
      <legend className="text-sm font-medium text-zinc-800">{legend}</legend>
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-zinc-600">
          {hint}
        </p>
      )}
      {children}
      {error && (
        <p id={`${id}-error`} className="text-sm text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}
