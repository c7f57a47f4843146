/**
 * `layerscope --help` and `layerscope help COMMAND`, made from the commands'
 * declarations (command.ts), so every option the parser accepts is listed.
 */
import { GLOBAL_OPTIONS, type OptionSpec } from './args';
import type { Command } from './command';

/** Help is wrapped to this width: readable in an 80-column terminal with the indent. */
export const HELP_WIDTH = 96;

export const EXIT_CODES_TEXT = `exit codes:
  0  success (for ci: every rule passed; for diff: the trees are identical)
  1  a ci rule failed, a layer does not match its digest where that is checked, or (diff) the trees differ
  2  usage or input error: one line on stderr (a layer that cannot be read included: what
     could be read is still printed, and each failed layer gets one line on stderr)`;

function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      out.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(indent + line);
  return out.join('\n');
}

function optionLabel(o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`;
}

function optionList(options: readonly OptionSpec[]): string {
  const labels = options.map(optionLabel);
  const col = Math.min(Math.max(...labels.map((l) => l.length)) + 4, 34);
  return options
    .map((o, i) => {
      const label = `  ${labels[i]}`;
      const desc = wrap(o.description, HELP_WIDTH, ' '.repeat(col + 2));
      // The description starts on the label's line when the label fits the column.
      return label.length < col + 2 ? label.padEnd(col + 2) + desc.trimStart() : `${label}\n${desc}`;
    })
    .join('\n');
}

export function generalHelp(version: string, commands: readonly Command[]): string {
  const lines = [`layerscope ${version} — explore Docker/OCI image archives (docker save, podman, skopeo, buildx, crane, containerd)`, '', 'usage:'];
  for (const c of commands) {
    lines.push(`  layerscope ${c.name} ${c.synopsis}`);
    lines.push(wrap(c.summary, HELP_WIDTH, '      '));
  }
  lines.push(
    '',
    'Every ARCHIVE may be - to read the archive from stdin (docker save IMAGE | layerscope inspect -).',
    '',
    '  layerscope help COMMAND    every option of COMMAND, with examples (also: layerscope COMMAND --help)',
    '  layerscope --version       the version',
    '',
    EXIT_CODES_TEXT,
  );
  return `${lines.join('\n')}\n`;
}

export function commandHelp(c: Command): string {
  const lines = [
    `usage: layerscope ${c.name} ${c.synopsis}`,
    '',
    c.description,
    '',
    'options:',
    optionList([...c.options, ...GLOBAL_OPTIONS]),
    '',
    'examples:',
  ];
  for (const e of c.examples) {
    lines.push(`  ${e.line}`);
    lines.push(wrap(e.note, HELP_WIDTH, '      '));
  }
  lines.push('', EXIT_CODES_TEXT);
  return `${lines.join('\n')}\n`;
}
