/**
 * `?`: every keyboard shortcut, from the one table in keys.ts. A native modal
 * <dialog> (showModal): focus is trapped inside and Escape closes it, and focus
 * returns to where it was.
 */
import { useEffect, useRef } from 'react';
import { KEY_BINDINGS, KEY_GROUPS, type KeyBinding } from './keys';
import './Keys.css';

const ORDER: KeyBinding['group'][] = ['dive', 'panes', 'tree', 'stack', 'page'];

export function KeyHelp({ onClose }: { onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    const back = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal?.();
    return () => {
      if (d?.open) d.close();
      back?.focus?.({ preventScroll: true });
    };
  }, []);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the click closes on the backdrop only; the dialog's keyboard close is Escape (native to a modal <dialog>)
    <dialog
      ref={ref}
      className="key-help"
      data-testid="key-help"
      aria-labelledby="key-help-title"
      onClose={onClose}
      onClick={(e) => {
        // a click on the backdrop (the dialog element itself, outside its content) closes it
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="key-help__body">
        <header className="key-help__head">
          <h2 id="key-help-title">Keyboard</h2>
          <button type="button" className="btn btn-sm btn-ghost" onClick={onClose} aria-label="Close">
            ×
          </button>
        </header>
        {ORDER.map((g) => (
          <section key={g} className="key-help__group" aria-label={KEY_GROUPS[g]}>
            <h3>{KEY_GROUPS[g]}</h3>
            <dl>
              {KEY_BINDINGS.filter((b) => b.group === g).map((b) => (
                <div key={`${b.keys}-${b.what}`} className="key-help__row" data-testid="key-help-row">
                  <dt>
                    {b.keys.split(' / ').map((k, i) => (
                      <span key={k}>
                        {i > 0 && ' / '}
                        <kbd>{k}</kbd>
                      </span>
                    ))}
                  </dt>
                  <dd>{b.what}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <p className="muted key-help__note">
          Shortcuts do nothing while you type in a field. Ctrl+R and Ctrl+L are dive&apos;s here, not the browser&apos;s (reload with F5).
        </p>
      </div>
    </dialog>
  );
}
