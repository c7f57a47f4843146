/**
 * The text of a build step. The image's history (config.md "history": one
 * entry per build step) records each step's command in the builder's own words
 * (`created_by`); this turns it back into the Dockerfile instruction, the way
 * `docker history` and dive present it — one function for the page's
 * Dockerfile, its stack labels and the command line:
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

const NOP_PREFIX = '/bin/sh -c #(nop) ';
const SHELL_PREFIX = '/bin/sh -c ';
const BUILDKIT_SUFFIX = /\s*# buildkit$/;
/** `|N k=v … /bin/sh -c cmd`: classic builder with N build args in scope. */
const ARGS_SHELL = /^\|\d+ (?:.*? )?\/bin\/sh -c (.*)$/s;
/** BuildKit RUN, optionally with build args: `RUN [|N k=v …] /bin/sh -c cmd`. */
const BUILDKIT_RUN = /^RUN (?:\|\d+ (?:.*? )?)?\/bin\/sh -c (.*)$/s;
/** `file:<sha256 hex>` / `dir:<hex>` in ADD/COPY steps: 64 hex digits nobody reads. */
const CONTENT_HASH = /\b(file|dir|multi):([0-9a-f]{12})[0-9a-f]{52}\b/g;

/** One `created_by` as the Dockerfile instruction, whole (a multi-line RUN keeps its lines). */
export function stepInstruction(createdBy: string | null | undefined): string {
  if (!createdBy) return '';
  const t = createdBy.trim().replace(BUILDKIT_SUFFIX, '');
  if (t.startsWith(NOP_PREFIX)) return t.slice(NOP_PREFIX.length).trim();
  if (t.startsWith(SHELL_PREFIX)) return `RUN ${t.slice(SHELL_PREFIX.length).trim()}`;
  const args = ARGS_SHELL.exec(t);
  if (args) return `RUN ${args[1]!.trim()}`;
  const bk = BUILDKIT_RUN.exec(t);
  if (bk) return `RUN ${bk[1]!.trim()}`;
  return t;
}

/**
 * The instruction on one line, for a label (a stack band, a table row): runs of
 * whitespace collapse and ADD/COPY content hashes are cut to 12 digits. The
 * full text stays available where the label is shown (a title, `--json`).
 */
export function stepLabel(createdBy: string | null | undefined): string {
  return stepInstruction(createdBy).replace(/\s+/g, ' ').trim().replace(CONTENT_HASH, '$1:$2…');
}
