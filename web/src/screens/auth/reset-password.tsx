import { Link, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { PASSWORD_MIN_LENGTH } from "@shared/auth/password-policy";
import { ResetPasswordInputSchema } from "@shared/schemas/mfa";
import { AuthLayout } from "@/components/layout/auth-layout";
import { Alert, Button, buttonClass, Field, FormAlert, Input } from "@/components/ui";
import { api, isApiError } from "@/lib/api";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { identityPaths } from "@/lib/identity-api";
import { resetSessionCache } from "@/lib/session";

type ResetForm = { password: string };

export function ResetPasswordScreen() {
  const { token } = useSearch({ from: "/reset-password" });
  const [done, setDone] = useState(false);
  const [expired, setExpired] = useState(false);
  const form = useSchemaForm<ResetForm, typeof ResetPasswordInputSchema>(ResetPasswordInputSchema, {
    defaultValues: { password: "" },
    toInput: (v: ResetForm) => ({ token: token ?? "", password: v.password }),
  });
  const { errors } = form.formState;

  const reset = useFormMutation(form, {
    mutationFn: ({ password }) => api.post(identityPaths.resetPassword, { token, password }),
    onSuccess: async () => {
      // Resetting signs out every session of the account, this browser's included.
      await resetSessionCache();
      setDone(true);
    },
    onError: (err) => {
      if (!isApiError(err, "token_expired") && !isApiError(err, "not_found")) return false;
      setExpired(true);
      return true;
    },
  });

  const backToLogin = (
    <Link
      to="/login"
      search={{ next: undefined, error: undefined }}
      className="font-medium text-indigo-700 underline-offset-2 hover:underline"
    >
      Back to log in
    </Link>
  );

  if (done) {
    return (
      <AuthLayout title="Password changed">
        <Alert tone="success">Your new password is set. For safety, other sessions of your account have been signed out.</Alert>
        <Link to="/login" search={{ next: undefined, error: undefined }} className={buttonClass("primary", "md", "mt-4 w-full")}>
          Log in
        </Link>
      </AuthLayout>
    );
  }

  if (!token || expired) {
    return (
      <AuthLayout title="Reset link not valid" footer={backToLogin}>
        <Alert tone="warning">
          {token ? "This reset link has expired or was already used." : "This page needs the link from the reset email."} Ask for a new one.
        </Alert>
        <Link to="/forgot-password" className={buttonClass("primary", "md", "mt-4 w-full")}>
          Send a new reset link
        </Link>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Choose a new password" footer={backToLogin}>
      <form onSubmit={reset.submit} noValidate className="space-y-4">
        <FormAlert errors={errors} />
        <Field label="New password" error={errors.password?.message} hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}>
          <Input type="password" autoComplete="new-password" autoFocus {...form.register("password")} />
        </Field>
        <Button type="submit" pending={reset.isPending} className="w-full">
          Set new password
        </Button>
      </form>
    </AuthLayout>
  );
}
