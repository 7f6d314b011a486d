import { Link } from "@tanstack/react-router";
import { useState } from "react";
import type { MailDelivery } from "@shared/schemas/mail";
import { ForgotPasswordInputSchema, type ForgotPasswordResult } from "@shared/schemas/mfa";
import { AuthLayout } from "@/components/layout/auth-layout";
import { Alert, Button, Field, FormAlert, Input } from "@/components/ui";
import { api } from "@/lib/api";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { identityPaths } from "@/lib/identity-api";

type ForgotForm = { email: string };

export function ForgotPasswordScreen() {
  const [sent, setSent] = useState<{ to: string; delivery: MailDelivery } | null>(null);
  const form = useSchemaForm<ForgotForm, typeof ForgotPasswordInputSchema>(ForgotPasswordInputSchema, { defaultValues: { email: "" } });
  const { errors } = form.formState;

  const send = useFormMutation(form, {
    // The API says how (and whether) this deployment sends mail: never claim a mail it did not send.
    mutationFn: (values) => api.post<ForgotPasswordResult>(identityPaths.forgotPassword, values),
    onSuccess: (result, values) => setSent({ to: values.email, delivery: result.mailDelivery }),
  });

  const footer = (
    <Link
      to="/login"
      search={{ next: undefined, error: undefined }}
      className="font-medium text-indigo-700 underline-offset-2 hover:underline"
    >
      Back to log in
    </Link>
  );

  if (sent?.delivery === "not_configured") {
    return (
      <AuthLayout title="Email is not set up" footer={footer}>
        <Alert tone="warning">
          This Switchboard cannot send email yet, so no reset link was sent to <strong>{sent.to}</strong>. Ask the person who runs it to
          reset your password, or to set up email (docs/deploy.md, "Email").
        </Alert>
      </AuthLayout>
    );
  }

  if (sent) {
    return (
      <AuthLayout title="Check your email" footer={footer}>
        <Alert tone="success">
          If an account exists for <strong>{sent.to}</strong>, a link to choose a new password is on its way to it. The link works once and
          expires soon.
        </Alert>
        {sent.delivery === "dev_outbox" && (
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
    <AuthLayout
      title="Reset your password"
      description="Enter your account's email and we will send you a link to choose a new password."
      footer={footer}
    >
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
