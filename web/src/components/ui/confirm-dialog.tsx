import { useMutation } from "@tanstack/react-query";
import { useId, useState, type ReactElement, type ReactNode } from "react";
import { describeError } from "@/lib/forms";
import { Alert } from "./alert";
import { Button } from "./button";
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from "./dialog";
import { Input } from "./input";
import { Label } from "./label";

interface ConfirmDialogProps {
  /** The button that opens the dialog (uncontrolled use). */
  trigger?: ReactElement;
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  title: ReactNode;
  description: ReactNode;
  confirmLabel: string;
  tone?: "danger" | "primary";
  /**
   * For what cannot be undone and hurts many people (deleting a tenant): the confirm button works
   * only once this exact text (e.g. the tenant's name) has been typed.
   */
  confirmText?: string;
  /** Runs on confirm (as a TanStack mutation); the dialog stays open showing the error if it throws, closes when it resolves. */
  onConfirm: () => Promise<unknown> | unknown;
  children?: ReactNode;
}

/** Asks before a destructive or consequential action. */
export function ConfirmDialog({
  trigger,
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  tone = "danger",
  confirmText,
  onConfirm,
  children,
}: ConfirmDialogProps) {
  const [innerOpen, setInnerOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const typedId = useId();
  const confirm = useMutation({ mutationFn: async () => onConfirm() });
  const isOpen = open ?? innerOpen;
  const setOpen = (next: boolean) => {
    if (confirm.isPending) return;
    if (!next) {
      confirm.reset();
      setTyped("");
    }
    setInnerOpen(next);
    onOpenChange?.(next);
  };
  const typedOk = confirmText === undefined || typed.trim() === confirmText.trim();
  return (
    <Dialog open={isOpen} onOpenChange={setOpen}>
      {trigger && <DialogTrigger asChild>{trigger}</DialogTrigger>}
      <DialogContent title={title} description={description}>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!typedOk || confirm.isPending) return;
            confirm.mutate(undefined, { onSuccess: () => setOpen(false) });
          }}
        >
          {children}
          {confirmText !== undefined && (
            <div className="mt-4 space-y-1.5">
              <Label htmlFor={typedId}>
                Type <span className="font-semibold text-zinc-900">{confirmText}</span> to confirm
              </Label>
              <Input
                id={typedId}
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
                autoComplete="off"
                spellCheck={false}
                autoFocus
              />
            </div>
          )}
          {confirm.isError && (
            <Alert tone="danger" className="mt-3">
              {describeError(confirm.error)}
            </Alert>
          )}
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary" disabled={confirm.isPending}>
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" variant={tone} pending={confirm.isPending} disabled={!typedOk}>
              {confirmLabel}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
