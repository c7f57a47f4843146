/**
 * The selected layer as a blob, the way Registry Explorer shows one: digest,
 * diff_id, media type, compression, stored and uncompressed size, entries, what
 * it changes, the full build step, its integrity — and downloads: the layer as
 * stored, and its uncompressed tar (decoded in pieces, src/core/write/blobTar.ts).
 */
import { useStore } from '../../state/store';
import { effectiveLayer } from '../../state/hooks';
import { blobOf } from '../../core/read/archive';
import { stepInstruction } from '../../core/model/buildStep';
import { formatBytes } from '../../core/formatBytes';
import type { LoadedImage } from '../../core/session';
import { layerColor, layerTint } from '../colors';
import { formatCount, shortDigest } from '../format/format';
import { CreatedValue } from '../format/CreatedValue';
import { SafeText } from '../format/SafeText';
import { sharedCaption, stackLayout } from '../StackDiagram/stackModel';
import { PreparedDownload } from '../Download/DownloadButton';
import { readLayerTarStream } from '../../state/actions';
import { LayerAuditSection } from '../Audit/LayerAudit';
import './LayerDetails.css';
import { selectDigestsChecking, selectImageInfo, selectShown } from '../../state/selectors';

const EXTENSION: Record<string, string> = { none: '.tar', gzip: '.tar.gz', zstd: '.tar.zst' };

export function LayerDetails() {
  const loaded = useStore(selectShown);
  const image = useStore(selectImageInfo);
  const selected = useStore((s) => s.selectedLayer);
  const verifying = useStore(selectDigestsChecking);
  const n = image?.layers.length ?? 0;
  const layer = effectiveLayer(selected, n);
  if (!image || layer < 0) {
    return (
      <div className="ld ld--empty">
        <p className="muted">Select a layer in the stack to see it as a blob: digests, sizes, its build step, and its tar to download.</p>
      </div>
    );
  }
  const ref = image.layers[layer]!;
  const idx = loaded?.layers[layer] ?? null;
  const stats = loaded?.stats.layers[layer];
  const check = loaded?.integrity[layer];
  const error = loaded?.layerErrors[layer] ?? null;
  const layout = stackLayout(image.layers, image.history);
  const base = layer <= layout.baseTop;
  const compression = idx?.compression ?? ref.compression ?? 'none';
  const step = image.history.find((h) => !h.emptyLayer && h.layerIndex === layer);
  const shared = sharedCaption(ref.sharedWith, loaded?.info.images ?? []);
  const fileStem = `layer-${layer}-${shortDigest(ref.diffId ?? ref.digest) || 'blob'}`;

  return (
    <section className="ld" aria-label={`Layer ${layer}`} data-testid="layer-details" data-layer={layer}>
      <header className="ld-head">
        <span className="ld-chip" style={{ borderColor: layerColor(layer), background: layerTint(layer) }} aria-hidden="true">
          {layer}
        </span>
        <h2 className="ld-title">
          {ref.synthetic === 'container' ? `Layer ${layer}: the container’s read-write layer` : `Layer ${layer}`}
          <span className="muted"> of {layout.rootfsTop + 1}</span>
        </h2>
        <div className="ld-chips">
          {base && <span className="chip">base image layer</span>}
          {ref.synthetic === 'commit' && <span className="chip">committed in this page</span>}
          {shared && <span className="chip ld-shared">{shared}</span>}
          {error && <span className="chip ld-failed">could not be read</span>}
        </div>
      </header>

      <section className="ld-section" aria-label="Build step">
        <h3>Created by</h3>
        {ref.createdBy ? (
          <pre className="ld-step" data-testid="layer-created-by">
            <SafeText text={stepInstruction(ref.createdBy)} content />
          </pre>
        ) : (
          <p className="muted">No history step records this layer.</p>
        )}
        {ref.createdBy && stepInstruction(ref.createdBy) !== ref.createdBy.trim() && (
          <details className="ld-raw">
            <summary>As recorded (created_by)</summary>
            <pre className="ld-step">
              <SafeText text={ref.createdBy} content />
            </pre>
          </details>
        )}
        {step?.created && (
          <p className="muted ld-small" data-testid="layer-created">
            Created <CreatedValue created={step.created} />
          </p>
        )}
      </section>

      <LayerAuditSection layer={layer} />

      <section className="ld-section" aria-label="Blob">
        <h3>Blob</h3>
        <dl className="ld-dl">
          <Digest k="Digest (stored blob)" v={ref.digest} state={check?.digest} verifying={verifying} />
          <Digest k="diff_id (uncompressed tar)" v={ref.diffId} state={check?.diffId} verifying={verifying} />
          <dt>Media type</dt>
          <dd className="mono">{ref.mediaType ? <SafeText text={ref.mediaType} /> : <span className="muted">not recorded (docker save ≤ 24)</span>}</dd>
          <dt>Compression</dt>
          <dd>{compression === 'none' ? 'none (a plain tar)' : compression}</dd>
          <dt>Stored</dt>
          <dd>
            {formatBytes(ref.blob.size)} <span className="muted num">({formatCount(ref.blob.size)} bytes)</span>
          </dd>
          <dt>Uncompressed</dt>
          <dd>
            {idx ? (
              <>
                {formatBytes(idx.tarSize)} <span className="muted num">({formatCount(idx.tarSize)} bytes of tar)</span>
                {compression !== 'none' && idx.tarSize > 0 && <span className="muted"> · ratio {(ref.blob.size / idx.tarSize).toFixed(2)}</span>}
              </>
            ) : (
              <span className="muted">{error ? 'unknown' : 'read when the layer is indexed'}</span>
            )}
          </dd>
          <dt>In the archive</dt>
          <dd className="mono ld-wrap">
            <SafeText text={ref.blob.entryName} />
          </dd>
        </dl>
      </section>

      <section className="ld-section" aria-label="Contents">
        <h3>Contents</h3>
        {stats ? (
          <dl className="ld-dl" data-testid="layer-contents">
            <dt>Entries</dt>
            <dd className="num">
              {formatCount(stats.entries)} tar entr{stats.entries === 1 ? 'y' : 'ies'}
              {stats.whiteouts > 0 && `, ${formatCount(stats.whiteouts)} whiteout${stats.whiteouts === 1 ? '' : 's'}`}
              {stats.opaqueDirs > 0 && `, ${formatCount(stats.opaqueDirs)} opaque director${stats.opaqueDirs === 1 ? 'y' : 'ies'}`}
            </dd>
            <dt>Files</dt>
            <dd>{formatBytes(stats.bytesAdded)} of file data</dd>
            <dt>Changes</dt>
            <dd className="num">
              <span className="ld-add">+{formatCount(stats.added)}</span> added · <span className="ld-mod">~{formatCount(stats.modified)}</span> modified ·{' '}
              <span className="ld-del">−{formatCount(stats.deleted)}</span> deleted
              {stats.metadataOnly > 0 && ` · ${formatCount(stats.metadataOnly)} metadata only`}
            </dd>
            <dt>Hidden later</dt>
            <dd>
              {stats.hiddenBytes > 0 ? (
                <>{formatBytes(stats.hiddenBytes)} of this layer are overwritten or deleted by later layers, and still ship</>
              ) : (
                <span className="muted">nothing: every byte is visible in the final image</span>
              )}
            </dd>
          </dl>
        ) : (
          <p className="muted">{error ? `This layer could not be read: ${error}` : 'Known once every layer is read…'}</p>
        )}
      </section>

      {loaded && !error && <Downloads loaded={loaded} layer={layer} compression={compression} stem={fileStem} />}
    </section>
  );
}

function Digest({ k, v, state, verifying }: { k: string; v: string | null; state?: 'ok' | 'mismatch' | 'unchecked'; verifying: boolean }) {
  const text = !v ? null : state === 'ok' ? '✓ verified' : state === 'mismatch' ? '✗ does not match' : verifying ? 'checking…' : 'not checked';
  return (
    <>
      <dt>{k}</dt>
      <dd className="mono ld-wrap">
        {v ? <SafeText text={v} /> : <span className="muted">not recorded</span>}
        {text && <span className={`ld-check ld-check--${state ?? 'unchecked'}`}> {text}</span>}
      </dd>
    </>
  );
}

function Downloads({ loaded, layer, compression, stem }: { loaded: LoadedImage; layer: number; compression: string; stem: string }) {
  const source = () => ({ blob: blobOf(loaded.outer, loaded.image.layers[layer]!.blob) });
  const tarSize = loaded.layers[layer]?.tarSize ?? 0;
  return (
    <section className="ld-section" aria-label="Download">
      <h3>Download</h3>
      <div className="ld-downloads">
        <PreparedDownload
          testId="download-layer-stored"
          label={`Layer as stored (${formatBytes(loaded.image.layers[layer]!.blob.size)}, ${EXTENSION[compression]})`}
          title="The blob exactly as the archive stores it (its sha256 is the layer's digest)"
          name={`${stem}${EXTENSION[compression] ?? '.tar'}`}
          size={loaded.image.layers[layer]!.blob.size}
          prepare={async () => source().blob}
        />
        {compression !== 'none' && (
          <PreparedDownload
            testId="download-layer-tar"
            label={`Uncompressed tar (${formatBytes(tarSize)})`}
            title="The layer decompressed: the tar whose sha256 is its diff_id"
            name={`${stem}.tar`}
            type="application/x-tar"
            size={tarSize}
            // decoded in a worker and written chunk by chunk (core/read/entryStream.ts)
            prepare={async () => readLayerTarStream(layer)}
          />
        )}
      </div>
      <p className="muted ld-small">
        Nothing is uploaded: the file is assembled in this page{compression !== 'none' ? ', decompressed piece by piece' : ' from the archive you opened'}.
      </p>
    </section>
  );
}
