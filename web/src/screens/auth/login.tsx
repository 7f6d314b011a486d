import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import type { LoginResult } from "@shared/schemas/auth";
import { LoginInputSchema } from "@shared/schemas/auth";
import { AuthLayout } from "@/components/layout/auth-layout";
import { Alert, Button, Field, FormAlert, Input } from "@/components/ui";
import { api } from "@/lib/api";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { identityPaths } from "@/lib/identity-api";
import { resetSessionCache } from "@/lib/session";
import { saveChallenge } from "./mfa-challenge";
import { OAuthButtons } from "./oauth-buttons";
import { oauthErrorMessage } from "./oauth-errors";
import { SsoButton } from "./sso-button";

type LoginForm = { email: string; password: string };

export function LoginScreen() {
  const { next, error } = useSearch({ from: "/login" });
  const navigate = useNavigate();
  const form = useSchemaForm<LoginForm, typeof LoginInputSchema>(LoginInputSchema, { defaultValues: { email: "", password: "" } });
  const { errors } = form.formState;

  const login = useFormMutation(form, {
    mutationFn: (values) => api.post<LoginResult>(identityPaths.login, values),
    onSuccess: async (result) => {
      if ("mfaRequired" in result) {
        saveChallenge(result.challengeToken);
        await navigate({ to: "/login/mfa", search: { next } });
        return;
      }
      await resetSessionCache();
      await navigate({ href: next ?? "/" });
    },
  });

  return (
    <AuthLayout
      title="Log in to Switchboard"
      description="Manage your agents, teams and people."
      footer={
        <>
          New here?{" "}
          <Link to="/signup" search={{ next }} className="font-medium text-indigo-700 underline-offset-2 hover:underline">
            Create an account
          </Link>
        </>
      }
    >
      {error && (
        <Alert tone="danger" className="mb-4">
          {oauthErrorMessage(error)}
        </Alert>
      )}
      <form onSubmit={login.submit} noValidate className="space-y-4">
        <FormAlert errors={errors} />
        <Field label="Email" error={errors.email?.message}>
          <Input type="email" autoComplete="username" autoFocus {...form.register("email")} />
        </Field>
        <Field label="Password" error={errors.password?.message}>
          <Input type="password" autoComplete="current-password" {...form.register("password")} />
        </Field>
        <div className="flex items-center justify-between">
          <Link to="/forgot-password" className="text-sm font-medium text-indigo-700 underline-offset-2 hover:underline">
            Forgot your password?
          </Link>
        </div>
        <Button type="submit" pending={login.isPending} className="w-full">
          Log in
        </Button>
      </form>
      <div className="mt-4 space-y-2">
        <SsoButton email={form.watch("email")} next={next} />
        <OAuthButtons next={next} />
      </div>
    </AuthLayout>
  );
}
