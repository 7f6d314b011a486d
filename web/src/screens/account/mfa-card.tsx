import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import QRCode from "qrcode";
import { ShieldCheck, ShieldOff } from "lucide-react";
import { useEffect, useState } from "react";
import { SecondFactorInputSchema, TotpEnableInputSchema, type MfaStatus, type RecoveryCodes, type TotpSetup } from "@shared/schemas/mfa";
import {
  Alert,
  Badge,
  Button,
  CardSection,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  ErrorState,
  Field,
  FormAlert,
  Input,
  LoadingState,
} from "@/components/ui";
import { api } from "@/lib/api";
import { formatDate } from "@/lib/format";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { identityPaths } from "@/lib/identity-api";
import { RecoveryCodesReveal } from "./recovery-codes";

export const mfaStatusQuery = { queryKey: ["me", "mfa"] as const, queryFn: () => api.get<MfaStatus>(identityPaths.mfaStatus) };

export function MfaCard() {
  const status = useQuery(mfaStatusQuery);
  const [enrolling, setEnrolling] = useState<TotpSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);

  // Started by a click, not an effect: each setup call replaces the pending secret on the server.
  const start = useMutation({ mutationFn: () => api.post<TotpSetup>(identityPaths.mfaSetup), onSuccess: setEnrolling });

  return (
    <CardSection
      title="Two-step verification (MFA)"
      description="Ask for a code from an authenticator app (1Password, Google Authenticator, Authy…) after your password."
      actions={status.data && (status.data.enabled ? <Badge tone="success">On</Badge> : <Badge tone="warning">Off</Badge>)}
    >
      {status.isPending ? (
        <LoadingState label="Loading MFA status…" />
      ) : status.isError ? (
        <ErrorState error={status.error} onRetry={() => void status.refetch()} />
      ) : codes ? (
        <div className="space-y-4">
          <Alert tone="success">Two-step verification is on. You will be asked for a code each time you log in.</Alert>
          <RecoveryCodesReveal codes={codes} />
          <Button onClick={() => setCodes(null)}>I have saved my recovery codes</Button>
        </div>
      ) : status.data.enabled ? (
        <EnabledMfa status={status.data} onNewCodes={setCodes} />
      ) : enrolling ? (
        <Enrol
          setup={enrolling}
          onDone={(c) => {
            setEnrolling(null);
            setCodes(c);
          }}
          onCancel={() => setEnrolling(null)}
        />
      ) : (
        <div className="space-y-3">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <p className="flex items-center gap-2 text-sm text-zinc-700">
              <ShieldOff className="size-4 text-amber-700" aria-hidden="true" /> Your account is protected by your password only.
            </p>
            <Button onClick={() => start.mutate()} pending={start.isPending}>
              Turn on MFA
            </Button>
          </div>
          {start.isError && <ErrorState error={start.error} title="Could not start MFA setup" />}
        </div>
      )}
    </CardSection>
  );
}

type CodeForm = { code: string };

function Enrol({ setup, onDone, onCancel }: { setup: TotpSetup; onDone: (codes: string[]) => void; onCancel: () => void }) {
  const queryClient = useQueryClient();
  const [qr, setQr] = useState<string | null>(null);
  const form = useSchemaForm<CodeForm, typeof TotpEnableInputSchema>(TotpEnableInputSchema, { defaultValues: { code: "" } });
  const { errors } = form.formState;

  useEffect(() => {
    let cancelled = false;
    QRCode.toDataURL(setup.otpauthUri, { margin: 1, width: 208, errorCorrectionLevel: "M" })
      .then((url) => !cancelled && setQr(url))
      .catch(() => !cancelled && setQr(null));
    return () => {
      cancelled = true;
    };
  }, [setup.otpauthUri]);

  const enable = useFormMutation(form, {
    mutationFn: (input) => api.post<RecoveryCodes>(identityPaths.mfaEnable, input),
    onSuccess: async ({ recoveryCodes }) => {
      // Everything: a tenant that requires MFA answers differently now.
      await queryClient.invalidateQueries();
      onDone(recoveryCodes);
    },
    codeFields: { invalid_mfa_code: "code" },
  });

  return (
    <div className="grid gap-6 md:grid-cols-[auto_1fr]">
      <div className="flex flex-col items-center gap-2">
        {qr ? (
          <img
            src={qr}
            width={208}
            height={208}
            alt="QR code to scan with your authenticator app"
            className="rounded-md ring-1 ring-zinc-200"
          />
        ) : (
          <div className="size-52 animate-pulse rounded-md bg-zinc-100" />
        )}
      </div>
      <div className="space-y-4">
        <ol className="list-decimal space-y-2 pl-5 text-sm text-zinc-700">
          <li>Scan the QR code with your authenticator app.</li>
          <li>
            Can't scan it? Enter this key by hand:
            <code
              data-testid="totp-secret"
              className="mt-1 block rounded bg-zinc-100 px-2 py-1 font-mono text-sm tracking-wider break-all text-zinc-900 select-all"
            >
              {setup.secret}
            </code>
          </li>
          <li>Enter the 6-digit code the app shows to confirm.</li>
        </ol>
        <form onSubmit={enable.submit} noValidate className="space-y-3">
          <FormAlert errors={errors} />
          <Field label="Authentication code" error={errors.code?.message}>
            <Input
              inputMode="numeric"
              autoComplete="one-time-code"
              placeholder="123456"
              className="w-40 font-mono tracking-widest"
              autoFocus
              {...form.register("code")}
            />
          </Field>
          <div className="flex gap-2">
            <Button type="submit" pending={enable.isPending}>
              Verify and turn on
            </Button>
            <Button variant="secondary" onClick={onCancel}>
              Cancel
            </Button>
          </div>
        </form>
      </div>
    </div>
  );
}

function EnabledMfa({ status, onNewCodes }: { status: MfaStatus; onNewCodes: (codes: string[]) => void }) {
  const [dialog, setDialog] = useState<"disable" | "regenerate" | null>(null);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3 text-sm text-zinc-700">
        <ShieldCheck className="size-4 text-green-700" aria-hidden="true" />
        On since {formatDate(status.enabledAt)}. {status.recoveryCodesRemaining} of your recovery codes are unused.
      </div>
      {status.recoveryCodesRemaining <= 2 && <Alert tone="warning">You are running low on recovery codes. Generate a new set.</Alert>}
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" onClick={() => setDialog("regenerate")}>
          Generate new recovery codes
        </Button>
        <Button variant="danger" onClick={() => setDialog("disable")}>
          Turn off MFA
        </Button>
      </div>
      <SecondFactorDialog
        open={dialog === "regenerate"}
        onOpenChange={(o) => !o && setDialog(null)}
        title="Generate new recovery codes"
        description="Your current recovery codes stop working. Confirm with a code from your authenticator app (or a recovery code)."
        confirmLabel="Generate new codes"
        tone="primary"
        run={async (code) => {
          const { recoveryCodes } = await api.post<RecoveryCodes>(identityPaths.mfaRecoveryCodes, { code });
          onNewCodes(recoveryCodes);
        }}
      />
      <SecondFactorDialog
        open={dialog === "disable"}
        onOpenChange={(o) => !o && setDialog(null)}
        title="Turn off two-step verification?"
        description="Your account will be protected by your password only, and your recovery codes stop working. Tenants that require MFA will refuse you. Confirm with a code."
        confirmLabel="Turn off MFA"
        tone="danger"
        run={(code) => api.post(identityPaths.mfaDisable, { code })}
      />
    </div>
  );
}

/** A confirmation that re-proves the second factor (disable MFA, regenerate codes). */
function SecondFactorDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  tone,
  run,
}: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  title: string;
  description: string;
  confirmLabel: string;
  tone: "primary" | "danger";
  run: (code: string) => Promise<unknown>;
}) {
  const queryClient = useQueryClient();
  const form = useSchemaForm<CodeForm, typeof SecondFactorInputSchema>(SecondFactorInputSchema, { defaultValues: { code: "" } });
  const { errors } = form.formState;
  const confirm = useFormMutation(form, {
    mutationFn: ({ code }) => run(code),
    onSuccess: async () => {
      // Everything: a tenant that requires MFA answers differently now.
      await queryClient.invalidateQueries();
      form.reset();
      onOpenChange(false);
    },
    codeFields: { invalid_mfa_code: "code" },
  });
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (!o) form.reset();
        onOpenChange(o);
      }}
    >
      <DialogContent title={title} description={description}>
        <form onSubmit={confirm.submit} noValidate className="space-y-4">
          <FormAlert errors={errors} />
          <Field label="Authentication or recovery code" error={errors.code?.message}>
            <Input autoComplete="one-time-code" className="font-mono tracking-widest" autoFocus {...form.register("code")} />
          </Field>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button type="submit" variant={tone} pending={confirm.isPending}>
              {confirmLabel}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
