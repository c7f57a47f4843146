/**
 * Details of the selected path as of the selected layer: every attribute the
 * layer's tar header gives (type, mode, owner, size, mtime, link target, device
 * numbers, xattrs), what a deletion hides and how many bytes still ship, the
 * path's history across layers (click a row to look at that layer), and a
 * preview and download of any of its versions.
 */
import { useMemo } from 'react';
import { stepLabel } from '../../core/model/buildStep';
import { useResetState } from '../hooks/useResetState';
import { useStore } from '../../state/store';
import { useDeferredMerged, type Layers } from '../../state/hooks';
import { changeName, hiddenBelow, modeOctal, modeString, shippedBelow, subtreeSize } from '../../state/treeModel';
import { VersionDiff, contentVersions } from '../Compare/VersionDiff';
import { explorerDigest, explorerRead, explorerTextDiff } from '../Compare/explorerHost';
import { lookup, NodeStatus, pathHistory, pathOf, type HistoryItem, type MergedView, type UnionModel } from '../../core/model/union';
import { throughOf } from '../FileTree/rowModel';
import { resolveHardlink } from '../../core/model/listing';
import { EntryKind, ENTRY_KIND_NAMES, type ImageInfo } from '../../core/types';
import { layerColor, layerTint } from '../colors';
import { formatBytes, formatCount } from '../format/format';
import { displayName } from '../format/displayName';
import { SafeText } from '../format/SafeText';
import { Preview } from '../Preview/Preview';
import { nodeName, previewTargetOf, shownVersion } from '../Preview/target';
import { xattrText } from '../Preview/sniff';
import { PreparedDownload } from '../Download/DownloadButton';
import { directoryTar } from '../../core/write/blobTar';
import { blobOf } from '../../core/read/archive';
import { PackageOwnerRow } from '../Audit/PackageOwner';
import './Details.css';
import { selectImageInfo, selectShown } from '../../state/selectors';

const ACTION_LABEL: Record<HistoryItem['action'], string> = {
  added: 'added',
  modified: 'modified',
  metadata: 'attributes changed',
  unchanged: 're-stated, unchanged',
  deleted: 'deleted (whiteout)',
  'opaque-hidden': 'hidden (opaque directory)',
  replaced: 'removed with its parent',
  implicit: 'implied parent directory',
};

const KIND_LABEL: Record<number, string> = {
  [EntryKind.File]: 'regular file',
  [EntryKind.Dir]: 'directory',
  [EntryKind.Symlink]: 'symbolic link',
  [EntryKind.Hardlink]: 'hard link',
  [EntryKind.Char]: 'character device',
  [EntryKind.Block]: 'block device',
  [EntryKind.Fifo]: 'FIFO (named pipe)',
  [EntryKind.Other]: 'other',
};

export function Details() {
  // With the tree, in the second commit of a new union (useDeferredMerged).
  const ms = useDeferredMerged();
  const selectedPath = useStore((s) => s.selectedPath);
  const image = useStore(selectImageInfo);
  const union = ms?.union ?? null;
  const node = useMemo(() => (union && selectedPath ? lookup(union, selectedPath) : -1), [union, selectedPath]);

  return (
    <section aria-label="Path details" className="details" data-pane="details" tabIndex={-1} data-testid="details">
      {!ms || !selectedPath ? (
        <div className="dt-empty">
          <p>Select a path in the tree to see its attributes, its history across layers and its contents.</p>
        </div>
      ) : node < 0 ? (
        <div className="dt-empty">
          <p className="dt-path mono">
            <SafeText text={selectedPath} />
          </p>
          <p>No layer of this image has this path.</p>
        </div>
      ) : (
        <NodeDetails key={node} union={ms.union} layers={ms.layers} layer={ms.layer} node={node} image={image} merged={ms.merged} />
      )}
    </section>
  );
}

interface NodeProps {
  union: UnionModel;
  layers: Layers;
  layer: number;
  node: number;
  image: ImageInfo | null;
  merged: MergedView;
}

/**
 * History rows drawn in full up to this many (every real image: overlay2 allows 128
 * layers). A longer history (issue 9, point 6: one layer listed 10,000 times makes
 * 10,000 versions of each of its files) shows its first and last HISTORY_END_ROWS rows
 * and the current layer's, with one line for the rows between.
 */
const MAX_HISTORY_ROWS = 128;
const HISTORY_END_ROWS = 50;

function historyRows(history: HistoryItem[], layer: number): (HistoryItem | { gap: true; from: number; to: number; count: number })[] {
  if (history.length <= MAX_HISTORY_ROWS) return history;
  const head = history.slice(0, HISTORY_END_ROWS);
  const tail = history.slice(history.length - HISTORY_END_ROWS);
  const middle = history.slice(HISTORY_END_ROWS, history.length - HISTORY_END_ROWS);
  const at = middle.findIndex((h) => h.layer === layer);
  const gap = (part: HistoryItem[]) => (part.length ? [{ gap: true as const, from: part[0]!.layer, to: part.at(-1)!.layer, count: part.length }] : []);
  if (at < 0) return [...head, ...gap(middle), ...tail];
  return [...head, ...gap(middle.slice(0, at)), middle[at]!, ...gap(middle.slice(at + 1)), ...tail];
}

function NodeDetails({ union: u, layers, layer, node, image, merged }: NodeProps) {
  const selectLayer = useStore((s) => s.selectLayer);
  const selectPath = useStore((s) => s.selectPath);
  const path = pathOf(u, node);
  const name = nodeName(u, node);
  const history = useMemo(() => pathHistory(u, layers, node), [u, layers, node]);
  const st = merged.status[node];
  const change = changeName(merged, node);

  // The version whose attributes are shown: the visible one, or for a deleted path the last one before the deletion.
  const shown = useMemo(() => shownVersion(u, merged, node), [u, node, merged]);

  const contentVersionCount = useMemo(() => contentVersions(u, layers, node).length, [u, layers, node]);
  const versions = history.filter(
    (h) => h.entry >= 0 && (h.action === 'added' || h.action === 'modified' || h.action === 'metadata' || h.action === 'unchanged'),
  );
  // a set: versions.includes per row was quadratic in the history (10,000 rows: 10^8 steps, seconds)
  const versionSet = useMemo(() => new Set(versions), [versions]);
  // The version picked for preview; another file or layer starts from the shown one again.
  const [pv, setPv] = useResetState<{ layer: number; entry: number } | null>(null, [node, layer]);
  const previewVersion = pv ?? (shown && shown.entry >= 0 ? shown : null);
  const previewTarget = useMemo(() => previewTargetOf(u, layers, previewVersion, name), [u, layers, previewVersion, name]);

  const li = shown && shown.entry >= 0 ? layers[shown.layer] : null;
  const e = shown?.entry ?? -1;
  const kind = li ? li.kinds[e]! : shown ? EntryKind.Dir : -1;
  const isDir = kind === EntryKind.Dir;
  const link = li && li.linkIds[e]! >= 0 ? (li.links[li.linkIds[e]!] ?? null) : null;
  const xattrs = li ? li.xattrs.get(e) : undefined;
  const dev = li ? li.devs.get(e) : undefined;
  const hidden = st === NodeStatus.Visible && !isDir ? hiddenBelow(u, layers, node, layer) : null;
  const createdBy = (l: number) => image?.layers[l]?.createdBy ?? null;

  let size: number | null = null;
  if (li && kind === EntryKind.File) size = li.sizes[e]!;
  else if (li && kind === EntryKind.Hardlink) {
    const t = resolveHardlink(u, layers, shown!.layer, e);
    if (t && layers[t[0]]) size = layers[t[0]]!.sizes[t[1]]!;
  }
  const visibleChildren = useMemo(() => {
    if (!isDir || st !== NodeStatus.Visible) return 0;
    let n = 0;
    for (let c = u.childStart[node]!; c < u.childStart[node + 1]!; c++) if (merged.status[u.children[c]!] === NodeStatus.Visible) n++;
    return n;
  }, [u, node, isDir, st, merged]);

  const symlinkTarget = kind === EntryKind.Symlink && link ? resolveSymlinkPath(path, link) : null;
  // the shown version's parent path went through a symlink (issue 9, point 13)
  const through = shown ? throughOf(u, layers, shown.layer, shown.entry) : null;
  // opaque whiteouts (`.wh..wh..opq`, OCI layer.md "Opaque Whiteout") that target this directory, up to the layer shown
  const opaque = useMemo(() => {
    const out: Array<{ layer: number; marker: string }> = [];
    if (!isDir) return out;
    for (let l = 0; l <= layer; l++) {
      const li2 = layers[l];
      const en = u.entryNode[l];
      if (!li2 || !en) continue;
      for (let i = 0; i < li2.count; i++) if (li2.kinds[i] === EntryKind.Opaque && en[i] === node) out.push({ layer: l, marker: '/' + li2.paths[i] });
    }
    return out;
  }, [u, layers, layer, node, isDir]);

  return (
    <div className="dt">
      <header className="dt-head">
        <h2 className="dt-name" title={displayName(path)}>
          <SafeText text={name} />
        </h2>
        <p className="dt-path mono" data-testid="details-path">
          <SafeText text={path} />
        </p>
        <div className="dt-chips">
          {change === 'deleted' ? (
            <span className="dt-chip st-deleted">deleted by this layer ({layer})</span>
          ) : (
            <span className={`dt-chip st-${st === NodeStatus.Visible ? 'visible' : st === NodeStatus.Deleted ? 'deleted' : 'absent'}`}>
              {st === NodeStatus.Visible
                ? 'present'
                : st === NodeStatus.Deleted
                  ? `deleted in layer ${merged.provider[node]}`
                  : `not present in layer ${layer}`}
            </span>
          )}
          {change !== 'unchanged' && change !== 'deleted' && (
            <span className={`dt-chip ch-${change}`}>
              {change} by this layer ({layer})
            </span>
          )}
          {opaque.map((o) => (
            <span
              key={o.layer}
              className="dt-chip opaque"
              title={`${displayName(o.marker)}: everything lower layers had in this directory is hidden from layer ${o.layer} on`}
            >
              opaque in layer {o.layer}
            </span>
          ))}
          {through && (
            <span
              className="dt-chip through"
              data-testid="details-through"
              title={`The layer's tar names this ${displayName(through.tarPath)}; ${displayName(through.link)} is a symlink, so extracting the layer writes it here`}
            >
              <SafeText text={`written through ${through.link} → ${through.target}`} />
            </span>
          )}
          {hidden && hidden.versions > 0 && (
            <span className="dt-chip hides" title="Lower versions are hidden by this one but still ship in their layers">
              hides {hidden.versions} lower version{hidden.versions === 1 ? '' : 's'} · {formatBytes(hidden.bytes)}
            </span>
          )}
        </div>
      </header>

      {st === NodeStatus.Deleted && <DeletionInfo u={u} layers={layers} node={node} layer={merged.provider[node]!} history={history} isDir={isDir} />}
      {st === 0 && <p className="dt-note">{history.length ? `This path exists in other layers: see its history below.` : 'No layer provides this path.'}</p>}

      {shown && (
        <section className="dt-section" aria-label="Attributes">
          <h3>
            Attributes{' '}
            <span className="muted">
              {st === NodeStatus.Deleted
                ? `(last version, from layer ${shown.layer})`
                : shown.entry < 0
                  ? '(implied directory)'
                  : `(from layer ${shown.layer})`}
            </span>
          </h3>
          <dl className="dt-attrs">
            <dt>Type</dt>
            <dd>{KIND_LABEL[kind] ?? ENTRY_KIND_NAMES[kind as EntryKind] ?? 'unknown'}</dd>
            <dt>Mode</dt>
            <dd className="mono">
              {modeString(kind, li ? li.modes[e]! : 0o755)} <span className="muted">{modeOctal(li ? li.modes[e]! : 0o755)}</span>
            </dd>
            <dt>Owner</dt>
            <dd className="mono">
              {li ? `${li.uids[e]}:${li.gids[e]}` : '0:0'} <span className="muted">uid:gid</span>
            </dd>
            <PackageOwnerRow path={path} />
            {size !== null && (
              <>
                <dt>Size</dt>
                <dd>
                  {formatBytes(size)} <span className="muted num">({formatCount(size)} bytes)</span>
                </dd>
              </>
            )}
            {isDir && st === NodeStatus.Visible && (
              <>
                <dt>Contents</dt>
                <dd>
                  {formatCount(visibleChildren)} entr{visibleChildren === 1 ? 'y' : 'ies'}, {formatBytes(subtreeSize(u, layers, merged, node))} in all
                  <div className="dt-dirtar">
                    <DirectoryDownload u={u} layers={layers} merged={merged} node={node} name={name} />
                  </div>
                </dd>
              </>
            )}
            {opaque.length > 0 && (
              <>
                <dt>Opaque</dt>
                <dd>
                  {opaque.map((o) => (
                    <div key={o.layer}>
                      <code>
                        <SafeText text={o.marker} />
                      </code>{' '}
                      in layer {o.layer}: what lower layers had here is hidden, only that layer&apos;s entries show
                    </div>
                  ))}
                </dd>
              </>
            )}
            {li && (
              <>
                <dt>Modified</dt>
                <dd className="mono">{formatMtime(li.mtimes[e]!)}</dd>
              </>
            )}
            {link !== null && kind === EntryKind.Symlink && (
              <>
                <dt>Target</dt>
                <dd className="mono">
                  <SafeText text={link} />{' '}
                  {symlinkTarget && lookup(u, symlinkTarget) >= 0 && (
                    <button
                      type="button"
                      className="btn btn-sm btn-ghost"
                      onClick={() => selectPath(symlinkTarget)}
                      title={`Select ${displayName(symlinkTarget)}`}
                    >
                      Go to <SafeText text={symlinkTarget} />
                    </button>
                  )}
                </dd>
              </>
            )}
            {link !== null && kind === EntryKind.Hardlink && (
              <>
                <dt>Links to</dt>
                <dd className="mono">
                  <SafeText text={'/' + link} />{' '}
                  <button type="button" className="btn btn-sm btn-ghost" onClick={() => selectPath('/' + link)}>
                    Go to it
                  </button>
                </dd>
              </>
            )}
            {dev && (
              <>
                <dt>Device</dt>
                <dd className="mono">
                  {dev[0]}, {dev[1]} <span className="muted">major, minor</span>
                </dd>
              </>
            )}
            {xattrs && Object.keys(xattrs).length > 0 && (
              <>
                <dt>Xattrs</dt>
                <dd>
                  <ul className="dt-xattrs">
                    {Object.entries(xattrs).map(([k, v]) => {
                      const t = xattrText(k, v);
                      return (
                        <li key={k}>
                          <SafeText className="mono" text={k} /> = <SafeText className={t.hex ? 'mono dt-hex' : 'mono'} text={t.text} />
                          {t.hex && <span className="muted"> (hex)</span>}
                        </li>
                      );
                    })}
                  </ul>
                </dd>
              </>
            )}
            {through && (
              <>
                <dt>Written through</dt>
                <dd>
                  the tar entry is <SafeText className="mono" text={through.tarPath} />; its parent path goes through the symlink{' '}
                  <SafeText className="mono" text={through.link} /> → <SafeText className="mono" text={through.target} />, so extracting the layer (umoci,
                  containerd) writes it here and <SafeText className="mono" text={through.link} /> stays a link
                </dd>
              </>
            )}
            {li && (
              <>
                <dt>Tar entry</dt>
                <dd className="muted">
                  #{e} of layer {shown.layer}
                  {kind === EntryKind.File ? `, data at byte ${formatCount(li.dataOffsets[e]!)} of the layer's tar` : ''}
                </dd>
              </>
            )}
          </dl>
        </section>
      )}

      <section className="dt-section" aria-label="History across layers">
        <h3>History</h3>
        <ol className="dt-history" data-testid="history">
          {historyRows(history, layer).map((h) => {
            if ('gap' in h)
              return (
                <li key={`gap${h.from}`} className="dt-hrow dt-hgap muted" data-testid="history-gap">
                  … {formatCount(h.count)} more (layers {h.from}–{h.to}); select a layer in the stack to see its row here
                </li>
              );
            const hl = layers[h.layer];
            const isVersion = versionSet.has(h);
            const verSize = isVersion && hl && hl.kinds[h.entry] === EntryKind.File ? hl.sizes[h.entry]! : null;
            const cause = !isVersion && h.entry >= 0 && hl ? '/' + hl.paths[h.entry] : null;
            const active = previewVersion && previewVersion.layer === h.layer && isVersion;
            return (
              <li
                key={h.layer}
                className={`dt-hrow act-${h.action}${h.layer === layer ? ' is-current' : ''}`}
                data-testid="history-row"
                data-layer={h.layer}
                data-action={h.action}
              >
                <button
                  type="button"
                  className="dt-hbtn"
                  onClick={() => selectLayer(h.layer)}
                  aria-current={h.layer === layer ? 'true' : undefined}
                  title={`Show the filesystem as of layer ${h.layer}${createdBy(h.layer) ? `\n${displayName(createdBy(h.layer)!)}` : ''}`}
                >
                  <LayerChip index={h.layer} />
                  <span className="dt-hact">{ACTION_LABEL[h.action]}</span>
                  {verSize !== null && <span className="dt-hsize num">{formatBytes(verSize)}</span>}
                  {cause && <SafeText className="dt-hcause mono" text={cause} />}
                  {h.entry >= 0 && throughOf(u, layers, h.layer, h.entry) && (
                    <SafeText className="dt-hcause mono" text={`via ${throughOf(u, layers, h.layer, h.entry)!.link}`} />
                  )}
                  <SafeText className="dt-hstep" text={stepLabel(createdBy(h.layer))} />
                </button>
                {isVersion && hl && (hl.kinds[h.entry] === EntryKind.File || hl.kinds[h.entry] === EntryKind.Hardlink) && (
                  <button
                    type="button"
                    className={active ? 'btn btn-sm dt-pvbtn active' : 'btn btn-sm btn-ghost dt-pvbtn'}
                    aria-pressed={!!active}
                    data-testid="preview-version"
                    onClick={() => setPv({ layer: h.layer, entry: h.entry })}
                  >
                    View
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      </section>

      {contentVersionCount >= 2 && (
        <section className="dt-section" aria-label="What changed between versions">
          <h3>What changed between versions</h3>
          <VersionDiff union={u} layers={layers} node={node} read={explorerRead} digest={explorerDigest} textDiff={explorerTextDiff} />
        </section>
      )}

      {previewTarget && (
        <section className="dt-section" aria-label="Contents">
          <h3>
            Contents{' '}
            <span className="muted">
              (version from layer {previewVersion!.layer}
              {previewTarget.layer !== previewVersion!.layer ? `, hard link to layer ${previewTarget.layer}` : ''})
            </span>
          </h3>
          <Preview key={`${previewTarget.layer}/${previewTarget.entry}`} target={previewTarget} />
        </section>
      )}
    </div>
  );
}

function DeletionInfo({
  u,
  layers,
  node,
  layer,
  history,
  isDir,
}: {
  u: UnionModel;
  layers: Layers;
  node: number;
  layer: number;
  history: HistoryItem[];
  isDir: boolean;
}) {
  const ev = history.find((h) => h.layer === layer);
  const li = layers[layer];
  const cause = ev && ev.entry >= 0 && li ? '/' + li.paths[ev.entry] : null;
  const ship = useMemo(() => shippedBelow(u, layers, node, layer), [u, layers, node, layer]);
  let how: React.ReactNode;
  if (ev?.action === 'deleted')
    how = (
      <>
        Layer {layer} deleted it with the whiteout file{' '}
        <code>
          <SafeText text={cause ?? ''} />
        </code>
        : an empty marker named <code>.wh.</code> + the name. When the image is unpacked, the snapshotter turns it into what the union mount understands (for
        overlayfs a 0/0 character device), which hides the path and everything under it.
      </>
    );
  else if (ev?.action === 'opaque-hidden')
    how = (
      <>
        Layer {layer} made its directory opaque with{' '}
        <code>
          <SafeText text={cause ?? ''} />
        </code>
        : everything the lower layers had in that directory is hidden, only what layer {layer} itself puts there shows.
      </>
    );
  else
    how = (
      <>
        Layer {layer} removed a directory above it
        {cause ? (
          <>
            {' '}
            (
            <code>
              <SafeText text={cause} />
            </code>
            )
          </>
        ) : null}
        , so this path went with it.
      </>
    );
  return (
    <div className="dt-deleted" data-testid="deletion-info">
      <p>{how}</p>
      <p>
        {ship.versions > 0 ? (
          <>
            The bytes are not freed: <strong>{formatBytes(ship.bytes)}</strong> in {formatCount(ship.versions)} file version{ship.versions === 1 ? '' : 's'}
            {isDir ? ' under it' : ''} still ship in layer{ship.layers.length === 1 ? '' : 's'} {ship.layers.join(', ')} of the image.
          </>
        ) : (
          <>No file bytes were hidden.</>
        )}
      </p>
    </div>
  );
}

export function LayerChip({ index }: { index: number }) {
  return (
    <span className="dt-layer" style={{ borderColor: layerColor(index), background: layerTint(index) }}>
      <span className="sr-only">layer </span>
      {index}
    </span>
  );
}

/** mtime (seconds, maybe fractional) as UTC. */
function formatMtime(sec: number): string {
  if (!Number.isFinite(sec)) return '';
  const d = new Date(sec * 1000);
  if (Number.isNaN(d.getTime())) return String(sec);
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$/, ' UTC')
    .replace(/Z$/, ' UTC');
}

/** Absolute path a symlink points to (one hop, lexically, like `realpath -s`), or null when it leaves the root. */
function resolveSymlinkPath(linkPath: string, target: string): string | null {
  const base = target.startsWith('/') ? [] : linkPath.split('/').slice(1, -1);
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') base.pop();
    else base.push(seg);
  }
  return '/' + base.join('/');
}

/**
 * "Download this directory as .tar": the merged view of the directory as of the
 * layer shown, assembled from slices of the archive and (for compressed layers)
 * one decoding pass per layer (core/write/blobTar.ts).
 */
function DirectoryDownload({ u, layers, merged, node, name }: { u: UnionModel; layers: Layers; merged: MergedView; node: number; name: string }) {
  const bytes = subtreeSize(u, layers, merged, node);
  return (
    <PreparedDownload
      testId="download-dir"
      label={`Download as .tar (${formatBytes(bytes)} of files)`}
      title={`The directory as the tree shows it at layer ${merged.layer}, as a tar archive`}
      name={`${node === 0 ? 'rootfs' : name}-layer${merged.layer}.tar`}
      type="application/x-tar"
      size={0}
      prepare={async (signal, progress) => {
        const loaded = selectShown(useStore.getState());
        if (!loaded) throw new Error('the image is not loaded');
        const source = (l: number) => {
          const ref = loaded.image.layers[l];
          const idx = loaded.layers[l];
          return ref && idx ? { blob: blobOf(loaded.outer, ref.blob), compression: idx.compression } : null;
        };
        // the files gathered as Blobs (on disk past the browser's quota), then written out chunk by chunk
        return (await directoryTar(u, layers, merged, node, source, { signal, onProgress: progress })).blob;
      }}
    />
  );
}
