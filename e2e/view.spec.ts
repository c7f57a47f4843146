/**
 * `layerscope view`, the built command (bin/layerscope.mjs over dist-cli/ and
 * dist/): it prints a URL on 127.0.0.1, the page there loads the archive from
 * that server at once and says where it came from, and Ctrl+C (SIGINT) stops it
 * with exit 0. The server's own rules are unit-tested in src/cli/view/view.test.ts.
 */
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve('bin/layerscope.mjs');
const FIXTURE = resolve('test/fixtures/images/crane-gzip-whiteout-dir.tar');

interface Running {
  child: ChildProcess;
  url: string;
  stop(): Promise<number | null>;
}

async function startView(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: Buffer } = {}): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'view', ...args, '--no-open'], {
    env: { ...process.env, ...opts.env },
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (opts.stdin) child.stdin!.end(opts.stdin);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((res, rej) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\/\S*/.exec(out);
      if (m) res(m[0]);
    });
    child.once('close', (code) => rej(new Error(`view exited ${code}: ${err}`)));
  });
  const closed = new Promise<number | null>((res) => child.once('close', (code) => res(code)));
  return {
    child,
    url,
    stop: async () => {
      child.kill('SIGINT');
      return closed;
    },
  };
}

test.describe('layerscope view', () => {
  test('a file: the page loads it from the local server at once and says where it came from; Ctrl+C stops it', async ({ page }) => {
    const v = await startView([FIXTURE]);
    try {
      await page.goto(v.url);
      await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready');
      await expect(page.getByTestId('file-name')).toContainText('crane-gzip-whiteout-dir.tar');
      await expect(page.getByTestId('served-source')).toContainText(`from layerscope view: ${FIXTURE}`);
      // The tree is this archive's.
      await expect(page.getByRole('treegrid').or(page.getByRole('tree')).first()).toBeVisible();
    } finally {
      expect(await v.stop()).toBe(0);
    }
    // The server is gone with the command.
    await expect(fetch(v.url)).rejects.toThrow();
  });

  test('`docker save IMAGE` (a stand-in docker on PATH) and stdin: named as such in the page', async ({ page }) => {
    const dir = mkdtempSync(join(tmpdir(), 'layerscope-e2e-docker-'));
    try {
      writeFileSync(join(dir, 'docker'), `#!/bin/sh\n[ "$1" = save ] && exec cat "${FIXTURE}"\nexit 1\n`);
      chmodSync(join(dir, 'docker'), 0o755);
      const d = await startView(['busybox:1.37'], { env: { PATH: `${dir}:${process.env.PATH}` } });
      try {
        await page.goto(d.url);
        await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready');
        await expect(page.getByTestId('served-source')).toContainText('docker save busybox:1.37');
      } finally {
        expect(await d.stop()).toBe(0);
      }
      const s = await startView(['-'], { stdin: readFileSync(FIXTURE) });
      try {
        await page.goto(s.url);
        await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready');
        await expect(page.getByTestId('served-source')).toContainText('from layerscope view: stdin');
        // Another file dropped later is not "from layerscope view".
        await page.getByTestId('file-input').setInputFiles(resolve('test/fixtures/images/legacy-overwritten-file.tar'));
        await expect(page.getByTestId('file-name')).toContainText('legacy-overwritten-file.tar');
        await expect(page.getByTestId('served-source')).toHaveCount(0);
      } finally {
        expect(await s.stop()).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
