import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type Checkpoint, Inflater, WSIZE } from './inflater';
import { pigzLike, xorshift32, sample } from './sample.testkit';
import { blockStarts } from './blockFinder';
import { MARKER, MarkerDecoder } from './speculative';

/** Every block boundary of a raw deflate stream, from the project's inflater (a checkpoint at each block). */
function boundaries(raw: Uint8Array): Checkpoint[] {
  const cps: Checkpoint[] = [];
  const inf = new Inflater({ format: 'raw', onData: () => {}, checkpoints: { spacing: 1, onCheckpoint: (c) => cps.push(c) } });
  inf.push(raw, true);
  return cps;
}

/** Decodes from `cp` with nothing known before it and checks every cell against the truth. */
function checkFrom(raw: Uint8Array, data: Uint8Array, cp: Checkpoint, distrustFirstBlock: boolean): { known: number; markers: number } {
  const dec = new MarkerDecoder(raw, cp.bit, { maxOut: data.length - cp.out, distrustFirstBlock });
  const st = dec.decode(data.length - cp.out);
  expect(['end', 'limit']).toContain(st);
  expect(dec.produced).toBe(data.length - cp.out);
  let known = 0;
  let markers = 0;
  let wrong = 0;
  for (let k = 0; k < dec.produced; k++) {
    const v = dec.out[WSIZE + k]!;
    const truth = data[cp.out + k]!;
    if (v < MARKER) {
      if (v !== truth) wrong++;
      known++;
    } else {
      markers++;
      // a marker names the window byte it stands for; the distrusted first block's cells (and their copies) name none
      if (v - MARKER < WSIZE && data[cp.out - WSIZE + (v - MARKER)] !== truth) wrong++;
      if (v - MARKER >= WSIZE && !distrustFirstBlock) wrong++;
    }
  }
  expect(wrong).toBe(0);
  expect(dec.known(0, dec.produced)).toBe(markers === 0);
  return { known, markers };
}

describe('MarkerDecoder', () => {
  const data = sample(1024 * 1024, 11);

  it.each([1, 6, 9])('level %i: setWindow mid-block makes every byte after it exact; checkWindow refuses a shifted or wrong window', (level) => {
    const raw = deflateRawSync(data, { level });
    const cps = boundaries(raw).filter((c) => c.out >= WSIZE);
    const cp = cps[1]!;
    const next = cps.find((c) => c.out > cp.out + 3 * WSIZE)!;
    const after = cps.find((c) => c.out > next.out)!;
    // mid-block: between two boundaries, not on one
    const k = next.out - cp.out + ((after.out - next.out) >> 1);
    const truth = data.subarray(cp.out + k - WSIZE, cp.out + k);
    const control = new MarkerDecoder(raw, cp.bit, { maxOut: data.length, distrustFirstBlock: false });
    control.decode(Infinity);
    // without the window, the decode keeps unknown bytes past k: the test would pass without setWindow otherwise
    expect(control.known(k, control.produced)).toBe(false);

    const dec = new MarkerDecoder(raw, cp.bit, { maxOut: data.length, distrustFirstBlock: false });
    expect(dec.decode(k)).toBe('limit');
    expect(dec.checkWindow(k + 1, data.subarray(cp.out + k + 1 - WSIZE, cp.out + k + 1))).toBe(-1);
    expect(dec.checkWindow(k, data.subarray(cp.out + k - WSIZE - 7, cp.out + k - 7))).toBe(-1);
    expect(dec.checkWindow(k, sample(WSIZE, 99))).toBe(-1);
    expect(dec.checkWindow(k, truth)).toBeGreaterThan(0);
    expect(dec.setWindow(k, truth)).toBeGreaterThan(0);
    expect(dec.decode(Infinity)).toBe('end');
    expect(dec.known(k - WSIZE, dec.produced)).toBe(true);
    expect(Buffer.from(dec.bytes(k - WSIZE, dec.produced)).equals(data.subarray(cp.out + k - WSIZE))).toBe(true);
  });

  it('setWindow refuses, changing nothing, where a window does not fit', () => {
    const raw = deflateRawSync(data, { level: 6 });
    const cp = boundaries(raw).filter((c) => c.out >= WSIZE)[1]!;
    const dec = new MarkerDecoder(raw, cp.bit, { maxOut: data.length, distrustFirstBlock: false });
    dec.decode(200_000);
    const before = dec.out.slice(0, dec.op);
    expect(dec.setWindow(150_000, data.subarray(cp.out + 150_000 - WSIZE + 3, cp.out + 150_003))).toBe(-1);
    expect(dec.out.slice(0, dec.op)).toEqual(before);
  });

  it.each([1, 6, 9])('decodes a zlib level %i stream from its start exactly, with no markers', (level) => {
    const raw = deflateRawSync(data, { level });
    const dec = new MarkerDecoder(raw, 0, { maxOut: data.length, distrustFirstBlock: false });
    expect(dec.decode(Infinity)).toBe('end');
    expect(dec.known(0, dec.produced)).toBe(true);
    expect(Buffer.from(dec.bytes(0, dec.produced)).equals(data)).toBe(true);
  });

  it.each([1, 6, 9])('from every block boundary of a level %i stream: known bytes are right, markers name their window byte', (level) => {
    const raw = deflateRawSync(data, { level });
    const cps = boundaries(raw).filter((c) => c.out >= WSIZE);
    expect(cps.length).toBeGreaterThan(5);
    let known = 0;
    for (const cp of cps.filter((_, i) => i % Math.ceil(cps.length / 8) === 0)) {
      known += checkFrom(raw, data, cp, false).known;
      checkFrom(raw, data, cp, true);
    }
    expect(known).toBeGreaterThan(0);
  });

  it('after a full flush (pigz -i) the decode needs no window: no markers at all', () => {
    const raw = pigzLike(data, true);
    const cps = boundaries(raw).filter((c) => c.out > 0 && c.out % (128 * 1024) === 0);
    expect(cps.length).toBeGreaterThan(3);
    for (const cp of cps.slice(0, 6)) expect(checkFrom(raw, data, cp, false).markers).toBe(0);
  });

  it('pigz-like sync-flushed chunks with dictionaries decode from each chunk start, markers where the dictionary is used', () => {
    const raw = pigzLike(data, false);
    const cps = boundaries(raw).filter((c) => c.out > 0 && c.out % (128 * 1024) === 0);
    let markers = 0;
    for (const cp of cps.slice(0, 6)) markers += checkFrom(raw, data, cp, false).markers;
    expect(markers).toBeGreaterThan(0);
  });

  it('stored blocks (level 0) are found at their byte boundaries and decode exactly', () => {
    const raw = deflateRawSync(data.subarray(0, 400_000), { level: 0 });
    const cps = boundaries(raw).filter((c) => c.out > 0);
    const starts = new Set(blockStarts(raw, 0, raw.length * 8));
    for (const cp of cps) {
      // a stored block's header: the candidate is the bit three before LEN's byte, which reads the same zeros
      const lenByte = Math.ceil((cp.bit + 3) / 8);
      expect(starts.has(lenByte * 8 - 3)).toBe(true);
      const dec = new MarkerDecoder(raw, lenByte * 8 - 3, { maxOut: 400_000, distrustFirstBlock: false });
      dec.decode(Infinity);
      expect(Buffer.from(dec.bytes(0, dec.produced)).equals(data.subarray(cp.out, 400_000))).toBe(true);
    }
  });

  it('blockStarts finds every non-final dynamic block boundary (and may find false ones too)', () => {
    const raw = deflateRawSync(data, { level: 6 });
    const starts = new Set(blockStarts(raw, 0, raw.length * 8));
    const real = boundaries(raw).filter((c) => c.out > 0 && ((raw[c.bit >>> 3]! | (raw[(c.bit >>> 3) + 1]! << 8)) >>> (c.bit & 7)) % 8 === 0b100);
    expect(real.length).toBeGreaterThan(5);
    for (const c of real) expect(starts.has(c.bit)).toBe(true);
  });

  it('random bit-offset starts: each either fails soon or decodes; nothing throws', () => {
    const raw = deflateRawSync(data, { level: 6 });
    const rnd = xorshift32(5);
    let errors = 0;
    for (let i = 0; i < 150; i++) {
      const bit = rnd() % (raw.length * 8 - 64);
      const dec = new MarkerDecoder(raw, bit, { maxOut: 1 << 20 });
      const st = dec.decode(1 << 20);
      if (st === 'error') {
        errors++;
        expect(dec.error).toBeTruthy();
      }
    }
    // random bits are not deflate: most starts fail (the header checks, codes, distances)
    expect(errors).toBeGreaterThan(120);
  });

  it('a decode from a false boundary that passes the header checks still fails or marks what it cannot know', () => {
    const raw = deflateRawSync(data, { level: 9 });
    const real = new Set(boundaries(raw).map((c) => c.bit));
    const fake = blockStarts(raw, 0, raw.length * 8).filter((b) => !real.has(b));
    expect(fake.length).toBeGreaterThan(0);
    for (const bit of fake.slice(0, 40)) {
      const dec = new MarkerDecoder(raw, bit, { maxOut: 1 << 20 });
      dec.decode(1 << 20);
      // whatever it decoded, its first block (the guess itself) is never known bytes
      if (dec.blocks.length > 2 && dec.blocks[3]! > 0) expect(dec.known(0, dec.blocks[3]!)).toBe(false);
    }
  });

  it('stops with "input" when the compressed bytes run out, keeping what it decoded', () => {
    const raw = deflateRawSync(data, { level: 6 });
    const cp = boundaries(raw).find((c) => c.out > 100_000)!;
    const cut = raw.subarray(0, (cp.bit >>> 3) + 50_000);
    const dec = new MarkerDecoder(cut, cp.bit, { maxOut: data.length, distrustFirstBlock: false });
    expect(dec.decode(Infinity)).toBe('input');
    let wrong = 0;
    for (let k = 0; k < dec.produced; k++) {
      const v = dec.out[WSIZE + k]!;
      if (v < MARKER && v !== data[cp.out + k]) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('stops before the first block header at or past stopBit ("bit"), and goes on from there as if it had not stopped', () => {
    const data = sample(3_000_000, 4);
    const raw = deflateRawSync(data, { level: 6 });
    const cps = boundaries(raw);
    const cp = cps[2]!;
    const whole = new MarkerDecoder(raw, cp.bit, { maxOut: data.length, distrustFirstBlock: false });
    whole.decode(data.length);
    for (const i of [3, 5, 9]) {
      const next = cps[i]!;
      for (const stopBit of [next.bit, next.bit - 1, cps[i - 1]!.bit + 1]) {
        const dec = new MarkerDecoder(raw, cp.bit, { maxOut: data.length, distrustFirstBlock: false });
        let st = dec.decode(data.length, stopBit);
        expect(st).toBe('bit');
        // the header it stopped before: the first at or past stopBit, not read yet
        expect(dec.bitPosition).toBe(next.bit);
        expect(dec.produced).toBe(next.out - cp.out);
        expect(dec.blocks.at(-2)).toBeLessThan(stopBit);
        st = dec.decode(data.length);
        expect(st).toBe('end');
        expect(dec.produced).toBe(whole.produced);
        expect(Buffer.from(dec.out.subarray(0, dec.op)).equals(Buffer.from(whole.out.subarray(0, whole.op)))).toBe(true);
      }
    }
  });
});
