import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { ForgotPasswordInputSchema } from "@shared/schemas/mfa";
import { AuthLayout } from "@/components/layout/auth-layout";
import { Alert, Button, Field, FormAlert, Input } from "@/components/ui";
import { api } from "@/lib/api";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { identityPaths } from "@/lib/identity-api";
import { devOutboxQuery } from "./dev-outbox-probe";

type ForgotForm = { email: string };

export function ForgotPasswordScreen() {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useSchemaForm<ForgotForm, typeof ForgotPasswordInputSchema>(ForgotPasswordInputSchema, { defaultValues: { email: "" } });
  const { errors } = form.formState;
  // Only after sending: a successful probe means this is local development with a mail outbox.
  const outbox = useQuery({ ...devOutboxQuery, enabled: sentTo !== null });

  const send = useFormMutation(form, {
    mutationFn: (values) => api.post(identityPaths.forgotPassword, values),
    onSuccess: (_, values) => setSentTo(values.email),
  });

  const footer = (
    <Link to="/login" search={{ next: undefined, error: undefined }} className="font-medium text-indigo-700 underline-offset-2 hover:underline">
      Back to log in
    </Link>
  );

  if (sentTo) {
    return (
      <AuthLayout title="Check your email" footer={footer}>
        <Alert tone="success">
          If an account exists for <strong>{sentTo}</strong>, we have sent it a link to choose a new password. The link works once and expires soon.
        </Alert>
        {outbox.isSuccess && (
          <p className="mt-4 text-sm text-zinc-700">
            Running locally? Mail is not sent in development:{" "}
            <Link to="/dev/outbox" className="font-medium text-indigo-700 underline-offset-2 hover:underline">
              open the dev mail outbox
            </Link>
            .
          </p>
        )}
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Reset your password" description="Enter your account's email and we will send you a link to choose a new password." footer={footer}>
      <form onSubmit={send.submit} noValidate className="space-y-4">
        <FormAlert errors={errors} />
        <Field label="Email" error={errors.email?.message}>
          <Input type="email" autoComplete="email" autoFocus {...form.register("email")} />
        </Field>
        <Button type="submit" pending={send.isPending} className="w-full">
          Send reset link
        </Button>
      </form>
    </AuthLayout>
  );
}
