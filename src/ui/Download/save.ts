/**
 * Handing a Blob to the browser as a download. The Blobs come from
 * src/core/write/blobTar.ts: slices of the dropped file (on disk) and decoded
 * pieces (browsers move large Blobs to disk), so a multi-gigabyte layer never
 * sits in JS memory as one buffer.
 *
 * TODO(#9): the hardening engineer's streaming-download helper
 * (showSaveFilePicker where available) replaces saveBlob's anchor when it lands.
 */
import { downloadName } from '../format/displayName';

/** Object URLs handed to a download are kept this long: the browser has started reading by then. */
export const DOWNLOAD_URL_TTL_MS = 60_000;

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = downloadName(name);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), DOWNLOAD_URL_TTL_MS);
}
