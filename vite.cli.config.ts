import { defineConfig } from 'vite';

// The command line is the same src/core bundled for Node: one ESM file that
// bin/layerscope.mjs imports. Dependencies stay external (resolved from node_modules).
export default defineConfig({
  // public/ is the page's (the 2.9 MB example image among it): the command line ships without it.
  publicDir: false,
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist-cli',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'layerscope.mjs' } },
  },
});
