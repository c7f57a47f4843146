import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * sql.js (the audit's rpmdb.sqlite reader, loaded only when an image has one) finds its
 * WebAssembly as `__dirname + "/sql-wasm.wasm"`. Bundled into ESM there is no `__dirname`
 * (defined below as import.meta.dirname, the folder of the chunk), and the .wasm file must
 * sit beside the chunk: it is emitted into dist-cli/ under the name sql.js asks for.
 */
function sqlJsWasmBeside(): Plugin {
  const wasm = fileURLToPath(new URL('./node_modules/sql.js/dist/sql-wasm.wasm', import.meta.url));
  return {
    name: 'layerscope-sql-wasm',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'sql-wasm.wasm', source: readFileSync(wasm) });
    },
  };
}

// The command line is the same src/core bundled for Node: dist-cli/layerscope.mjs, which
// bin/layerscope.mjs imports, and its lazily loaded chunks beside it. Every dependency is
// bundled in (ssr.noExternal), so the published package has no runtime dependencies: a
// global install copies ~2 MB and fetches nothing, where the external dependencies were
// ~37 MB installed (sql.js alone 31 MB, mostly zips the CLI never reads). Measured in
// README "A package that installs".
export default defineConfig({
  // public/ is the page's (the 2.9 MB example image among it): the command line ships without it.
  publicDir: false,
  plugins: [sqlJsWasmBeside()],
  ssr: { noExternal: true, target: 'node' },
  // Node ≥ 20.11 has import.meta.dirname (package.json engines).
  define: { __dirname: 'import.meta.dirname' },
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist-cli',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'layerscope.mjs', chunkFileNames: '[name]-[hash].mjs' } },
  },
});
