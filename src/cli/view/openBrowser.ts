/**
 * Open a URL in the user's default browser: $BROWSER when set (the convention
 * of xdg-utils, Python's webbrowser, git web--browse), else the platform's
 * opener. Fire and forget: the browser outlives nothing of ours, and a missing
 * opener is reported, not fatal (the URL is printed anyway).
 */
import { spawn } from 'node:child_process';
import { which } from './engines';

export interface Opener {
  command: string;
  args: string[];
}

export function browserOpener(url: string, env: NodeJS.ProcessEnv, platform = process.platform): Opener | null {
  const custom = env.BROWSER?.trim();
  if (custom) {
    // $BROWSER may hold arguments ("firefox --new-window"); `%s` marks where the URL goes.
    const words = custom.split(/\s+/);
    const [command, ...rest] = words as [string, ...string[]];
    const args = rest.some((w) => w.includes('%s')) ? rest.map((w) => w.replaceAll('%s', url)) : [...rest, url];
    return { command, args };
  }
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url.replace(/&/g, '^&')] };
  return { command: 'xdg-open', args: [url] };
}

/** Resolves to null once the opener started, or to why it could not. */
export function openBrowser(url: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const o = browserOpener(url, env);
  if (!o) return Promise.resolve('no way to open a browser here');
  if (!o.command.includes('/') && !which(o.command, env)) return Promise.resolve(`${o.command} was not found`);
  return new Promise((resolve) => {
    const child = spawn(o.command, o.args, { env, stdio: 'ignore', detached: true });
    child.once('error', (e) => resolve(`${o.command}: ${e.message}`));
    child.once('spawn', () => {
      child.unref();
      resolve(null);
    });
  });
}
