#!/usr/bin/env node
// `npm start`: serve the production build (dist/) on localhost and open it with the
// built-in example image loaded (`?example`). Everything runs in the page: this server
// only hands out static files, and never receives the images you open.
import { preview } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Vite's usual preview port; the next free one is taken when it is busy. */
const PORT = Number(process.env.PORT ?? 4173);
const open = process.argv.includes('--open') && !process.env.CI;

const server = await preview({
  root,
  logLevel: 'warn',
  preview: { port: PORT, strictPort: false, host: process.env.HOST ?? 'localhost', open: open ? '/?example' : false },
});
const url = server.resolvedUrls?.local[0] ?? `http://localhost:${PORT}/`;
console.log(
  `\n  Layerscope is running at ${url}\n  with the example image:   ${url}?example\n\n  Drop a docker save / OCI archive on the page. Ctrl+C stops the server.\n`,
);
