/**
 * Both layer stacks side by side, bottom layer last (as the page's stack diagram
 * draws them), shared layers (same diff_id) on one row and linked, the first layer
 * where the stacks diverge marked, and what sharing saves: the two sizes
 * `docker images` lists against the disk they use together.
 */
import type { LayerMatch, SharedBytes } from '../../core/compare/layers';
import type { LoadedImage } from '../../core/session';
import { stepLabel } from '../../core/model/buildStep';
import { layerColor } from '../colors';
import { formatBytes, shortDigest } from '../format/format';
import { SafeText } from '../format/SafeText';

interface Props {
  layers: LayerMatch;
  a: LoadedImage;
  b: LoadedImage;
  /** The trees compared are as of these layers (higher ones are greyed). */
  topA: number;
  topB: number;
  onPickLayer?(side: 'a' | 'b', layer: number): void;
}

function LayerCell({ img, i, keyText, failed }: { img: LoadedImage; i: number; keyText: string | null; failed: boolean }) {
  const ref = img.image.layers[i];
  const bytes = img.stats.layers[i]?.bytesAdded ?? 0;
  const step = stepLabel(ref?.createdBy);
  return (
    <div className={`cmp-layer${failed ? ' cmp-layer--failed' : ''}`}>
      <span className="cmp-layer__swatch" style={{ background: layerColor(i) }} aria-hidden="true" />
      <span className="cmp-layer__index">{i}</span>
      <span className="cmp-layer__digest" title={keyText ?? 'no diff_id'}>
        {shortDigest(keyText)}
      </span>
      <span className="cmp-layer__size">{formatBytes(bytes)}</span>
      <span className="cmp-layer__step" title={step}>
        {failed ? 'could not be read' : <SafeText text={step || '—'} />}
      </span>
    </div>
  );
}

function Figures({ label, f }: { label: string; f: SharedBytes }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{formatBytes(f.a)}</td>
      <td>{formatBytes(f.b)}</td>
      <td>{formatBytes(f.shared)}</td>
      <td>{formatBytes(f.uniqueA)}</td>
      <td>{formatBytes(f.uniqueB)}</td>
    </tr>
  );
}

export function LayerStacks({ layers, a, b, topA, topB, onPickLayer }: Props) {
  const rows = [...layers.rows].reverse(); // top of the stack first
  const failedA = (i: number) => a.layers[i] === null || a.layerErrors[i] != null;
  const failedB = (i: number) => b.layers[i] === null || b.layerErrors[i] != null;
  const shared = layers.rows.filter((r) => r.shared).length;
  return (
    <section className="cmp-stacks" aria-label="Layers of both images" data-testid="compare-stacks">
      <p className="cmp-stacks__summary">
        {layers.identical
          ? 'The same layers in the same order.'
          : `${shared} shared layer${shared === 1 ? '' : 's'}; ${
              layers.divergence === 0 ? 'different from the bottom layer up' : `the same base of ${layers.commonBase}, diverging at layer ${layers.divergence}`
            }.`}
      </p>
      <ol className="cmp-stacks__rows">
        {rows.map((r) => {
          const divergent = layers.divergence !== null && !r.shared && (r.a === layers.divergence || r.b === layers.divergence);
          const crossA = (r.a !== null && !r.shared ? layers.partnersA[r.a] : undefined) ?? [];
          return (
            <li
              key={`${r.a}-${r.b}`}
              className={`cmp-stacks__row${r.shared ? ' cmp-stacks__row--shared' : ''}${divergent ? ' cmp-stacks__row--diverge' : ''}`}
              data-shared={r.shared ? 'true' : 'false'}
              data-a={r.a ?? ''}
              data-b={r.b ?? ''}
            >
              <button
                type="button"
                className={`cmp-stacks__side${r.a !== null && r.a > topA ? ' cmp-stacks__side--above' : ''}`}
                disabled={r.a === null}
                onClick={() => r.a !== null && onPickLayer?.('a', r.a)}
                title={r.a !== null ? `A's tree as of layer ${r.a}` : undefined}
              >
                {r.a !== null ? (
                  <LayerCell img={a} i={r.a} keyText={layers.keysA[r.a] ?? null} failed={failedA(r.a)} />
                ) : (
                  <span className="cmp-layer cmp-layer--gap" />
                )}
              </button>
              <span
                className="cmp-stacks__link"
                title={r.shared ? 'the same layer (same diff_id)' : r.a !== null && r.b !== null ? 'different layers' : undefined}
              >
                <span aria-hidden="true">{r.shared ? '=' : r.a !== null && r.b !== null ? '≠' : ''}</span>
                <span className="sr-only">{r.shared ? 'shared' : r.a !== null && r.b !== null ? 'different' : ''}</span>
                {crossA.length > 0 && (
                  <span className="cmp-stacks__cross" title={`also in B as layer ${crossA.join(', ')}, at another position`}>
                    ↔{crossA.join(',')}
                  </span>
                )}
              </span>
              <button
                type="button"
                className={`cmp-stacks__side${r.b !== null && r.b > topB ? ' cmp-stacks__side--above' : ''}`}
                disabled={r.b === null}
                onClick={() => r.b !== null && onPickLayer?.('b', r.b)}
                title={r.b !== null ? `B's tree as of layer ${r.b}` : undefined}
              >
                {r.b !== null ? (
                  <LayerCell img={b} i={r.b} keyText={layers.keysB[r.b] ?? null} failed={failedB(r.b)} />
                ) : (
                  <span className="cmp-layer cmp-layer--gap" />
                )}
              </button>
              {divergent && (
                // A line of its own under the row (the rows run top first, so the boundary with the
                // shared base is below it), never over a cell: drawn over B's corner it hid the size.
                <span className="cmp-stacks__mark" title="The lowest layer where the two stacks differ: the rows below it are shared">
                  <span aria-hidden="true">↑ </span>first difference
                </span>
              )}
            </li>
          );
        })}
      </ol>
      <table className="cmp-bytes" data-testid="compare-bytes">
        <caption>Bytes shared and unique{layers.incomplete ? ' (a layer could not be read: what was not read is left out)' : ''}</caption>
        <thead>
          <tr>
            <th />
            <th scope="col">A</th>
            <th scope="col">B</th>
            <th scope="col">shared</th>
            <th scope="col">only A</th>
            <th scope="col">only B</th>
          </tr>
        </thead>
        <tbody>
          <Figures label="files" f={layers.files} />
          <Figures label="stored" f={layers.stored} />
        </tbody>
      </table>
      <dl className="cmp-bytes__sums" data-testid="compare-sums">
        <div>
          <dt>
            <code>docker images</code> lists
          </dt>
          <dd>
            {formatBytes(layers.files.a)} + {formatBytes(layers.files.b)} = {formatBytes(layers.files.sum)}
          </dd>
        </div>
        <div>
          <dt>on disk together</dt>
          <dd>{formatBytes(layers.files.disk)}</dd>
        </div>
        <div>
          <dt>pulled / stored as blobs</dt>
          <dd>{formatBytes(layers.stored.distinct)}</dd>
        </div>
      </dl>
      <p className="cmp-bytes__note">
        A shared layer is stored and pulled once, so the sum of the two sizes overstates the disk they use by{' '}
        {formatBytes(layers.files.sum - layers.files.disk)}. Docker and containerd unpack a layer once per base it sits on (its ChainID): a layer shared on a
        different base is pulled once but unpacked twice.
      </p>
    </section>
  );
}
