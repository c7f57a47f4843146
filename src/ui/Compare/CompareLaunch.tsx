/**
 * The ways into a comparison:
 *  - SecondFileChoice: a file dropped while an image is open — "Compare with the
 *    open image" or "Open instead";
 *  - CompareMenu: the "Compare…" control — another file (a file picker), another
 *    image or platform of the open archive, or two layers of the open image.
 * Both are plain components over callbacks: the App decides what each choice does.
 */
import { WINDOW_ABOVE_ROWS } from '../StackDiagram/stackWindow';
import { useEffect, useId, useRef, useState } from 'react';
import type { ArchiveInfo, ImageInfo } from '../../core/types';
import { formatPlatform } from '../../core/read/archive';
import { SafeText } from '../format/SafeText';
import { displayName } from '../format/displayName';
import './Compare.css';

function useModal(open: boolean) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return ref;
}

export function SecondFileChoice({
  fileName,
  openName,
  onCompare,
  onOpen,
  onCancel,
}: {
  fileName: string | null;
  openName: string;
  onCompare(): void;
  onOpen(): void;
  onCancel(): void;
}) {
  const ref = useModal(fileName !== null);
  const title = useId();
  return (
    <dialog ref={ref} className="cmp-dialog" aria-labelledby={title} onCancel={onCancel} data-testid="second-file-choice">
      <h2 id={title}>
        <SafeText text={fileName ?? ''} />
      </h2>
      <p>
        <SafeText text={openName} /> is open. Compare the two, or open the new file in its place?
      </p>
      <div className="cmp-dialog__actions">
        <button type="button" className="btn btn-primary" onClick={onCompare} data-testid="choice-compare">
          Compare with the open image
        </button>
        <button type="button" className="btn" onClick={onOpen} data-testid="choice-open">
          Open instead
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

export interface CompareMenuProps {
  /** The archive open in the explorer and the image shown. */
  info: ArchiveInfo | null;
  image: ImageInfo | null;
  /** Pick a file to compare with. */
  onPickFile(): void;
  /** Another image (index) or platform of the same archive. */
  onOtherImage(sel: { image?: number; platform?: string }): void;
  /** Two layers of the image shown. */
  onLayers(a: number, b: number): void;
}

/**
 * Layers offered as a list of options up to this many (WINDOW_ABOVE_ROWS: every real
 * image); a longer stack (issue 9, point 6: one layer listed 10,000 times) gets a number
 * field, as 10,000 options in each of two lists were 20,000 elements made at ready.
 */
const MAX_LAYER_OPTIONS = WINDOW_ABOVE_ROWS;

/** A layer of `n`, by index: a list of options, or a number field for a long stack. */
function LayerPicker({ label, n, value, onChange, testId }: { label: string; n: number; value: number; onChange(v: number): void; testId: string }) {
  if (n > MAX_LAYER_OPTIONS)
    return (
      <label>
        {label}{' '}
        <input
          type="number"
          min={0}
          max={n - 1}
          step={1}
          value={value}
          onChange={(e) => {
            const v = Math.round(Number(e.target.value));
            if (Number.isFinite(v)) onChange(Math.max(0, Math.min(n - 1, v)));
          }}
          data-testid={testId}
        />
      </label>
    );
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId}>
        {Array.from({ length: n }, (_, i) => (
          <option key={i} value={i}>
            {i}
          </option>
        ))}
      </select>
    </label>
  );
}

export function CompareMenu({ info, image, onPickFile, onOtherImage, onLayers }: CompareMenuProps) {
  const [open, setOpen] = useState(false);
  const ref = useModal(open);
  const title = useId();
  const n = image?.layers.length ?? 0;
  const [la, setLa] = useState(Math.max(0, n - 2));
  const [lb, setLb] = useState(Math.max(0, n - 1));
  useEffect(() => {
    setLa(Math.max(0, n - 2));
    setLb(Math.max(0, n - 1));
  }, [n]);
  const others = (info?.images ?? []).filter((im) => im.index !== image?.index);
  const platforms = (info?.platforms ?? []).filter((p) => p.available && p.imageIndex !== image?.index);
  const close = () => setOpen(false);
  return (
    <>
      <button type="button" className="btn" onClick={() => setOpen(true)} data-testid="compare-open" aria-haspopup="dialog">
        Compare…
      </button>
      <dialog ref={ref} className="cmp-dialog" aria-labelledby={title} onCancel={close} onClose={close} data-testid="compare-menu">
        <h2 id={title}>Compare</h2>
        <section>
          <h3>With another archive</h3>
          <button
            type="button"
            className="btn btn-primary"
            data-testid="compare-pick-file"
            onClick={() => {
              close();
              onPickFile();
            }}
          >
            Choose a file…
          </button>
        </section>
        {(others.length > 0 || platforms.length > 0) && (
          <section>
            <h3>With another image of this archive</h3>
            <ul className="cmp-dialog__list">
              {platforms.length > 0
                ? platforms.map((p) => (
                    <li key={p.manifestDigest}>
                      <button
                        type="button"
                        className="btn"
                        onClick={() => {
                          close();
                          onOtherImage({ platform: formatPlatform(p.platform) });
                        }}
                      >
                        {formatPlatform(p.platform)}
                      </button>
                    </li>
                  ))
                : others.map((im) => (
                    <li key={im.index}>
                      <button
                        type="button"
                        className="btn"
                        title={displayName(im.tags.join(', '))}
                        onClick={() => {
                          close();
                          onOtherImage({ image: im.index });
                        }}
                      >
                        [{im.index}] <SafeText text={im.tags[0] ?? 'untagged'} />
                        {im.platform ? ` · ${formatPlatform(im.platform)}` : ''}
                      </button>
                    </li>
                  ))}
            </ul>
          </section>
        )}
        {n >= 2 && (
          <section>
            <h3>Two layers of this image</h3>
            <p className="cmp-note">The tree as of one layer against the tree as of another.</p>
            <div className="cmp-dialog__layers">
              <LayerPicker label="as of layer" n={n} value={la} onChange={setLa} testId="compare-layer-a" />
              <LayerPicker label="against layer" n={n} value={lb} onChange={setLb} testId="compare-layer-b" />
              <button
                type="button"
                className="btn"
                disabled={la === lb}
                data-testid="compare-layers-go"
                onClick={() => {
                  close();
                  onLayers(la, lb);
                }}
              >
                Compare layers
              </button>
            </div>
          </section>
        )}
        <div className="cmp-dialog__actions">
          <button type="button" className="btn btn-ghost" onClick={close}>
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}
