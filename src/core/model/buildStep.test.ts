import { describe, expect, it } from 'vitest';
import { stepInstruction, stepLabel } from './buildStep';

// created_by values copied from the fixtures' configs (dive-legacy-14-layers.tar,
// public/example.tar) and from Docker's documentation of build args; the expected
// instructions are what `docker history --no-trunc` users read them as.
describe('stepInstruction', () => {
  it('classic builder #(nop) steps lose the shell prefix', () => {
    expect(stepInstruction('/bin/sh -c #(nop) ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in / ')).toBe(
      'ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in /',
    );
    expect(stepInstruction('/bin/sh -c #(nop)  CMD ["sh"]')).toBe('CMD ["sh"]');
  });

  it('classic builder commands become RUN', () => {
    expect(stepInstruction('/bin/sh -c mkdir -p /root/example/really/nested')).toBe('RUN mkdir -p /root/example/really/nested');
  });

  it('classic builder with build args drops the |N k=v prefix', () => {
    expect(stepInstruction('|2 HTTP_PROXY=http://p:3128 VERSION=1.2 /bin/sh -c make install')).toBe('RUN make install');
    expect(stepInstruction('|0 /bin/sh -c true')).toBe('RUN true');
  });

  it('BuildKit steps lose "# buildkit" and the shell of RUN', () => {
    expect(stepInstruction('COPY --chown=1000:1000 app/ /app/ # buildkit')).toBe('COPY --chown=1000:1000 app/ /app/');
    expect(stepInstruction('RUN /bin/sh -c rm /usr/share/doc/example/big.txt # buildkit')).toBe('RUN rm /usr/share/doc/example/big.txt');
    expect(stepInstruction('RUN |1 V=2 /bin/sh -c echo $V # buildkit')).toBe('RUN echo $V');
  });

  it('keeps other builders’ text and metadata steps as written', () => {
    expect(stepInstruction('ADD rootfs.tar / # base rootfs; bootfs (kernel) stays on the host')).toBe(
      'ADD rootfs.tar / # base rootfs; bootfs (kernel) stays on the host',
    );
    expect(stepInstruction('EXPOSE 8080/tcp')).toBe('EXPOSE 8080/tcp');
    expect(stepInstruction('CMD ["/app/server.sh"]')).toBe('CMD ["/app/server.sh"]');
  });

  it('keeps multi-line commands whole', () => {
    expect(stepInstruction('/bin/sh -c set -e;\n  apk add curl')).toBe('RUN set -e;\n  apk add curl');
  });

  it('empty or missing', () => {
    expect(stepInstruction(undefined)).toBe('');
    expect(stepInstruction('')).toBe('');
  });
});

describe('stepLabel', () => {
  // Inputs are real created_by strings from the test fixtures (dive-legacy-14-layers.tar,
  // containerd-busybox-multiarch-index.tar) and BuildKit's documented forms.
  it('strips the classic builder prefixes', () => {
    expect(stepLabel('/bin/sh -c #(nop)  CMD ["sh"]')).toBe('CMD ["sh"]');
    expect(stepLabel('/bin/sh -c mkdir -p /root/example/really/nested')).toBe('RUN mkdir -p /root/example/really/nested');
    expect(stepLabel('/bin/sh -c #(nop) ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in / ')).toBe('ADD file:ce026b62356e… in /');
  });
  it('cleans BuildKit steps', () => {
    expect(stepLabel('ADD busybox.tar.xz / # buildkit')).toBe('ADD busybox.tar.xz /');
    expect(stepLabel('RUN /bin/sh -c apk add --no-cache curl # buildkit')).toBe('RUN apk add --no-cache curl');
    expect(stepLabel('RUN |2 A=1 B= /bin/sh -c echo $A # buildkit')).toBe('RUN echo $A');
  });
  it('collapses whitespace (tabs in long RUN lines) and copes with missing text', () => {
    expect(stepLabel('/bin/sh -c set -eux; \t\tapk add \\\n\t x')).toBe('RUN set -eux; apk add \\ x');
    expect(stepLabel(null)).toBe('');
    expect(stepLabel('bazel build ...')).toBe('bazel build ...');
  });
});
