/** `ci --format json`: the outcome as one JSON object, for scripts. */
import { jsonForTerminal } from '../../escape';
import { VERSION } from '../../version';
import type { CiOutcome } from '../outcome';

export function ciJson(o: CiOutcome): string {
  return `${jsonForTerminal(
    {
      tool: { name: 'layerscope', version: VERSION },
      archive: o.archive,
      image: o.image,
      config: { file: o.config.file, rules: o.config.rules },
      figures: o.figures,
      rules: o.rules.map((r) => ({ id: r.id, status: r.status, detail: r.detail, setting: r.setting })),
      findings: o.findings,
      layerErrors: o.layerErrors,
      result: o.result,
      exitCode: o.exitCode,
    },
    2,
  )}\n`;
}
