/**
 * Where bytes are wasted, and what to change in the Dockerfile.
 *
 * Every regular-file version that a layer's tar ships but that is not visible
 * in the final image is waste (stats.ts "hidden bytes", the same rule): a later
 * layer deleted it (whiteout), overwrote it, hid it under an opaque directory
 * or removed a directory above it. Layers are immutable tars: a later step can
 * only hide a file, never take its bytes out of the layer that added it (OCI
 * image-spec layer.md) — which is why such space counts as wasted (dive #238).
 * The fix is always to not put the bytes in a layer in the first place; which
 * Dockerfile change does that depends on what the file is and on the steps
 * (the history's `created_by`), so the advice names both.
 */
import type { ImageInfo, LayerIndex } from '../types';
import { stepInstruction } from '../model/buildStep';
import { EntryKind } from '../types';
import { firstEventFrom, pathOf, UnionEvent, type UnionModel } from '../model/union';
import { slicer } from './slice';
import type { WasteCause, WasteGroup, WasteItem } from './types';

/** The advice list shows groups; items are grouped by their first three directories (`/usr/share/doc`, `/var/lib/apt`), then shown with their common directory. */
const GROUP_DIR_DEPTH = 3;

interface Fix {
  kind: string;
  advice: string;
}

function stepOf(image: ImageInfo | null, layer: number): string {
  return image?.layers[layer]?.createdBy ?? '';
}

/** A base image's root filesystem: `ADD file:<hash> in /` as docker history records it, or `ADD <rootfs>.tar[.xz] /`. */
const isBaseImageStep = (s: string) => /^ADD\s+(file:[0-9a-f]+\s+in\s+\/|\S+\.tar(\.\w+)?\s+\/)/.test(stepInstruction(s));
const isCopyStep = (s: string) => /^(COPY|ADD)\b/.test(stepInstruction(s));

/** What the step that created a file was, for the advice: computed once per layer (a step's text can be kilobytes long). */
interface CreatedBy {
  baseImage: boolean;
  copy: boolean;
}

function createdByOf(step: string): CreatedBy {
  return { baseImage: isBaseImageStep(step), copy: isCopyStep(step) };
}

function fixFor(path: string, cause: WasteCause, created: CreatedBy): Fix {
  if (path.startsWith('/var/lib/apt/lists/'))
    return { kind: 'apt-lists', advice: 'clean apt lists in the install step: `RUN apt-get update && apt-get install -y … && rm -rf /var/lib/apt/lists/*`' };
  if (path.startsWith('/var/cache/apt/'))
    return { kind: 'apt-cache', advice: 'clean the apt cache in the install step: `RUN apt-get update && apt-get install -y … && apt-get clean`' };
  if (path.startsWith('/var/cache/apk/')) return { kind: 'apk-cache', advice: 'install with `apk add --no-cache …` so the index is never written' };
  if (/^\/var\/cache\/(dnf|yum)\//.test(path)) return { kind: 'dnf-cache', advice: 'clean in the install step: `RUN dnf install -y … && dnf clean all`' };
  if (/\/\.cache\/pip\//.test(path))
    return { kind: 'pip-cache', advice: 'install with `pip install --no-cache-dir …` (or a cache mount: `RUN --mount=type=cache,target=/root/.cache/pip`)' };
  if (/\/\.npm\/_cacache\//.test(path) || /\/\.npm\//.test(path))
    return {
      kind: 'npm-cache',
      advice: 'clean the npm cache in the same RUN (`npm ci && npm cache clean --force`) or use `RUN --mount=type=cache,target=/root/.npm`',
    };
  if (/\/\.cache\/(yarn|go-build)\//.test(path) || /\/go\/pkg\/mod\//.test(path))
    return { kind: 'build-cache', advice: 'keep build caches out of layers: a cache mount (`RUN --mount=type=cache,target=…`) or a multi-stage build' };
  if (cause === 'metadata-copy')
    return {
      kind: 'chmod-copy',
      advice:
        'set owner and mode where the file is added (`COPY --chown=… --chmod=…`, or chmod in the same RUN): a later `RUN chmod/chown` copies the whole file into a new layer',
    };
  if (cause === 'overwritten') {
    if (/^\/(var\/lib\/(dpkg|apt|rpm|dnf)|var\/cache\/debconf|var\/log|etc\/ld\.so\.cache|usr\/lib\/sysimage\/rpm)\//.test(path) || path === '/etc/ld.so.cache')
      return { kind: 'package-db', advice: 'combine the package install steps into one RUN: each step rewrites the package databases and logs' };
    return { kind: 'rewritten', advice: 'write the file once: produce its final version in a single step (or order the steps so it is not rewritten)' };
  }
  // deleted / hidden under an opaque directory / under a replaced or deleted directory
  if (created.baseImage)
    return {
      kind: 'base-image',
      advice:
        'these bytes come with the base image, and a later `rm` cannot take them out of it: choose a smaller base (a -slim or distroless variant), or build in one stage and COPY only what is needed onto a fresh base (multi-stage build)',
    };
  if (created.copy)
    return {
      kind: 'copied-then-deleted',
      advice: 'do not COPY it: exclude it with .dockerignore, or use a multi-stage build and COPY only what the final image needs',
    };
  if (/^\/tmp\/|^\/var\/tmp\//.test(path)) return { kind: 'tmp', advice: 'remove temporary files in the RUN that creates them (`RUN … && rm -rf /tmp/…`)' };
  return {
    kind: 'deleted-later',
    advice: 'delete it in the same RUN that creates it (`RUN … && rm …`), or build it in another stage (multi-stage build) and COPY only the result',
  };
}

/**
 * The deepest directory containing both '/'-rooted directories `a` and `b`. Compared as
 * strings (no split into components: this runs once per waste item, on the main thread).
 */
export function commonDir(a: string, b: string): string {
  if (a === b) return a;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) {
    // one is a prefix of the other: it is their directory if the longer one goes on with '/'
    const [short, long] = a.length < b.length ? [a, b] : [b, a];
    if (long[i] === '/' || short === '/') return short;
  }
  const cut = a.lastIndexOf('/', i - 1);
  return cut <= 0 ? '/' : a.slice(0, cut);
}

function groupDir(path: string): string {
  const parts = path.split('/');
  return parts.slice(0, Math.min(parts.length - 1, GROUP_DIR_DEPTH + 1)).join('/') || '/';
}

export async function wasteItems(
  u: UnionModel,
  layers: readonly (LayerIndex | null)[],
  image: ImageInfo | null,
  pause?: () => Promise<void>,
): Promise<{ items: WasteItem[]; groups: WasteGroup[] }> {
  const items: WasteItem[] = [];
  /**
   * Path and group directory by node: a path rewritten by many layers has a waste item
   * per version (one blob listed 1,000 times: 1,000 per file), built once.
   */
  const names = new Map<number, { path: string; dir: string }>();
  // Main-thread time slices (slice.ts): the page yields to the event loop between them.
  const slice = slicer(pause);
  for (let L = 0; L < layers.length; L++) {
    const li = layers[L];
    if (!li) continue;
    const map = u.entryNode[L];
    const created = createdByOf(stepOf(image, L));
    for (let i = 0; i < li.count; i++) {
      const p = slice.step();
      if (p) await p;
      if (li.kinds[i] !== EntryKind.File || li.sizes[i] === 0) continue;
      const node = map?.[i] ?? -1;
      if (node <= 0) continue;
      const e = u.evStart[node + 1]!;
      // Find this layer's event and the next one.
      const j = firstEventFrom(u, node, L);
      let hiddenBy: number;
      let next: number;
      if (j >= e || u.evLayer[j] !== L) {
        hiddenBy = L; // added and removed within the same tar: the union kept no event for it
        next = -1;
      } else if (u.evKind[j] === UnionEvent.Set && u.evEntry[j] !== i) {
        hiddenBy = L; // shadowed by a later entry of the same path in the same tar
        next = j;
      } else {
        if (j + 1 >= e) continue; // the final version: not waste
        next = j + 1;
        hiddenBy = u.evLayer[next]!;
      }
      const k = next < 0 ? UnionEvent.Delete : u.evKind[next];
      let cause: WasteCause;
      if (k === UnionEvent.Delete) cause = 'deleted';
      else if (k === UnionEvent.OpaqueHide) cause = 'opaque';
      else if (k === UnionEvent.Replaced) cause = 'replaced';
      else {
        cause = 'overwritten';
        const ul = layers[u.evLayer[next]!];
        const ue = u.evEntry[next]!;
        if (k === UnionEvent.Set && ul && ue >= 0 && ul.kinds[ue] === EntryKind.File && ul.sizes[ue] === li.sizes[i]) {
          const chmodLike = ul.modes[ue] !== li.modes[i] || ul.uids[ue] !== li.uids[i] || ul.gids[ue] !== li.gids[i];
          if (chmodLike && /\bch(mod|own|grp)\b/.test(stepOf(image, hiddenBy))) cause = 'metadata-copy';
        }
      }
      let named = names.get(node);
      if (!named) {
        const path = pathOf(u, node);
        named = { path, dir: groupDir(path) };
        names.set(node, named);
      }
      const path = named.path;
      const fix = fixFor(path, cause, created);
      items.push({ path, bytes: li.sizes[i]!, createdBy: L, hiddenBy, cause, advice: fix.advice, group: `${fix.kind}:${L}:${hiddenBy}:${named.dir}` });
    }
  }
  await slice.tick();
  items.sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1));
  await slice.tick();
  const byGroup = new Map<string, WasteGroup>();
  for (const it of items) {
    const p = slice.step();
    if (p) await p;
    const g = byGroup.get(it.group);
    const dir = it.path.slice(0, it.path.lastIndexOf('/')) || '/';
    if (!g)
      byGroup.set(it.group, {
        group: it.group,
        advice: it.advice,
        createdBy: it.createdBy,
        hiddenBy: it.hiddenBy,
        cause: it.cause,
        dir,
        files: 1,
        bytes: it.bytes,
      });
    else {
      g.files++;
      g.bytes += it.bytes;
      g.dir = commonDir(g.dir, dir);
    }
  }
  const groups = [...byGroup.values()].sort((a, b) => b.bytes - a.bytes);
  return { items, groups };
}
