import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { SignupInputSchema } from "@shared/schemas/auth";
import { PASSWORD_MIN_LENGTH } from "@shared/auth/password-policy";
import { AuthLayout } from "@/components/layout/auth-layout";
import { Button, Field, FormAlert, Input } from "@/components/ui";
import { api } from "@/lib/api";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { identityPaths } from "@/lib/identity-api";
import { resetSessionCache } from "@/lib/session";
import { OAuthButtons } from "./oauth-buttons";

type SignupForm = { name: string; email: string; password: string };

export function SignupScreen() {
  const { next } = useSearch({ from: "/signup" });
  const navigate = useNavigate();
  const form = useSchemaForm<SignupForm, typeof SignupInputSchema>(SignupInputSchema, {
    defaultValues: { name: "", email: "", password: "" },
  });
  const { errors } = form.formState;

  const signup = useFormMutation(form, {
    mutationFn: (values) => api.post(identityPaths.signup, values),
    onSuccess: async () => {
      await resetSessionCache();
      await navigate({ href: next ?? "/" });
    },
    codeFields: { email_taken: "email" },
  });

  return (
    <AuthLayout
      title="Create your account"
      description="Start a tenant for your team of agents in a minute."
      footer={
        <>
          Already have an account?{" "}
          <Link to="/login" search={{ next, error: undefined }} className="font-medium text-indigo-700 underline-offset-2 hover:underline">
            Log in
          </Link>
        </>
      }
    >
      <form onSubmit={signup.submit} noValidate className="space-y-4">
        <FormAlert errors={errors} />
        <Field label="Your name" error={errors.name?.message}>
          <Input autoComplete="name" autoFocus {...form.register("name")} />
        </Field>
        <Field label="Email" error={errors.email?.message}>
          <Input type="email" autoComplete="email" {...form.register("email")} />
        </Field>
        <Field label="Password" error={errors.password?.message} hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}>
          <Input type="password" autoComplete="new-password" {...form.register("password")} />
        </Field>
        <Button type="submit" pending={signup.isPending} className="w-full">
          Create account
        </Button>
      </form>
      <div className="mt-4">
        <OAuthButtons next={next} />
      </div>
    </AuthLayout>
  );
}
