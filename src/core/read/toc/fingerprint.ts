/**
 * A listing's fingerprint: sha256 over every field of every entry a layer's
 * LayerIndex keeps (path, kind, size, mode, owner, mtime, link target, device
 * numbers, xattrs, and for files with data their tar offset), in order. A listing
 * taken from a table of contents and one parsed from the tar are the same listing
 * exactly when their fingerprints are equal, so the digest pass (verify.ts) can
 * check a TOC against the tar it decodes without shipping either listing between
 * threads. sha256, not a fast hash: the TOC comes from the image, and a crafted
 * collision would let a TOC spoof the tree.
 */
import type { Hasher } from '../../sha256';
import { EntryKind, type LayerIndex } from '../../types';

const enc = new TextEncoder();

export function listingFingerprint(idx: LayerIndex, h: Hasher): string {
  const nums = new Float64Array(9);
  const numBytes = new Uint8Array(nums.buffer);
  for (let i = 0; i < idx.count; i++) {
    const path = enc.encode(idx.paths[i]!);
    const link = idx.linkIds[i]! >= 0 ? enc.encode(idx.links[idx.linkIds[i]!]!) : new Uint8Array(0);
    const dev = idx.devs.get(i);
    const kind = idx.kinds[i]!;
    const size = idx.sizes[i]!;
    nums[0] = kind;
    nums[1] = size;
    nums[2] = idx.modes[i]!;
    nums[3] = idx.uids[i]!;
    nums[4] = idx.gids[i]!;
    nums[5] = idx.mtimes[i]!;
    // Only a file's data has a place worth comparing; other entries' offsets are not in a TOC.
    nums[6] = kind === EntryKind.File && size > 0 ? idx.dataOffsets[i]! : -1;
    nums[7] = dev ? dev[0] : -1;
    nums[8] = dev ? dev[1] : -1;
    h.update(numBytes);
    h.update(lengthOf(path.length));
    h.update(path);
    h.update(lengthOf(link.length));
    h.update(link);
    const x = idx.xattrs.get(i);
    const keys = x ? Object.keys(x).sort() : [];
    h.update(lengthOf(keys.length));
    for (const k of keys) {
      const kb = enc.encode(k);
      h.update(lengthOf(kb.length));
      h.update(kb);
      h.update(lengthOf(x![k]!.length));
      h.update(x![k]!);
    }
  }
  return h.digest();
}

function lengthOf(n: number): Uint8Array {
  return new Uint8Array(new Float64Array([n]).buffer);
}
