/**
 * The right-hand pane: the selected path's details, the selected layer as a
 * blob, or the image panel (tags, config, raw JSON, reconstructed Dockerfile,
 * totals). Tabs per the WAI-ARIA tabs pattern: arrow keys move between tabs,
 * the panel is labelled by its tab.
 *
 * The store knows 'details' and 'image' (src/state/viewSlice.ts); the Layer tab
 * is kept here until the state redesign (#10) gives it a place: choosing it
 * overrides the store's pane until the store's pane changes again (a link that
 * opens a path's details, for instance).
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from '../../state/store';
import { effectiveLayer } from '../../state/hooks';
import { Details } from '../Details/Details';
import { ImagePanel } from '../ImagePanel/ImagePanel';
import { AuditPanel } from '../Audit/AuditPanel';
import { LayerDetails } from '../LayerDetails/LayerDetails';
import { selectImageInfo, selectShown } from '../../state/selectors';

type Tab = 'details' | 'layer' | 'image' | 'audit';

/** A document event that opens the Layer tab (double click or Enter on a band). */
export const SHOW_LAYER_DETAILS = 'layerscope:layer-details';

export function RightPane() {
  const storePane = useStore((s) => s.rightPane);
  const setPane = useStore((s) => s.setRightPane);
  const layer = useStore((s) => effectiveLayer(s.selectedLayer, selectShown(s)?.image.layers.length ?? selectImageInfo(s)?.layers.length ?? 0));
  const [layerTab, setLayerTab] = useState(false);
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const pane: Tab = layerTab ? 'layer' : storePane;

  // Another part of the page asked for a pane: it wins over the Layer tab.
  const lastStorePane = useRef(storePane);
  useEffect(() => {
    if (lastStorePane.current !== storePane) setLayerTab(false);
    lastStorePane.current = storePane;
  }, [storePane]);
  useEffect(() => {
    const on = () => setLayerTab(true);
    document.addEventListener(SHOW_LAYER_DETAILS, on);
    return () => document.removeEventListener(SHOW_LAYER_DETAILS, on);
  }, []);

  const tabs: ReadonlyArray<{ id: Tab; label: string }> = [
    { id: 'details', label: 'Path' },
    { id: 'layer', label: layer >= 0 ? `Layer ${layer}` : 'Layer' },
    { id: 'image', label: 'Image' },
    { id: 'audit', label: 'Audit' },
  ];
  const choose = (t: Tab) => {
    if (t === 'layer') setLayerTab(true);
    else {
      setLayerTab(false);
      setPane(t);
    }
  };

  const onKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === pane);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabs.length - 1;
    const t = tabs[j];
    if (!t) return;
    e.preventDefault();
    choose(t.id);
    refs.current[t.id]?.focus();
  };

  return (
    <div className="right-pane">
      <div className="tabs" role="tablist" aria-label="Right pane" onKeyDown={onKey}>
        {tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            data-testid={`tab-${t.id}`}
            aria-selected={pane === t.id}
            aria-controls={`tabpanel-${t.id}`}
            tabIndex={pane === t.id ? 0 : -1}
            className="tab"
            onClick={() => choose(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="tabpanel" role="tabpanel" id={`tabpanel-${pane}`} aria-labelledby={`tab-${pane}`} tabIndex={-1} data-pane-focus>
        {pane === 'details' ? <Details /> : pane === 'layer' ? <LayerDetails /> : pane === 'audit' ? <AuditPanel /> : <ImagePanel />}
      </div>
    </div>
  );
}
