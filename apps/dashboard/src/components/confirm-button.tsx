import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';

export interface ConfirmButtonProps {
  label: string;
  /** Heading and body of the confirmation dialog. */
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  /** Runs after the operator confirms; the buttons stay disabled until it settles. */
  onConfirm: () => Promise<void>;
}

/** A button that asks before it acts, in a modal dialog (Escape or Cancel backs out). */
export function ConfirmButton(props: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  const confirm = () => {
    setBusy(true);
    props
      .onConfirm()
      .finally(() => {
        setBusy(false);
        setOpen(false);
      })
      .catch(() => undefined); // onConfirm reports its own errors
  };

  return (
    <>
      <button
        type="button"
        className={props.danger ? 'danger' : undefined}
        disabled={props.disabled || busy}
        onClick={() => setOpen(true)}
      >
        {props.label}
      </button>
      <dialog ref={dialog} className="confirm" onClose={() => setOpen(false)} aria-labelledby="confirm-title">
        {open && (
          <form method="dialog" onSubmit={(event) => event.preventDefault()}>
            <h3 id="confirm-title">{props.title}</h3>
            <div className="confirm-message">{props.message}</div>
            <div className="confirm-actions">
              <button type="button" onClick={() => setOpen(false)} disabled={busy} autoFocus>
                Cancel
              </button>
              <button
                type="button"
                className={props.danger ? 'danger' : 'primary'}
                onClick={confirm}
                disabled={busy}
                data-confirm
              >
                {busy ? 'Working…' : (props.confirmLabel ?? props.label)}
              </button>
            </div>
          </form>
        )}
      </dialog>
    </>
  );
}
