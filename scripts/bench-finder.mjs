#!/usr/bin/env node
// `node scripts/bench-finder.mjs LAYER.gz [--points N]`: the deflate block finder
// (src/core/read/inflate/blockFinder.ts) against the per-bit check it replaced, in one
// run (scripts/finderBench.ts). LAYER.gz is one gzip blob, e.g. the largest of
// bench-data/app-big.oci.tar (`tar xf ARCHIVE blobs/sha256/<digest>`). Run it under the
// shared bench lock: `flock /work/bench.lock node scripts/bench-finder.mjs …`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const argv = process.argv.slice(2);
const at = argv.indexOf('--points');
const points = at >= 0 ? Number(argv[at + 1]) : 40;
const layer = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--points');
if (!layer) {
  console.error('usage: node scripts/bench-finder.mjs LAYER.gz [--points N]');
  process.exit(2);
}
const out = mkdtempSync(join(tmpdir(), 'bench-finder-'));
try {
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: out,
      emptyOutDir: true,
      minify: false,
      ssr: resolve(root, 'scripts/finderBench.ts'),
      rollupOptions: { output: { entryFileNames: 'finderBench.mjs' } },
    },
  });
  const { run } = await import(pathToFileURL(join(out, 'finderBench.mjs')).href);
  run(resolve(layer), points);
} finally {
  rmSync(out, { recursive: true, force: true });
}
