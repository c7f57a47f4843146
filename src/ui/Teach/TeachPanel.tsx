/**
 * The teaching tools, mounted in the header: the guided tour, the concepts
 * (explanations one click away) and the container playground. Their panels
 * float over the page (portals), so they work wherever the header puts this.
 */
import { useCallback, useRef, useState } from 'react';
import { useStore } from '../../state/store';
import { Tour } from './Tour';
import { Playground } from './Playground';
import { ConceptsMenu } from './Explain';
import './Teach.css';
import { selectStatus } from '../../state/selectors';

export function TeachPanel() {
  const status = useStore(selectStatus);
  const pgOpen = useStore((s) => s.pg.open);
  const running = useStore((s) => s.pg.container !== null);
  const [tour, setTour] = useState(false);
  const [concepts, setConcepts] = useState(false);
  const conceptsBtn = useRef<HTMLButtonElement>(null);
  const tourBtn = useRef<HTMLButtonElement>(null);
  const ready = status === 'ready';

  const closeTour = useCallback(() => {
    setTour(false);
    tourBtn.current?.focus();
  }, []);
  const closeConcepts = useCallback(() => setConcepts(false), []);

  return (
    <div className="teach-bar" role="group" aria-label="Learn how images work">
      <button
        ref={tourBtn}
        type="button"
        className="btn btn-sm"
        data-testid="tour-start"
        aria-pressed={tour}
        disabled={!ready}
        title={ready ? 'A guided tour of the concepts, on this image' : 'Available once an image is loaded'}
        onClick={() => setTour((t) => !t)}
      >
        Tour
      </button>
      <button
        ref={conceptsBtn}
        type="button"
        className="btn btn-sm"
        data-testid="concepts-toggle"
        aria-expanded={concepts}
        aria-haspopup="dialog"
        title="bootfs, rootfs, union mounts, copy-on-write, whiteouts…"
        onClick={() => setConcepts((c) => !c)}
      >
        <span className="teach-info teach-info--inline" aria-hidden="true">
          i
        </span>{' '}
        Concepts
      </button>
      <button
        type="button"
        className={`btn btn-sm${running ? ' teach-running' : ''}`}
        data-testid="pg-toggle"
        aria-pressed={pgOpen}
        disabled={!ready && !running}
        title="Start a container from this image and change its files"
        onClick={() => useStore.getState().pgSetOpen(!pgOpen)}
      >
        {running ? '● Container' : 'Container'}
      </button>
      {tour && ready && <Tour onClose={closeTour} />}
      {concepts && <ConceptsMenu anchor={conceptsBtn} onClose={closeConcepts} />}
      {pgOpen && <Playground onClose={() => useStore.getState().pgSetOpen(false)} />}
    </div>
  );
}
