import { describe, expect, it } from 'vitest';
import { dockerfileText, reconstructDockerfile } from './dockerfile';
import type { HistoryStep } from '../../core/types';

describe('reconstructDockerfile', () => {
  const history: HistoryStep[] = [
    { createdBy: '/bin/sh -c #(nop) ADD file:abc in / ', emptyLayer: false, layerIndex: 0 },
    { createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', emptyLayer: true, layerIndex: 0 },
    { createdBy: '/bin/sh -c echo hi > /x', emptyLayer: false, layerIndex: 1 },
    { emptyLayer: false, layerIndex: 2 },
  ];
  it('maps steps to layers; metadata-only steps have none', () => {
    const lines = reconstructDockerfile(history);
    expect(lines.map((l) => [l.layer, l.text])).toEqual([
      [0, 'ADD file:abc in /'],
      [null, 'CMD ["sh"]'],
      [1, 'RUN echo hi > /x'],
      [2, ''],
    ]);
    expect(dockerfileText(lines)).toBe('ADD file:abc in /\nCMD ["sh"]\nRUN echo hi > /x\n# step 3: no created_by recorded\n');
  });
});
