/**
 * The engine host in this thread (Node: unit tests of the load actions): the
 * engine's inProcessScanner, contents read with readEntryBytes, no workers.
 * `scanner` may be wrapped by a test to hold a layer back, fail one, or count calls.
 */
import { inProcessScanner, type LayerScanner } from '../core/session';
import { readEntryBytes } from '../core/read/contents';
import type { EngineHost } from './engineHost';

export function inProcessHost(scanner: LayerScanner = inProcessScanner(2)): EngineHost {
  return {
    scanner,
    verifier: scanner,
    read: (blob, compression, offset, size, want, signal, checkpoint, frames, _first, inputEnd, seek, onCheckpoint) =>
      readEntryBytes(blob, compression, offset, size, { maxBytes: want, signal, checkpoint, frames, inputEnd, seek, onCheckpoint }),
  };
}
