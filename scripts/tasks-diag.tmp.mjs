// temporary diagnostic (not committed): untraced long tasks + LoAF attribution for DIST builds
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { openBrowser } from './bench-browser.mjs';
const [file, ...dists] = process.argv.slice(2);
const root = resolve(new URL('..', import.meta.url).pathname);
for (const dist of dists) {
  const b = await openBrowser(root, dist === 'dist' ? undefined : resolve(dist));
  try {
    for (let r = 0; r < Number(process.env.RUNS ?? 1); r++) {
      const page = await b.context.newPage();
      await page.goto(b.url);
      await page.waitForSelector('[data-state="empty"]');
      await page.evaluate(() => {
        window.__lt = [];
        window.__loaf = [];
        new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lt.push({ s: e.startTime, d: e.duration }); }).observe({ type: 'longtask', buffered: true });
        new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.duration > 50) window.__loaf.push({ s: e.startTime, d: e.duration, block: e.blockingDuration, render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0, sl: e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0, scripts: e.scripts.map((x) => ({ inv: x.invoker, fn: x.sourceFunctionName, d: Math.round(x.duration), fsl: Math.round(x.forcedStyleAndLayoutDuration) })) }); }).observe({ type: 'long-animation-frame', buffered: true });
        window.__t = {};
        document.addEventListener('change', () => (window.__t.change ??= performance.now()), { capture: true });
        const root = document.querySelector('[data-state]');
        new MutationObserver(() => { const s = root.getAttribute('data-state'); if (s === 'ready' || s === 'error') window.__t[s] ??= performance.now(); }).observe(root, { attributes: true, attributeFilter: ['data-state'] });
      });
      await page.getByTestId('file-input').setInputFiles(file);
      await page.waitForSelector('[data-state="ready"]', { timeout: 600000 });
      await new Promise((r) => setTimeout(r, Number(process.env.AFTER ?? 0)));
      const { lt, loaf, t } = await page.evaluate(() => ({ lt: window.__lt, loaf: window.__loaf, t: window.__t }));
      const rel = (s) => (s - t.change).toFixed(0);
      console.log(`${dist} run ${r + 1}: change→ready ${((t.ready - t.change) / 1000).toFixed(2)} s, load ${loadavg()[0].toFixed(1)}; long tasks (start rel change / ms): ${lt.filter((x) => x.s >= t.change - 5).map((x) => `${rel(x.s)}:${x.d.toFixed(0)}${x.s > t.ready ? '(after ready)' : ''}`).join(' ')}`);
      for (const f of loaf.filter((x) => x.s >= t.change - 5)) console.log(`   LoAF +${rel(f.s)} ${f.d.toFixed(0)} ms (blocking ${f.block.toFixed(0)}, render ${f.render.toFixed(0)}, style+layout ${f.sl.toFixed(0)}): ${f.scripts.filter((x) => x.d > 5).map((x) => `${x.inv}${x.fn ? ` [${x.fn}]` : ''} ${x.d}${x.fsl ? ` (forced layout ${x.fsl})` : ''}`).join('; ')}`);
      await page.close();
    }
  } finally { await b.close(); }
}
