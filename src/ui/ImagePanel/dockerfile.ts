/**
 * The image's history (config.md "history": one entry per build step) shown as
 * the Dockerfile that made it. `created_by` records the step's command in the
 * builder's own words; this turns it back into a Dockerfile instruction the
 * way `docker history` and dive present it:
 *
 * - classic builder, metadata and ADD/COPY steps: `/bin/sh -c #(nop) CMD ["sh"]`
 *   → `CMD ["sh"]` (the `#(nop)` marks a step that ran no command);
 * - classic builder, RUN steps: `/bin/sh -c apt-get …` → `RUN apt-get …`, also
 *   with build arguments (`|2 A=1 B=2 /bin/sh -c …`: the count and the ARG
 *   values the step saw, which are not part of the Dockerfile line);
 * - BuildKit: `RUN /bin/sh -c cmd # buildkit` → `RUN cmd` (BuildKit writes the
 *   instruction itself and marks it with a trailing `# buildkit` comment);
 * - anything else (umoci, kaniko, crane, Buildah) is kept as written.
 */
import type { HistoryStep } from '../../core/types';

const NOP_PREFIX = '/bin/sh -c #(nop) ';
const SHELL_PREFIX = '/bin/sh -c ';
const BUILDKIT_SUFFIX = /\s*# buildkit$/;
/** `|N k=v … /bin/sh -c cmd`: classic builder with N build args in scope. */
const ARGS_SHELL = /^\|\d+ (?:.*? )?\/bin\/sh -c (.*)$/s;
/** BuildKit RUN, optionally with build args: `RUN [|N k=v …] /bin/sh -c cmd`. */
const BUILDKIT_RUN = /^RUN (?:\|\d+ (?:.*? )?)?\/bin\/sh -c (.*)$/s;

/** One `created_by` as a Dockerfile instruction. */
export function cleanCreatedBy(createdBy: string | null | undefined): string {
  if (!createdBy) return '';
  const t = createdBy.trim().replace(BUILDKIT_SUFFIX, '');
  if (t.startsWith(NOP_PREFIX)) return t.slice(NOP_PREFIX.length).trim();
  if (t.startsWith(SHELL_PREFIX)) return `RUN ${t.slice(SHELL_PREFIX.length).trim()}`;
  const args = ARGS_SHELL.exec(t);
  if (args) return `RUN ${args[1].trim()}`;
  const bk = BUILDKIT_RUN.exec(t);
  if (bk) return `RUN ${bk[1].trim()}`;
  return t;
}

export interface DockerfileLine {
  /** Index in the config's history. */
  step: number;
  /** The layer this step made, or null for a metadata-only step (empty_layer). */
  layer: number | null;
  /** The instruction ('' when the step recorded no created_by). */
  text: string;
  /** The raw created_by, for a title. */
  raw: string;
  created?: string;
  comment?: string;
}

export function reconstructDockerfile(history: readonly HistoryStep[]): DockerfileLine[] {
  return history.map((h, step) => ({
    step,
    layer: h.emptyLayer ? null : h.layerIndex,
    text: cleanCreatedBy(h.createdBy),
    raw: h.createdBy ?? '',
    created: h.created,
    comment: h.comment,
  }));
}

/** Plain text of the reconstruction (for the clipboard): one instruction per line, steps without a command as comments. */
export function dockerfileText(lines: readonly DockerfileLine[]): string {
  return lines.map((l) => l.text || `# step ${l.step}: no created_by recorded`).join('\n') + '\n';
}
