/**
 * A `.gz` file's decompressed start, for the preview: at most `maxOut` bytes
 * come out however much the input expands (a gzip bomb costs nothing), from at
 * most the compressed bytes given. A stream cut by the preview's own read limit
 * is not an error: what came out before the cut is shown.
 */

/** gzip member header magic (RFC 1952 §2.3.1: ID1 ID2). */
export function isGzip(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 8;
}

export interface Gunzipped {
  bytes: Uint8Array;
  /** More would come out: the output cap was reached, or the input given ended before the stream did. */
  truncated: boolean;
  /** The data is damaged (not just cut by the preview's read limit). */
  error: string | null;
}

export async function gunzipHead(compressed: Uint8Array, inputComplete: boolean, maxOut: number): Promise<Gunzipped> {
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  // Feed the input while reading, so a bomb stops as soon as maxOut bytes are out.
  const fed = writer.write(compressed as Uint8Array<ArrayBuffer>).then(() => writer.close());
  fed.catch(() => {});
  const reader = ds.readable.getReader();
  const out = new Uint8Array(maxOut);
  let got = 0;
  let truncated = false;
  let error: string | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const n = Math.min(value.length, maxOut - got);
      out.set(value.subarray(0, n), got);
      got += n;
      if (got >= maxOut) {
        truncated = true;
        break;
      }
    }
  } catch (e) {
    // The input we passed was cut by the read limit: that is the expected end, not damage.
    if (inputComplete) error = e instanceof Error ? e.message : String(e);
    else truncated = true;
  } finally {
    reader.cancel().catch(() => {});
    writer.abort().catch(() => {});
  }
  return { bytes: out.subarray(0, got), truncated, error };
}
