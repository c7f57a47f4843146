/**
 * sha256 of file contents already computed for a content proof, so a second
 * comparison (the mtime toggle, comparing A with C after A with B, re-running
 * after the digests of the layers were checked) hashes nothing twice.
 *
 * Keyed by the layer's computed diff_id when it has one (the same bytes wherever
 * they were loaded from) and otherwise by the side's id and layer index, so a
 * side's `id` must be unique per loaded image.
 */
import { layerIdentity, type CompareSide } from './side';

/** Most digests kept: one entry is ~150 bytes of key and value; 1M entries bound the cache to ~150 MB in the worst case. */
export const MAX_CACHED_DIGESTS = 1_000_000;

export class DigestCache {
  private readonly map = new Map<string, string>();

  static key(side: CompareSide, layer: number, entry: number): string {
    return `${layerIdentity(side, layer, false) ?? `${side.id}@${layer}`}#${entry}`;
  }

  get(side: CompareSide, layer: number, entry: number): string | undefined {
    return this.map.get(DigestCache.key(side, layer, entry));
  }

  set(side: CompareSide, layer: number, entry: number, digest: string): void {
    if (this.map.size >= MAX_CACHED_DIGESTS) {
      // oldest first (Map keeps insertion order): a long session forgets its first comparisons
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.set(DigestCache.key(side, layer, entry), digest);
  }

  get size(): number {
    return this.map.size;
  }
}
