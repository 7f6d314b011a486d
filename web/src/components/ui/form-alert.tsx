import type { FieldErrors } from "react-hook-form";
import { Alert } from "./alert";

/** The form-level error set by `applyApiError` (errors.root.server). */
export function FormAlert({ errors }: { errors: FieldErrors }) {
  const message = errors.root?.server?.message;
  if (!message) return null;
  return <Alert tone="danger">{message}</Alert>;
}
