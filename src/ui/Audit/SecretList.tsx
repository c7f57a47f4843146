/**
 * Secret findings: what, where, which layer added it and whether a later layer
 * only hid it ("deleted in layer 3, still downloadable from layer 1"). The value
 * is redacted (prefix + length) until the user asks to see it, one finding at a
 * time; it is never put in the URL. "Show in layer N" opens the filesystem as of
 * the layer that added it, with the file selected.
 */
import type { AuditReport, SecretFinding } from '../../core/audit/types';
import { formatCount } from '../format/format';
import { SafeText } from '../format/SafeText';
import { revealSecret, useAudit } from './auditRun';
import { LayerChip, StepText } from './common';
import { revealInTree } from './reveal';
import { useStore } from '../../state/store';

export function SecretList({ report }: { report: AuditReport }) {
  const revealed = useAudit((s) => s.revealed);
  if (report.secrets.length === 0)
    return (
      <p className="muted" data-testid="secrets-empty">
        No secret found in {formatCount(report.stats.secretCandidates)} candidate files (every version in every layer), the config and the history.
        {report.notScanned.length > 0 && ` But ${formatCount(report.notScanned.length)} could not be scanned (see below): the image is not known to be clean.`}
      </p>
    );
  return (
    <ul className="au-secrets" data-testid="secret-list">
      {report.secrets.map((s, i) => (
        <Finding key={`${s.path}|${s.rule}|${s.redacted}|${s.layer}`} s={s} i={i} shown={revealed.has(i)} />
      ))}
    </ul>
  );
}

function Finding({ s, i, shown }: { s: SecretFinding; i: number; shown: boolean }) {
  const setRightPane = useStore((st) => st.setRightPane);
  const at = s.layer;
  return (
    <li
      className={`au-secret${s.deletedBy !== null ? ' is-hidden' : ''}`}
      data-testid="secret-finding"
      data-path={s.path}
      data-source={s.source}
      data-layer={at ?? ''}
    >
      <div className="au-secret__head">
        <strong>{s.title}</strong>
        <span className="au-src">{s.source}</span>
      </div>
      <div className="au-secret__where mono">
        <SafeText text={s.path} />
        {s.line ? `:${s.line}` : ''}
      </div>
      {s.headline && (
        <p className="au-headline" data-testid="secret-headline">
          {s.headline}
        </p>
      )}
      <div className="au-secret__layers">
        {s.layers.map((L) => (
          <LayerChip key={L} layer={L} />
        ))}
        {s.source === 'config' && <span className="muted">in the image config: every container gets it</span>}
        {s.source === 'history' && at === null && <span className="muted">a metadata-only step, recorded in the history</span>}
        {at !== null && <StepText layer={at} />}
      </div>
      <div className="au-secret__value">
        {shown ? (
          <code className="au-value" data-testid="secret-value">
            <SafeText text={s.value} content />
          </code>
        ) : (
          <code className="au-value is-redacted" data-testid="secret-redacted">
            <SafeText text={s.redacted} />
          </code>
        )}
        <button type="button" className="btn btn-sm btn-ghost" aria-pressed={shown} onClick={() => revealSecret(i, !shown)} data-testid="secret-show">
          {shown ? 'Hide value' : 'Show value'}
        </button>
        {s.source === 'file' && at !== null && (
          <button type="button" className="btn btn-sm" onClick={() => revealInTree(s.path, { layer: at })} data-testid="secret-reveal-layer">
            Show in layer {at}
          </button>
        )}
        {s.source !== 'file' && (
          <button type="button" className="btn btn-sm" onClick={() => setRightPane('image')}>
            Show in the image panel
          </button>
        )}
      </div>
      <div className="au-rule muted mono">{s.rule}</div>
    </li>
  );
}
