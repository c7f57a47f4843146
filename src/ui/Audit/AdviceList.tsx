/**
 * What to change to make the image smaller: every file version that ships but
 * is hidden, grouped by cause and fix (waste.ts), largest first — the step that
 * added the bytes, the step that hid them, and the Dockerfile change that keeps
 * them out of the layer in the first place. Later layers cannot free bytes:
 * a layer's tar is immutable, a whiteout only hides (OCI image-spec layer.md).
 */
import { useMemo } from 'react';
import type { AuditReport, WasteItem } from '../../core/audit/types';
import { formatBytes, formatCount } from '../format/format';
import { SafeText } from '../format/SafeText';
import { AdviceText, LayerChip, StepText } from './common';
import { revealInTree } from './reveal';

/** Groups shown before "show all"; files listed per group. */
const GROUPS_SHOWN = 50;
const FILES_SHOWN = 40;

const CAUSE: Record<string, string> = {
  deleted: 'deleted by',
  overwritten: 'overwritten by',
  'metadata-copy': 'copied again (owner or mode change) by',
  opaque: 'hidden under an opaque directory by',
  replaced: 'removed with its directory by',
};

export function AdviceList({ report }: { report: AuditReport }) {
  const byGroup = useMemo(() => {
    const m = new Map<string, WasteItem[]>();
    for (const w of report.waste) {
      const l = m.get(w.group);
      if (l) l.push(w);
      else m.set(w.group, [w]);
    }
    return m;
  }, [report]);
  if (report.wasteGroups.length === 0)
    return (
      <p className="muted" data-testid="advice-empty">
        Every byte the layers ship is visible in the final image: nothing to save.
      </p>
    );
  const total = report.waste.reduce((a, w) => a + w.bytes, 0);
  return (
    <div className="au-advice">
      <p className="muted">
        {formatBytes(total)} in {formatCount(report.waste.length)} file versions ship but are hidden by later layers. A later step cannot take bytes out of an
        earlier layer; these changes keep them out of the image:
      </p>
      <ol className="au-groups" data-testid="advice-list">
        {report.wasteGroups.slice(0, GROUPS_SHOWN).map((g) => {
          const items = byGroup.get(g.group) ?? [];
          return (
            <li key={g.group} className="au-group" data-testid="advice-group">
              <div className="au-group__head">
                <strong className="num">{formatBytes(g.bytes)}</strong> ·{' '}
                <span>
                  {formatCount(g.files)} file{g.files === 1 ? '' : 's'} in{' '}
                  <span className="mono">
                    <SafeText text={g.dir} />
                  </span>
                </span>
              </div>
              <div className="au-group__steps">
                added by <LayerChip layer={g.createdBy} /> <StepText layer={g.createdBy} />
              </div>
              <div className="au-group__steps">
                {CAUSE[g.cause] ?? 'hidden by'} <LayerChip layer={g.hiddenBy} /> <StepText layer={g.hiddenBy} />
              </div>
              <p className="au-fix">
                <span className="au-fix__k">Fix:</span> <AdviceText text={g.advice} />
              </p>
              <details>
                <summary>the files</summary>
                <ul className="au-files">
                  {items.slice(0, FILES_SHOWN).map((w) => (
                    <li key={`${w.path}|${w.createdBy}`}>
                      <button type="button" className="au-link mono" onClick={() => revealInTree(w.path, { layer: w.createdBy })}>
                        <SafeText text={w.path} />
                      </button>{' '}
                      <span className="muted num">{formatBytes(w.bytes)}</span>
                    </li>
                  ))}
                  {items.length > FILES_SHOWN && <li className="muted">and {formatCount(items.length - FILES_SHOWN)} more</li>}
                </ul>
              </details>
            </li>
          );
        })}
      </ol>
      {report.wasteGroups.length > GROUPS_SHOWN && (
        <p className="muted">{formatCount(report.wasteGroups.length - GROUPS_SHOWN)} smaller groups are not listed (`layerscope audit` prints them all).</p>
      )}
    </div>
  );
}
