/**
 * The page opened by `layerscope view` (src/cli/commands/view.ts): its URL holds
 * `?view=TOKEN`, and the same local server answers
 * `./__layerscope/TOKEN/view.json` (what it shows and where it came from) and
 * `./__layerscope/TOKEN/archive` (the bytes). Both are same-origin requests to
 * 127.0.0.1, allowed by the page's CSP (connect-src 'self'): nothing leaves the
 * machine.
 *
 * Where the image came from is kept here, beside the load state rather than in
 * it: it belongs to one File, and stops applying as soon as another is opened
 * (useServedSource compares the store's `file` with the one fetched).
 */
import { create } from 'zustand';
import { useStore } from './store';
import { openFile } from './actions';
import { selectFile } from './selectors';
import { describeError } from '../core/errors';

/** Mirrors ViewInfo in src/cli/view/server.ts. */
export interface ServedInfo {
  name: string;
  label: string;
  source: 'file' | 'stdin' | 'docker' | 'podman';
  size: number;
  version: string;
}

interface ServedState {
  /** The File built from the served archive, and what the server said about it. */
  served: { file: File; info: ServedInfo } | null;
}

const useServed = create<ServedState>(() => ({ served: null }));

/** The source of the image on screen when it came from `layerscope view`, else null. */
export function useServedSource(): ServedInfo | null {
  const file = useStore(selectFile);
  const served = useServed((s) => s.served);
  return served && served.file === file ? served.info : null;
}

/** The `?view=` token of this page's URL, or null. Hex only, as the server makes it. */
export function viewToken(search: string): string | null {
  const t = new URLSearchParams(search).get('view');
  return t && /^[0-9a-f]{16,128}$/.test(t) ? t : null;
}

/** Fetch the archive `layerscope view` serves and open it. */
export async function openServed(token: string): Promise<void> {
  const base = `./__layerscope/${token}/`;
  let info: ServedInfo;
  let blob: Blob;
  try {
    const r = await fetch(`${base}view.json`, { cache: 'no-store' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    info = (await r.json()) as ServedInfo;
    if (typeof info?.name !== 'string' || typeof info.label !== 'string') throw new Error('unexpected answer');
    // The browser keeps a large response body on disk (Chromium, Firefox), not in the JS heap.
    const a = await fetch(`${base}archive`, { cache: 'no-store' });
    if (!a.ok) throw new Error(`HTTP ${a.status}`);
    blob = await a.blob();
  } catch (e) {
    useStore
      .getState()
      .loadFailed(
        `The archive from \`layerscope view\` could not be fetched (${describeError(e)}). Is the command still running? Start it again, or drop the file here.`,
        null,
      );
    return;
  }
  const file = new File([blob], info.name, { type: 'application/x-tar', lastModified: 0 });
  useServed.setState({ served: { file, info } });
  await openFile(file);
}
