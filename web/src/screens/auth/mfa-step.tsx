import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { LoginMfaInputSchema } from "@shared/schemas/mfa";
import { AuthLayout } from "@/components/layout/auth-layout";
import { Alert, Button, Field, FormAlert, Input } from "@/components/ui";
import { api, isApiError } from "@/lib/api";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { identityPaths } from "@/lib/identity-api";
import { resetSessionCache } from "@/lib/session";
import { clearChallenge, takeChallengeFromUrl } from "./mfa-challenge";

type CodeForm = { code: string };

export function MfaStepScreen() {
  const { next } = useSearch({ from: "/login/mfa" });
  const navigate = useNavigate();
  const [challengeToken] = useState(takeChallengeFromUrl);
  const [useRecovery, setUseRecovery] = useState(false);
  const [expired, setExpired] = useState(false);
  const form = useSchemaForm<CodeForm, typeof LoginMfaInputSchema>(LoginMfaInputSchema, {
    defaultValues: { code: "" },
    toInput: (v: CodeForm) => ({ challengeToken: challengeToken ?? "", code: v.code }),
  });
  const { errors } = form.formState;

  const verify = useFormMutation(form, {
    mutationFn: ({ code }) => api.post(identityPaths.loginMfa, { challengeToken, code }),
    onSuccess: async () => {
      clearChallenge();
      await resetSessionCache();
      await navigate({ href: next ?? "/" });
    },
    onError: (err) => {
      if (isApiError(err, "token_expired") || isApiError(err, "unauthenticated")) {
        clearChallenge();
        setExpired(true);
        return true;
      }
      if (isApiError(err, "invalid_mfa_code")) {
        const left = err.details.attemptsRemaining;
        form.setError(
          "code",
          {
            type: err.code,
            message: typeof left === "number" ? `${err.message} ${left} ${left === 1 ? "try" : "tries"} left.` : err.message,
          },
          { shouldFocus: true },
        );
        return true;
      }
      return false;
    },
  });

  if (!challengeToken || expired) {
    return (
      <AuthLayout title="Two-step verification" description="This sign-in attempt has expired.">
        <Alert tone="warning">For your security the code step lasts a few minutes. Log in again with your email and password.</Alert>
        <Link
          to="/login"
          search={{ next, error: undefined }}
          className="mt-4 inline-block text-sm font-medium text-indigo-700 underline-offset-2 hover:underline"
        >
          Back to log in
        </Link>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title="Two-step verification"
      description={
        useRecovery
          ? "Enter one of the recovery codes you saved when you turned on MFA. Each code works once."
          : "Enter the 6-digit code from your authenticator app."
      }
      footer={
        <Link
          to="/login"
          search={{ next, error: undefined }}
          onClick={clearChallenge}
          className="font-medium text-indigo-700 underline-offset-2 hover:underline"
        >
          Cancel and log in again
        </Link>
      }
    >
      <form onSubmit={verify.submit} noValidate className="space-y-4">
        <FormAlert errors={errors} />
        <Field label={useRecovery ? "Recovery code" : "Authentication code"} error={errors.code?.message}>
          <Input
            key={useRecovery ? "recovery" : "totp"}
            autoFocus
            autoComplete="one-time-code"
            inputMode={useRecovery ? "text" : "numeric"}
            placeholder={useRecovery ? "abcd-efgh-ijkl" : "123456"}
            className="font-mono tracking-widest"
            {...form.register("code")}
          />
        </Field>
        <Button type="submit" pending={verify.isPending} className="w-full">
          Verify and log in
        </Button>
        <button
          type="button"
          className="text-sm font-medium text-indigo-700 underline-offset-2 hover:underline"
          onClick={() => {
            setUseRecovery((v) => !v);
            form.reset({ code: "" });
          }}
        >
          {useRecovery ? "Use your authenticator app instead" : "Use a recovery code instead"}
        </button>
      </form>
    </AuthLayout>
  );
}
