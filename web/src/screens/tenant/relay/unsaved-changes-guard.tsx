/**
 * Asks before leaving a page with unsaved changes: in-app navigation gets a dialog (the router's
 * blocker), closing or reloading the tab gets the browser's own prompt.
 */
import { useBlocker } from "@tanstack/react-router";
import { Button, Dialog, DialogContent, DialogFooter } from "@/components/ui";

export function UnsavedChangesGuard({ changes, what }: { changes: number; what: string }) {
  const blocker = useBlocker({ shouldBlockFn: () => changes > 0, enableBeforeUnload: () => changes > 0, withResolver: true });
  const open = blocker.status === "blocked";
  return (
    <Dialog open={open} onOpenChange={(o) => !o && blocker.reset?.()}>
      <DialogContent
        title="Leave without saving?"
        description={`You have ${changes} unsaved ${changes === 1 ? "change" : "changes"} to ${what}. If you leave, they are lost.`}
      >
        <DialogFooter>
          <Button variant="secondary" onClick={() => blocker.reset?.()}>
            Stay on this page
          </Button>
          <Button variant="danger" onClick={() => blocker.proceed?.()}>
            Leave and discard
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
