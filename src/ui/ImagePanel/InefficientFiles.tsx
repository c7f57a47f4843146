/**
 * dive's inefficient files, all of them (up to MAX_DIVE_INEFFICIENCIES_LISTED;
 * the count is always the full one): paths dive saw in two or more layers, with
 * the bytes it counts as wasted, sortable, paged, exportable as CSV and as JSON
 * in `dive --json`'s shape. Each path leads to the tree at the last layer that
 * touched it.
 */
import { useMemo, useState } from 'react';
import { useStore } from '../../state/store';
import { revealPath } from '../../state/urlHash';
import { formatBytes } from '../../core/formatBytes';
import type { LoadedImage } from '../../core/session';
import { layerColor } from '../colors';
import { formatCount } from '../format/format';
import { displayName } from '../format/displayName';
import { SafeText } from '../format/SafeText';
import { saveBlob } from '../Download/save';
import { Section } from './Section';
import { inefficienciesCsv, inefficienciesJson, sortInefficiencies, type IneffSort } from './inefficient';

/** Rows added per "show more": a page of the list stays quick to render. */
export const INEFF_PAGE = 100;

export function InefficientFiles({ loaded }: { loaded: LoadedImage }) {
  const d = loaded.stats.dive;
  const [sort, setSort] = useState<IneffSort>('size');
  const [shown, setShown] = useState(INEFF_PAGE);
  const list = useMemo(() => sortInefficiencies(d.inefficiencies, sort), [d, sort]);
  const selectLayer = useStore((s) => s.selectLayer);
  const setRightPane = useStore((s) => s.setRightPane);
  const stem = (loaded.image.tags[0] ?? 'image').replace(/[^A-Za-z0-9._-]+/g, '_');

  const go = (path: string, layers: number[]) => {
    selectLayer(layers[layers.length - 1] ?? loaded.layers.length - 1);
    revealPath(useStore, path);
    setRightPane('details');
  };

  return (
    <Section
      title="Inefficient files (as dive lists them)"
      id="ip-ineff"
      actions={
        list.length > 0 && (
          <span className="ip-actions">
            <button
              type="button"
              className="btn btn-sm"
              data-testid="ineff-csv"
              onClick={() => saveBlob(new Blob([inefficienciesCsv(list)], { type: 'text/csv' }), `${stem}-inefficient-files.csv`)}
            >
              CSV
            </button>
            <button
              type="button"
              className="btn btn-sm"
              data-testid="ineff-json"
              onClick={() => saveBlob(new Blob([inefficienciesJson(d, list)], { type: 'application/json' }), `${stem}-inefficient-files.json`)}
            >
              JSON
            </button>
          </span>
        )
      }
    >
      <p className="muted ip-note" data-testid="ineff-count">
        {d.inefficiencyCount === 0
          ? 'dive finds no path in more than one layer.'
          : `${formatCount(d.inefficiencyCount)} path${d.inefficiencyCount === 1 ? '' : 's'} in two or more layers, ${formatBytes(d.wastedBytes)} counted as wasted${d.inefficiencyCount > d.inefficiencies.length ? ` (the ${formatCount(d.inefficiencies.length)} largest are listed)` : ''}.`}
      </p>
      {list.length > 0 && (
        <>
          <label className="ip-sort">
            Sort by{' '}
            <select className="select" value={sort} onChange={(e) => setSort(e.target.value as IneffSort)} data-testid="ineff-sort">
              <option value="size">bytes wasted</option>
              <option value="count">times seen</option>
              <option value="path">path</option>
            </select>
          </label>
          <table className="ip-top" data-testid="ineff-table">
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col" className="ip-top__n">
                  Wasted
                </th>
                <th scope="col" className="ip-top__v">
                  Seen
                </th>
              </tr>
            </thead>
            <tbody>
              {list.slice(0, shown).map((x) => (
                <tr key={x.path} data-testid="ineff-row">
                  <td>
                    <button
                      type="button"
                      className="ip-link"
                      onClick={() => go(x.path, x.layers)}
                      title={`${displayName(x.path)}: seen in layers ${x.layers.join(', ')}`}
                    >
                      <SafeText text={x.path} />
                    </button>
                  </td>
                  <td
                    className="ip-top__n"
                    title={`${formatCount(x.cumulativeSize)} bytes over ${x.layers.length} layers (the smallest: ${formatCount(x.minSize)})`}
                  >
                    {formatBytes(x.cumulativeSize)}
                  </td>
                  <td className="ip-top__v">
                    <span className="ip-top__layers" role="img" aria-label={`layers ${x.layers.join(', ')}`}>
                      {[...new Set(x.layers)].slice(0, 4).map((l) => (
                        <span key={l} className="ip-top__dot" style={{ background: layerColor(l) }} title={`layer ${l}`} />
                      ))}
                    </span>
                    {x.layers.length}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown < list.length && (
            <div className="ip-more">
              <span className="muted">
                {formatCount(shown)} of {formatCount(list.length)} shown
              </span>
              <button type="button" className="btn btn-sm" data-testid="ineff-more" onClick={() => setShown((n) => n + INEFF_PAGE)}>
                Show {formatCount(Math.min(INEFF_PAGE, list.length - shown))} more
              </button>
              <button type="button" className="btn btn-sm btn-ghost" onClick={() => setShown(list.length)}>
                Show all
              </button>
            </div>
          )}
        </>
      )}
    </Section>
  );
}
