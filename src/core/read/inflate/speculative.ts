/**
 * Decoding a raw deflate stream (RFC 1951) from the middle, with the 32 KiB of history
 * before the start unknown: rapidgzip's idea (Knespel & Brunst, "Rapidgzip: Parallel
 * Decompression and Seeking in Gzip Files Using Cache Prefetching", HPDC 2023).
 *
 * 1. `blockStarts` (blockFinder.ts) finds bit offsets where a deflate block header is plausible: a
 *    non-final dynamic-Huffman header whose three codes are all complete (RFC 1951
 *    §3.2.7, with zlib's over-subscribed / incomplete checks), or a non-final stored
 *    block whose LEN and NLEN are each other's complement (§3.2.4). Random bits pass
 *    these checks rarely, but they do pass: a candidate is only a guess.
 * 2. `MarkerDecoder` decodes from such a bit into 16-bit output: values < 256 are bytes,
 *    values ≥ MARKER stand for a byte of the unknown window (value − MARKER is its index
 *    in that window, so a later pass can resolve it once the window is known). A
 *    back-reference copies markers like bytes, so unknown bytes propagate exactly as far
 *    as the data depends on them; everything else decoded is exact.
 * 3. A wrong start decodes garbage that is not marked. It almost always fails soon (an
 *    invalid code, a distance reaching before the unknown window, an invalid next block
 *    header), but it may end on a real block boundary by chance, after which the decode
 *    is real and can copy the garbage through back-references. So by default the first
 *    block's output is turned into unknown cells (POISON, no window byte) once the decoder reaches the second block
 *    header through a valid end-of-block (`distrustFirstBlock`): a real start loses
 *    only that block's bytes as known history, a false one that synced cannot leak.
 *    Callers must still check what they decode against something independent (the tar
 *    header of the file read, speculativeRead.ts) before showing a byte.
 * 4. Where the true window at some output byte is known from elsewhere (the load's scan
 *    kept it, read/scanWindows.ts), `checkWindow` tests it against the decode and
 *    `setWindow` puts it in: each marker names its window byte, so every marker past that
 *    point is resolved, and the decode is exact from there (read/anchoredRead.ts).
 */
import { CODE_LENGTHS_ERROR, readCodeLengths } from './blockFinder';
import { huffman as H, WSIZE } from './inflater';

const { buildTable, FIXED_L, FIXED_D, LBITS, DBITS, KIND_LEN, KIND_DIST, OP_BASE, OP_EOB, MAX_MATCH } = H;

/** Output values from here up are unknown window bytes: MARKER + index in the 32 KiB window before the start. */
export const MARKER = 256;
/**
 * What the first block's cells become under distrustFirstBlock: unknown like a marker, but
 * no window byte (MARKER + 32767 < POISON), so setWindow never takes them for one.
 */
const POISON = 0xffff;
/** setWindow's table: window byte index → its true value, -1 unknown. */
const resolveScratch = new Int16Array(WSIZE);
/** Output capacity allocated first (in 16-bit cells); it doubles up to the decoder's maxOut. */
const INITIAL_OUT = 1024 * 1024;

export type DecodeStatus =
  /** Output reached the limit asked for. */
  | 'limit'
  /** The stream's final block ended. */
  | 'end'
  /** The compressed input given ran out (what was decoded before stays valid). */
  | 'input'
  /** maxOut reached. */
  | 'full'
  /** Not a valid deflate stream from this start (see `error`). */
  | 'error'
  /** The next block header is at or past the input bit asked for (decode's `stopBit`). */
  | 'bit';

class Bad extends Error {}

const S_HEADER = 0;
const S_STORED = 1;
const S_CODES = 2;
const S_END = 3;

export interface MarkerDecoderOptions {
  /** Most bytes to decode (the output buffer holds WSIZE + this many 16-bit cells at most). */
  maxOut: number;
  /** Turn the first block's output into markers when the second block starts (see the module comment). Default true. */
  distrustFirstBlock?: boolean;
}

/**
 * Decodes `input` (raw deflate) from `startBit` with an unknown window (module comment).
 * `out[WSIZE + k]` is output byte k. Resumable: `decode(limit)` runs until `produced`
 * ≥ limit or the stream stops.
 */
export class MarkerDecoder {
  out: Uint16Array;
  /** Next free cell of `out` (output byte `op − WSIZE`). */
  op = WSIZE;
  /** Cell just past the last match that copied a marker (WSIZE: no marker decoded yet). A decoded cell ≥ this is known. */
  lastMarkerEnd = WSIZE;
  /** Each block header reached: bit offset in `input`, then output byte, pairs in order. */
  readonly blocks: number[] = [];
  error: string | null = null;

  private readonly inb: Uint8Array;
  private ip: number;
  private hold = 0;
  private bits = 0;
  private state = S_HEADER;
  private last = false;
  private storedLeft = 0;
  private readonly ltab = new Int32Array(H.LTABLE_SIZE);
  private readonly dtab = new Int32Array(H.DTABLE_SIZE);
  private lcode: Int32Array = FIXED_L;
  private dcode: Int32Array = FIXED_D;
  private readonly lens = new Uint8Array(320);
  private readonly maxOut: number;
  private distrust: boolean;

  constructor(input: Uint8Array, startBit: number, opts: MarkerDecoderOptions) {
    this.inb = input;
    this.maxOut = opts.maxOut;
    this.distrust = opts.distrustFirstBlock ?? true;
    this.ip = startBit >>> 3;
    const s = startBit & 7;
    if (s) {
      this.hold = (input[this.ip++] ?? 0) >>> s;
      this.bits = 8 - s;
    }
    this.out = new Uint16Array(WSIZE + Math.min(opts.maxOut, INITIAL_OUT) + MAX_MATCH);
    for (let i = 0; i < WSIZE; i++) this.out[i] = MARKER + i;
  }

  /** Bytes decoded. */
  get produced(): number {
    return this.op - WSIZE;
  }

  /** Bit offset in the input of the next unread bit. */
  get bitPosition(): number {
    return this.ip * 8 - this.bits;
  }

  /** Decoded byte k as a byte, or -1 when it is an unknown-window marker. */
  byteAt(k: number): number {
    const v = this.out[WSIZE + k]!;
    return v < MARKER ? v : -1;
  }

  /**
   * How many known bytes of output [k − truth.length, k) agree with `truth`, the true bytes
   * there, or -1 when one disagrees or two cells holding the same unknown window byte would
   * need different values (either proves `k` is not where `truth` belongs).
   */
  checkWindow(k: number, truth: Uint8Array): number {
    const n = truth.length;
    if (n > WSIZE || k > this.produced || k - n < -WSIZE) return -1;
    const o = this.out;
    const base = WSIZE + k - n;
    const map = resolveScratch.fill(-1);
    let verified = 0;
    for (let j = 0; j < n; j++) {
      const v = o[base + j]!;
      const t = truth[j]!;
      if (v < MARKER) {
        if (v !== t) return -1;
        verified++;
      } else if (v < POISON) {
        const m = map[v - MARKER]!;
        if (m < 0) map[v - MARKER] = t;
        else if (m !== t) return -1;
      }
    }
    return verified;
  }

  /**
   * Makes the window exact at output byte `k`: `truth` holds the true bytes [k − truth.length,
   * k) (truth.length = WSIZE, or every byte since the stream's start). Each unknown cell there
   * then has its byte, and so has each unknown cell decoded after `k`: a back-reference reaches
   * at most WSIZE back, so a copy chain from a cell past `k` lands inside that window on a cell
   * holding the same window byte. Decoding goes on from exact history, wherever `k` falls in a
   * block. Returns the known bytes `truth` was checked against, or -1 (nothing changed) when
   * checkWindow refuses or a cell past `k` could not be resolved (the first block's cells under
   * distrustFirstBlock: call this only with it off, the caller's check replacing it).
   */
  setWindow(k: number, truth: Uint8Array): number {
    const verified = this.checkWindow(k, truth);
    if (verified < 0) return -1;
    const o = this.out;
    const map = resolveScratch;
    // cells from lastMarkerEnd on are all known: only those before it can hold a marker
    const marked = Math.min(this.op, this.lastMarkerEnd);
    for (let x = WSIZE + k; x < marked; x++) {
      const v = o[x]!;
      if (v >= MARKER && (v >= POISON || map[v - MARKER]! < 0)) return -1;
    }
    for (let x = WSIZE + k; x < marked; x++) {
      const v = o[x]!;
      if (v >= MARKER) o[x] = map[v - MARKER]!;
    }
    o.set(truth, WSIZE + k - truth.length);
    this.lastMarkerEnd = WSIZE + k - truth.length;
    this.distrust = false;
    return verified;
  }

  /** Are output bytes [from, to) all known (no marker)? */
  known(from: number, to: number): boolean {
    const o = this.out;
    for (let i = WSIZE + from; i < WSIZE + to; i++) if (o[i]! >= MARKER) return false;
    return true;
  }

  /** Output bytes [from, to) as bytes (markers must have been ruled out with `known`). */
  bytes(from: number, to: number): Uint8Array {
    return Uint8Array.from(this.out.subarray(WSIZE + from, WSIZE + to));
  }

  /**
   * Decodes until `produced` ≥ `limit`, or until the next block header is at or past input
   * bit `stopBit` (then 'bit', before that header is read), or the stream stops.
   */
  decode(limit: number, stopBit = Number.POSITIVE_INFINITY): DecodeStatus {
    if (this.error) return 'error';
    try {
      for (;;) {
        if (this.state === S_END) return 'end';
        if (this.op - WSIZE >= limit) return 'limit';
        if (this.state === S_HEADER) {
          if (this.last) {
            this.state = S_END;
            return 'end';
          }
          if (this.bitPosition >= stopBit) return 'bit';
          if (this.overran()) return 'input';
          this.header();
          if (this.overran()) return 'input';
        } else if (this.state === S_STORED) {
          const r = this.stored(limit);
          if (r) return r;
        } else {
          const r = this.codes(limit);
          if (r) return r;
        }
      }
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      this.error = e.message;
      return 'error';
    }
  }

  /** Continue reading at input bit `bit` (bits past the input read as 0, and `overran` tells). */
  private seekBit(bit: number): void {
    this.ip = bit >>> 3;
    this.hold = 0;
    this.bits = 0;
    const s = bit & 7;
    if (s) {
      this.hold = (this.inb[this.ip++] ?? 0) >>> s;
      this.bits = 8 - s;
    }
  }

  private overran(): boolean {
    return this.ip * 8 - this.bits > this.inb.length * 8;
  }

  private need(n: number): number {
    while (this.bits < n) {
      this.hold |= (this.inb[this.ip++] ?? 0) << this.bits;
      this.bits += 8;
    }
    const v = this.hold & ((1 << n) - 1);
    this.hold >>>= n;
    this.bits -= n;
    return v;
  }

  /** Room for one more match, growing the buffer; false when maxOut is reached. */
  private room(): boolean {
    if (this.op + MAX_MATCH <= this.out.length) return true;
    const cap = WSIZE + this.maxOut + MAX_MATCH;
    if (this.out.length >= cap) return false;
    const next = new Uint16Array(Math.min(cap, WSIZE + (this.out.length - WSIZE) * 2 + MAX_MATCH));
    next.set(this.out.subarray(0, this.op));
    this.out = next;
    return true;
  }

  private header(): void {
    const at = this.bitPosition;
    if (this.blocks.length === 2 && this.distrust) {
      // the second header, reached through a valid end-of-block: the first block's output becomes unknown
      for (let i = WSIZE; i < this.op; i++) this.out[i] = POISON;
      this.lastMarkerEnd = this.op;
    }
    this.blocks.push(at, this.op - WSIZE);
    const hdr = this.need(3);
    this.last = (hdr & 1) === 1;
    const type = hdr >>> 1;
    if (type === 0) {
      this.need(this.bits & 7);
      const len = this.need(16);
      const nlen = this.need(16);
      if ((len ^ 0xffff) !== nlen) throw new Bad('invalid stored block lengths');
      // whole bytes left in the accumulator go back to the input
      this.ip -= this.bits >>> 3;
      this.hold = 0;
      this.bits = 0;
      this.storedLeft = len;
      this.state = S_STORED;
      return;
    }
    if (type === 1) {
      this.lcode = FIXED_L;
      this.dcode = FIXED_D;
      this.state = S_CODES;
      return;
    }
    if (type === 3) throw new Bad('invalid block type');
    const hlit = this.need(5) + 257;
    const hdist = this.need(5) + 1;
    const hclen = this.need(4) + 4;
    if (hlit > 286 || hdist > 30) throw new Bad('too many length or distance symbols');
    // the block finder's reader (bit-addressed over the whole input), so the search and the decode read a header one way
    const all = this.lens;
    const end = readCodeLengths(this.inb, this.bitPosition, hlit, hdist, hclen, all);
    if (end < 0) throw new Bad(CODE_LENGTHS_ERROR[-end]!);
    this.seekBit(end);
    if (all[256] === 0) throw new Bad('missing end-of-block code');
    if (buildTable(KIND_LEN, all, 0, hlit, this.ltab, LBITS)) throw new Bad('invalid literal/lengths set');
    if (buildTable(KIND_DIST, all, hlit, hdist, this.dtab, DBITS)) throw new Bad('invalid distances set');
    this.lcode = this.ltab;
    this.dcode = this.dtab;
    this.state = S_CODES;
  }

  private stored(limit: number): DecodeStatus | null {
    while (this.storedLeft > 0) {
      if (this.op - WSIZE >= limit) return 'limit';
      if (!this.room()) return 'full';
      const avail = this.inb.length - this.ip;
      if (avail <= 0) return 'input';
      const n = Math.min(this.storedLeft, avail, this.out.length - MAX_MATCH - this.op + 1, WSIZE + limit - this.op);
      const o = this.out;
      const b = this.inb;
      for (let k = 0; k < n; k++) o[this.op + k] = b[this.ip + k]!;
      this.op += n;
      this.ip += n;
      this.storedLeft -= n;
    }
    this.state = S_HEADER;
    return null;
  }

  /**
   * Huffman-coded symbols until the block ends or a limit. A deliberate twin of inflater.ts
   * `Inflater.codes()` (the same table walk over 16-bit cells, plus marker tracking and
   * errors instead of a bounded input margin): a fix to one belongs in the other.
   */
  private codes(limit: number): DecodeStatus | null {
    let hold = this.hold;
    let bits = this.bits;
    let ip = this.ip;
    let op = this.op;
    let out = this.out;
    const inb = this.inb;
    const inLen = inb.length;
    const lcode = this.lcode;
    const dcode = this.dcode;
    const lmask = (1 << LBITS) - 1;
    const dmask = (1 << DBITS) - 1;
    const stopAt = WSIZE + limit;
    let lastMarkerEnd = this.lastMarkerEnd;
    let status: DecodeStatus | null = null;
    // cell where the symbol being decoded began: a symbol that read past the input is undone
    let symOp = op;
    // No closure saves the state (this.saveCodes takes it as arguments): a closure over these
    // locals would keep them in a heap context, which unoptimized code (a worker's first read)
    // then loads and stores on every symbol.
    for (;;) {
      if (ip > inLen && ip * 8 - bits > inLen * 8) {
        op = symOp;
        status = 'input';
        break;
      }
      symOp = op;
      if (op >= stopAt) {
        status = 'limit';
        break;
      }
      if (op + MAX_MATCH > out.length) {
        this.op = op;
        if (!this.room()) {
          status = 'full';
          break;
        }
        out = this.out;
      }
      if (bits < 15) {
        hold += (inb[ip++] ?? 0) << bits;
        bits += 8;
        hold += (inb[ip++] ?? 0) << bits;
        bits += 8;
      }
      let here = lcode[hold & lmask]!;
      let n = here & 0xff;
      hold >>>= n;
      bits -= n;
      let o = (here >>> 8) & 0xff;
      if (o !== 0 && (o & 0x70) === 0) {
        here = lcode[(here >>> 16) + (hold & ((1 << o) - 1))]!;
        n = here & 0xff;
        hold >>>= n;
        bits -= n;
        o = (here >>> 8) & 0xff;
      }
      if (o === 0) {
        out[op++] = here >>> 16;
        continue;
      }
      if (o & OP_BASE) {
        let len = here >>> 16;
        let x = o & 15;
        if (x) {
          if (bits < x) {
            hold += (inb[ip++] ?? 0) << bits;
            bits += 8;
          }
          len += hold & ((1 << x) - 1);
          hold >>>= x;
          bits -= x;
        }
        if (bits < 15) {
          hold += (inb[ip++] ?? 0) << bits;
          bits += 8;
          hold += (inb[ip++] ?? 0) << bits;
          bits += 8;
        }
        here = dcode[hold & dmask]!;
        n = here & 0xff;
        hold >>>= n;
        bits -= n;
        o = (here >>> 8) & 0xff;
        if (o !== 0 && (o & 0x70) === 0) {
          here = dcode[(here >>> 16) + (hold & ((1 << o) - 1))]!;
          n = here & 0xff;
          hold >>>= n;
          bits -= n;
          o = (here >>> 8) & 0xff;
        }
        if (!(o & OP_BASE)) {
          this.saveCodes(hold, bits, ip, op, lastMarkerEnd);
          throw new Bad('invalid distance code');
        }
        let dist = here >>> 16;
        x = o & 15;
        if (bits < x) {
          hold += (inb[ip++] ?? 0) << bits;
          bits += 8;
          if (bits < x) {
            hold += (inb[ip++] ?? 0) << bits;
            bits += 8;
          }
        }
        dist += hold & ((1 << x) - 1);
        hold >>>= x;
        bits -= x;
        let from = op - dist;
        if (from < 0) {
          this.saveCodes(hold, bits, ip, op, lastMarkerEnd);
          throw new Bad('distance reaches before the unknown window');
        }
        const end = op + len;
        let m = 0;
        while (op < end) {
          const v = out[from++]!;
          m |= v;
          out[op++] = v;
        }
        if (m >= MARKER) lastMarkerEnd = op;
        continue;
      }
      if (o & OP_EOB) {
        this.state = S_HEADER;
        break;
      }
      this.saveCodes(hold, bits, ip, op, lastMarkerEnd);
      throw new Bad('invalid literal/length code');
    }
    this.saveCodes(hold, bits, ip, op, lastMarkerEnd);
    return status;
  }

  /** codes()'s locals back into the decoder (before a return or a throw). */
  private saveCodes(hold: number, bits: number, ip: number, op: number, lastMarkerEnd: number): void {
    this.hold = hold;
    this.bits = bits;
    this.ip = ip;
    this.op = op;
    this.lastMarkerEnd = lastMarkerEnd;
  }
}
