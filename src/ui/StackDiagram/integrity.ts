/**
 * What the page shows about each layer's digests (core/session.ts checkIntegrity):
 * a band's data-integrity, the header's badge, the tree rows a failing layer
 * provides. A layer "fails" when the sha256 of its bytes differs from what the
 * image says: the uncompressed tar against the config's rootfs.diff_ids, the
 * stored blob against the manifest's layer descriptor (OCI image-spec config.md,
 * manifest.md). Pure: unit-tested.
 */
import type { IntegrityCheck } from '../../core/session';

export type IntegrityState = 'ok' | 'mismatch' | 'checking' | 'unchecked';

/**
 * One layer's state. `checking`: the digest check has not reached it yet (while
 * the image loads, and while the check behind the shown image runs); a layer with
 * nothing to compare against (the playground's container layer, a digest absent
 * from the manifest) stays `unchecked` once the check is done.
 */
export function layerIntegrity(check: IntegrityCheck | undefined, checking: boolean): IntegrityState {
  if (check && (check.diffId === 'mismatch' || check.digest === 'mismatch')) return 'mismatch';
  if (check && (check.diffId === 'ok' || check.digest === 'ok')) return 'ok';
  return checking ? 'checking' : 'unchecked';
}

/** Indexes of the layers that fail a digest check. */
export function failingLayers(integrity: readonly IntegrityCheck[] | undefined): ReadonlySet<number> {
  const out = new Set<number>();
  for (const c of integrity ?? []) if (c.diffId === 'mismatch' || c.digest === 'mismatch') out.add(c.layer);
  return out;
}

/** "1 layer fails its digest check" / "2 layers fail their digest check". */
export function failingSentence(n: number): string {
  return n === 1 ? '1 layer fails its digest check' : `${n} layers fail their digest check`;
}

/** What failed, for a band's title and the layer details: which digest, computed against expected. */
export function mismatchText(c: IntegrityCheck): string {
  const parts: string[] = [];
  if (c.diffId === 'mismatch') parts.push(`the uncompressed tar hashes to ${c.computedDiffId}, but the config's diff_id is ${c.expectedDiffId}`);
  if (c.digest === 'mismatch') parts.push(`the stored blob hashes to ${c.computedDigest}, but the manifest says ${c.expectedDigest}`);
  return parts.join('; ');
}

/**
 * A warning's message without the "layer N: " it starts with, when the warning
 * list already shows the layer in a chip (else it reads "layer 0 layer 0: …").
 */
export function withoutLayerPrefix(message: string, layer: number | undefined): string {
  if (layer === undefined) return message;
  const prefix = `layer ${layer}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
