/**
 * Image totals (size, hidden bytes, dive's efficiency and wasted bytes as dive
 * computes them), the integrity of each layer (computed digests against the
 * config's diff_ids and the manifest's blob digests), and the 20 files with
 * the most hidden bytes, each a link that selects it in the tree.
 */
import { useStore } from '../../state/store';
import { revealPath } from '../../state/urlHash';
import { pathHistory } from '../../core/model/union';
import type { HiddenFile, ImageStats } from '../../core/model/stats';
import type { IntegrityCheck, LoadedImage } from '../../core/session';
import { layerColor } from '../colors';
import { formatBytes, formatCount, formatPercent, shortDigest } from '../format/format';
import { displayName } from '../format/displayName';
import { SafeText } from '../format/SafeText';
import { Section } from './Section';
import { InefficientFiles } from './InefficientFiles';
import { userWastedExplanation } from './inefficient';
import { Rich } from '../Teach/Rich';
import { selectDigestsChecking, selectShown, selectStatus } from '../../state/selectors';

/** How many of the files with the most hidden bytes are listed (the stats engine computes DEFAULT_TOP_HIDDEN = 20). */
const TOP_FILES = 20;

export function Totals() {
  const loaded = useStore(selectShown);
  const status = useStore(selectStatus);
  if (!loaded) {
    return (
      <Section title="Totals" id="ip-totals">
        <p className="muted">{status === 'loading' ? 'Computed when every layer has been read…' : 'Not available.'}</p>
      </Section>
    );
  }
  return (
    <>
      <Figures stats={loaded.stats} loaded={loaded} />
      <TopHidden loaded={loaded} />
      <InefficientFiles loaded={loaded} />
      <Integrity loaded={loaded} />
    </>
  );
}

function Figure({ k, v, title, warn = false }: { k: string; v: string; title?: string; warn?: boolean }) {
  return (
    <div className={`ip-figure${warn ? ' ip-figure--warn' : ''}`} title={title}>
      <span className="ip-figure__v">{v}</span>
      <span className="ip-figure__k">{k}</span>
    </div>
  );
}

function Figures({ stats, loaded }: { stats: ImageStats; loaded: LoadedImage }) {
  const d = stats.dive;
  const hiddenShare = stats.imageSize > 0 ? stats.hiddenBytes / stats.imageSize : 0;
  const files = stats.layers.reduce((n, l) => n + l.entries, 0);
  const stored = loaded.image.layers.reduce((n, l) => n + l.blob.size, 0);
  return (
    <Section title="Totals" id="ip-totals">
      <div className="ip-figures" data-testid="image-totals">
        <Figure k="image size (file bytes in all layers)" v={formatBytes(stats.imageSize)} title={`${formatCount(stats.imageSize)} bytes`} />
        <Figure
          k={`hidden by later layers (${formatPercent(hiddenShare)})`}
          v={formatBytes(stats.hiddenBytes)}
          title={`${formatCount(stats.hiddenBytes)} bytes ship in a layer but are overwritten, deleted or hidden by a later one`}
          warn={stats.hiddenBytes > 0}
        />
        <Figure k="stored (as in the archive)" v={formatBytes(stored)} title={`${formatCount(stored)} bytes`} />
        <Figure k="tar entries in all layers" v={formatCount(files)} />
      </div>
      <div className="ip-dive" data-testid="dive-figures">
        <span className="ip-dive__title">Efficiency as dive computes it</span>
        <dl className="ip-dl">
          <dt>Efficiency score</dt>
          <dd className="num">{formatPercent(d.score, 4)}</dd>
          <dt>Wasted bytes</dt>
          <dd className="num" title={`${formatCount(d.wastedBytes)} bytes`}>
            {formatBytes(d.wastedBytes)}
          </dd>
          <dt title="dive --ci's highestUserWastedPercent: wasted bytes divided by the bytes of every layer but the first">Wasted / bytes above layer 0</dt>
          <dd className="num" data-testid="user-wasted">
            {Number.isFinite(d.userWastedPercent) ? formatPercent(d.userWastedPercent, 2) : 'n/a (no layers above the base)'}
          </dd>
        </dl>
        {userWastedExplanation(d) && (
          <p className="muted ip-note" data-testid="user-wasted-explained">
            <Rich text={userWastedExplanation(d)!} /> Here: {formatBytes(d.wastedBytes)} wasted against {formatBytes(d.userSizeBytes)} in the layers above layer
            0.
          </p>
        )}
        {d.abortedLayers.length > 0 && (
          <p className="muted ip-note">
            dive stops walking layer{d.abortedLayers.length > 1 ? 's' : ''} {d.abortedLayers.join(', ')} at a whiteout of a path absent below, so these figures
            omit the rest of {d.abortedLayers.length > 1 ? 'those layers' : 'that layer'}, as dive does.
          </p>
        )}
      </div>
    </Section>
  );
}

/**
 * The layer to show when a hidden file's link is followed: the one that hid
 * its last hidden version (overwrote, deleted, made opaque or replaced it), so
 * the tree shows the change; the shipping layer if nothing later hid it.
 */
function layerToShow(loaded: LoadedImage, f: HiddenFile): number {
  const lastShipped = f.layers.at(-1) ?? loaded.layers.length - 1;
  const hist = pathHistory(loaded.union, loaded.layers, f.node);
  const hider = hist.find(
    (h) => h.layer > lastShipped && (h.action === 'modified' || h.action === 'deleted' || h.action === 'opaque-hidden' || h.action === 'replaced'),
  );
  return hider ? hider.layer : lastShipped;
}

function TopHidden({ loaded }: { loaded: LoadedImage }) {
  const selectLayer = useStore((s) => s.selectLayer);
  const setRightPane = useStore((s) => s.setRightPane);
  const files = loaded.stats.topHidden.slice(0, TOP_FILES);

  const go = (f: HiddenFile) => {
    selectLayer(layerToShow(loaded, f));
    revealPath(useStore, f.path);
    setRightPane('details');
  };

  return (
    <Section title={`Top ${TOP_FILES} files by hidden bytes`} id="ip-top">
      {files.length === 0 ? (
        <p className="muted">No file is hidden by a later layer: every byte shipped is visible.</p>
      ) : (
        <table className="ip-top" data-testid="top-hidden">
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col" className="ip-top__n">
                Hidden
              </th>
              <th scope="col" className="ip-top__v">
                Versions
              </th>
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.node}>
                <td>
                  <button
                    type="button"
                    className="ip-link"
                    onClick={() => go(f)}
                    title={`${displayName(f.path)} — ${f.visible ? 'a later version is visible' : 'not visible in the final image'}; shipped by layer${f.layers.length > 1 ? 's' : ''} ${[...new Set(f.layers)].join(', ')}`}
                    aria-label={`${displayName(f.path)}: ${formatBytes(f.bytes)} hidden; show in the tree`}
                  >
                    <SafeText text={f.path} />
                  </button>
                </td>
                <td className="ip-top__n" title={`${formatCount(f.bytes)} bytes`}>
                  {formatBytes(f.bytes)}
                </td>
                <td className="ip-top__v">
                  <span className="ip-top__layers" role="img" aria-label={`layers ${[...new Set(f.layers)].join(', ')}`}>
                    {[...new Set(f.layers)].slice(0, 4).map((l) => (
                      <span key={l} className="ip-top__dot" style={{ background: layerColor(l) }} title={`layer ${l}`} />
                    ))}
                  </span>
                  {f.versions}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function CheckCell({
  state,
  expected,
  computed,
  pending,
}: {
  state: IntegrityCheck['diffId'];
  expected: string | null;
  computed: string | null;
  pending: boolean;
}) {
  // Digests are computed after the image is shown (session.verifyImage): until then a
  // recorded digest is "checking…", not "not checked".
  const checking = state === 'unchecked' && pending && expected !== null;
  const text = state === 'ok' ? '✓ matches' : state === 'mismatch' ? '✗ mismatch' : checking ? 'checking…' : 'not checked';
  const title =
    state === 'unchecked'
      ? expected
        ? checking
          ? `expected ${expected}; being computed`
          : `expected ${expected}; not computed`
        : 'nothing to compare against (the archive records no digest for it)'
      : `expected ${expected}\ncomputed ${computed}`;
  return (
    <td>
      <span className={`ip-check ip-check--${state}`} title={title}>
        {text}
      </span>
      {state === 'mismatch' && <span className="mono muted"> {shortDigest(computed)}</span>}
    </td>
  );
}

function Integrity({ loaded }: { loaded: LoadedImage }) {
  const verifying = useStore(selectDigestsChecking);
  const bad = loaded.integrity.filter((c) => c.diffId === 'mismatch' || c.digest === 'mismatch').length;
  const failed = loaded.layerErrors.filter(Boolean).length;
  const checked = loaded.integrity.filter((c) => c.diffId !== 'unchecked' || c.digest !== 'unchecked').length;
  return (
    <Section title="Integrity" id="ip-integrity">
      <p className={`ip-note ${bad || failed ? '' : 'muted'}`} data-testid="integrity-summary">
        {bad > 0
          ? `${bad} layer${bad > 1 ? 's do' : ' does'} not match the digest the image records.`
          : verifying
            ? 'Checking every layer’s sha256 against the digests the image records, in the background (the image can be explored meanwhile)…'
            : failed > 0
              ? `${failed} layer${failed > 1 ? 's' : ''} could not be read; the others match what the image records where it records a digest.`
              : checked === 0
                ? 'No layer was checked: the archive records no digest to compare with.'
                : 'Every layer read matches the digests the image records (sha256 of the uncompressed tar against the config’s diff_ids; of the stored blob against the manifest).'}
      </p>
      <table className="ip-integrity">
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">diff_id (uncompressed)</th>
            <th scope="col">blob digest</th>
          </tr>
        </thead>
        <tbody>
          {loaded.integrity.map((c) => (
            <tr key={c.layer}>
              <td>
                <span className="ip-top__dot" style={{ background: layerColor(c.layer) }} aria-hidden="true" /> {c.layer}
              </td>
              {loaded.layerErrors[c.layer] ? (
                <td colSpan={2}>
                  <span className="ip-check ip-check--failed" title={loaded.layerErrors[c.layer] ?? ''}>
                    could not be read
                  </span>
                </td>
              ) : (
                <>
                  <CheckCell state={c.diffId} expected={c.expectedDiffId} computed={c.computedDiffId} pending={verifying} />
                  <CheckCell state={c.digest} expected={c.expectedDigest} computed={c.computedDigest} pending={verifying} />
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
