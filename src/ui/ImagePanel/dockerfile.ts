/**
 * The image's history (config.md "history": one entry per build step) shown as
 * the Dockerfile that made it; each step's text is core/model/buildStep.ts's.
 */
import { stepInstruction } from '../../core/model/buildStep';
import type { HistoryStep } from '../../core/types';

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
    text: stepInstruction(h.createdBy),
    raw: h.createdBy ?? '',
    created: h.created,
    comment: h.comment,
  }));
}

/** Plain text of the reconstruction (for the clipboard): one instruction per line, steps without a command as comments. */
export function dockerfileText(lines: readonly DockerfileLine[]): string {
  return lines.map((l) => l.text || `# step ${l.step}: no created_by recorded`).join('\n') + '\n';
}
