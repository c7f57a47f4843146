/**
 * The container playground panel: start a container from the image shown,
 * create, edit, delete, chmod, touch and rename files and directories in its
 * read-write layer, and
 * watch the layer fill with copied-up files, whiteouts and opaque markers (the
 * diagram and tree show the same layer, published through the store). Commit
 * turns it into an image layer; Download writes the result as a `docker save`
 * archive.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useStore } from '../../state/store';
import { MAX_EDIT_BYTES, defaultCommitTag, type PlaygroundEvent } from '../../state/playgroundSlice';
import { normalizeUserPath, resolvePath, type Container, type OpRecord, type Resolved } from '../../core/teach/playground';
import { EntryKind } from '../../core/types';
import { modeOctal } from '../../state/treeModel';
import { describeError } from '../../core/errors';
import { formatBytes, formatCount, shortDigest } from '../format/format';
import { layerColor } from '../colors';
import { Rich } from './Rich';
import { revealPath } from './reveal';
import { ExplainButton } from './Explain';
import type { ConceptId } from './concepts';
import './Teach.css';
import { displayName } from '../format/displayName';
import { SafeText } from '../format/SafeText';
import { selectPlaygroundBase, selectShown, selectStatus } from '../../state/selectors';

type Editor = { path: string; text: string; mode: 'edit' | 'new'; binary: boolean; truncated: boolean; size: number };
/** The chmod or rename form under the buttons, for the path it was opened on. */
type AttrForm = { op: 'chmod' | 'rename'; path: string; value: string };

/** What `chmod` accepts here: 3 or 4 octal digits (the permission bits, optionally setuid/setgid/sticky). */
const OCTAL_MODE = /^[0-7]{3,4}$/;

/**
 * What a chmod or rename of `r` is about to do to the layers, said before it
 * is done (the same rules core/teach/playground.ts applies).
 */
export function attrPlan(op: 'chmod' | 'rename', r: Resolved, layerIndex: number): { text: string; refused: boolean } {
  const sizeOf = r.lower ? formatBytes(r.lower.size) : '';
  if (r.rw)
    return {
      text:
        op === 'chmod'
          ? `Already in the read-write layer: only its mode changes, nothing is copied.`
          : `Already in the read-write layer: it simply moves${r.lower ? `, and a whiteout hides layer ${r.lower.layer}’s version at the old name` : ''}.`,
      refused: false,
    };
  const lower = r.lower!;
  if (op === 'chmod') {
    if (lower.kind === 'file' || lower.kind === 'hardlink')
      return {
        text: `From layer ${lower.layer}, read-only: overlayfs copies the whole file (${sizeOf}) up into layer ${layerIndex} first, then changes the copy’s mode — Docker’s overlay2 does not use metacopy.`,
        refused: false,
      };
    if (lower.kind === 'dir')
      return {
        text: `From layer ${lower.layer}: the directory entry alone is copied up into layer ${layerIndex}; its contents stay below and still show through.`,
        refused: false,
      };
    return { text: `A ${lower.kind} from layer ${lower.layer}.`, refused: false };
  }
  if (lower.kind === 'dir')
    return {
      text: `A directory from layer ${lower.layer}: overlayfs refuses to rename it (EXDEV; redirect_dir is off in Docker’s overlay2), so \`mv\` copies the whole tree and deletes the original. Do that by hand: create the new directory and files, then delete this one.`,
      refused: true,
    };
  return {
    text: `From layer ${lower.layer}, read-only: rename cannot change that layer, so the ${lower.kind === 'symlink' ? 'link' : `whole file (${sizeOf})`} is copied up under the new name and the old name gets a whiteout (\`.wh.<name>\`) — both land in layer ${layerIndex}.`,
    refused: false,
  };
}

const code = (s: string) => '`' + s.replace(/`/g, "'") + '`';

/** One sentence per event, saying what overlayfs (and the layer tar) did. */
export function describeEvent(e: PlaygroundEvent): {
  text: string;
  concept: ConceptId | null;
  tone: 'info' | 'copyup' | 'whiteout' | 'opaque' | 'commit' | 'error';
} {
  switch (e.type) {
    case 'start':
      return {
        text: `Started a container from ${code(e.base)}. Layer ${e.layer} is its read-write layer, empty for now; the tree at layer ${e.layer} is the filesystem the container sees.`,
        concept: 'container',
        tone: 'info',
      };
    case 'stop':
      return {
        text: `Removed the container: its read-write layer (${formatCount(e.discarded)} entries) is thrown away. The image is unchanged.`,
        concept: 'container',
        tone: 'info',
      };
    case 'commit':
      return {
        text: `Committed: the read-write layer (${formatCount(e.members)} members, ${formatBytes(e.bytes)} of tar) is now read-only layer ${e.layer}, diff_id ${code(shortDigest(e.diffId, 19))}. The image has one more layer; start a new container to change it further.`,
        concept: 'commit',
        tone: 'commit',
      };
    case 'error':
      return { text: e.message, concept: null, tone: 'error' };
    case 'op': {
      const r = e.record;
      const parents =
        r.parentsCopiedUp.length === 0
          ? ''
          : r.parentsCopiedUp.length === 1
            ? ` (Its parent directory ${code(r.parentsCopiedUp[0]!)} was copied up too.)`
            : ` (Its parent directories ${r.parentsCopiedUp.map(code).join(', ')} were copied up too.)`;
      if (r.op === 'write') {
        if (r.copyUp)
          return {
            text: `Copy-up: ${code(r.path)} comes from layer ${r.copyUp.layer}, which is read-only, so it was first copied whole (${formatBytes(r.copyUp.size)}) into the read-write layer, then written (${formatBytes(r.size)}). Layer ${r.copyUp.layer}\u2019s version is untouched, now hidden.${parents}`,
            concept: 'cow',
            tone: 'copyup',
          };
        if (r.replacedWhiteout)
          return {
            text: `Created ${code(r.path)} again: the new file replaces the whiteout ${code(r.replacedWhiteout)} and covers the old version below.${parents}`,
            concept: 'whiteout',
            tone: 'info',
          };
        if (r.created)
          return { text: `Created ${code(r.path)} (${formatBytes(r.size)}) in the read-write layer.${parents}`, concept: 'container', tone: 'info' };
        return {
          text: `Wrote ${code(r.path)} (${formatBytes(r.size)}): it is already in the read-write layer, so no copy-up was needed.`,
          concept: 'cow',
          tone: 'info',
        };
      }
      if (r.op === 'mkdir') {
        if (r.opaque)
          return {
            text: `Created directory ${code(r.path)} where a deleted one stood: it is opaque (${code(r.opaque)}), so nothing of the old directory${r.hides ? ` in layer ${r.hides.layer} (${formatBytes(r.hides.bytes)})` : ''} shows through.${parents}`,
            concept: 'opaque',
            tone: 'opaque',
          };
        return { text: `Created directory ${code(r.path)}.${parents}`, concept: 'container', tone: 'info' };
      }
      if (r.op === 'chmod' || r.op === 'touch') return describeAttrs(r, parents);
      if (r.op === 'rename') {
        if (r.whiteout)
          return {
            text: `Renamed ${code(r.from)} to ${code(r.path)}: layer ${r.copyUp?.layer ?? '?'} cannot change, so the file was copied up under its new name (${formatBytes(r.copyUp?.size ?? 0)}) and the old name whited out with ${code(r.whiteout)} — a rename of a lower file costs its whole size.${parents}`,
            concept: 'whiteout',
            tone: 'whiteout',
          };
        return {
          text: `Renamed ${code(r.from)} to ${code(r.path)} inside the read-write layer (${formatCount(r.moved)} ${r.moved === 1 ? 'entry' : 'entries'} moved; nothing below to hide).${parents}`,
          concept: 'container',
          tone: 'info',
        };
      }
      if (r.op === 'delete' && r.whiteout)
        return {
          text: `Whiteout: ${code(r.path)} is in layer ${r.hidesLayer}, which cannot change, so the read-write layer records ${code(r.whiteout)}. The ${r.kind === 'dir' ? 'directory is' : 'file is'} gone from the merged view, but ${formatBytes(r.hiddenBytes)} still ship in layer ${r.hidesLayer}.${parents}`,
          concept: 'whiteout',
          tone: 'whiteout',
        };
      return {
        text: `Deleted ${code(r.path)}: it existed only in the read-write layer, so it is simply gone \u2014 no whiteout needed.`,
        concept: 'container',
        tone: 'info',
      };
    }
  }
}

/** chmod and touch: the copy-up an attribute change costs. */
function describeAttrs(r: Extract<OpRecord, { op: 'chmod' | 'touch' }>, parents: string): ReturnType<typeof describeEvent> {
  const what = r.op === 'chmod' ? `mode ${modeOctal(r.modeBefore)} → ${modeOctal(r.modeAfter)}` : 'modification time set to now';
  if (r.created) return { text: `Created the empty file ${code(r.path)} (touch).${parents}`, concept: 'container', tone: 'info' };
  if (r.copyUp && r.kind === 'file')
    return {
      text: `Metadata-only change, whole copy-up: ${code(r.path)} (${what}) comes from layer ${r.copyUp.layer}, so overlayfs first copied all ${formatBytes(r.copyUp.size)} of it into the read-write layer — Docker's overlay2 does not use metacopy. Committing this stores the whole file again for a change of a few bits.${parents}`,
      concept: 'cow',
      tone: 'copyup',
    };
  if (r.copyUp)
    return {
      text: `${code(r.path)} (${what}) was copied up from layer ${r.copyUp.layer}: the ${r.kind === 'dir' ? 'directory entry alone (its lower contents still show through)' : 'link'} now sits in the read-write layer.${parents}`,
      concept: 'cow',
      tone: 'copyup',
    };
  return { text: `${code(r.path)}: ${what}, in the read-write layer already (no copy-up).`, concept: 'cow', tone: 'info' };
}

const MEMBER_KIND: Record<number, string> = {
  [EntryKind.File]: 'file',
  [EntryKind.Dir]: 'dir',
  [EntryKind.Symlink]: 'symlink',
  [EntryKind.Whiteout]: 'whiteout',
  [EntryKind.Opaque]: 'opaque',
};

/** What a member of the read-write layer is, for its row in the member list. */
function memberNote(c: Container, path: string, kind: string): string {
  if (kind === 'whiteout') return 'whiteout: hides the lower ' + path.replace(/(^|\/)\.wh\./, '$1');
  if (kind === 'opaque') return 'opaque marker: lower contents hidden';
  const r = resolvePath(c, path);
  if (kind === 'dir') return r?.lower ? `copied up from layer ${r.lower.layer}` : 'new directory';
  if (r?.lower) return `copy-up of layer ${r.lower.layer}\u2019s file`;
  // Renamed: no lower version at this path, but the bytes are a lower layer's copy.
  const from = c.entries.get(path)?.copiedFrom;
  if (from && from.path !== path) return `copy-up of layer ${from.layer}\u2019s /${from.path}, renamed`;
  return 'new';
}

export function Playground({ onClose }: { onClose(): void }) {
  const pg = useStore((s) => s.pg);
  const status = useStore(selectStatus);
  const loaded = useStore(selectShown);
  const original = useStore(selectPlaygroundBase);
  const selectedPath = useStore((s) => s.selectedPath);
  const [path, setPath] = useState(selectedPath ?? '/');
  const [editor, setEditor] = useState<Editor | null>(null);
  const [form, setForm] = useState<AttrForm | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const [tag, setTag] = useState('');
  const [minimized, setMinimized] = useState(false);
  const logRef = useRef<HTMLOListElement>(null);
  const panel = useRef<HTMLElement>(null);

  // While open, the page keeps room under its content for the bottom sheet (stacked layout, Teach.css).
  useEffect(() => {
    const root = document.documentElement;
    root.classList.toggle('pg-open', !minimized);
    return () => root.classList.remove('pg-open');
  }, [minimized]);
  // Follow the tree's selection: select a row, then act on it here.
  useEffect(() => {
    if (selectedPath) setPath(selectedPath);
  }, [selectedPath]);
  // Keep the newest event in view inside the log (not by scrolling the panel: its controls stay put).
  const eventCount = pg.events.length;
  useEffect(() => {
    const ol = logRef.current;
    if (ol && eventCount > 0) ol.scrollTop = ol.scrollHeight;
  }, [eventCount]);
  useEffect(() => {
    if (original && !tag) setTag(defaultCommitTag(original.image));
  }, [original, tag]);

  const c = pg.container;
  const layerIndex = original ? original.layers.length + pg.commits.length : (loaded?.layers.length ?? 0);
  const layerCount = loaded?.layers.length ?? 0;

  const target = useMemo(() => {
    if (!c) return null;
    try {
      const p = normalizeUserPath(path);
      return { p, r: resolvePath(c, p) };
    } catch (e) {
      return { p: null, r: null, err: describeError(e) };
    }
  }, [c, path]);

  const run = (f: () => void) => {
    setError(null);
    try {
      f();
    } catch (e) {
      setError(describeError(e));
    }
  };

  const runAsync = async (f: () => Promise<void>) => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(describeError(e));
    }
  };

  const chmod = () =>
    form?.op === 'chmod' &&
    void runAsync(async () => {
      const v = form.value.trim();
      if (!OCTAL_MODE.test(v)) throw new Error(`"${v}" is not an octal mode: use 3 or 4 digits 0–7, e.g. 600 or 0755`);
      const r = await useStore.getState().pgChmod(form.path, Number.parseInt(v, 8));
      setForm(null);
      // A directory's own entry was copied up: open it, its lower contents still show through.
      if (r?.op === 'chmod') revealPath(r.path, { expand: r.kind === 'dir' });
    });

  const rename = () =>
    form?.op === 'rename' &&
    void runAsync(async () => {
      const r = await useStore.getState().pgRename(form.path, form.value);
      setForm(null);
      if (r?.op !== 'rename') return;
      // The old name stays in the tree as deleted when a whiteout hides a lower version there.
      if (r.whiteout && !useStore.getState().showDeleted) useStore.getState().setView({ showDeleted: true });
      revealPath(r.path);
      setPath(r.path);
    });

  const touch = () =>
    void runAsync(async () => {
      const r = await useStore.getState().pgTouch(path);
      if (r) revealPath(r.path);
    });

  const openEditor = async () => {
    if (!c || !target?.p) return;
    setError(null);
    try {
      const shown = displayName('/' + target.p);
      const lowerSize = target.r?.rw ? (target.r.rw.data?.length ?? 0) : (target.r?.lower?.size ?? 0);
      if (lowerSize > MAX_EDIT_BYTES) {
        setError(
          `${shown} is ${formatBytes(lowerSize)}: the editor opens text files up to ${formatBytes(MAX_EDIT_BYTES)}. Its contents are in the details pane.`,
        );
        return;
      }
      const t = await useStore.getState().pgReadText('/' + target.p);
      if (t.binary) {
        // Text editing would replace the binary with garbled bytes: refuse, and say where its bytes can be seen.
        setError(
          `${shown} is not text (${formatBytes(t.size)} of binary data): the editor changes text files only. Its bytes are shown as hex in the details pane.`,
        );
        return;
      }
      setForm(null);
      setEditor({ path: '/' + target.p, text: t.text, mode: 'edit', binary: t.binary, truncated: t.truncated, size: t.size });
    } catch (e) {
      setError(describeError(e));
    }
  };

  const save = () => {
    if (!editor) return;
    run(() => {
      useStore.getState().pgWrite(editor.path, editor.text);
      revealPath(editor.path);
      setEditor(null);
    });
  };

  const download = async () => {
    const t = tag.trim() || (original ? defaultCommitTag(original.image) : 'layerscope/playground:committed');
    const blob = await useStore.getState().pgExport(t);
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${t.replace(/[^A-Za-z0-9._-]+/g, '_')}.tar`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    // Give the browser time to start the download before the URL goes away.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };

  const members = pg.layer
    ? pg.layer.paths.map((p, i) => ({ p, kind: MEMBER_KIND[pg.layer!.index.kinds[i]!] ?? 'other', size: pg.layer!.index.sizes[i]! }))
    : [];
  const rwColor = layerCount > 0 ? layerColor(layerIndex) : 'var(--accent)';
  const canAct = status === 'ready' && !pg.busy;
  const isFile = target?.r && (target.r.kind === 'file' || target.r.kind === 'hardlink');
  const isDir = target?.r?.kind === 'dir';
  // The form acts on the path it was opened for; typing another path closes it.
  const formTarget = form && target?.p !== undefined && target.p !== null && '/' + target.p === form.path ? target.r : null;
  const plan = form && formTarget ? attrPlan(form.op, formTarget, layerIndex) : null;
  const modeOf = (r: Resolved) => ((r.rw ? r.rw.mode : (r.lower?.mode ?? 0)) & 0o7777).toString(8).padStart(3, '0');

  return createPortal(
    <aside
      ref={panel}
      className={`teach-pg${minimized ? ' is-min' : ''}`}
      aria-label="Container playground"
      data-testid="playground"
      data-running={c ? 'true' : 'false'}
    >
      <header className="teach-pg-head">
        <h2 className="teach-pg-title">
          Container playground <ExplainButton id="container" />
        </h2>
        <button
          type="button"
          className="btn btn-sm btn-ghost"
          aria-label={minimized ? 'Expand the playground' : 'Minimize the playground'}
          aria-expanded={!minimized}
          onClick={() => setMinimized((m) => !m)}
        >
          {minimized ? '▴' : '▾'}
        </button>
        <button type="button" className="btn btn-sm btn-ghost" aria-label="Close the playground" title="Close (the container keeps running)" onClick={onClose}>
          ×
        </button>
      </header>

      {!minimized && (
        <div className="teach-pg-body">
          {!c ? (
            <section className="teach-pg-start">
              <p>
                <Rich text="`docker run` adds one thin, empty, read-write layer on top of the image. Start one here, then change files and watch what lands in that layer." />
              </p>
              <button
                type="button"
                className="btn btn-primary"
                data-testid="pg-start"
                disabled={status !== 'ready' || !loaded}
                onClick={() => useStore.getState().pgStart()}
              >
                ▶ Start a container
              </button>
              {status !== 'ready' && <p className="muted">Open an image first (the example works well).</p>}
            </section>
          ) : (
            <>
              <p className="teach-pg-status" data-testid="pg-status">
                <span className="teach-swatch" style={{ background: rwColor }} aria-hidden="true" />
                <span>
                  Running · read-write layer <b>{layerIndex}</b> · {formatCount(members.length)} {members.length === 1 ? 'member' : 'members'}
                </span>
                <button
                  type="button"
                  className="btn btn-sm btn-ghost teach-push"
                  onClick={() => useStore.getState().selectLayer(layerIndex)}
                  title="Select the container's layer: the tree shows the filesystem as the container sees it"
                >
                  Show in tree
                </button>
              </p>

              <section className="teach-pg-ops" aria-label="Change the container's files">
                <label className="teach-field">
                  <span>Path</span>
                  <input
                    className="input mono"
                    data-testid="pg-path"
                    value={path}
                    spellCheck={false}
                    onChange={(e) => setPath(e.target.value)}
                    aria-describedby="pg-path-state"
                  />
                </label>
                <p id="pg-path-state" className="teach-pg-state" data-testid="pg-path-state">
                  {target?.err
                    ? target.err
                    : !target?.r
                      ? 'does not exist: create it as a file or a folder'
                      : target.p === ''
                        ? 'the root directory: every layer below merged, plus this container’s changes'
                        : target.r.rw
                          ? `${target.r.kind}, in the read-write layer${target.r.lower ? ` (copied up from layer ${target.r.lower.layer})` : ''} · mode ${modeOf(target.r)}`
                          : `${target.r.kind}, from layer ${target.r.lower!.layer} (read-only) · mode ${modeOf(target.r)}`}
                </p>
                <div className="teach-pg-buttons">
                  <button type="button" className="btn btn-sm" data-testid="pg-edit" disabled={!canAct || !isFile} onClick={() => void openEditor()}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm"
                    data-testid="pg-new-file"
                    disabled={!canAct || !!target?.r || !target?.p}
                    onClick={() => {
                      if (!target?.p) return;
                      setForm(null);
                      setEditor({ path: '/' + target.p, text: '', mode: 'new', binary: false, truncated: false, size: 0 });
                    }}
                  >
                    New file
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm"
                    data-testid="pg-new-dir"
                    disabled={!canAct || !!target?.r || !target?.p}
                    onClick={() =>
                      run(() => {
                        const r = useStore.getState().pgMkdir(path);
                        // An opaque directory: open it, so the lower contents it hides show struck through.
                        if (r?.op === 'mkdir') revealPath(r.path, { expand: r.opaque !== null });
                      })
                    }
                  >
                    New folder
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm teach-danger"
                    data-testid="pg-delete"
                    disabled={!canAct || !target?.r || !target?.p}
                    onClick={() =>
                      run(() => {
                        const r = useStore.getState().pgRemove(path);
                        // A whiteout leaves the path visible as deleted; a path only in the container is simply gone.
                        if (r?.op === 'delete' && r.whiteout) {
                          if (!useStore.getState().showDeleted) useStore.getState().setView({ showDeleted: true });
                          revealPath(r.path);
                        }
                      })
                    }
                  >
                    Delete{isDir ? ' (rm -rf)' : ''}
                  </button>
                </div>
                <div className="teach-pg-buttons teach-pg-attrs">
                  <button
                    type="button"
                    className="btn btn-sm"
                    data-testid="pg-chmod"
                    aria-expanded={form?.op === 'chmod' && !!formTarget}
                    disabled={!canAct || !target?.r || !target?.p || target.r.kind === 'symlink'}
                    title={
                      target?.r?.kind === 'symlink'
                        ? 'chmod follows a symlink to its target: select the target'
                        : 'Change the mode (a file from the image is copied up whole first)'
                    }
                    onClick={() => {
                      if (!target?.p || !target.r) return;
                      setEditor(null);
                      setError(null);
                      setForm(form?.op === 'chmod' && formTarget ? null : { op: 'chmod', path: '/' + target.p, value: modeOf(target.r) });
                    }}
                  >
                    chmod…
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm"
                    data-testid="pg-touch"
                    disabled={!canAct || !target?.p || (!!target.r && target.r.kind === 'symlink')}
                    title={target?.r ? 'Set the modification time to now (a file from the image is copied up whole first)' : 'Create an empty file'}
                    onClick={touch}
                  >
                    Touch
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm"
                    data-testid="pg-rename"
                    aria-expanded={form?.op === 'rename' && !!formTarget}
                    disabled={!canAct || !target?.r || !target?.p}
                    title="Rename or move (a file from the image: copy-up under the new name + a whiteout at the old one)"
                    onClick={() => {
                      if (!target?.p) return;
                      setEditor(null);
                      setError(null);
                      setForm(form?.op === 'rename' && formTarget ? null : { op: 'rename', path: '/' + target.p, value: '/' + target.p });
                    }}
                  >
                    Rename…
                  </button>
                </div>
                {form && formTarget && plan && (
                  <form
                    className="teach-editor teach-pg-form"
                    data-testid="pg-form"
                    data-op={form.op}
                    aria-label={form.op === 'chmod' ? `chmod ${displayName(form.path)}` : `Rename ${displayName(form.path)}`}
                    onSubmit={(e) => {
                      e.preventDefault();
                      if (form.op === 'chmod') chmod();
                      else rename();
                    }}
                    onKeyDown={(e) => {
                      if (e.key === 'Escape') {
                        e.stopPropagation();
                        setForm(null);
                      }
                    }}
                  >
                    <label className="teach-field">
                      <span>{form.op === 'chmod' ? `New mode of ${displayName(form.path)} (octal)` : `New path for ${displayName(form.path)}`}</span>
                      <input
                        className="input mono"
                        data-testid="pg-form-value"
                        value={form.value}
                        spellCheck={false}
                        inputMode={form.op === 'chmod' ? 'numeric' : undefined}
                        onChange={(e) => setForm({ ...form, value: e.target.value })}
                        // biome-ignore lint/a11y/noAutofocus: focus moves into the form the user has just opened
                        autoFocus
                      />
                    </label>
                    <p className="teach-note" data-testid="pg-form-plan">
                      <Rich text={plan.text} />
                    </p>
                    <div className="teach-pg-buttons">
                      <button type="submit" className="btn btn-sm btn-primary" data-testid="pg-form-apply" disabled={!canAct || plan.refused}>
                        {form.op === 'chmod' ? 'chmod' : 'Rename'}
                      </button>
                      <button type="button" className="btn btn-sm" onClick={() => setForm(null)}>
                        Cancel
                      </button>
                    </div>
                  </form>
                )}
                {error && (
                  <p className="teach-error" role="alert">
                    {error}
                  </p>
                )}
              </section>

              {editor && (
                <section className="teach-editor" aria-label={`Editing ${displayName(editor.path)}`}>
                  <p className="teach-editor-head">
                    {editor.mode === 'new' ? 'New file' : 'Editing'}{' '}
                    <code>
                      <SafeText text={editor.path} />
                    </code>
                    {editor.mode === 'edit' && target?.r && !target.r.rw && <span className="teach-badge teach-badge--cow">saving copies it up</span>}
                  </p>
                  {editor.binary || editor.truncated ? (
                    <p className="teach-note">
                      {editor.truncated
                        ? `This file is ${formatBytes(editor.size)}; the editor opens files up to ${formatBytes(MAX_EDIT_BYTES)}.`
                        : 'This file is not text. Saving replaces it with the text below.'}
                    </p>
                  ) : null}
                  <textarea
                    className="input mono teach-textarea"
                    data-testid="pg-editor"
                    aria-label={`Contents of ${displayName(editor.path)}`}
                    value={editor.text}
                    spellCheck={false}
                    onChange={(e) => setEditor({ ...editor, text: e.target.value })}
                    onKeyDown={(e) => {
                      if (e.key === 's' && (e.ctrlKey || e.metaKey)) {
                        e.preventDefault();
                        save();
                      }
                    }}
                    // biome-ignore lint/a11y/noAutofocus: focus moves into the editor the user has just opened
                    autoFocus
                  />
                  <div className="teach-pg-buttons">
                    <button type="button" className="btn btn-sm btn-primary" data-testid="pg-save" disabled={!canAct || editor.truncated} onClick={save}>
                      Save
                    </button>
                    <button type="button" className="btn btn-sm" onClick={() => setEditor(null)}>
                      Cancel
                    </button>
                  </div>
                </section>
              )}

              <section aria-label="Read-write layer contents">
                <h3 className="teach-h3">
                  Layer {layerIndex} as a tar <span className="muted">(what commit stores)</span>
                </h3>
                {members.length === 0 ? (
                  <p className="muted">Empty: the container has changed nothing yet.</p>
                ) : (
                  <ul className="teach-members">
                    {members.map((m) => (
                      <li key={m.p} data-testid="pg-member" data-member={m.p} data-kind={m.kind} className={`teach-member teach-member--${m.kind}`}>
                        <button
                          type="button"
                          className="teach-member-path mono"
                          title="Select in the tree"
                          onClick={() => {
                            const shown =
                              '/' +
                              (m.kind === 'whiteout' ? m.p.replace(/(^|\/)\.wh\./, '$1') : m.kind === 'opaque' ? m.p.replace(/\/\.wh\.\.wh\.\.opq$/, '') : m.p);
                            revealPath(shown);
                          }}
                        >
                          <SafeText text={m.p} />
                          {m.kind === 'dir' ? '/' : ''}
                        </button>
                        <span className="teach-member-note">
                          {memberNote(c, m.p, m.kind)}
                          {m.kind === 'file' ? ` · ${formatBytes(m.size)}` : ''}
                        </span>
                      </li>
                    ))}
                  </ul>
                )}
              </section>

              <section className="teach-pg-commit" aria-label="Commit">
                <label className="teach-field">
                  <span>Commit message</span>
                  <input
                    className="input"
                    data-testid="pg-message"
                    value={message}
                    placeholder="e.g. customise motd"
                    onChange={(e) => setMessage(e.target.value)}
                  />
                </label>
                <div className="teach-pg-buttons">
                  <button
                    type="button"
                    className="btn btn-sm btn-primary"
                    data-testid="pg-commit"
                    disabled={!canAct}
                    onClick={() => {
                      void useStore.getState().pgCommit(message);
                      setMessage('');
                      setEditor(null);
                    }}
                  >
                    Commit
                  </button>
                  <ExplainButton id="commit" />
                  <button type="button" className="btn btn-sm" data-testid="pg-stop" disabled={!canAct} onClick={() => useStore.getState().pgStop()}>
                    Remove container
                  </button>
                </div>
              </section>
            </>
          )}

          {pg.commits.length > 0 && (
            <section className="teach-pg-commits" aria-label="Committed layers">
              <h3 className="teach-h3">Committed</h3>
              <ul className="teach-members">
                {pg.commits.map((x, k) => (
                  <li key={k} className="teach-member" data-testid="pg-committed">
                    <span className="mono">layer {(original?.layers.length ?? 0) + k}</span>
                    <span className="teach-member-note">
                      {x.comment ?? 'no message'} · {formatCount(x.index.count)} members · <code>{shortDigest(x.diffId, 19)}</code>
                    </span>
                  </li>
                ))}
              </ul>
              <label className="teach-field">
                <span>Image name</span>
                <input className="input mono" data-testid="pg-tag" value={tag} onChange={(e) => setTag(e.target.value)} spellCheck={false} />
              </label>
              <div className="teach-pg-buttons">
                <button type="button" className="btn btn-sm btn-primary" data-testid="pg-download" disabled={!!pg.busy} onClick={() => void download()}>
                  Download docker-archive
                </button>
                {c && <span className="muted">the running container is not included</span>}
              </div>
              <p className="muted teach-small">
                <Rich text="A `docker save` archive: load it with `docker load -i FILE`, or drop it here again." />
              </p>
            </section>
          )}

          {pg.busy && (
            <p className="teach-note" role="status">
              {pg.busy}
            </p>
          )}

          {pg.events.length > 0 && (
            <section aria-label="What happened">
              <h3 className="teach-h3">What happened</h3>
              <ol ref={logRef} className="teach-log" data-testid="pg-log" aria-live="polite">
                {pg.events.map((e) => {
                  const d = describeEvent(e);
                  return (
                    <li key={e.id} className={`teach-log-item teach-log--${d.tone}`} data-testid="pg-event" data-tone={d.tone}>
                      <Rich text={d.text} />
                      {d.concept && <ExplainButton id={d.concept} />}
                    </li>
                  );
                })}
              </ol>
            </section>
          )}
        </div>
      )}
    </aside>,
    document.body,
  );
}
