/**
 * The user-facing sentences of a load that failed: what the file was recognized
 * as (by its first bytes), what is wrong with it, and what Layerscope opens.
 */
import { describeError, isLayerscopeError } from '../core/errors';

/** Bytes read to recognize a file that is not an archive (the longest magic we test is 8 bytes, at offset 0; "ustar" sits at 257). */
export const FILE_KIND_SNIFF_BYTES = 512;

/** The first FILE_KIND_SNIFF_BYTES of a file, or null when it cannot be read. */
export async function readHead(file: Blob): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await file.slice(0, FILE_KIND_SNIFF_BYTES).arrayBuffer());
  } catch {
    return null;
  }
}

/** Magic numbers of files people drop by mistake, to say what the file is instead. */
const MAGICS: ReadonlyArray<{ bytes: number[]; at?: number; what: string }> = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive' },
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'an empty ZIP archive' },
  { bytes: [0x42, 0x5a, 0x68], what: 'a bzip2-compressed file' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'an xz-compressed file' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'an ELF executable' },
  { bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], what: 'a RAR archive' },
  { bytes: [0x1f, 0x8b], what: 'a gzip-compressed file' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'a zstd-compressed file' },
  { bytes: [0x51, 0x46, 0x49, 0xfb], what: 'a QEMU disk image (qcow)' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], what: 'an SQLite database' },
];

/** What the first bytes of a file look like, in words ("a PNG image"), or null if unrecognized. */
export function recognizeFile(head: Uint8Array | null): string | null {
  if (!head) return null;
  if (head.length === 0) return 'an empty file';
  for (const m of MAGICS) {
    const at = m.at ?? 0;
    if (head.length >= at + m.bytes.length && m.bytes.every((b, i) => head[at + i] === b)) return m.what;
  }
  // Text: JSON (a manifest.json or index.json on its own), else plain text.
  const sample = head.subarray(0, Math.min(head.length, FILE_KIND_SNIFF_BYTES));
  let printable = 0;
  for (const b of sample) if (b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7f) || b >= 0x80) printable++;
  if (printable === sample.length) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(sample).trimStart();
    if (text.startsWith('{') || text.startsWith('[')) return 'a JSON document';
    if (text.startsWith('<')) return 'an XML or HTML document';
    return 'a text file';
  }
  return null;
}

const FORMATS_HINT =
  'Layerscope opens image archives: what docker save, podman save, skopeo copy (docker-archive: or oci-archive:), buildx --output type=oci or type=docker, ctr export or crane save write.';

/**
 * One plain paragraph for role="alert": what the file was recognized as, what
 * is wrong, and what Layerscope expects. Never a stack trace.
 */
export function describeLoadError(e: unknown, head: Uint8Array | null, fileName: string): string {
  const name = `“${fileName}”`;
  const detail = describeError(e);
  if (!isLayerscopeError(e)) return `${name} could not be opened: ${detail}.`.replace(/\.\.$/, '.');
  const sentence = (s: string) => (/[.!?]$/.test(s) ? s : s + '.');
  switch (e.code) {
    case 'NOT_A_TAR': {
      const what = recognizeFile(head);
      if (what === 'a gzip-compressed file' || what === 'a zstd-compressed file') {
        return `${name} is ${what}, but what it contains is not a tar archive, so it is not a docker save or OCI image archive. ${FORMATS_HINT}`;
      }
      return `${name} is not a tar archive${what ? `: it looks like ${what}` : ''}, so it is not a docker save or OCI image archive. ${FORMATS_HINT}`;
    }
    case 'BAD_MANIFEST':
      // It HAS the document: say what is wrong with it (issue 9, point 12).
      return `${name} is a tar archive with an image manifest Layerscope cannot use: ${sentence(detail)} ${FORMATS_HINT}`;
    case 'NOT_AN_IMAGE':
      return `${name} is a tar archive but has no manifest.json or index.json, so it is not a docker save or OCI image archive. ${sentence(detail)}`;
    case 'TRUNCATED':
      return `${name} is a tar archive that ends early (${detail}): the file looks incomplete, perhaps an interrupted download or copy.`;
    case 'BAD_HEADER':
      return `${name} starts like a tar archive, but it is damaged: ${sentence(detail)}`;
    case 'BAD_GZIP':
    case 'BAD_ZSTD':
      return `${name} is compressed, but the compressed data is damaged: ${sentence(detail)}`;
    case 'BAD_JSON':
      return `${name} is an image archive, but one of its JSON documents is invalid: ${sentence(detail)}`;
    case 'MISSING_BLOB':
      return `${name} is an image archive, but it lacks data its manifest names: ${sentence(detail)}`;
    case 'LIMIT':
      return `${name} was refused to protect this page's memory: ${sentence(detail)}`;
    case 'LOOP':
      return `${name} is an image archive with a reference loop: ${sentence(detail)}`;
    case 'UNKNOWN_IMAGE':
    case 'UNKNOWN_PLATFORM':
      return `${name} is an image archive, but the image asked for is not in it: ${sentence(detail)}`;
    case 'IO':
      return `${name} could not be read: ${sentence(detail)}`;
    default:
      return `${name} could not be opened: ${sentence(detail)}`;
  }
}
