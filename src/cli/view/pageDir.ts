/**
 * Where the built page is: `dist/` of the layerscope package, found from this
 * module upwards (src/cli/view/ while developing and testing, dist-cli/ in the
 * bundle — the same search works for both, and for a global npm install).
 * LAYERSCOPE_PAGE_DIR overrides it (tests serve a stand-in page).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../args';

/** How far up to look for the package root: src/cli/view is three levels below it. */
const MAX_LEVELS_UP = 6;

export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (let i = 0; i <= MAX_LEVELS_UP; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'layerscope') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

export function pageDir(env: NodeJS.ProcessEnv): string {
  const override = env.LAYERSCOPE_PAGE_DIR;
  const dir = override || (packageRoot() ? join(packageRoot() as string, 'dist') : null);
  if (!dir || !existsSync(join(dir, 'index.html')))
    throw new UsageError(
      override
        ? `LAYERSCOPE_PAGE_DIR=${override} has no index.html`
        : 'the page is not built (no dist/index.html next to the command): run `npm run build` in the layerscope folder',
    );
  return dir;
}
