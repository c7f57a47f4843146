/**
 * `ci --format junit`: JUnit XML for CI test reports (GitLab, Jenkins, Azure,
 * GitHub test-report actions): one test case per rule, in the Apache Ant JUnit
 * schema (test/fixtures/schemas/JUnit.xsd, which the tests validate against):
 * <testsuites><testsuite …><properties/><testcase/>…<system-out/><system-err/>.
 * A failed rule is a <failure>, a disabled one <skipped>, a rule that could not
 * be judged (an unreadable layer) an <error>.
 */
import { hostname } from 'node:os';
import { escapeText } from '../../escape';
import type { CiOutcome } from '../outcome';
import { ciText } from './text';

/**
 * Text for XML 1.0: the five markup characters as entities, and characters XML
 * cannot carry at all (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates)
 * written as the terminal escapes do (`\033`), so a name from an image cannot
 * make the report unreadable.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 cannot carry
const NOT_XML_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function xmlText(s: string): string {
  return s
    .replace(NOT_XML_RE, (c) => (/[\ud800-\udfff]/.test(c) ? `\\u${c.charCodeAt(0).toString(16)}` : escapeText(c)))
    .replace(/[&<>"']/g, (c) => XML_ENTITIES[c] as string);
}

const attrs = (a: Record<string, string | number>) =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlText(String(v))}"`)
    .join('');

/** The schema's timestamp: ISO 8601 without a zone (UTC here). */
const timestamp = (d: Date) => d.toISOString().slice(0, 19);

export function ciJunit(o: CiOutcome, opts: { started: Date; seconds: number; host?: string }): string {
  const failures = o.rules.filter((r) => r.status === 'fail').length;
  const errors = o.rules.filter((r) => r.status === 'error').length;
  const skipped = o.rules.filter((r) => r.status === 'skip').length;
  const suite = `layerscope ci ${o.image.title}`;
  const props: [string, string | number][] = [
    ['archive', o.archive],
    ['image', o.image.title],
    ['config', o.config.file ?? '(defaults)'],
    ['efficiency', o.figures.efficiency],
    ['wastedBytes', o.figures.wastedBytes],
    ['userWastedPercent', o.figures.userWastedPercent],
  ];
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // The Ant schema gives <testsuites> no attributes; the counts are on the suite.
    '<testsuites>',
    `  <testsuite${attrs({
      name: suite,
      package: 'layerscope.ci',
      id: 0,
      timestamp: timestamp(opts.started),
      hostname: opts.host ?? (hostname() || 'localhost'),
      tests: o.rules.length,
      failures,
      errors,
      skipped,
      time: opts.seconds.toFixed(3),
    })}>`,
    '    <properties>',
    ...props.map(([name, value]) => `      <property${attrs({ name, value })}/>`),
    '    </properties>',
  ];
  for (const r of o.rules) {
    const head = `    <testcase${attrs({ name: r.id, classname: 'layerscope.ci', time: '0' })}`;
    const findings = o.findings.filter((f) => f.ruleId === r.id && f.message !== r.detail);
    const facts = [r.detail, r.setting ? `threshold: ${r.setting}` : '', ...findings.map((f) => `${f.path ? `${f.path}: ` : ''}${f.message}`)];
    const body = `${facts.filter(Boolean).join('\n')}\n\n${r.help}`;
    if (r.status === 'pass') out.push(`${head}/>`);
    else if (r.status === 'skip') out.push(`${head}>`, `      <skipped${attrs({ message: r.detail })}/>`, '    </testcase>');
    else if (r.status === 'fail')
      out.push(`${head}>`, `      <failure${attrs({ message: r.detail, type: r.id })}>${xmlText(body)}</failure>`, '    </testcase>');
    else
      out.push(
        `${head}>`,
        `      <error${attrs({ message: 'no verdict: a layer could not be read', type: 'UnreadableLayer' })}>${xmlText(o.layerErrors.map((e) => e.message).join('\n'))}</error>`,
        '    </testcase>',
      );
  }
  out.push(
    `    <system-out>${xmlText(ciText(o))}</system-out>`,
    `    <system-err>${xmlText(o.layerErrors.map((e) => `layerscope: ${e.message}\n`).join('') + o.config.warnings.map((w) => `layerscope: ${w}\n`).join(''))}</system-err>`,
    '  </testsuite>',
    '</testsuites>',
  );
  return `${out.join('\n')}\n`;
}
