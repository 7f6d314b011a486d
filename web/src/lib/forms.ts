/**
 * Forms use the API's own zod schemas (workers/shared/schemas) for client-side validation, send
 * through a TanStack Query mutation (`useFormMutation`), and put the API's answer back on the
 * form: `validation_failed` issues land on the fields they name, anything else becomes the
 * form-level alert (`errors.root.server`, shown by <FormAlert>). zod's messages are the
 * dashboard's own (lib/error-map.ts).
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useForm, type DefaultValues, type FieldValues, type Path, type Resolver, type UseFormReturn } from "react-hook-form";
import type { z } from "zod";
import type { ErrorCode } from "@shared/errors/catalogue";
import { ApiError } from "./api";

/**
 * A resolver that validates what will be SENT: `toInput` turns the form's values (strings from
 * inputs, checkboxes…) into the API input, which the API's schema then checks. Issues keep their
 * API path, so name form fields after the API's fields and errors land in the right place.
 */
export function schemaResolver<Form extends FieldValues, S extends z.ZodType>(
  schema: S,
  toInput: (values: Form) => unknown = (v) => v,
): Resolver<Form, unknown, z.output<S>> {
  const inner = zodResolver(schema as never) as unknown as Resolver<FieldValues, unknown, z.output<S>>;
  return (values, context, options) => inner(toInput(values) as FieldValues, context, options as never) as never;
}

/** `useForm` with `schemaResolver`: `handleSubmit` hands over the parsed API input. */
export function useSchemaForm<Form extends FieldValues, S extends z.ZodType>(
  schema: S,
  options: { defaultValues: DefaultValues<Form>; toInput?: (values: Form) => unknown },
): UseFormReturn<Form, unknown, z.output<S>> {
  return useForm<Form, unknown, z.output<S>>({
    resolver: schemaResolver<Form, S>(schema, options.toInput),
    defaultValues: options.defaultValues,
  });
}

interface FormMutationOptions<Form extends FieldValues, Input, Result> {
  /** Sends the parsed API input. */
  mutationFn: (input: Input) => Promise<Result>;
  /** After the API said yes (invalidate, navigate, show the result). Awaited; if it throws, the error lands on the form. */
  onSuccess?: (result: Result, input: Input) => unknown;
  /** Error codes that belong to one field (see `applyApiError`). */
  codeFields?: CodeFieldMap<Form>;
  /** Handles an error itself when it returns true (e.g. an expired link gets its own page); otherwise it lands on the form. */
  onError?: (err: unknown) => boolean | void;
}

/**
 * A form's submit as a TanStack Query mutation: `submit` (for `<form onSubmit>`) validates with the
 * form's schema, then runs the mutation; the result's `isPending` drives the submit button.
 */
export function useFormMutation<Form extends FieldValues, Input, Result>(
  form: UseFormReturn<Form, unknown, Input>,
  options: FormMutationOptions<Form, Input, Result>,
) {
  const mutation = useMutation({
    mutationFn: options.mutationFn,
    onSuccess: options.onSuccess,
    onError: (err) => {
      if (options.onError?.(err) !== true) applyApiError(form, err, options.codeFields);
    },
  });
  // The error is on the form already: the promise handed to react-hook-form resolves either way.
  const submit = form.handleSubmit((input) =>
    mutation.mutateAsync(input).then(
      () => undefined,
      () => undefined,
    ),
  );
  return { ...mutation, submit };
}

/** Error codes that are really about one field, for forms where the API answers with a specific code. */
export type CodeFieldMap<Form extends FieldValues> = Partial<Record<ErrorCode, Path<Form>>>;

export function applyApiError<Form extends FieldValues>(
  form: UseFormReturn<Form, any, any>,
  err: unknown,
  codeFields: CodeFieldMap<Form> = {},
): void {
  if (!(err instanceof ApiError)) {
    form.setError("root.server", { type: "client", message: err instanceof Error ? err.message : "Something went wrong." });
    return;
  }
  const field = codeFields[err.code as ErrorCode];
  if (field) {
    form.setError(field, { type: err.code, message: err.message }, { shouldFocus: true });
    return;
  }
  if (err.code === "validation_failed") {
    const values = form.getValues() as Record<string, unknown>;
    const unplaced: string[] = [];
    let focused = false;
    for (const issue of err.issues) {
      const top = issue.path.split(".")[0] ?? "";
      if (top !== "" && top in values) {
        form.setError(issue.path as Path<Form>, { type: "server", message: issue.message }, { shouldFocus: !focused });
        focused = true;
      } else {
        unplaced.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
      }
    }
    if (unplaced.length > 0 || err.issues.length === 0)
      form.setError("root.server", { type: err.code, message: unplaced.join(" ") || err.message });
    return;
  }
  form.setError("root.server", { type: err.code, message: describeError(err) });
}

/** A sentence for any error. The API's messages are written for people, so they are shown as they are. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.code === "rate_limited" ? `${err.message} Wait a moment before trying again.` : err.message;
  return err instanceof Error ? err.message : "Something went wrong.";
}
