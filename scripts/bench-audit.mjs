#!/usr/bin/env node
// The audit (issue 12: packages, secrets, waste) against opening the same image,
// measured in the same run, as a ratio: the target is an audit within 1.5× the
// image's load time. In Node: `openImage` as `layerscope ls` runs it (the load),
// then `auditImage` over the loaded image with the in-process host (what
// `layerscope audit` adds). Best of BENCH_RUNS (default 2) for each.
//
// `node scripts/bench-audit.mjs [ARCHIVE…]` runs it alone (default
// bench-data/app-big.{docker,oci}.tar); `npm run bench` runs it after the others
// (skip with --no-audit). Nothing here asserts a target.
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const MB = 1e6;

export async function benchAuditNode(files) {
  const { openImage, FileHandleBlob, nodeCodecs, inProcessScanner, DEFAULT_NODE_CONCURRENCY, auditImage, inProcessAuditHost } = await import(
    join(root, 'dist-cli/layerscope.mjs')
  );
  console.log('== audit (packages, secrets, waste) vs load, Node');
  for (const file of files) {
    let load = Infinity;
    let audit = Infinity;
    let report = null;
    for (let r = 0; r < RUNS; r++) {
      const blob = FileHandleBlob.open(file);
      try {
        let t0 = performance.now();
        const img = await openImage(blob, { verify: false, scanner: inProcessScanner(DEFAULT_NODE_CONCURRENCY, nodeCodecs), gunzip: nodeCodecs.gunzip });
        load = Math.min(load, (performance.now() - t0) / 1000);
        t0 = performance.now();
        report = await auditImage(img, { host: inProcessAuditHost(DEFAULT_NODE_CONCURRENCY, { gunzip: nodeCodecs.gunzip }) });
        audit = Math.min(audit, (performance.now() - t0) / 1000);
      } finally {
        blob.close();
      }
    }
    const s = report.stats;
    console.log(
      `  ${basename(file)}: load ${load.toFixed(2)} s, audit ${audit.toFixed(2)} s — audit/load ${(audit / load).toFixed(2)}× (target ≤ 1.5×); ` +
        `${s.candidates} candidate files, ${(s.bytesRead / MB).toFixed(1)} MB read, ${report.packages.length} packages, ${report.secrets.length} secrets, ${report.waste.length} waste items`,
    );
  }
  console.log('');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const files = args.length
    ? args.map((a) => resolve(a))
    : ['bench-data/app-big.docker.tar', 'bench-data/app-big.oci.tar'].map((p) => resolve(root, p)).filter(existsSync);
  await benchAuditNode(files);
}
