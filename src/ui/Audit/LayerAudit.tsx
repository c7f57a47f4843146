/**
 * What the audit says about one layer, for the layer details: "this step
 * installed 43 packages, +212 MB", the secrets it ships, and the bytes it adds
 * that later layers hide. A section of its own, or nothing before the audit is done.
 */
import { useStore } from '../../state/store';
import { formatBytes, formatCount } from '../format/format';
import { useAudit } from './auditRun';

export function LayerAuditSection({ layer }: { layer: number }) {
  const report = useAudit((s) => s.report);
  const setPane = useStore((s) => s.setRightPane);
  if (!report) return null;
  const s = report.perLayer[layer];
  const secrets = report.secrets.filter((f) => f.layers.includes(layer)).length;
  const wasted = report.waste.filter((w) => w.createdBy === layer).reduce((a, w) => a + w.bytes, 0);
  const parts: string[] = [];
  if (s?.installed) parts.push(`installed ${formatCount(s.installed)} package${s.installed === 1 ? '' : 's'}`);
  if (s?.upgraded) parts.push(`upgraded ${formatCount(s.upgraded)}`);
  if (s?.removed) parts.push(`removed ${formatCount(s.removed)}`);
  return (
    <section className="ld-section" aria-label="Audit" data-testid="layer-audit">
      <h3>Audit</h3>
      <p>
        {parts.length ? `This step ${parts.join(', ')}` : 'This step changed no package database'}
        {s && s.sizeDelta !== 0 ? `, ${s.sizeDelta > 0 ? '+' : '−'}${formatBytes(Math.abs(s.sizeDelta))} installed size` : ''}.
        {secrets > 0 && ` It ships ${formatCount(secrets)} secret finding${secrets === 1 ? '' : 's'}.`}
        {wasted > 0 && ` ${formatBytes(wasted)} of what it adds is hidden by later layers.`}{' '}
        <button type="button" className="btn btn-sm btn-ghost" onClick={() => setPane('audit')}>
          Open the audit
        </button>
      </p>
    </section>
  );
}
