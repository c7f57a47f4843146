/**
 * sha256 of file contents already computed for a content proof, so a second
 * comparison (the mtime toggle, comparing A with C after A with B, re-running
 * after the digests of the layers were checked) hashes nothing twice.
 *
 * Keyed by the side's id and layer index (so a side's `id` must be unique per
 * loaded image) and, when the layer's diff_id has been computed, by that too (the
 * same bytes wherever they were loaded from: comparing A with C after A with B).
 */
import { layerIdentity, type CompareSide } from './side';

/** Most digests kept: one key and value are ~150 bytes; 1M bound the cache to ~150 MB in the worst case. */
export const MAX_CACHED_DIGESTS = 1_000_000;

export class DigestCache {
  private readonly map = new Map<string, string>();

  /** The side's own key (its id and layer index), always valid for that loaded image. */
  private static sideKey(side: CompareSide, layer: number, entry: number): string {
    return `${side.id}@${layer}#${entry}`;
  }

  /** The key by the layer's computed diff_id (the same bytes wherever loaded), when known. */
  private static bytesKey(side: CompareSide, layer: number, entry: number): string | null {
    const id = layerIdentity(side, layer, false);
    return id === null ? null : `${id}#${entry}`;
  }

  get(side: CompareSide, layer: number, entry: number): string | undefined {
    const k = DigestCache.bytesKey(side, layer, entry);
    return (k !== null ? this.map.get(k) : undefined) ?? this.map.get(DigestCache.sideKey(side, layer, entry));
  }

  /** Kept under both keys: a layer hashed after its files were (the digest check) still finds them. */
  set(side: CompareSide, layer: number, entry: number, digest: string): void {
    const keys = [DigestCache.sideKey(side, layer, entry), DigestCache.bytesKey(side, layer, entry)];
    for (const k of keys) {
      if (k === null) continue;
      if (this.map.size >= MAX_CACHED_DIGESTS) {
        // oldest first (Map keeps insertion order): a long session forgets its first comparisons
        const first = this.map.keys().next();
        if (!first.done) this.map.delete(first.value);
      }
      this.map.set(k, digest);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
