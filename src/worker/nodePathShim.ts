/**
 * `node:path` for the worker bundle: secretlint's rule preset imports it for
 * `path.basename` (in a message it builds); Vite would otherwise stub the module
 * with an empty object in a browser build. Only basename is used.
 */
export function basename(p: string): string {
  const s = p.replace(/\/+$/, '');
  return s.slice(s.lastIndexOf('/') + 1);
}
export default { basename };
