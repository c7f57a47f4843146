// See floor.js: read a Blob as a stream (through DecompressionStream for 'gunzip'), counting bytes.
self.addEventListener('message', async ({ data }) => {
  try {
    if (data.op === 'ping') return postMessage({});
    let s = data.blob.stream();
    if (data.op === 'gunzip') s = s.pipeThrough(new DecompressionStream('gzip'));
    const r = s.getReader();
    let bytes = 0;
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      bytes += value.length;
    }
    postMessage({ bytes });
  } catch (e) {
    postMessage({ error: String(e) });
  }
});
