/**
 * The report's Content-Security-Policy, as a <meta http-equiv> (CSP Level 3
 * §3.3: a meta policy applies to everything after it, so it is the first
 * element of <head>).
 *
 * Nothing may load and nothing may run: `default-src 'none'` covers scripts,
 * styles, images, fonts, media, frames, objects and connections; the one
 * stylesheet is allowed by its sha256 (CSP3 §8.4 "hash-source"), which also
 * blocks style attributes and any <style> an escaping bug could let in;
 * `base-uri` and `form-action` do not fall back to default-src, so they are
 * named. (frame-ancestors and sandbox are ignored in a meta policy.)
 */
import { sha256 } from 'hash-wasm';

/** `'sha256-<base64>'` of a style or script text, as CSP writes a hash-source. */
export async function hashSource(text: string): Promise<string> {
  const hex = await sha256(new TextEncoder().encode(text));
  let bin = '';
  for (let i = 0; i < hex.length; i += 2) bin += String.fromCharCode(Number.parseInt(hex.slice(i, i + 2), 16));
  return `'sha256-${btoa(bin)}'`;
}

export async function reportCsp(styleText: string): Promise<string> {
  return ["default-src 'none'", `style-src ${await hashSource(styleText)}`, "base-uri 'none'", "form-action 'none'"].join('; ');
}
