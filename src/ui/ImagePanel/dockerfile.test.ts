import { describe, expect, it } from 'vitest';
import { cleanCreatedBy, dockerfileText, reconstructDockerfile } from './dockerfile';
import type { HistoryStep } from '../../core/types';

// created_by values copied from the fixtures' configs (dive-legacy-14-layers.tar,
// public/example.tar) and from Docker's documentation of build args; the expected
// instructions are what `docker history --no-trunc` users read them as.
describe('cleanCreatedBy', () => {
  it('classic builder #(nop) steps lose the shell prefix', () => {
    expect(cleanCreatedBy('/bin/sh -c #(nop) ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in / ')).toBe(
      'ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in /',
    );
    expect(cleanCreatedBy('/bin/sh -c #(nop)  CMD ["sh"]')).toBe('CMD ["sh"]');
  });

  it('classic builder commands become RUN', () => {
    expect(cleanCreatedBy('/bin/sh -c mkdir -p /root/example/really/nested')).toBe('RUN mkdir -p /root/example/really/nested');
  });

  it('classic builder with build args drops the |N k=v prefix', () => {
    expect(cleanCreatedBy('|2 HTTP_PROXY=http://p:3128 VERSION=1.2 /bin/sh -c make install')).toBe('RUN make install');
    expect(cleanCreatedBy('|0 /bin/sh -c true')).toBe('RUN true');
  });

  it('BuildKit steps lose "# buildkit" and the shell of RUN', () => {
    expect(cleanCreatedBy('COPY --chown=1000:1000 app/ /app/ # buildkit')).toBe('COPY --chown=1000:1000 app/ /app/');
    expect(cleanCreatedBy('RUN /bin/sh -c rm /usr/share/doc/example/big.txt # buildkit')).toBe('RUN rm /usr/share/doc/example/big.txt');
    expect(cleanCreatedBy('RUN |1 V=2 /bin/sh -c echo $V # buildkit')).toBe('RUN echo $V');
  });

  it('keeps other builders’ text and metadata steps as written', () => {
    expect(cleanCreatedBy('ADD rootfs.tar / # base rootfs; bootfs (kernel) stays on the host')).toBe(
      'ADD rootfs.tar / # base rootfs; bootfs (kernel) stays on the host',
    );
    expect(cleanCreatedBy('EXPOSE 8080/tcp')).toBe('EXPOSE 8080/tcp');
    expect(cleanCreatedBy('CMD ["/app/server.sh"]')).toBe('CMD ["/app/server.sh"]');
  });

  it('keeps multi-line commands whole', () => {
    expect(cleanCreatedBy('/bin/sh -c set -e;\n  apk add curl')).toBe('RUN set -e;\n  apk add curl');
  });

  it('empty or missing', () => {
    expect(cleanCreatedBy(undefined)).toBe('');
    expect(cleanCreatedBy('')).toBe('');
  });
});

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
