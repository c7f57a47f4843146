#!/usr/bin/env node
// Entry point of the `layerscope` command: the bundle built by `npm run build:cli`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist-cli/layerscope.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('layerscope: the command is not built yet; run `npm run build` in the project folder.\n');
  process.exit(2);
}
const { main } = await import(bundle);
process.exitCode = await main(process.argv.slice(2));
