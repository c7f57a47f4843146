/**
 * The guided tour, planned from what the loaded image actually contains: for
 * each concept, find the real place that shows it (an overwritten file, a
 * whiteout and the bytes it hides, an opaque directory, metadata-only steps,
 * shared layers) via the union model, or say plainly that the image has none.
 *
 * Pure (no DOM, no store): the TourSteps name the layer and path to select and
 * CSS selectors of the elements to outline (testing-contract attributes and
 * the stack diagram's data-part markers); the Tour component applies them.
 */
import type { LoadedImage } from '../../core/session';
import { stepLabel } from '../../core/model/buildStep';
import { EntryKind, type LayerIndex } from '../../core/types';
import { childrenOf, mergedAt, pathHistory, pathOf, stateAt, NodeStatus, type UnionModel } from '../../core/model/union';
import { formatBytes, formatCount } from '../format/format';
import { stackLayout } from '../StackDiagram/stackModel';
import type { ConceptId } from './concepts';

export interface TourTarget {
  /** Candidate selectors, first match wins. */
  selectors: string[];
  /** What the outline points at, for the caption and screen readers. */
  label: string;
}

export interface TourStep {
  id: 'stack' | 'rootfs' | 'metadata' | 'overwrite' | 'whiteout' | 'opaque' | 'sharing' | 'container';
  concept: ConceptId;
  title: string;
  /** Paragraphs; `backticks` mark code. */
  body: string[];
  /** False when the concept does not occur in this image (the step says so). */
  present: boolean;
  /** Layer to select, or null to leave the selection. */
  layer: number | null;
  /** Absolute path to reveal and select, or null. */
  path: string | null;
  /** Deleted paths must be shown for the target row to exist. */
  showDeleted?: boolean;
  /** Elements to outline; the first is the main one. */
  targets: TourTarget[];
}

/**
 * Upper bound on nodes visited when measuring what a whiteout or opaque
 * directory hides: a whiteout of `/usr` in a huge image could otherwise walk a
 * million nodes per candidate; the figure is then a lower bound, said as such.
 */
export const MAX_SUBTREE_VISIT = 500_000;
/** Candidates (whiteouts, opaque markers) examined: enough to find the telling one, bounded for images with thousands of deletions. */
export const MAX_CANDIDATES = 2_000;

/** Escape a value for a double-quoted CSS attribute selector. */
export function cssString(s: string): string {
  return s.replace(/["\\]/g, '\\$&').replace(/\n/g, '\\A ');
}
export const bandSelector = (i: number) => `[data-testid="layer"][data-index="${i}"]`;
export const rowSelector = (path: string) => `[data-testid="tree-row"][data-path="${cssString(path)}"]`;
const STACK = '[data-part="stack"]';

const plural = (n: number, one: string, many = one + 's') => `${formatCount(n)} ${n === 1 ? one : many}`;
const list = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

function fileSize(layers: readonly (LayerIndex | null)[], layer: number, entry: number): number {
  const li = layers[layer];
  return li && entry >= 0 && li.kinds[entry] === EntryKind.File ? li.sizes[entry]! : 0;
}

/**
 * What removing `root` at `layer` hides: paths that were visible just below
 * `layer` and are deleted at `layer`, and the file bytes of every version of
 * them since they last appeared (all still ship in the lower layers).
 * `includeRoot` false for an opaque directory (the directory itself stays).
 */
function hiddenBy(u: UnionModel, layers: readonly (LayerIndex | null)[], root: number, layer: number, includeRoot: boolean) {
  let paths = 0;
  let bytes = 0;
  let versions = 0;
  let visited = 0;
  let truncated = false;
  const from = new Set<number>();
  const names: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (++visited > MAX_SUBTREE_VISIT) {
      truncated = true;
      break;
    }
    if (n !== root || includeRoot) {
      const now = stateAt(u, n, layer);
      const before = stateAt(u, n, layer - 1);
      if (now.status === 'deleted' && now.layer === layer && before.status === 'visible') {
        paths++;
        if (names.length < 3 && n !== root) names.push(n);
        // The run of versions the deletion ends: back from the layer until the path was last removed.
        const h = pathHistory(u, layers, n);
        for (let i = h.length - 1; i >= 0; i--) {
          const it = h[i]!;
          if (it.layer >= layer) continue;
          if (it.action === 'deleted' || it.action === 'opaque-hidden' || it.action === 'replaced') break;
          if (it.action !== 'implicit' && it.entry >= 0 && layers[it.layer]?.kinds[it.entry] === EntryKind.File) {
            versions++;
            bytes += fileSize(layers, it.layer, it.entry);
            from.add(it.layer);
          }
        }
      }
    }
    const kids = childrenOf(u, n);
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]!);
  }
  return { paths, bytes, versions, layers: [...from].sort((a, b) => a - b), names, truncated };
}

export function planTour(img: LoadedImage): TourStep[] {
  const { union: u, layers, image } = img;
  const n = layers.length;
  const top = n - 1;
  const steps: TourStep[] = [];
  if (n === 0) return steps;
  // A running playground container's layer is on top of the image, not part of it.
  const imageLayers = image.layers.filter((l) => l.synthetic !== 'container').length;
  const totalBytes = sumFileBytes(layers.slice(0, imageLayers));

  /* 1. the stack */
  steps.push({
    id: 'stack',
    concept: 'layers',
    title: 'A stack of read-only layers',
    body: [
      `This image is ${plural(imageLayers, 'layer')}, numbered from 0 at the bottom; together they hold ${formatBytes(totalBytes)} of files. Each layer is a tar of what one build step changed, and none of them is ever modified.${imageLayers < n ? ` On top sits a running container\u2019s read-write layer (layer ${n - 1}).` : ''}`,
      'Click a layer to see the filesystem as it was right after that step. In the tree, the colored chip on each row says which layer the file comes from.',
    ],
    present: true,
    layer: top,
    path: null,
    targets: [{ selectors: [STACK], label: 'the layer stack' }],
  });

  /* 2. rootfs / bootfs */
  // The rootfs is the union of every image layer (config.md: rootfs.diff_ids lists them
  // all); the base image's layers, when the history shows them, are the bottom part.
  const layout = stackLayout(image.layers, image.history);
  const baseTop = layout.baseTop;
  const lowTop = Math.max(0, baseTop);
  const rootKids = Array.from(childrenOf(u, 0))
    .filter((c) => {
      const h = pathHistory(u, layers, c);
      return h.length > 0 && (h[0]?.layer ?? Infinity) <= lowTop;
    })
    .map((c) => pathOf(u, c));
  const showDir = ['/bin', '/etc', '/usr', '/lib'].find((p) => rootKids.includes(p)) ?? rootKids[0] ?? null;
  let lowBytes = 0;
  for (let i = 0; i <= lowTop; i++) lowBytes += sumFileBytes([layers[i] ?? null]);
  const kidsText = rootKids.length ? ` (${list(rootKids.slice(0, 5).map((p) => `\`${p}\``))}${rootKids.length > 5 ? '…' : ''})` : '';
  steps.push({
    id: 'rootfs',
    concept: 'rootfs',
    title: 'rootfs: every layer, merged; bootfs: the host\u2019s',
    body: [
      `The rootfs \u2014 what a process in a container sees at \`/\` \u2014 is the union of ${imageLayers === 1 ? 'the image\u2019s one layer' : `all ${imageLayers} layers`}: the config lists every one of them under \`rootfs.diff_ids\`, and the frame around the stack marks it. ` +
        (baseTop >= 0
          ? `${baseTop === 0 ? 'Layer 0 came' : `Layers 0\u2013${baseTop} came`} with the base image (\`FROM\`): the distribution\u2019s files${kidsText}, ${formatBytes(lowBytes)}. The layers above build on them.`
          : `Layer 0 lays down the distribution\u2019s files${kidsText}, ${formatBytes(lowBytes)}; every later layer adds to them or changes them.`),
      'There is no kernel in it, and no `/boot`: a container runs on the host\u2019s kernel (the bootfs), shared by every container on the machine. That is the dashed band below the stack, and why a distribution image is megabytes, not gigabytes.',
    ],
    present: true,
    layer: Math.max(0, layout.rootfsTop),
    path: showDir,
    targets: [
      { selectors: ['[data-part="rootfs"]'], label: 'rootfs: the union of the layers' },
      {
        selectors: baseTop >= 0 ? ['[data-part="base-image"]', bandSelector(0)] : [bandSelector(0)],
        label: baseTop >= 0 ? 'the base image layers' : 'layer 0',
      },
      { selectors: ['[data-part="bootfs"]'], label: 'bootfs: the host\u2019s kernel' },
      ...(showDir ? [{ selectors: [rowSelector(showDir)], label: showDir }] : []),
    ],
  });

  /* 3. metadata-only steps */
  const empties = image.history.filter((h) => h.emptyLayer);
  steps.push(
    empties.length > 0
      ? {
          id: 'metadata',
          concept: 'layers',
          title: 'Steps that make no layer',
          body: [
            `${plural(empties.length, 'step')} of the ${formatCount(image.history.length)} in this image\u2019s history made no layer: ${list(empties.slice(0, 4).map((h) => `\`${stepLabel(h.createdBy) || 'metadata'}\``))}${empties.length > 4 ? '…' : ''}.`,
            'They only changed the image\u2019s config (environment, command, ports, labels\u2026), recorded as `empty_layer` history entries, so they appear as thin markers between the layers. Only steps that change files (`RUN`, `COPY`, `ADD`) add a layer.',
          ],
          present: true,
          layer: null,
          path: null,
          targets: [{ selectors: ['[data-testid="history-marker"]', STACK], label: 'a metadata-only step' }],
        }
      : {
          id: 'metadata',
          concept: 'layers',
          title: 'Steps that make no layer',
          body: [
            image.history.length === 0
              ? 'This image carries no build history, so its metadata-only steps cannot be shown.'
              : 'This image\u2019s history has no metadata-only steps: every step made a layer.',
            'In images built from a Dockerfile, `ENV`, `CMD`, `WORKDIR`, `EXPOSE` and `LABEL` change only the config: their history entries say `empty_layer` and they add no layer.',
          ],
          present: false,
          layer: null,
          path: null,
          targets: [{ selectors: [STACK], label: 'the layer stack' }],
        },
  );

  /* 4. an overwritten file: the union mount's "topmost wins" */
  const view = mergedAt(u, layers, top);
  let best: { node: number; layer: number; hidden: number; lowers: number[] } | null = null;
  for (let node = 1; node < u.nodeCount; node++) {
    if (view.status[node] !== NodeStatus.Visible || view.entry[node]! < 0) continue;
    const li = layers[view.provider[node]!];
    if (!li || li.kinds[view.entry[node]!] !== EntryKind.File) continue;
    if (stateAt(u, node, top).hiddenVersions === 0) continue;
    const h = pathHistory(u, layers, node);
    const provider = view.provider[node]!;
    // The versions the visible one covers: the run of versions below it since the path last appeared.
    const lowers: number[] = [];
    let hidden = 0;
    for (let i = h.length - 1; i >= 0; i--) {
      const it = h[i]!;
      if (it.layer >= provider) continue;
      if (it.action === 'deleted' || it.action === 'opaque-hidden' || it.action === 'replaced') break;
      if (it.entry >= 0 && it.action !== 'implicit') {
        lowers.unshift(it.layer);
        hidden += fileSize(layers, it.layer, it.entry);
      }
    }
    if (lowers.length === 0) continue;
    if (!best || hidden > best.hidden) best = { node, layer: provider, hidden, lowers };
  }
  if (best) {
    const p = pathOf(u, best.node);
    const lw = best.lowers.map((l) => `layer ${l}`);
    steps.push({
      id: 'overwrite',
      concept: 'union',
      title: 'Union mount: the topmost version wins',
      body: [
        `Layer ${best.layer} writes \`${p}\` again. Its version covers the one${best.lowers.length > 1 ? 's' : ''} in ${list(lw)}: the union mount shows only the topmost, so the tree shows layer ${best.layer}\u2019s file, marked modified.`,
        `The covered version${best.lowers.length > 1 ? 's are' : ' is'} still in ${list(lw)}: ${formatBytes(best.hidden)} that ship with the image but can never be seen \u2014 the hatched part of a band.`,
      ],
      present: true,
      layer: best.layer,
      path: p,
      targets: [
        { selectors: [rowSelector(p)], label: p },
        { selectors: [bandSelector(best.layer)], label: `layer ${best.layer}` },
        { selectors: [bandSelector(best.lowers[0]!)], label: `layer ${best.lowers[0]}` },
      ],
    });
  } else {
    steps.push({
      id: 'overwrite',
      concept: 'union',
      title: 'Union mount: the topmost version wins',
      body: [
        'No file in this image is written by more than one layer, so no version covers another. Directories still merge: each shows what all the layers put in it.',
        'When a later layer writes a path again, the union mount shows only the topmost version; the lower ones stay in their layers, hidden.',
      ],
      present: false,
      layer: top,
      path: null,
      targets: [{ selectors: [STACK], label: 'the layer stack' }],
    });
  }

  /* 5. a whiteout, and 6. an opaque directory */
  type Hidden = ReturnType<typeof hiddenBy>;
  let wh: { node: number; layer: number; member: string; h: Hidden } | null = null;
  let op: { node: number; layer: number; member: string; h: Hidden } | null = null;
  let candidates = 0;
  for (let L = 1; L < n && candidates < MAX_CANDIDATES; L++) {
    const li = layers[L];
    if (!li) continue;
    for (let e = 0; e < li.count && candidates < MAX_CANDIDATES; e++) {
      const k = li.kinds[e];
      if (k !== EntryKind.Whiteout && k !== EntryKind.Opaque) continue;
      const node = u.entryNode[L]?.[e] ?? -1;
      if (node < 0) continue;
      candidates++;
      if (k === EntryKind.Whiteout) {
        const h = hiddenBy(u, layers, node, L, true);
        if (h.paths === 0) continue;
        if (!wh || h.bytes > wh.h.bytes) wh = { node, layer: L, member: '/' + li.paths[e], h };
      } else {
        const h = hiddenBy(u, layers, node, L, false);
        if (h.paths === 0) continue;
        if (!op || h.bytes > op.h.bytes) op = { node, layer: L, member: '/' + li.paths[e], h };
      }
    }
  }
  if (wh) {
    const p = pathOf(u, wh.node);
    const isDir = childrenOf(u, wh.node).length > 0;
    const bytes = `${wh.h.truncated ? 'at least ' : ''}${formatBytes(wh.h.bytes)}`;
    const where = list(wh.h.layers.map((l) => `layer ${l}`)) || 'the lower layers';
    steps.push({
      id: 'whiteout',
      concept: 'whiteout',
      title: 'A whiteout hides, it does not free',
      body: [
        `Layer ${wh.layer} deletes \`${p}\`${isDir ? ` and everything under it (${plural(wh.h.paths, 'path')})` : ''}. It cannot change the layers below, so it adds a whiteout: the empty file \`${wh.member}\`. From layer ${wh.layer} up, the merged view no longer has the path (shown struck through).`,
        `But the ${bytes} ${wh.h.versions > 1 ? `(${wh.h.versions} file versions) ` : ''}are still in ${where}: every pull downloads them and every host stores them. Deleting in a later step never makes an image smaller.`,
      ],
      present: true,
      layer: wh.layer,
      path: p,
      showDeleted: true,
      targets: [
        { selectors: [rowSelector(p)], label: `${p} (deleted)` },
        { selectors: [bandSelector(wh.layer)], label: `layer ${wh.layer}` },
        ...(wh.h.layers.length
          ? [{ selectors: [bandSelector(wh.h.layers[wh.h.layers.length - 1]!)], label: `layer ${wh.h.layers[wh.h.layers.length - 1]}` }]
          : []),
      ],
    });
  } else {
    steps.push({
      id: 'whiteout',
      concept: 'whiteout',
      title: 'A whiteout hides, it does not free',
      body: [
        'No layer of this image deletes anything that a lower layer has: it contains no whiteouts (`.wh.<name>` files).',
        'When a layer deletes a lower file, it adds a whiteout that hides the path; the bytes stay in the lower layer and still ship. Try it in the container playground: delete a file and watch the whiteout appear.',
      ],
      present: false,
      layer: null,
      path: null,
      targets: [{ selectors: [STACK], label: 'the layer stack' }],
    });
  }
  if (op) {
    const dir = pathOf(u, op.node);
    const hiddenPaths = op.h.names.map((x) => pathOf(u, x));
    const first = hiddenPaths[0] ?? null;
    const where = list(op.h.layers.map((l) => `layer ${l}`));
    steps.push({
      id: 'opaque',
      concept: 'opaque',
      title: 'An opaque directory replaces a whole directory',
      body: [
        `Layer ${op.layer} replaced \`${dir}\`: the marker \`${op.member}\` makes the directory opaque, so nothing lower layers put there shows through \u2014 ${plural(op.h.paths, 'path')}${hiddenPaths.length ? `, such as ${list(hiddenPaths.map((x) => `\`${x}\``))}` : ''}.`,
        `Only what layer ${op.layer} itself puts in \`${dir}\` is visible. The hidden files still ship${where ? ` in ${where}` : ''}: ${op.h.truncated ? 'at least ' : ''}${formatBytes(op.h.bytes)}${op.h.versions > 1 ? ` in ${op.h.versions} file versions` : ''}. This is what \`rm -rf ${dir} && mkdir ${dir}\` in one step produces.`,
      ],
      present: true,
      layer: op.layer,
      path: first ?? dir,
      showDeleted: true,
      targets: [
        { selectors: [rowSelector(dir)], label: `${dir} (opaque)` },
        ...(first ? [{ selectors: [rowSelector(first)], label: `${first} (hidden)` }] : []),
        { selectors: [bandSelector(op.layer)], label: `layer ${op.layer}` },
      ],
    });
  } else {
    steps.push({
      id: 'opaque',
      concept: 'opaque',
      title: 'An opaque directory replaces a whole directory',
      body: [
        'No layer of this image replaces a directory: it has no opaque whiteouts (`.wh..wh..opq`).',
        'A layer that deletes a directory and creates it again marks it opaque, so the lower layers\u2019 files there do not show through. You can make one in the container playground: delete a directory, then create it again.',
      ],
      present: false,
      layer: null,
      path: null,
      targets: [{ selectors: [STACK], label: 'the layer stack' }],
    });
  }

  /* 7. sharing */
  const shared = image.layers.findIndex((l) => l.sharedWith.length > 0);
  const others = img.info.images.length - 1;
  if (shared >= 0) {
    const ref = image.layers[shared]!;
    // at most a few names: an archive may list thousands of images sharing one layer
    const named = ref.sharedWith.slice(0, 3).map((i) => img.info.images[i]?.tags[0] ?? `image ${i + 1}`);
    const more = ref.sharedWith.length - named.length;
    const names = named.map((x) => `\`${x}\``);
    if (more > 0) names.push(`${more.toLocaleString('en-US')} more images`);
    steps.push({
      id: 'sharing',
      concept: 'sharing',
      title: 'Layers are shared',
      body: [
        `Layer ${shared} is also a layer of ${list(names)} in this archive: same content, same digest${ref.diffId ? ` (\`${ref.diffId.slice(0, 19)}…\`)` : ''}. It is stored once, here and in any registry or Docker host.`,
        'Images built `FROM` the same base share its layers the same way: pulling a second one downloads only the layers it does not share.',
      ],
      present: true,
      layer: shared,
      path: null,
      targets: [{ selectors: [`${bandSelector(shared)} [data-testid="shared-marker"]`, bandSelector(shared)], label: `layer ${shared} (shared)` }],
    });
  } else {
    const d0 = image.layers[0]?.diffId;
    steps.push({
      id: 'sharing',
      concept: 'sharing',
      title: 'Layers are shared',
      body: [
        others > 0
          ? `This archive holds ${plural(others + 1, 'image')}, but they share no layer with this one.`
          : 'This archive holds one image, so no layer is shared within it.',
        `Layers are identified by digest${d0 ? ` (layer 0 is \`${d0.slice(0, 19)}…\`)` : ''}: every image built \`FROM\` the same base lists the same base layers, and registries and Docker hosts store and download them once.`,
      ],
      present: false,
      layer: 0,
      path: null,
      targets: [{ selectors: [bandSelector(0)], label: 'layer 0' }],
    });
  }

  /* 8. the container layer and copy-on-write */
  steps.push({
    id: 'container',
    concept: 'cow',
    title: 'Containers add a read-write layer',
    body: [
      '`docker run` puts a thin, empty, writable layer on top \u2014 the dashed band. Writing to a file from a lower layer first copies the whole file up into it (copy-on-write), and so does a mere `chmod` or `touch` of it (Docker\u2019s overlay2 does not use metacopy); deleting one writes a whiteout there; renaming one does both, as overlayfs does: a copy-up under the new name and a whiteout at the old. The image\u2019s layers are never touched.',
      '`docker commit` turns that layer into a new read-only layer. Try it all in the container playground.',
    ],
    present: true,
    layer: top,
    path: null,
    targets: [{ selectors: ['[data-part="container"]', '[data-testid="pg-start"]', STACK], label: 'the container layer' }],
  });
  return steps;
}

function sumFileBytes(layers: readonly (LayerIndex | null)[]): number {
  let s = 0;
  for (const li of layers) {
    if (!li) continue;
    for (let i = 0; i < li.count; i++) if (li.kinds[i] === EntryKind.File) s += li.sizes[i]!;
  }
  return s;
}
