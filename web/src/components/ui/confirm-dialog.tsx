import { useState, type ReactElement, type ReactNode } from "react";
import { describeError } from "@/lib/forms";
import { Alert } from "./alert";
import { Button } from "./button";
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from "./dialog";

interface ConfirmDialogProps {
  /** The button that opens the dialog (uncontrolled use). */
  trigger?: ReactElement;
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  title: ReactNode;
  description: ReactNode;
  confirmLabel: string;
  tone?: "danger" | "primary";
  /** Runs on confirm; the dialog stays open showing the error if it throws, closes when it resolves. */
  onConfirm: () => Promise<unknown> | unknown;
  children?: ReactNode;
}

/** Asks before a destructive or consequential action. */
export function ConfirmDialog({ trigger, open, onOpenChange, title, description, confirmLabel, tone = "danger", onConfirm, children }: ConfirmDialogProps) {
  const [innerOpen, setInnerOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const isOpen = open ?? innerOpen;
  const setOpen = (next: boolean) => {
    if (pending) return;
    if (!next) setError(null);
    setInnerOpen(next);
    onOpenChange?.(next);
  };
  return (
    <Dialog open={isOpen} onOpenChange={setOpen}>
      {trigger && <DialogTrigger asChild>{trigger}</DialogTrigger>}
      <DialogContent title={title} description={description}>
        {children}
        {error !== null && (
          <Alert tone="danger" className="mt-3">
            {describeError(error)}
          </Alert>
        )}
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="secondary" disabled={pending}>
              Cancel
            </Button>
          </DialogClose>
          <Button
            variant={tone}
            pending={pending}
            onClick={async () => {
              setPending(true);
              setError(null);
              try {
                await onConfirm();
                setPending(false);
                setInnerOpen(false);
                onOpenChange?.(false);
              } catch (err) {
                setPending(false);
                setError(err);
              }
            }}
          >
            {confirmLabel}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
