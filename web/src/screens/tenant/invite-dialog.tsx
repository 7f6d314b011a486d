import { useState } from "react";
import type { Role } from "@shared/auth/roles";
import { CreateInviteInputSchema } from "@shared/schemas/members";
import { useTenant } from "@/components/layout/tenant-context";
import {
  Alert,
  Button,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  Field,
  FormAlert,
  Input,
  SecretReveal,
  Select,
} from "@/components/ui";
import { api } from "@/lib/api";
import { humanize } from "@/lib/format";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { grantableRoles } from "@/lib/permissions";
import { tenantPath } from "@/lib/queries";
import type { CreatedInvite } from "@/lib/types";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";

type InviteForm = { email: string; role: Role };

const ROLE_HINTS: Record<Role, string> = {
  owner: "Everything, including deleting the tenant and managing owners.",
  admin: "Runs the tenant: people, agents and credentials, API keys, settings.",
  member: "Builds with agents and teams; reads everything else.",
  viewer: "Reads, never changes.",
};

/** Invite by email with a role; the accept link is shown once. */
export function InviteDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const { tenantId, role } = useTenant();
  const invalidate = useInvalidateTenant();
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  const form = useSchemaForm<InviteForm, typeof CreateInviteInputSchema>(CreateInviteInputSchema, {
    defaultValues: { email: "", role: "member" },
  });
  const { errors } = form.formState;
  const roles = grantableRoles(role);
  const selected = form.watch("role");

  const create = useFormMutation(form, {
    mutationFn: (input) => api.post<CreatedInvite>(`${tenantPath(tenantId)}/invites`, input),
    onSuccess: async (result) => {
      setCreated(result);
      await invalidate();
    },
    codeFields: { already_member: "email", conflict: "email", owner_required: "role" },
  });

  const close = (o: boolean) => {
    onOpenChange(o);
    if (!o) {
      setCreated(null);
      form.reset();
    }
  };
  const acceptUrl = created ? `${window.location.origin}/invites/accept?token=${encodeURIComponent(created.token)}` : "";

  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent
        title={created ? "Invite created" : "Invite someone"}
        description={created ? inviteSentDescription(created) : "They join with the role you choose when they accept."}
      >
        {created ? (
          <>
            {created.mail.status === "failed" && (
              <Alert tone="warning">The mail to {created.invite.email} could not be sent. Send them this link yourself.</Alert>
            )}
            {created.mail.status === "not_configured" && (
              <Alert tone="info">
                This Switchboard does not send email, so nobody was mailed. Send {created.invite.email} this link yourself.
              </Alert>
            )}
            <SecretReveal label="Invite link" value={acceptUrl}>
              The link contains a one-time token that is shown only now. It expires on{" "}
              {new Date(created.invite.expiresAt).toLocaleDateString()}.
            </SecretReveal>
            <DialogFooter>
              <DialogClose asChild>
                <Button>Done</Button>
              </DialogClose>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={create.submit} noValidate className="space-y-4">
            <FormAlert errors={errors} />
            <Field label="Email" error={errors.email?.message}>
              <Input type="email" autoComplete="off" {...form.register("email")} />
            </Field>
            <Field label="Role" error={errors.role?.message} hint={ROLE_HINTS[selected]}>
              <Select {...form.register("role")}>
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {humanize(r)}
                  </option>
                ))}
              </Select>
            </Field>
            <DialogFooter>
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button type="submit" pending={create.isPending}>
                Create invite
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

/** What the dialog says after creating: only claim a mail that the API says was sent. */
function inviteSentDescription(created: CreatedInvite): string {
  const { email } = created.invite;
  if (created.mail.status === "sent") return `We emailed ${email} this link. They accept it while signed in with that email.`;
  if (created.mail.status === "dev_outbox")
    return `Running locally: the mail to ${email} is in the dev outbox. They accept the link while signed in with that email.`;
  return `Send this link to ${email}. They accept it while signed in with that email.`;
}
