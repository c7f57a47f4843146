/**
 * npm packages as installed: `node_modules/<name>/package.json` and
 * `node_modules/@scope/<name>/package.json` (npm's folder layout, docs.npmjs.com
 * "folders"), at any depth (nested node_modules are separate installs). A
 * package is identified by its directory; `name` and `version` come from its
 * package.json (npm writes both for every installed package).
 */
import { dirOf } from './text';
import type { PackageRecord } from './types';

export const npmKey = (dir: string) => `npm:${dir}`;

export function parseNpmPackage(text: string, source: string): PackageRecord | string {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    return `not JSON (${(e as Error).message})`;
  }
  if (!j || typeof j !== 'object') return 'not a JSON object';
  const o = j as Record<string, unknown>;
  const name = typeof o.name === 'string' ? o.name : null;
  const version = typeof o.version === 'string' ? o.version : null;
  if (!name || !version) return `no ${name ? 'version' : 'name'}`;
  const dir = dirOf(source);
  const detail: Record<string, string> = { dir };
  if (typeof o.license === 'string') detail.license = o.license;
  if (typeof o.description === 'string') detail.summary = o.description.slice(0, 200);
  return { ecosystem: 'npm', name, version, arch: null, size: null, key: npmKey(dir), source, detail };
}
