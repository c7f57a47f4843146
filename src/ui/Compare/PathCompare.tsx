/**
 * The selected path on both sides: each version's attributes side by side (the
 * ones that differ marked), how equal content is known, and the content diff.
 */
import { useMemo } from 'react';
import { useStore } from 'zustand';
import { lookup } from '../../core/model/union';
import { emptyVersion, fillVersion, highestFailed, type Version } from '../../core/compare/side';
import { Diff, categoryOf, flagNames } from '../../core/compare/flags';
import { Proof } from '../../core/compare/tree';
import { ENTRY_KIND_NAMES, EntryKind } from '../../core/types';
import { formatBytes, formatTimestamp } from '../format/format';
import { SafeText } from '../format/SafeText';
import { ContentDiffView, type VersionRef } from './ContentDiffView';
import type { Comparison } from './compareStore';

const PROOF_TEXT: Record<number, string> = {
  [Proof.Empty]: 'both empty',
  [Proof.SameLayer]: 'identical: the same entry of the same layer bytes',
  [Proof.Digest]: 'compared by the sha256 of both',
  [Proof.Pending]: 'being hashed…',
};

const mode = (m: number) => m.toString(8).padStart(4, '0');
const time = (t: number) => (Number.isNaN(t) ? '—' : formatTimestamp(new Date(t * 1000).toISOString()));

function attrs(v: Version): [string, string][] {
  if (!v.present) return [];
  const kind = v.kind === EntryKind.Hardlink ? `hardlink → ${v.link}` : (ENTRY_KIND_NAMES[v.kind] ?? 'other');
  const rows: [string, string][] = [
    ['type', kind],
    ['size', v.kind === EntryKind.File || v.kind === EntryKind.Hardlink ? `${formatBytes(v.size)} (${v.size.toLocaleString('en-US')} B)` : '—'],
    ['mode', mode(v.mode)],
    ['owner', `${v.uid}:${v.gid}`],
    ['mtime', time(v.mtime)],
    ['layer', v.entry < 0 ? `${v.layer} (implied directory)` : String(v.layer)],
  ];
  if (v.kind === EntryKind.Symlink) rows.push(['target', v.link]);
  if (v.kind === EntryKind.Char || v.kind === EntryKind.Block) rows.push(['device', `${v.devMajor},${v.devMinor}`]);
  if (v.xattrs) rows.push(['xattrs', Object.keys(v.xattrs).sort().join(', ')]);
  return rows;
}

const DIFF_OF_ATTR: Record<string, number> = {
  type: Diff.Type,
  size: Diff.Size,
  mode: Diff.Mode,
  owner: Diff.Uid | Diff.Gid,
  mtime: Diff.Mtime,
  target: Diff.Link,
  device: Diff.Device,
  xattrs: Diff.Xattrs,
};

export function PathCompare({ cmp }: { cmp: Comparison }) {
  const s = useStore(cmp.store);
  const { selected, sideA, sideB, diff, diffView } = s;
  const info = useMemo(() => {
    if (!selected || !sideA || !sideB || !diff) return null;
    const rec = diff.paths.indexOf(selected);
    const na = rec >= 0 ? diff.nodeA[rec]! : lookup(sideA.union, selected);
    const nb = rec >= 0 ? diff.nodeB[rec]! : lookup(sideB.union, selected);
    const va = emptyVersion();
    const vb = emptyVersion();
    fillVersion(va, sideA, na, highestFailed(sideA));
    fillVersion(vb, sideB, nb, highestFailed(sideB));
    return { rec, va, vb, flags: rec >= 0 ? diff.flags[rec]! : 0, proof: rec >= 0 ? diff.proof[rec]! : Proof.None };
  }, [selected, sideA, sideB, diff]);

  // the versions' bytes: the same ones keep the same refs (so a re-derivation does not read them again)
  const sig = info
    ? `${sideA?.id}:${info.va.contentLayer}:${info.va.contentEntry}:${info.va.size}|${sideB?.id}:${info.vb.contentLayer}:${info.vb.contentEntry}:${info.vb.size}`
    : '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the bytes' identity (sig), not on the derivation
  const refs = useMemo(() => {
    if (!info) return null;
    const ref = (side: 'a' | 'b', v: Version, label: string): VersionRef | null =>
      v.present && v.contentLayer >= 0
        ? {
            size: v.size,
            label,
            read: (max, signal) => cmp.engine.read(side, v.contentLayer, v.contentEntry, v.size, max, signal),
            digest: (signal) => cmp.digestOf(side, v.contentLayer, v.contentEntry, v.size, signal),
          }
        : null;
    return { a: ref('a', info.va, 'A'), b: ref('b', info.vb, 'B') };
  }, [sig, cmp]);

  if (!selected) return <p className="cmp-path cmp-note">Select a path to see both versions and what differs.</p>;
  if (!info || !refs) return null;
  const { va, vb, flags, proof } = info;
  const category = categoryOf(flags);
  const ra = attrs(va);
  const rb = attrs(vb);
  const names = [...new Set([...ra.map((r) => r[0]), ...rb.map((r) => r[0])])];
  const get = (rows: [string, string][], k: string) => rows.find((r) => r[0] === k)?.[1];
  const showContent =
    (refs.a || refs.b) && (va.kind === EntryKind.File || vb.kind === EntryKind.File || va.kind === EntryKind.Hardlink || vb.kind === EntryKind.Hardlink);
  return (
    <section className="cmp-path" aria-label={`Both versions of ${selected}`} data-testid="compare-path" data-category={category}>
      <h3 className="cmp-path__title">
        <span className={`cmp-badge cmp-badge--${category}`}>{category}</span> <SafeText text={selected} />
      </h3>
      {flags !== 0 && <p className="cmp-path__what">{flagNames(flags).join(', ')}</p>}
      <table className="cmp-attrs">
        <thead>
          <tr>
            <th />
            <th scope="col">A</th>
            <th scope="col">B</th>
          </tr>
        </thead>
        <tbody>
          {names.map((k) => {
            const x = get(ra, k);
            const y = get(rb, k);
            const differs = (flags & (DIFF_OF_ATTR[k] ?? 0)) !== 0 || (x === undefined) !== (y === undefined);
            return (
              <tr key={k} className={differs ? 'cmp-attrs__row--diff' : undefined}>
                <th scope="row">{k}</th>
                <td>{x !== undefined ? <SafeText text={x} /> : va.present ? '—' : 'absent'}</td>
                <td>{y !== undefined ? <SafeText text={y} /> : vb.present ? '—' : 'absent'}</td>
              </tr>
            );
          })}
          {(!va.present || !vb.present) && names.length === 0 && (
            <tr>
              <td colSpan={3}>absent on both sides</td>
            </tr>
          )}
        </tbody>
      </table>
      {proof !== Proof.None && <p className="cmp-path__proof">content: {flags & Diff.Content ? 'different bytes (sha256 of both)' : PROOF_TEXT[proof]}</p>}
      {(flags & (Diff.UnknownA | Diff.UnknownB)) !== 0 && (
        <p className="cmp-note cmp-note--warn">A layer that could not be read may have changed this path: nothing is claimed about it.</p>
      )}
      {showContent && (
        <ContentDiffView
          key={sig}
          a={refs.a}
          b={refs.b}
          view={diffView}
          onView={(v) => cmp.setDiffView(v)}
          textDiff={(x, y, signal) => cmp.engine.textDiff(x, y, signal)}
        />
      )}
    </section>
  );
}
