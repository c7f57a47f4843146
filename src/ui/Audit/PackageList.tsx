/**
 * Packages per layer: what each step installed, upgraded and removed (with the
 * size it added), then every package — search by name, filter by ecosystem,
 * sort by name, size or layer — virtualized (an npm image lists thousands), and
 * the chosen package's history across layers, its files and a way into the tree.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import type { AuditPackage, AuditReport, Ecosystem } from '../../core/audit/types';
import { ECOSYSTEMS } from '../../core/audit/types';
import { layerColor } from '../colors';
import { formatBytes, formatCount } from '../format/format';
import { SafeText } from '../format/SafeText';
import { LayerChip, StepText } from './common';
import { revealInTree } from './reveal';

type Sort = 'name' | 'size' | 'layer';
const ROW_H = 28;
/** Files listed under a package before "and N more" (the tree has them all). */
const FILES_SHOWN = 30;

export function LayerSummary({ report }: { report: AuditReport }) {
  const rows = report.perLayer.filter((s) => s.installed + s.upgraded + s.removed > 0);
  if (!rows.length) return <p className="muted">No layer changed a package database.</p>;
  return (
    <ol className="au-layers" data-testid="audit-layer-summary">
      {rows.map((s) => (
        <li key={s.layer} data-layer={s.layer}>
          <LayerChip layer={s.layer} /> <StepText layer={s.layer} />
          <div className="au-layers__what">
            {[
              s.installed ? `installed ${formatCount(s.installed)} package${s.installed === 1 ? '' : 's'}` : '',
              s.upgraded ? `upgraded ${formatCount(s.upgraded)}` : '',
              s.removed ? `removed ${formatCount(s.removed)}` : '',
            ]
              .filter(Boolean)
              .join(', ')}
            {s.sizeDelta !== 0 && (
              <span className={s.sizeDelta > 0 ? 'au-plus' : 'au-minus'}>
                {' '}
                {s.sizeDelta > 0 ? '+' : '−'}
                {formatBytes(Math.abs(s.sizeDelta))}
              </span>
            )}
          </div>
        </li>
      ))}
    </ol>
  );
}

export function PackageList({ report }: { report: AuditReport }) {
  const [q, setQ] = useState('');
  const [eco, setEco] = useState<Ecosystem | 'all'>('all');
  const [sort, setSort] = useState<Sort>('name');
  const [removed, setRemoved] = useState(false);
  const [chosen, setChosen] = useState<string | null>(null);
  const present = useMemo(() => ECOSYSTEMS.filter((e) => report.packages.some((p) => p.ecosystem === e)), [report]);
  const list = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const out = report.packages.filter(
      (p) => (removed || p.removedBy === null) && (eco === 'all' || p.ecosystem === eco) && (!needle || p.name.toLowerCase().includes(needle)),
    );
    out.sort((a, b) =>
      sort === 'size'
        ? (b.size ?? -1) - (a.size ?? -1) || a.name.localeCompare(b.name)
        : sort === 'layer'
          ? a.layer - b.layer || a.name.localeCompare(b.name)
          : a.name.localeCompare(b.name, undefined, { numeric: true }) || a.ecosystem.localeCompare(b.ecosystem),
    );
    return out;
  }, [report, q, eco, sort, removed]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: list.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 12 });
  const pkg = chosen ? (report.packages.find((p) => p.key === chosen && p.layer >= 0) ?? null) : null;
  const removedCount = report.packages.filter((p) => p.removedBy !== null).length;

  if (report.packages.length === 0)
    return (
      <p className="muted" data-testid="packages-empty">
        No package database was found (dpkg, apk, rpm, Python, npm, Go build info).
      </p>
    );
  return (
    <div className="au-packages">
      <div className="au-controls">
        <input
          type="search"
          className="input"
          placeholder="Search packages"
          aria-label="Search packages by name"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          data-testid="package-search"
        />
        <select className="input" aria-label="Ecosystem" value={eco} onChange={(e) => setEco(e.target.value as Ecosystem | 'all')}>
          <option value="all">all ecosystems</option>
          {present.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
        <select className="input" aria-label="Sort packages" value={sort} onChange={(e) => setSort(e.target.value as Sort)} data-testid="package-sort">
          <option value="name">by name</option>
          <option value="size">by size</option>
          <option value="layer">by layer</option>
        </select>
        {removedCount > 0 && (
          <label className="au-check">
            <input type="checkbox" checked={removed} onChange={(e) => setRemoved(e.target.checked)} /> removed ({removedCount})
          </label>
        )}
      </div>
      <p className="muted au-count" aria-live="polite">
        {formatCount(list.length)} of {formatCount(report.packages.length)} packages
      </p>
      <div className="au-list" ref={scroller} role="listbox" aria-label="Packages" data-testid="package-list">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((v) => {
            const p = list[v.index]!;
            return (
              <div
                key={p.key + p.layer}
                role="option"
                aria-selected={chosen === p.key}
                tabIndex={-1}
                className={`au-row${p.removedBy !== null ? ' is-removed' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_H, transform: `translateY(${v.start}px)` }}
                onClick={() => setChosen(p.key)}
                onKeyDown={(e) => e.key === 'Enter' && setChosen(p.key)}
                data-testid="package-row"
                data-name={p.name}
              >
                <span className="au-swatch" style={{ background: layerColor(p.layer) }} title={`installed by layer ${p.layer}`} />
                <span className="au-row__name">
                  <SafeText text={p.name} />
                </span>
                <span className="au-row__ver mono">
                  <SafeText text={p.version} />
                </span>
                <span className="au-eco">{p.ecosystem}</span>
                <span className="au-row__size num">{p.size === null ? '' : formatBytes(p.size)}</span>
              </div>
            );
          })}
        </div>
      </div>
      {pkg && <PackageDetail pkg={pkg} />}
    </div>
  );
}

function PackageDetail({ pkg }: { pkg: AuditPackage }) {
  const files = pkg.files.filter((f) => f !== '/');
  const reveal = firstLeaf(files) ?? pkg.detail?.dir ?? pkg.source;
  return (
    <section className="au-detail" aria-label={`Package ${pkg.name}`} data-testid="package-detail">
      <h4>
        <SafeText text={pkg.name} /> <span className="mono muted">{pkg.version}</span> <span className="au-eco">{pkg.ecosystem}</span>
      </h4>
      {pkg.detail?.summary && (
        <p className="muted">
          <SafeText text={pkg.detail.summary} />
        </p>
      )}
      <ol className="au-history" aria-label="History across layers">
        {pkg.history.map((h) => (
          <li key={`${h.layer}-${h.action}`}>
            <LayerChip layer={h.layer} /> {h.action}{' '}
            <span className="mono">
              <SafeText text={h.action === 'removed' ? (h.from ?? '') : h.from ? `${h.from} → ${h.version}` : h.version} />
            </span>{' '}
            <StepText layer={h.layer} />
          </li>
        ))}
      </ol>
      <dl className="au-dl">
        {pkg.size !== null && (
          <>
            <dt>Installed size</dt>
            <dd>{formatBytes(pkg.size)}</dd>
          </>
        )}
        {pkg.arch && (
          <>
            <dt>Architecture</dt>
            <dd>
              <SafeText text={pkg.arch} />
            </dd>
          </>
        )}
        <dt>Recorded in</dt>
        <dd className="mono">
          <SafeText text={pkg.source} />
        </dd>
        {pkg.detail?.license && (
          <>
            <dt>License</dt>
            <dd>
              <SafeText text={pkg.detail.license} />
            </dd>
          </>
        )}
      </dl>
      <button type="button" className="btn btn-sm" onClick={() => revealInTree(reveal)} data-testid="package-reveal">
        Reveal in tree
      </button>
      {files.length > 0 && (
        <details className="au-files">
          <summary>
            {formatCount(files.length)} file{files.length === 1 ? '' : 's'}
          </summary>
          <ul>
            {files.slice(0, FILES_SHOWN).map((f) => (
              <li key={f}>
                <button type="button" className="au-link mono" onClick={() => revealInTree(f)}>
                  <SafeText text={f} />
                </button>
              </li>
            ))}
            {files.length > FILES_SHOWN && <li className="muted">and {formatCount(files.length - FILES_SHOWN)} more</li>}
          </ul>
        </details>
      )}
    </section>
  );
}

/** The first listed path that is not a directory of another listed path (dpkg lists directories too). */
function firstLeaf(files: readonly string[]): string | undefined {
  const sorted = [...files].sort();
  const dirs = new Set<string>();
  for (let i = 0; i + 1 < sorted.length; i++) if (sorted[i + 1]!.startsWith(`${sorted[i]}/`)) dirs.add(sorted[i]!);
  return files.find((f) => !dirs.has(f));
}
