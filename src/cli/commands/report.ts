/**
 * `layerscope report`: the shareable HTML report (src/report/render.ts) of one
 * image — the same file the page's "Export report" writes. This command only
 * loads, audits and writes; the document is the renderer's.
 */
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { renderReport, type ReportAudit } from '../../report/render';
import { stringFlag, UsageError } from '../args';
import type { Command } from '../command';
import { escapeText } from '../escape';
import { openArchiveArg, STDIN_ARG } from '../input';
import { cwdOf, EXIT_OK } from '../io';
import { archiveArg, IMAGE_OPTIONS, imageSelection, loadImage, reportLayerErrors } from '../load';
import { VERSION } from '../version';
import { auditLoaded } from './audit';
import { describeError } from '../../core/errors';

export const report: Command = {
  name: 'report',
  summary: 'one self-contained HTML file about the image, to open offline or attach to a ticket',
  synopsis: 'ARCHIVE -o FILE|- [--no-audit] [--no-verify] [--image N|TAG] [--platform P]',
  description: `Writes one HTML file describing the image: its identity (tags, config digest, platform), the
layer stack as a diagram, the layer table (digest, size, stored size, hidden bytes, changes, digest
check, the build step), totals, dive's efficiency and wasted bytes with the inefficient files, the
audit's packages (per layer and the list) and its secret findings with the values redacted.
The file is the same the page's "Export report" saves. It loads nothing and runs no script (a strict
Content-Security-Policy: default-src 'none', the stylesheet allowed by its hash), so it opens offline
in any browser and is safe to pass around; the image's files are not in it. Every name from the image
is escaped, and bidi or invisible characters are shown as visible tokens.
-o FILE is required (- writes the HTML to stdout). ARCHIVE is a file, or - to read it from stdin.
A layer that cannot be read is shown as such in the report, and the exit code is 2.`,
  options: [
    { name: 'output', short: 'o', value: 'FILE', description: 'where to write the HTML (required; - for stdout)' },
    { name: 'no-audit', description: 'skip the audit (no packages or secrets in the report; faster)' },
    { name: 'no-verify', description: "skip checking the layers' sha256 digests (the report then says unchecked)" },
    ...IMAGE_OPTIONS,
  ],
  examples: [
    { line: 'layerscope report image.tar -o report.html', note: 'the report of the first image' },
    { line: 'docker save app:1.4 | layerscope report - -o app-1.4.html', note: 'straight from docker save' },
    { line: 'layerscope report multi.tar --platform linux/arm64 -o - > arm64.html', note: 'one platform of an index, to stdout' },
  ],
  async run(args, io) {
    const output = stringFlag(args, 'output');
    if (output === undefined) throw new UsageError('report needs -o FILE (or -o - for stdout)');
    if (output === '') throw new UsageError('-o needs a file name (or - for stdout)');
    const arg = archiveArg(args, 'report');
    const input = await openArchiveArg(arg, io);
    // The audit reads file contents after the load: the decompressed sinks stay open until then.
    const retain: (() => void)[] = [];
    let html: string;
    let code: number;
    try {
      const img = await loadImage(input, io, { verify: !args.flags.has('no-verify'), ...imageSelection(args), retain });
      let audit: ReportAudit;
      if (args.flags.has('no-audit')) audit = { status: 'skipped', reason: 'layerscope report --no-audit' };
      else {
        try {
          audit = { status: 'done', report: await auditLoaded(img, io) };
        } catch (e) {
          // The rest of the report stands on its own: it says the audit failed instead of failing.
          audit = { status: 'failed', error: describeError(e) };
          io.err(`layerscope: the audit failed: ${escapeText(describeError(e))}\n`);
        }
      }
      html = await renderReport({
        image: img,
        audit,
        version: VERSION,
        generatedAt: new Date().toISOString(),
        source: arg === STDIN_ARG ? 'stdin' : basename(arg),
        host: 'cli',
      });
      code = reportLayerErrors(img, io, EXIT_OK);
    } finally {
      for (const close of retain) close();
      input.close();
    }
    if (output === STDIN_ARG) io.out(html);
    else {
      try {
        writeFileSync(resolve(cwdOf(io), output), html);
      } catch (e) {
        throw new UsageError(`cannot write ${output}: ${(e as Error).message}`);
      }
      io.err(`layerscope: wrote ${escapeText(output)} (${Math.ceil(Buffer.byteLength(html) / 1024)} kB)\n`);
    }
    return code;
  },
};
