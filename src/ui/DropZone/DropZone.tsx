/**
 * The landing page: what Layerscope is, where to drop a file (or pick one, or
 * open the built-in example), which archives it reads and how to make one,
 * and — after a failed open — the error, above the drop zone so the next
 * file is one drop away.
 */
import { useEffect, useState } from 'react';
import { useStore } from '../../state/store';
import { exampleAvailable, openExample } from '../../state/actions';
import { ErrorAlert } from '../ErrorAlert/ErrorAlert';
import { StackIcon } from './DropOverlay';
import { LinkPendingNotice } from '../LinkNotice/LinkNotice';
import './DropZone.css';
import { selectError, selectStatus } from '../../state/selectors';

const FORMATS: ReadonlyArray<{ name: string; how: string }> = [
  { name: 'docker save', how: 'docker save IMAGE -o image.tar' },
  { name: 'podman save', how: 'podman save -m IMAGE… -o images.tar' },
  { name: 'skopeo docker-archive / oci-archive', how: 'skopeo copy docker://IMAGE oci-archive:image.tar' },
  { name: 'OCI image layout (buildx, buildah)', how: 'docker buildx build -o type=oci,dest=image.tar .' },
  { name: 'containerd', how: 'ctr image export image.tar IMAGE' },
  { name: 'crane / kaniko tarball', how: 'crane pull IMAGE image.tar' },
];

export function Landing({ onPick }: { onPick(): void }) {
  const status = useStore(selectStatus);
  const error = useStore(selectError);
  const [example, setExample] = useState(false);

  useEffect(() => {
    let live = true;
    void exampleAvailable().then((ok) => live && setExample(ok));
    return () => {
      live = false;
    };
  }, []);

  return (
    <main className="landing" data-testid="dropzone" aria-labelledby="landing-title">
      <div className="landing__intro">
        <div className="landing__brand">
          <StackIcon size={40} />
          <h1 id="landing-title">Layerscope</h1>
        </div>
        <p className="landing__tagline">
          See what every layer of a container image adds, changes and hides — the union filesystem a container sees, layer by layer.
        </p>
      </div>

      {status === 'error' && error && <ErrorAlert message={error} />}
      <LinkPendingNotice />

      <section className="landing__drop" aria-label="Open an image archive">
        <div className="landing__drop-art" aria-hidden="true">
          <span className="landing__drop-bar" />
          <span className="landing__drop-bar" />
          <span className="landing__drop-bar" />
        </div>
        <p className="landing__drop-title">Drop an image archive anywhere on this page</p>
        <p className="landing__drop-sub muted">a .tar or .tar.gz written by docker save, podman, skopeo, buildx, containerd or crane</p>
        <div className="landing__actions">
          <button type="button" className="btn btn-primary btn-lg" onClick={onPick} data-testid="choose-file">
            Choose a file…
          </button>
          {example && (
            <button type="button" className="btn btn-lg" onClick={() => void openExample()} data-testid="open-example">
              Open the example image
            </button>
          )}
        </div>
        <p className="landing__privacy">
          <LockIcon />
          <span>The file never leaves your machine: it is read and decompressed in this page, in Web Workers. Nothing is uploaded.</span>
        </p>
      </section>

      <section className="landing__formats" aria-labelledby="formats-title">
        <h2 id="formats-title">Archives it reads</h2>
        <ul className="landing__format-list">
          {FORMATS.map((f) => (
            <li key={f.name}>
              <span className="landing__format-name">{f.name}</span>
              <code className="landing__format-how">{f.how}</code>
            </li>
          ))}
        </ul>
        <p className="muted landing__format-note">
          Docker ≤ 24 and ≥ 25 layouts, OCI image indexes with several platforms, several images in one archive. Layers compressed with gzip or zstd, or not at
          all; the whole archive may be gzipped.
        </p>
      </section>
    </main>
  );
}

function LockIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false" className="landing__lock">
      <path
        fill="currentColor"
        d="M8 1a3.5 3.5 0 0 0-3.5 3.5V6H4a1.5 1.5 0 0 0-1.5 1.5v6A1.5 1.5 0 0 0 4 15h8a1.5 1.5 0 0 0 1.5-1.5v-6A1.5 1.5 0 0 0 12 6h-.5V4.5A3.5 3.5 0 0 0 8 1Zm2 5H6V4.5a2 2 0 1 1 4 0V6Z"
      />
    </svg>
  );
}
