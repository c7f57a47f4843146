/**
 * Secrets in one file's text, and in an image's config and history.
 *
 * A file: the format rules (formats.ts) and secretlint's recommended preset
 * (secretlint.ts) run over the text; where two rules report overlapping text
 * (secretlint's basic-auth URL and the .git-credentials password inside it) the
 * first one reported is kept — format rules first, as they know the field.
 *
 * The config and the history (OCI image-spec config.md: `config.Env`,
 * `config.Labels`, `history[].created_by`):
 *  - each Env `NAME=value` and Label `name=value` through the assignment rule and
 *    through the rules over the `NAME=value` text (a token in any variable);
 *  - each history step: build arguments recorded as `|N NAME=value … <cmd>`
 *    (the classic builder and BuildKit both write them so for RUN steps, as
 *    `docker history` shows), `ENV`/`ARG`/`LABEL` steps, and the whole command
 *    text (a `curl -H "Authorization: token ghp_…"` in a RUN).
 */
import type { ImageInfo } from '../../types';
import { assignmentScan, formatScan, lineOf } from './formats';
import { secretlintScan, type Match } from './secretlint';
import { slicer } from '../slice';
import type { RawSecret } from '../types';

/**
 * Which of two overlapping findings is kept: a credential file's own field
 * (netrc, pypirc…) over secretlint's generic URL rule; a recognised token
 * (secretlint, vendor formats) over the generic "name says secret" assignment.
 */
function priority(rule: string): number {
  if (rule === 'layerscope/env-assignment') return 2;
  if (rule.startsWith('secretlint/') || TOKEN_RULE_IDS.has(rule)) return 1;
  return 0;
}
const TOKEN_RULE_IDS = new Set(['layerscope/pypi-token', 'layerscope/stripe-key', 'layerscope/azure-storage-key', 'layerscope/pem-private-key']);

function dedupe(ms: Match[]): Match[] {
  const kept: Match[] = [];
  const ordered = ms.map((m, i) => ({ m, i })).sort((a, b) => priority(a.m.rule) - priority(b.m.rule) || a.i - b.i);
  for (const { m } of ordered) {
    if (m.value.length === 0) continue;
    if (kept.some((k) => m.start < k.end && k.start < m.end)) continue;
    kept.push(m);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** Secrets in the text of the file at `path` (a '/'-rooted or tar path). */
export async function scanText(path: string, text: string): Promise<RawSecret[]> {
  const found = dedupe([...(await secretlintScan(path, text)), ...formatScan(path, text)]);
  return found.map((m) => ({ rule: m.rule, title: m.title, value: m.value, line: lineOf(text, m.start) }));
}

export interface MetadataSecret extends RawSecret {
  source: 'config' | 'history';
  path: string;
  /** History step index (history findings). */
  step?: number;
}

/** Secretlint over a short text (a variable's `NAME=value`, a command line). */
async function scanValue(label: string, text: string): Promise<Match[]> {
  return dedupe([...(await secretlintScan(label, text)), ...formatScan(label, text)]);
}

async function scanAssignment(label: string, name: string, value: string): Promise<Match[]> {
  const text = `${name}=${value}`;
  const byRules = await scanValue(label, text);
  const byName = assignmentScan(name, value).map((m) => ({ ...m, start: m.start + name.length + 1, end: m.end + name.length + 1 }));
  return dedupe([...byRules, ...byName]);
}

/** `NAME=value` pairs at the start of a RUN's recorded command: `|2 A=1 B=two /bin/sh -c …`. */
export function buildArgsOf(createdBy: string): { name: string; value: string }[] {
  const m = /^(?:RUN\s+)?\|(\d+)\s+/.exec(createdBy);
  if (!m) return [];
  const n = Number(m[1]);
  const out: { name: string; value: string }[] = [];
  let rest = createdBy.slice(m[0].length);
  for (let i = 0; i < n; i++) {
    const a = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(rest);
    if (!a) break;
    rest = rest.slice(a[0].length);
    // The value runs to the next ` NAME=` (or, for the last one, to the command); values with spaces are ambiguous, as in `docker history`.
    const next = i + 1 < n ? /\s+[A-Za-z_][A-Za-z0-9_]*=/.exec(rest) : (/\s+(?=\/bin\/(?:ba)?sh\s+-c\s)/.exec(rest) ?? /\s/.exec(rest));
    const end = next ? next.index : rest.length;
    out.push({ name: a[1]!, value: rest.slice(0, end) });
    rest = rest.slice(end).trimStart();
  }
  return out;
}

/** `ENV A=1 B=2`, `ENV A 1`, `ARG A=1`, `LABEL a=b` steps, in the forms docker history records them. */
function instructionPairs(createdBy: string): { kind: string; name: string; value: string }[] {
  const s = createdBy.replace(/^\/bin\/sh -c #\(nop\)\s*/, '').trim();
  const m = /^(ENV|ARG|LABEL)\s+(.*)$/s.exec(s);
  if (!m) return [];
  const kind = m[1]!;
  const body = m[2]!.replace(/\s+#\s*buildkit$/, '');
  const out: { kind: string; name: string; value: string }[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_.-]*|"[^"]*")=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  let any = false;
  for (const p of body.matchAll(re)) {
    any = true;
    out.push({ kind, name: p[1]!.replace(/^"|"$/g, ''), value: p[2]!.replace(/^(["'])(.*)\1$/s, '$2') });
  }
  if (!any && kind === 'ENV') {
    const sp = /^(\S+)\s+(.*)$/s.exec(body);
    if (sp) out.push({ kind, name: sp[1]!, value: sp[2]! });
  }
  return out;
}

/** What the metadata scan reads of an image: small enough to post to a worker (the page scans it there). */
export interface MetadataInput {
  config: Pick<ImageInfo['config'], 'Env' | 'Labels'>;
  history: Pick<ImageInfo['history'][number], 'createdBy'>[];
}

/** The part of `image` scanMetadata reads. */
export function metadataInput(image: ImageInfo): MetadataInput {
  return { config: { Env: image.config.Env, Labels: image.config.Labels }, history: image.history.map((h) => ({ createdBy: h.createdBy })) };
}

/**
 * `pause`: a yield between values (slice.ts), when this runs on a thread that must stay
 * responsive. The page runs it in a worker instead (AuditHost.scanMetadata): the rule set's
 * first use there costs ~200 ms (compiling the preset's patterns), one long task on the main thread.
 */
export async function scanMetadata(image: MetadataInput, pause?: () => Promise<void>): Promise<MetadataSecret[]> {
  const out: MetadataSecret[] = [];
  const slice = slicer(pause);
  const push = (ms: Match[], source: 'config' | 'history', path: string, step?: number) => {
    for (const m of ms) out.push({ rule: m.rule, title: m.title, value: m.value, line: null, source, path, step });
  };
  for (const e of image.config.Env ?? []) {
    const eq = e.indexOf('=');
    const name = eq < 0 ? e : e.slice(0, eq);
    const value = eq < 0 ? '' : e.slice(eq + 1);
    push(await scanAssignment(`Env:${name}`, name, value), 'config', `Env:${name}`);
    await slice.tick();
  }
  for (const [name, value] of Object.entries(image.config.Labels ?? {})) {
    push(await scanAssignment(`Label:${name}`, name, String(value)), 'config', `Label:${name}`);
    await slice.tick();
  }
  for (let i = 0; i < image.history.length; i++) {
    const cb = image.history[i]!.createdBy ?? '';
    if (!cb) continue;
    const found: Match[] = [];
    for (const a of buildArgsOf(cb)) {
      found.push(...(await scanAssignment(`history[${i}]`, a.name, a.value)));
      await slice.tick();
    }
    for (const p of instructionPairs(cb)) {
      found.push(...(await scanAssignment(`history[${i}]`, p.name, p.value)));
      await slice.tick();
    }
    // The command text itself, for tokens and URLs with credentials.
    const byText = await scanValue(`history[${i}]`, cb);
    await slice.tick();
    const values = new Set(found.map((f) => f.value));
    for (const m of byText) if (![...values].some((v) => v.includes(m.value) || m.value.includes(v))) found.push(m);
    push(found, 'history', `history[${i}]`, i);
  }
  return out;
}
