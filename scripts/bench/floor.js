// Floors measured in workers, as the page does its own work (see floor.html).
//
// gunzipFloor(ranges): every gzip blob of the archive (byte ranges of the File) piped
//   through DecompressionStream('gzip'), one worker per core, largest first, counting
//   the output bytes and doing nothing else with them.
// streamFloor(): one Blob.stream() over the whole file in one worker, counting bytes.
// Workers are started (and have answered once) before the clock starts, as the page's
// are: it starts them while its empty page is idle, and the bench leaves that page
// EMPTY_PAGE_SETTLE_MS before choosing the file (bench-browser.mjs).
const file = () => document.getElementById('file').files[0];

function spawn() {
  const w = new Worker(new URL('./floor.worker.js', import.meta.url), { type: 'module' });
  return new Promise((resolve) => {
    w.onmessage = () => resolve(w);
    w.postMessage({ op: 'ping' });
  });
}

function run(w, msg) {
  return new Promise((resolve, reject) => {
    w.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
    w.postMessage(msg);
  });
}

window.gunzipFloor = async (ranges, workers = navigator.hardwareConcurrency || 2) => {
  const f = file();
  const pool = await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, ranges.length)) }, spawn));
  const queue = [...ranges].sort((a, b) => b.size - a.size);
  const per = [];
  const t0 = performance.now();
  await Promise.all(
    pool.map(async (w) => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        const s = performance.now();
        const { bytes } = await run(w, { op: 'gunzip', blob: f.slice(r.offset, r.offset + r.size) });
        per.push({ offset: r.offset, size: r.size, bytes, ms: performance.now() - s });
      }
    }),
  );
  const ms = performance.now() - t0;
  for (const w of pool) w.terminate();
  return { ms, per };
};

window.streamFloor = async () => {
  const [w] = await Promise.all([spawn()]);
  const t0 = performance.now();
  const { bytes } = await run(w, { op: 'stream', blob: file() });
  const ms = performance.now() - t0;
  w.terminate();
  return { ms, bytes };
};
