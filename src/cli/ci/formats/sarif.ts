/**
 * `ci --format sarif`: SARIF 2.1.0 (OASIS, errata 01) for code-scanning uploads.
 * One run of the `layerscope` driver; every rule of every check is a
 * reportingDescriptor; every failed rule and every finding a result located
 * in the archive (physicalLocation → the archive as given on the command line;
 * a finding about a path inside the image → that path relative to the
 * IMAGEROOT base, plus its layer as a logical location). An unreadable layer
 * makes the invocation unsuccessful, with a notification per layer. The tests
 * validate the output against test/fixtures/schemas/sarif-schema-2.1.0.json.
 */
import { jsonForTerminal } from '../../escape';
import { VERSION } from '../../version';
import type { CiFinding, CiOutcome } from '../outcome';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** A path or name as a URI reference (RFC 3986): each segment percent-encoded, `/` kept. */
export function uriReference(p: string): string {
  return p
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

/** SARIF wants rule names in PascalCase ("LowestEfficiency"); ids stay as they are. */
const pascal = (id: string) =>
  id
    .split(/[^a-z0-9]+/i)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

export function ciSarif(o: CiOutcome): string {
  const ruleIndex = new Map(o.rules.map((r, i) => [r.id, i]));
  const archiveLocation = { uri: o.archive === 'stdin' ? 'stdin' : uriReference(o.archive), index: 0 };
  const located = (f: CiFinding) => {
    const physical = f.path
      ? { artifactLocation: { uri: uriReference(f.path.replace(/^\/+/, '')), uriBaseId: 'IMAGEROOT' } }
      : { artifactLocation: archiveLocation };
    return {
      physicalLocation: physical,
      ...(f.layer !== undefined
        ? { logicalLocations: [{ name: `layer ${f.layer}`, fullyQualifiedName: `${o.image.title}/layer/${f.layer}`, kind: 'module' }] }
        : {}),
    };
  };
  const results = o.findings.map((f) => ({
    ruleId: f.ruleId,
    ...(ruleIndex.has(f.ruleId) ? { ruleIndex: ruleIndex.get(f.ruleId) } : {}),
    level: f.level,
    message: { text: f.message },
    locations: [located(f)],
    ...(f.properties ? { properties: f.properties } : {}),
  }));
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'layerscope',
            version: VERSION,
            semanticVersion: VERSION,
            rules: o.rules.map((r) => ({
              id: r.id,
              name: pascal(r.id),
              shortDescription: { text: r.title },
              fullDescription: { text: `${r.title}.${r.setting ? ` Threshold: ${r.setting}.` : ''}` },
              help: { text: r.help },
              defaultConfiguration: { level: 'error', enabled: r.status !== 'skip' },
              properties: { status: r.status, detail: r.detail },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: o.result !== 'error',
            exitCode: o.exitCode,
            toolExecutionNotifications: [
              ...o.layerErrors.map((e) => ({
                level: 'error',
                message: { text: e.message },
                locations: [{ physicalLocation: { artifactLocation: archiveLocation } }],
              })),
              ...o.config.warnings.map((w) => ({ level: 'warning', message: { text: w } })),
            ],
          },
        ],
        originalUriBaseIds: { IMAGEROOT: { description: { text: `the merged root filesystem of ${o.image.title}` } } },
        artifacts: [{ location: { uri: archiveLocation.uri }, description: { text: `image archive: ${o.image.title}` }, roles: ['analysisTarget'] }],
        results,
        properties: { image: o.image, figures: o.figures, result: o.result, config: o.config.file },
      },
    ],
  };
  return `${jsonForTerminal(log, 2)}\n`;
}
