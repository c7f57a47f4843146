/** Building blocks of the image panel: a titled section and definition-list rows. */
import type { ReactNode } from 'react';

export function Section({ title, id, children, actions }: { title: string; id: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="ip-section" aria-labelledby={id}>
      <div className="ip-section__head">
        <h3 id={id}>{title}</h3>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** A term/definition row; skipped when there is nothing to show. */
export function Row({ k, children, mono = false }: { k: string; children: ReactNode; mono?: boolean }) {
  if (children === null || children === undefined || children === '' || children === false) return null;
  return (
    <>
      <dt>{k}</dt>
      <dd className={mono ? 'mono' : undefined}>{children}</dd>
    </>
  );
}
