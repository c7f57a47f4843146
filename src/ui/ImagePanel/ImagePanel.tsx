/**
 * The image as a whole: identity (tags, digests, platform, created), totals
 * (size, hidden bytes, dive's efficiency, integrity per layer), the files that
 * waste the most bytes (links into the tree), the runtime config, and the
 * history as a reconstructed Dockerfile. Everything the structure gives is
 * shown at once; figures that need every layer appear when loading finishes.
 *
 * All values come from the image's JSON and are rendered as React text nodes.
 */
import { useState } from 'react';
import { useStore } from '../../state/store';
import { formatPlatform } from '../../core/read/archive';
import type { ImageConfigSummary, ImageInfo } from '../../core/types';
import { layerColor } from '../colors';
import { formatBytes } from '../format/format';
import { CreatedValue, createdText } from '../format/CreatedValue';
import { displayName } from '../format/displayName';
import { SafeText } from '../format/SafeText';

/** Untrusted config text, hidden characters shown (SafeText); null stays null so a Row can hide itself. */
function safe(t: string | null | undefined): React.ReactNode {
  return t ? <SafeText text={t} /> : null;
}

import { imageName } from '../Choosers/imageFilter';
import { dockerfileText, reconstructDockerfile } from './dockerfile';
import { Totals } from './Totals';
import { Row, Section } from './Section';
import { RawJson } from './RawJson';
import './ImagePanel.css';
import { selectArchive, selectImageInfo, selectShown } from '../../state/selectors';

export function ImagePanel() {
  const image = useStore(selectImageInfo);
  if (!image) {
    return (
      <div className="image-panel image-panel--empty">
        <p className="muted">The image appears here as soon as the archive’s index is read.</p>
      </div>
    );
  }
  return (
    <div className="image-panel" data-testid="image-panel">
      <Identity image={image} />
      <Totals />
      <Config config={image.config} />
      <Dockerfile image={image} />
      <RawJson image={image} />
    </div>
  );
}

function Digest({ value }: { value: string | null }) {
  if (!value) return null;
  const [algo, hex] = value.includes(':') ? value.split(':', 2) : ['', value];
  return (
    <span className="ip-digest" title={displayName(value)}>
      {algo && (
        <span className="muted">
          <SafeText text={algo} />:
        </span>
      )}
      <SafeText text={hex ?? ''} />
    </span>
  );
}

function Identity({ image }: { image: ImageInfo }) {
  const archive = useStore(selectArchive);
  return (
    <Section title="Image" id="ip-identity">
      <div className="ip-tags">
        {image.tags.length ? (
          image.tags.map((t) => <SafeText key={t} className="ip-tag mono" text={t} />)
        ) : (
          <span className="ip-tag ip-tag--untagged mono">{imageName(image)}</span>
        )}
        {archive && archive.images.length > 1 && (
          <span className="chip">
            image {image.index + 1} of {archive.images.length}
          </span>
        )}
      </div>
      <dl className="ip-dl">
        <Row k="Platform" mono>
          {safe(image.platform ? formatPlatform(image.platform) : null)}
        </Row>
        <Row k="Created" mono>
          <CreatedValue created={image.created} />
        </Row>
        <Row k="Author">{safe(image.author)}</Row>
        <Row k="Manifest">{image.manifestDigest ? <Digest value={image.manifestDigest} /> : null}</Row>
        <Row k="Config (image ID)">{image.configDigest ? <Digest value={image.configDigest} /> : null}</Row>
        <Row k="Layers" mono>
          {String(image.layers.length)}
        </Row>
      </dl>
    </Section>
  );
}

/** Docker records healthcheck durations in nanoseconds (Docker image spec v1.2, Healthcheck). */
function nanos(n: number | undefined): string | null {
  if (n === undefined || n === 0) return null;
  const s = n / 1e9;
  return s >= 60 && s % 60 === 0 ? `${s / 60}m` : `${+s.toFixed(3)}s`;
}

/** An exec-form array as Docker prints it: ["a", "b"]. */
function execForm(a: string[] | undefined): string | null {
  return a?.length ? JSON.stringify(a) : null;
}

function keys(o: Record<string, unknown> | undefined): string[] {
  return o ? Object.keys(o).sort() : [];
}

function Config({ config: c }: { config: ImageConfigSummary }) {
  const env = c.Env ?? [];
  const ports = keys(c.ExposedPorts);
  const volumes = keys(c.Volumes);
  const labels = c.Labels ? Object.entries(c.Labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  const hc = c.Healthcheck;
  const empty =
    !env.length &&
    !c.Cmd?.length &&
    !c.Entrypoint?.length &&
    !c.WorkingDir &&
    !c.User &&
    !ports.length &&
    !volumes.length &&
    !labels.length &&
    !hc &&
    !c.Shell?.length &&
    !c.StopSignal &&
    !c.OnBuild?.length;
  return (
    <Section title="Config" id="ip-config">
      {empty ? (
        <p className="muted">The config sets no runtime defaults.</p>
      ) : (
        <dl className="ip-dl">
          <Row k="Entrypoint" mono>
            {safe(execForm(c.Entrypoint))}
          </Row>
          <Row k="Cmd" mono>
            {safe(execForm(c.Cmd))}
          </Row>
          <Row k="WorkingDir" mono>
            {safe(c.WorkingDir)}
          </Row>
          <Row k="User" mono>
            {safe(c.User)}
          </Row>
          <Row k="Exposed ports" mono>
            {safe(ports.length ? ports.join('  ') : null)}
          </Row>
          <Row k="Volumes" mono>
            {volumes.length ? (
              <ul className="ip-list">
                {volumes.map((v) => (
                  <li key={v}>
                    <SafeText text={v} />
                  </li>
                ))}
              </ul>
            ) : null}
          </Row>
          <Row k="Env" mono>
            {env.length ? (
              <ul className="ip-list ip-env">
                {env.map((e, i) => {
                  const eq = e.indexOf('=');
                  return (
                    <li key={i}>
                      {eq < 0 ? (
                        <SafeText text={e} />
                      ) : (
                        <>
                          <SafeText className="ip-env__k" text={e.slice(0, eq)} />=<SafeText text={e.slice(eq + 1)} />
                        </>
                      )}
                    </li>
                  );
                })}
              </ul>
            ) : null}
          </Row>
          <Row k="Labels" mono>
            {labels.length ? (
              <ul className="ip-list">
                {labels.map(([k, v]) => (
                  <li key={k}>
                    <SafeText className="ip-env__k" text={k} />=<SafeText text={v} />
                  </li>
                ))}
              </ul>
            ) : null}
          </Row>
          <Row k="Healthcheck" mono>
            {hc ? (
              <span>
                {safe(execForm(hc.Test)) ?? '(inherited)'}
                {[
                  nanos(hc.Interval) && `interval ${nanos(hc.Interval)}`,
                  nanos(hc.Timeout) && `timeout ${nanos(hc.Timeout)}`,
                  nanos(hc.StartPeriod) && `start period ${nanos(hc.StartPeriod)}`,
                  hc.Retries ? `retries ${hc.Retries}` : null,
                ]
                  .filter(Boolean)
                  .map((s) => (
                    <span key={s as string} className="ip-hc">
                      {s}
                    </span>
                  ))}
              </span>
            ) : null}
          </Row>
          <Row k="Shell" mono>
            {safe(execForm(c.Shell))}
          </Row>
          <Row k="StopSignal" mono>
            {safe(c.StopSignal)}
          </Row>
          <Row k="OnBuild" mono>
            {c.OnBuild?.length ? (
              <ul className="ip-list">
                {c.OnBuild.map((o, i) => (
                  <li key={i}>
                    <SafeText text={o} />
                  </li>
                ))}
              </ul>
            ) : null}
          </Row>
        </dl>
      )}
    </Section>
  );
}

function Dockerfile({ image }: { image: ImageInfo }) {
  const layerStats = useStore((s) => selectShown(s)?.stats.layers);
  const selectLayer = useStore((s) => s.selectLayer);
  const selected = useStore((s) => s.selectedLayer);
  const [copied, setCopied] = useState(false);
  const lines = reconstructDockerfile(image.history);
  const n = image.layers.length;
  // Layers with no history step (history missing or shorter than the layer list).
  const covered = new Set(lines.filter((l) => l.layer !== null).map((l) => l.layer));
  const uncovered = image.layers.map((_, i) => i).filter((i) => !covered.has(i));

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(dockerfileText(lines));
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };

  return (
    <Section
      title="History as a Dockerfile"
      id="ip-dockerfile"
      actions={
        lines.length > 0 && (
          <button type="button" className="btn btn-sm" onClick={() => void copy()} aria-label="Copy the reconstructed Dockerfile">
            {copied ? 'Copied' : 'Copy'}
          </button>
        )
      }
    >
      <p className="muted ip-note">
        Reconstructed from the config’s history, as <code>docker history</code> shows it. Steps without a layer changed only metadata.
      </p>
      {lines.length === 0 ? (
        <p className="muted">This image records no history.</p>
      ) : (
        <ol className="ip-dockerfile" data-testid="dockerfile">
          {lines.map((l) => {
            // Bytes of the files the layer ships (known once every layer is read).
            const size = l.layer !== null ? layerStats?.[l.layer]?.bytesAdded : undefined;
            return (
              <li
                key={l.step}
                className={`ip-df-line${l.layer === null ? ' ip-df-line--meta' : ''}${l.layer !== null && l.layer === selected ? ' ip-df-line--selected' : ''}`}
                title={displayName([l.raw, l.created ? `created ${createdText(l.created)}` : '', l.comment ?? ''].filter(Boolean).join('\n')).replace(
                  /⟨U\+000A⟩/g,
                  '\n',
                )}
              >
                {l.layer !== null ? (
                  <button
                    type="button"
                    className="ip-df-layer"
                    style={{ ['--layer' as string]: layerColor(l.layer) }}
                    onClick={() => selectLayer(l.layer!)}
                    aria-label={`Show layer ${l.layer}`}
                  >
                    <span className="ip-df-swatch" aria-hidden="true" />
                    {l.layer}
                  </button>
                ) : (
                  <span className="ip-df-layer ip-df-layer--none" title="metadata only">
                    <span aria-hidden="true">–</span>
                    <span className="sr-only">metadata only</span>
                  </span>
                )}
                <code className="ip-df-text">{l.text ? <SafeText text={l.text} /> : <span className="muted"># no created_by recorded</span>}</code>
                <span className="ip-df-size num muted">{size !== undefined ? formatBytes(size) : ''}</span>
              </li>
            );
          })}
        </ol>
      )}
      {uncovered.length > 0 && (
        <p className="muted ip-note">
          {uncovered.length === n ? 'No layer' : `Layer${uncovered.length > 1 ? 's' : ''} ${uncovered.join(', ')}`} ha
          {uncovered.length > 1 || uncovered.length === n ? 've' : 's'} no matching history step.
        </p>
      )}
    </Section>
  );
}
