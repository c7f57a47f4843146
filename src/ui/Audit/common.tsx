/** Small shared pieces of the audit views: layer chips, step labels, advice text with code. */
import type { ReactNode } from 'react';
import { stepLabel } from '../../core/model/buildStep';
import { useStore } from '../../state/store';
import { layerColor } from '../colors';
import { SafeText } from '../format/SafeText';
import { selectImageInfo } from '../../state/selectors';

/** "layer 3" with its colour swatch; a button that shows the filesystem as of that layer. */
export function LayerChip({ layer, title }: { layer: number; title?: string }) {
  const selectLayer = useStore((s) => s.selectLayer);
  const step = useStore((s) => selectImageInfo(s)?.layers[layer]?.createdBy ?? null);
  return (
    <button
      type="button"
      className="au-layer"
      title={title ?? (step ? stepLabel(step) : `layer ${layer}`)}
      onClick={() => selectLayer(layer)}
      data-layer={layer}
    >
      <span className="au-swatch" style={{ background: layerColor(layer) }} aria-hidden="true" />
      layer {layer}
    </button>
  );
}

/** The build step of a layer, one line, escaped for display. */
export function StepText({ layer }: { layer: number }) {
  const step = useStore((s) => selectImageInfo(s)?.layers[layer]?.createdBy ?? null);
  if (!step) return null;
  return (
    <span className="au-step mono">
      <SafeText text={stepLabel(step)} />
    </span>
  );
}

/** Advice text: `backticked` parts as code. The text is ours (waste.ts), not the image's. */
export function AdviceText({ text }: { text: string }): ReactNode {
  const parts = text.split('`');
  return <>{parts.map((p, i) => (i % 2 === 1 ? <code key={i}>{p}</code> : <span key={i}>{p}</span>))}</>;
}
