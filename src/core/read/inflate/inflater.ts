/**
 * A streaming inflater (DEFLATE, RFC 1951, inside gzip members, RFC 1952) whose
 * position can be recorded and resumed: zlib's zran idea. At a deflate block
 * boundary the decoder's whole state is (bit offset in the compressed stream,
 * the last 32 KiB of output), so recording that pair every ~CHECKPOINT_SPACING
 * bytes of output lets a later read start next to the file it wants instead of
 * at the start of the layer (see resume.ts). The platform's DecompressionStream
 * cannot report block boundaries, so the pass that records them decodes with
 * this one (the digest check after `ready`, verify.ts).
 *
 * The decoding loop follows zlib's inflate_fast: a bit accumulator refilled two
 * bytes at a time, two-level Huffman tables (a root table indexed by the next
 * ROOT_BITS bits, sub-tables for longer codes) with packed entries, and output
 * written into one buffer whose first WSIZE bytes are the history window. Output
 * chunks are handed out without copying: each full buffer is emitted as is and a
 * new one starts with a copy of the last 32 KiB.
 *
 * Robustness (hostile input): every table is checked for over-subscribed and
 * incomplete code sets as zlib does, distances beyond the output produced in the
 * member are refused, a truncated stream is reported as TRUNCATED (input is padded
 * with zeros at the end and any decode that reached the padding is an error),
 * gzip headers are bounded (MAX_GZIP_HEADER), and each member's CRC-32 and ISIZE
 * are checked (RFC 1952 §2.3.1) unless the member was entered by resuming.
 */
import { LayerscopeError } from '../../errors';
import { crc32Repeat, crc32Update } from './crc32';

export { crc32Update } from './crc32';

/** Size of the history window (RFC 1951 §2: distances reach back at most 32 KiB). */
export const WSIZE = 32 * 1024;
/**
 * Output handed out per chunk. Each new chunk buffer starts with a 32 KiB copy of
 * the history, so larger chunks copy less (12.5% extra at 256 KiB, 3% at 1 MiB);
 * 512 KiB keeps the consumer's buffers small.
 */
export const OUT_CHUNK = 512 * 1024;
/**
 * Matches at distance 1 longer than this are written with one fill() (a run of one
 * byte: how deflate codes a file of zeros, 258 bytes a symbol); shorter ones cost less
 * as a byte loop than as a call. Measured on 1 GiB of zeros in Chromium: the byte loop
 * was ~14 of the 17 CPU-seconds of the whole scan (issue 9, point 3).
 */
const RUN_FILL_MIN = 16;
/**
 * Matches longer than this are not copied when decoded but recorded as a pending
 * run (runStart/runEnd/runDist), which the next match at the same distance right
 * after it extends: deflate codes a long repetition of period d as matches of 258
 * bytes at distance d (a file of zeros: d = 1, "abab…": d = 2), and the run is
 * written once, when something needs its bytes (settleRun: one fill for d = 1,
 * else the first period copied and then doubled by copyWithin, each copy reading
 * only bytes already written), and its CRC-32 is extended over it in O(log n)
 * (crc32Repeat). A call per 258-byte match was most of what remained of a scan of
 * 1 GiB of zeros (fill/copy 2.4 s, CRC-32 4.1 s of 13 s: issue 9, point 3); shorter
 * matches cost less as a byte loop than as a call.
 */
const RUN_DEFER_MIN = 64;
/**
 * A settled run's CRC-32 is extended by crc32Repeat (~60 products of 32 steps each)
 * instead of read byte by byte when it repeats its period over at least this many
 * bytes: below that the table loop (about a nanosecond a byte) costs less.
 */
const RUN_CRC_MIN = 4096;
/** Longest match (RFC 1951 §3.2.5): the fast loop stops this far from the buffer's end. */
const MAX_MATCH = 258;
/**
 * Bytes one symbol can consume at most: 15 bits of length code + 5 extra + 15 of
 * distance code + 13 extra = 48 bits; the fast loop needs this much input ahead.
 */
const FAST_IN_MARGIN = 8;
/**
 * Largest dynamic block header: 14 bits of counts + 19×3 bits of code-length codes +
 * 316 codes of ≤ 7 bits each plus ≤ 7 extra bits. A header is decoded only once this
 * much input is available (or the input is final), so header decoding never stops halfway.
 */
const MAX_BLOCK_HEADER_BYTES = 640;
/**
 * Longest gzip member header accepted: 10 fixed bytes, FEXTRA (≤ 65,535 + 2), FNAME and
 * FCOMMENT (NUL-terminated, unbounded in RFC 1952). 1 MiB is far beyond real files
 * (eStargz's extra field is 26 bytes) and bounds what is buffered for one header.
 */
export const MAX_GZIP_HEADER = 1024 * 1024;
/** Zero bytes appended to the final input so the bit accumulator can over-read; a decode that used them is TRUNCATED. */
const PAD = 16;

// Root table sizes (zlib uses 9 and 6; 10 and 8 make fewer sub-table hops at a modest build cost per block).
const LBITS = 10;
const DBITS = 8;
/** Capacity of the two tables: the root plus every sub-table a 15-bit code set can need (well under zlib's ENOUGH bounds for these roots). */
const LTABLE_SIZE = 4096;
const DTABLE_SIZE = 2048;

// Table entry: (val << 16) | (op << 8) | bits. op: 0 literal; 16|extra: length or distance base;
// 32 end of block; 64 invalid; 1..15 (none of 16/32/64): link to a sub-table of that many bits at val.
const OP_BASE = 16;
const OP_EOB = 32;
const OP_INVALID = 64;
const INVALID_ENTRY = OP_INVALID << 8;

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** Order of the code-length code lengths in a dynamic block header (RFC 1951 §3.2.7). */
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

const KIND_LEN = 0;
const KIND_DIST = 1;
const KIND_CODES = 2;

/** Symbol → table entry (before the bits field) for each kind of code. */
function symbolEntry(kind: number, sym: number): number {
  if (kind === KIND_CODES) return sym << 16;
  if (kind === KIND_LEN) {
    if (sym < 256) return sym << 16;
    if (sym === 256) return OP_EOB << 8;
    if (sym > 285) return INVALID_ENTRY;
    const i = sym - 257;
    return (LEN_BASE[i]! << 16) | ((OP_BASE | LEN_EXTRA[i]!) << 8);
  }
  if (sym > 29) return INVALID_ENTRY;
  return (DIST_BASE[sym]! << 16) | ((OP_BASE | DIST_EXTRA[sym]!) << 8);
}

const count = new Uint16Array(16);
const nextCode = new Uint16Array(16);
const subBitsOf = new Uint8Array(1 << LBITS);
/** Per build: where the sub-table under each root prefix starts (-1: none yet). */
const subStart = new Int32Array(1 << LBITS);

function reverseBits(code: number, len: number): number {
  let r = 0;
  for (let i = 0; i < len; i++) {
    r = (r << 1) | (code & 1);
    code >>>= 1;
  }
  return r;
}

/**
 * Build the canonical Huffman decoding table (RFC 1951 §3.2.2) for `n` code lengths
 * from `lens[off..]` into `table`, with a root of `root` bits. Throws on an
 * over-subscribed or (except a single one-bit code, as zlib allows) incomplete set.
 */
function buildTable(kind: number, lens: Uint8Array, off: number, n: number, table: Int32Array, root: number): string | null {
  count.fill(0);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const l = lens[off + i]!;
    count[l]!++;
    if (l > max) max = l;
  }
  count[0] = 0;
  if (max === 0) {
    // No codes at all: legal for a distance tree of a block with literals only.
    if (kind === KIND_DIST) {
      table.fill(INVALID_ENTRY | 1, 0, 1 << root);
      return null;
    }
    return 'empty code set';
  }
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - count[len]!;
    if (left < 0) return 'over-subscribed code set';
  }
  if (left > 0 && (kind === KIND_CODES || max !== 1)) return 'incomplete code set';
  if (left > 0) table.fill(INVALID_ENTRY | 1, 0, 1 << root);
  let code = 0;
  for (let len = 1; len <= 15; len++) {
    code = (code + count[len - 1]!) << 1;
    nextCode[len] = code;
  }
  const rootSize = 1 << root;
  const rootMask = rootSize - 1;
  // First pass: for codes longer than the root, the longest one under each root prefix sizes its sub-table.
  if (max > root) {
    subBitsOf.fill(0, 0, rootSize);
    subStart.fill(-1, 0, rootSize);
    const nc = nextCode.slice();
    for (let s = 0; s < n; s++) {
      const l = lens[off + s]!;
      if (l <= root) {
        if (l) nc[l]!++;
        continue;
      }
      const r = reverseBits(nc[l]!++, l) & rootMask;
      if (l - root > subBitsOf[r]!) subBitsOf[r] = l - root;
    }
  }
  let nextSub = rootSize;
  for (let s = 0; s < n; s++) {
    const l = lens[off + s]!;
    if (l === 0) continue;
    const r = reverseBits(nextCode[l]!++, l);
    const e = symbolEntry(kind, s);
    if (l <= root) {
      for (let i = r; i < rootSize; i += 1 << l) table[i] = e | l;
      continue;
    }
    const prefix = r & rootMask;
    const bits = subBitsOf[prefix]!;
    let base = subStart[prefix]!;
    if (base < 0) {
      // First long code under this prefix: allocate its sub-table (entries not filled below stay invalid).
      base = nextSub;
      if (base + (1 << bits) > table.length) return 'code table overflow';
      table.fill(INVALID_ENTRY | 1, base, base + (1 << bits));
      table[prefix] = (base << 16) | (bits << 8) | root;
      subStart[prefix] = base;
      nextSub += 1 << bits;
    }
    const sl = l - root;
    for (let i = r >>> root; i < 1 << bits; i += 1 << sl) table[base + i] = e | sl;
  }
  return null;
}

/** Fixed Huffman tables (RFC 1951 §3.2.6), built once. */
const FIXED_L = new Int32Array(LTABLE_SIZE);
const FIXED_D = new Int32Array(DTABLE_SIZE);
{
  const l = new Uint8Array(288 + 32);
  for (let i = 0; i < 144; i++) l[i] = 8;
  for (let i = 144; i < 256; i++) l[i] = 9;
  for (let i = 256; i < 280; i++) l[i] = 7;
  for (let i = 280; i < 288; i++) l[i] = 8;
  for (let i = 288; i < 320; i++) l[i] = 5;
  if (buildTable(KIND_LEN, l, 0, 288, FIXED_L, LBITS) || buildTable(KIND_DIST, l, 288, 32, FIXED_D, DBITS)) throw new Error('fixed tables');
}

/**
 * A place decoding can resume from. `bit` is the absolute bit offset, in the
 * compressed stream, of a deflate block header (or, with `member`, the byte offset
 * ×8 of a gzip member header); `out` is the uncompressed offset there; `window` the
 * output bytes just before it (up to WSIZE; empty at a member start).
 */
export interface Checkpoint {
  out: number;
  bit: number;
  window: Uint8Array;
  member: boolean;
}

export interface InflaterOptions {
  /** 'gzip': members with headers and trailers, one after another; 'raw': one deflate stream. */
  format?: 'gzip' | 'raw';
  /** Each chunk of output, in order. The consumer owns it (it is never written again). */
  onData(chunk: Uint8Array): void;
  /**
   * Record checkpoints every `spacing` bytes of output (at the next block boundary), and
   * (gzip) one at the start of the first member's deflate data (out 0, an empty window).
   */
  checkpoints?: { spacing: number; onCheckpoint(c: Checkpoint): void };
  /** Start at a recorded checkpoint: the first byte pushed is the one holding bit `resume.bit`. */
  resume?: Checkpoint;
  /** Check each member's CRC-32 (default true). */
  checkCrc?: boolean;
  /**
   * The consumer reads each chunk during onData only (a parser that copies what it
   * keeps, a hash): the output buffer is then written again instead of a new one
   * allocated per chunk (2,048 allocations of 544 KiB per GiB, a tenth of a scan's
   * time on a file of zeros). Default false: the consumer owns each chunk.
   */
  reuseOutput?: boolean;
}

// Decoder states.
const S_GZIP_HEADER = 0;
const S_BLOCK = 1; // at a block header
const S_STORED = 2; // inside a stored block
const S_CODES = 3; // inside a Huffman-coded block
const S_TRAILER = 4; // after a member's last block
const S_MEMBER_END = 5; // between members: another header, or the end
const S_DONE = 6;

export class Inflater {
  private readonly gzip: boolean;
  private readonly onData: (c: Uint8Array) => void;
  private readonly cp: InflaterOptions['checkpoints'];
  private readonly checkCrc: boolean;
  private readonly reuseOutput: boolean;

  private state: number;
  // input: `inb[ip..inEnd)` is unread; `inBase` is the absolute offset of inb[0]
  private inb: Uint8Array = new Uint8Array(0);
  private ip = 0;
  private inEnd = 0;
  private inBase = 0;
  private hold = 0;
  private bits = 0;
  private final = false;

  // output: out[0..WSIZE) history, new bytes from emitFrom; histLow = lowest valid back-reference target
  private out: Uint8Array;
  private op = WSIZE;
  private emitFrom = WSIZE;
  private histLow = WSIZE;
  /** Total bytes output (absolute uncompressed offset of out[op]). */
  private total = 0;

  private lastBlock = false;
  private storedLeft = 0;
  /** A pending run (RUN_DEFER_MIN): out[runStart..runEnd) repeats out[runStart − runDist..runStart), not yet written; runEnd −1: none. */
  private runStart = 0;
  private runEnd = -1;
  private runDist = 0;
  private readonly ltab = new Int32Array(LTABLE_SIZE);
  private readonly dtab = new Int32Array(DTABLE_SIZE);
  private lcode: Int32Array = FIXED_L;
  private dcode: Int32Array = FIXED_D;
  private readonly lens = new Uint8Array(320);

  // per member
  private crc = 0;
  private crcFrom = WSIZE;
  private memberOut = 0;
  private crcValid = true;
  private members = 0;
  private nextCheckpoint: number;

  constructor(opts: InflaterOptions) {
    this.gzip = (opts.format ?? 'gzip') === 'gzip';
    this.onData = opts.onData;
    this.cp = opts.checkpoints;
    this.checkCrc = opts.checkCrc ?? true;
    this.reuseOutput = opts.reuseOutput ?? false;
    this.out = new Uint8Array(WSIZE + OUT_CHUNK + MAX_MATCH);
    this.state = this.gzip ? S_GZIP_HEADER : S_BLOCK;
    this.nextCheckpoint = this.cp ? this.cp.spacing : Infinity;
    const r = opts.resume;
    if (r) {
      this.total = r.out;
      this.inBase = Math.floor(r.bit / 8);
      // the first bits of the first byte belong to the block before
      this.skipBits = r.bit & 7;
      if (r.member) {
        this.state = this.gzip ? S_GZIP_HEADER : S_BLOCK;
      } else {
        this.state = S_BLOCK;
        const w = r.window.subarray(Math.max(0, r.window.length - WSIZE));
        this.out.set(w, WSIZE - w.length);
        this.histLow = WSIZE - w.length;
        // CRC of a member entered in its middle cannot be checked.
        this.crcValid = false;
        this.members = 1;
      }
      this.nextCheckpoint = this.cp ? r.out + this.cp.spacing : Infinity;
    }
  }

  private skipBits = 0;

  /** Absolute bit offset of the next unread bit. */
  get bitPosition(): number {
    return (this.inBase + this.ip) * 8 - this.bits;
  }

  /** Uncompressed bytes produced so far (absolute, counting from a resume point). */
  get totalOut(): number {
    return this.total + (this.op - this.emitFrom);
  }

  /** Compressed bytes consumed (absolute offset of the next byte not yet read at all). */
  get totalIn(): number {
    return this.inBase + this.ip;
  }

  get done(): boolean {
    return this.state === S_DONE;
  }

  /** Decode `chunk`; with `final`, the input ends after it (a stream cut short is TRUNCATED). */
  push(chunk: Uint8Array, final = false): void {
    if (this.state === S_DONE) {
      if (chunk.length && this.gzip) this.trailing(chunk, 0);
      return;
    }
    // Unread input carried over (a few bytes, or a header waiting for the rest) goes before the chunk.
    const left = this.inEnd - this.ip;
    const need = left + chunk.length + (final ? PAD : 0);
    let inb: Uint8Array;
    if (left === 0 && !final) {
      inb = chunk;
    } else {
      inb = new Uint8Array(need);
      inb.set(this.inb.subarray(this.ip, this.inEnd), 0);
      inb.set(chunk, left);
    }
    this.inBase += this.ip;
    this.inb = inb;
    this.ip = 0;
    this.inEnd = left + chunk.length;
    this.final = final;
    if (this.skipBits) {
      if (this.inEnd === 0) return;
      this.hold = this.inb[this.ip++]! >>> this.skipBits;
      this.bits = 8 - this.skipBits;
      this.skipBits = 0;
    }
    this.run();
    if (final) {
      if (this.state !== S_DONE && !(this.state === S_MEMBER_END && this.members > 0)) this.truncated();
      this.flush();
      this.state = S_DONE;
    } else {
      // Give back whole bytes held in the accumulator, so the carried-over input is byte-exact.
      this.ungetBytes();
    }
  }

  private truncated(): never {
    throw new LayerscopeError('TRUNCATED', `the ${this.gzip ? 'gzip' : 'deflate'} stream ends early (truncated)`, { offset: this.totalOut });
  }

  private bad(msg: string): never {
    // garbage decoded from the zero padding of a stream cut short
    if (this.final && this.ip > this.inEnd) this.truncated();
    throw new LayerscopeError('BAD_GZIP', `corrupt ${this.gzip ? 'gzip' : 'deflate'} data near compressed byte ${this.inBase + this.ip}: ${msg}`, {
      offset: this.totalOut,
    });
  }

  private ungetBytes(): void {
    while (this.bits >= 8) {
      this.ip--;
      this.bits -= 8;
    }
    this.hold &= (1 << this.bits) - 1;
  }

  /** Input bytes available (not counting the zero padding of a final push). */
  private avail(): number {
    return this.inEnd - this.ip;
  }

  /** Has the decoder read into the padding (past the real end of input)? */
  private overran(): boolean {
    return this.final && (this.inBase + this.ip) * 8 - this.bits > (this.inBase + this.inEnd) * 8;
  }

  private needBits(n: number): number {
    while (this.bits < n) {
      this.hold |= this.inb[this.ip++]! << this.bits;
      this.bits += 8;
    }
    const v = this.hold & ((1 << n) - 1);
    this.hold >>>= n;
    this.bits -= n;
    return v;
  }

  private run(): void {
    for (;;) {
      switch (this.state) {
        case S_GZIP_HEADER:
          if (!this.gzipHeader()) return;
          break;
        case S_BLOCK:
          if (this.lastBlock) {
            this.lastBlock = false;
            this.state = this.gzip ? S_TRAILER : S_DONE;
            if (!this.gzip) {
              this.flush();
              if (this.overran()) this.truncated();
              return;
            }
            break;
          }
          if (this.totalOut >= this.nextCheckpoint) this.checkpoint(false);
          if (!this.final && this.avail() < MAX_BLOCK_HEADER_BYTES) return;
          this.blockHeader();
          if (this.overran()) this.truncated();
          break;
        case S_STORED:
          if (!this.stored()) return;
          break;
        case S_CODES:
          if (!this.codes()) return;
          break;
        case S_TRAILER:
          if (!this.trailer()) return;
          break;
        case S_MEMBER_END: {
          this.ungetBytes();
          if (this.avail() === 0) return; // wait: another member, or the end
          this.state = S_GZIP_HEADER;
          break;
        }
        default:
          return;
      }
    }
  }

  private checkpoint(member: boolean): void {
    const cp = this.cp!;
    const at = this.totalOut;
    const have = this.op - this.histLow;
    const w = member ? new Uint8Array(0) : this.out.slice(this.op - Math.min(have, WSIZE), this.op);
    cp.onCheckpoint({ out: at, bit: member ? (this.inBase + this.ip) * 8 : this.bitPosition, window: w, member });
    this.nextCheckpoint = at + cp.spacing;
  }

  /** RFC 1952 §2.3: returns false when more input is needed. */
  private gzipHeader(): boolean {
    this.ungetBytes();
    this.hold = 0;
    this.bits = 0;
    const b = this.inb;
    let p = this.ip;
    const end = this.inEnd;
    const need = (n: number) => {
      if (p + n > end) {
        if (this.final) {
          if (this.members > 0 && this.isZeroTail(this.ip)) return false;
          this.truncated();
        }
        if (end - this.ip > MAX_GZIP_HEADER) this.bad(`a gzip header longer than ${MAX_GZIP_HEADER} bytes`);
        return false;
      }
      return true;
    };
    if (this.members > 0 && ((end > p && b[p] !== 0x1f) || (end > p + 1 && b[p + 1] !== 0x8b))) return this.trailing(b.subarray(p, end), 0);
    if (!need(10)) return this.headerWait();
    if (b[p] !== 0x1f || b[p + 1] !== 0x8b) {
      if (this.members > 0) return this.trailing(b.subarray(p, end), 0);
      this.bad('not a gzip stream (bad magic)');
    }
    if (b[p + 2] !== 8) this.bad('unknown compression method');
    const flg = b[p + 3]!;
    if (flg & 0xe0) this.bad('unknown header flags set');
    if (this.cp && this.members > 0 && this.totalOut >= this.nextCheckpoint) {
      // A member start is a resume point needing no window.
      this.ip = p;
      this.checkpoint(true);
    }
    p += 10;
    if (flg & 4) {
      if (!need(2)) return this.headerWait();
      const xlen = b[p]! | (b[p + 1]! << 8);
      p += 2;
      if (!need(xlen)) return this.headerWait();
      p += xlen;
    }
    for (const bit of [8, 16]) {
      if (flg & bit) {
        for (;;) {
          if (!need(1)) return this.headerWait();
          if (b[p++] === 0) break;
        }
      }
    }
    if (flg & 2) {
      if (!need(2)) return this.headerWait();
      p += 2;
    }
    this.ip = p;
    this.members++;
    this.crc = 0;
    this.crcFrom = this.op;
    this.memberOut = 0;
    this.crcValid = true;
    this.histLow = this.op;
    this.state = S_BLOCK;
    // The first member's deflate data is a resume point too (out 0, no window): a read of a
    // file in a layer's first CHECKPOINT_SPACING then starts the platform's raw decoder there
    // with its input bounded by the next point (resume.ts), instead of a whole-layer gunzip
    // from byte 0 whose blob stream and decoder read megabytes ahead of the few KiB wanted
    // (issue 13: such files were the slowest previews after the digest check, 170–530 ms).
    if (this.cp && this.members === 1 && this.totalOut === 0) this.checkpoint(false);
    return true;
  }

  private headerWait(): boolean {
    if (this.final) {
      // only a run of zero bytes after a complete member ends the stream quietly
      if (this.members > 0 && this.isZeroTail(this.ip)) {
        this.ip = this.inEnd;
        this.state = S_DONE;
        return false;
      }
      this.truncated();
    }
    return false;
  }

  private isZeroTail(from: number): boolean {
    for (let i = from; i < this.inEnd; i++) if (this.inb[i] !== 0) return false;
    return true;
  }

  /**
   * Bytes after the last member that are not another member: zero padding (as tape
   * archives and some writers leave) ends the stream; anything else is refused, as
   * the platform's decoders refuse it.
   */
  private trailing(b: Uint8Array, from: number): boolean {
    for (let i = from; i < b.length; i++) if (b[i] !== 0) this.bad('trailing garbage after the last gzip member');
    this.ip = this.inEnd;
    this.state = S_DONE;
    return false;
  }

  private blockHeader(): void {
    const hdr = this.needBits(3);
    this.lastBlock = (hdr & 1) === 1;
    const type = hdr >>> 1;
    if (type === 0) {
      // stored: skip to a byte boundary, then LEN and NLEN (RFC 1951 §3.2.4)
      this.needBits(this.bits & 7);
      this.ungetBytes();
      if (!this.final && this.avail() < 4) {
        // cannot happen: MAX_BLOCK_HEADER_BYTES were available
        this.bad('internal: stored header');
      }
      const b = this.inb;
      const p = this.ip;
      const len = b[p]! | (b[p + 1]! << 8);
      const nlen = b[p + 2]! | (b[p + 3]! << 8);
      if ((len ^ 0xffff) !== nlen) this.bad('invalid stored block lengths');
      this.ip += 4;
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
    if (type === 3) this.bad('invalid block type');
    // dynamic (RFC 1951 §3.2.7)
    const hlit = this.needBits(5) + 257;
    const hdist = this.needBits(5) + 1;
    const hclen = this.needBits(4) + 4;
    if (hlit > 286 || hdist > 30) this.bad('too many length or distance symbols');
    const lens = this.lens;
    lens.fill(0, 0, 19);
    for (let i = 0; i < hclen; i++) lens[CLEN_ORDER[i]!] = this.needBits(3);
    const ctab = this.dtab; // free until the distance table is built
    const ce = buildTable(KIND_CODES, lens, 0, 19, ctab, 7);
    if (ce) this.bad(`invalid code lengths set (${ce})`);
    const n = hlit + hdist;
    const all = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      if (this.bits < 15) {
        this.hold |= this.inb[this.ip++]! << this.bits;
        this.bits += 8;
        this.hold |= this.inb[this.ip++]! << this.bits;
        this.bits += 8;
      }
      const e = ctab[this.hold & 127]!;
      const l = e & 0xff;
      if ((e >>> 8) & OP_INVALID) this.bad('invalid code lengths set');
      this.hold >>>= l;
      this.bits -= l;
      const sym = e >>> 16;
      if (sym < 16) {
        all[i++] = sym;
        continue;
      }
      let rep: number;
      let v = 0;
      if (sym === 16) {
        if (i === 0) this.bad('invalid bit length repeat');
        v = all[i - 1]!;
        rep = 3 + this.needBits(2);
      } else if (sym === 17) rep = 3 + this.needBits(3);
      else rep = 11 + this.needBits(7);
      if (i + rep > n) this.bad('invalid bit length repeat');
      all.fill(v, i, i + rep);
      i += rep;
    }
    if (all[256] === 0) this.bad('invalid code -- missing end-of-block');
    const le = buildTable(KIND_LEN, all, 0, hlit, this.ltab, LBITS);
    if (le) this.bad(`invalid literal/lengths set (${le})`);
    const de = buildTable(KIND_DIST, all, hlit, hdist, this.dtab, DBITS);
    if (de) this.bad(`invalid distances set (${de})`);
    this.lcode = this.ltab;
    this.dcode = this.dtab;
    this.state = S_CODES;
  }

  private stored(): boolean {
    while (this.storedLeft > 0) {
      const room = this.out.length - this.op;
      if (room === 0) this.flushAndRewind();
      const n = Math.min(this.storedLeft, this.avail(), this.out.length - this.op);
      if (n === 0) {
        if (this.final) this.truncated();
        return false;
      }
      this.out.set(this.inb.subarray(this.ip, this.ip + n), this.op);
      this.ip += n;
      this.op += n;
      this.storedLeft -= n;
    }
    this.state = S_BLOCK;
    return true;
  }

  /** Emit the new bytes of the buffer and start another whose history is the last WSIZE bytes. */
  private flushAndRewind(): void {
    const old = this.out;
    const op = this.op;
    this.flush();
    const keep = Math.min(WSIZE, op - this.histLow);
    if (this.reuseOutput) {
      old.copyWithin(WSIZE - keep, op - keep, op);
    } else {
      const next = new Uint8Array(old.length);
      next.set(old.subarray(op - keep, op), WSIZE - keep);
      this.out = next;
    }
    this.op = WSIZE;
    this.emitFrom = WSIZE;
    this.crcFrom = WSIZE;
    this.histLow = WSIZE - keep;
  }

  /** Hand out the bytes produced since the last flush (CRC updated first). */
  private flush(): void {
    if (this.runEnd >= 0) this.settleRun();
    const from = this.emitFrom;
    const to = this.op;
    if (to === from) return;
    if (this.gzip && this.checkCrc && this.crcValid) this.crc = crc32Update(this.crc, this.out, Math.max(from, this.crcFrom), to);
    this.memberOut += to - from;
    this.total += to - from;
    this.emitFrom = to;
    this.crcFrom = to;
    this.onData(this.out.subarray(from, to));
  }

  /** Write the pending run into the buffer and extend the member's CRC-32 over it (RUN_DEFER_MIN, RUN_CRC_MIN). */
  private settleRun(): void {
    const out = this.out;
    const s = this.runStart;
    const e = this.runEnd;
    const d = this.runDist;
    const len = e - s;
    this.runEnd = -1;
    if (d === 1) {
      out.fill(out[s - 1]!, s, e);
    } else {
      // d ≥ len: one copy; otherwise whole periods, doubling (`done` stays a multiple of d)
      for (let done = 0; done < len; ) {
        const k = Math.min(len - done, d + done);
        out.copyWithin(s + done, s - d, s - d + k);
        done += k;
      }
    }
    if (this.gzip && this.checkCrc && this.crcValid && len - d >= RUN_CRC_MIN) {
      const k = Math.floor(len / d);
      let crc = crc32Update(this.crc, out, Math.max(this.emitFrom, this.crcFrom), s);
      crc = crc32Repeat(crc, out, s - d, s, k);
      this.crc = crc32Update(crc, out, s + k * d, e);
      this.crcFrom = e;
    }
  }

  /** RFC 1952 §2.3.1: CRC-32 and ISIZE of the member. */
  private trailer(): boolean {
    this.needBits(this.bits & 7);
    this.ungetBytes();
    if (this.avail() < 8) {
      if (this.final) this.truncated();
      return false;
    }
    this.flush();
    const b = this.inb;
    const p = this.ip;
    const crc = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    const isize = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
    if (this.crcValid && this.checkCrc && (crc !== this.crc || isize !== this.memberOut % 2 ** 32)) {
      throw new LayerscopeError('BAD_GZIP', `gzip member ${this.members} fails its CRC-32/length check (corrupt or truncated data)`, { offset: this.totalOut });
    }
    this.ip += 8;
    this.crcValid = true;
    this.state = S_MEMBER_END;
    return true;
  }

  /**
   * The hot loop: decode symbols of a Huffman-coded block until its end, the input's margin
   * or a full buffer. speculative.ts `MarkerDecoder.codes()` is a deliberate twin of this
   * loop (16-bit cells for unknown-window markers): a fix to one belongs in the other.
   */
  private codes(): boolean {
    let hold = this.hold;
    let bits = this.bits;
    let ip = this.ip;
    let op = this.op;
    let out = this.out;
    const inb = this.inb;
    const lcode = this.lcode;
    const dcode = this.dcode;
    const lmask = (1 << LBITS) - 1;
    const dmask = (1 << DBITS) - 1;
    // with a final input the padding lets the loop run to the real end (overruns are checked after)
    const inLast = this.final ? this.inEnd + PAD - FAST_IN_MARGIN : this.inEnd - FAST_IN_MARGIN;
    let outLast = out.length - MAX_MATCH;
    let histLow = this.histLow;
    let result = true;
    for (;;) {
      if (ip >= inLast) {
        if (this.final && (this.inBase + ip) * 8 - bits > (this.inBase + this.inEnd) * 8) {
          this.hold = hold;
          this.bits = bits;
          this.ip = ip;
          this.op = op;
          this.truncated();
        }
        if (!this.final) {
          result = false;
          break;
        }
      }
      if (op >= outLast) {
        this.op = op;
        this.histLow = histLow;
        this.flushAndRewind();
        out = this.out;
        op = this.op;
        histLow = this.histLow;
        outLast = out.length - MAX_MATCH;
      }
      if (bits < 15) {
        hold += inb[ip++]! << bits;
        bits += 8;
        hold += inb[ip++]! << bits;
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
            hold += inb[ip++]! << bits;
            bits += 8;
          }
          len += hold & ((1 << x) - 1);
          hold >>>= x;
          bits -= x;
        }
        if (bits < 15) {
          hold += inb[ip++]! << bits;
          bits += 8;
          hold += inb[ip++]! << bits;
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
          this.ip = ip;
          this.bad('invalid distance code');
        }
        let dist = here >>> 16;
        x = o & 15;
        if (bits < x) {
          hold += inb[ip++]! << bits;
          bits += 8;
          if (bits < x) {
            hold += inb[ip++]! << bits;
            bits += 8;
          }
        }
        dist += hold & ((1 << x) - 1);
        hold >>>= x;
        bits -= x;
        let from = op - dist;
        if (from < histLow) {
          this.ip = ip;
          this.bad('invalid distance too far back');
        }
        if (len > RUN_DEFER_MIN) {
          if (op === this.runEnd && dist === this.runDist) {
            // the run goes on: its period continues (out[p] = out[p − dist] throughout)
            op += len;
            this.runEnd = op;
            continue;
          }
          if (this.runEnd >= 0) this.settleRun(); // this match may read it
          this.runStart = op;
          this.runDist = dist;
          op += len;
          this.runEnd = op;
          continue;
        }
        if (this.runEnd >= 0) this.settleRun();
        if (dist === 1 && len > RUN_FILL_MIN) {
          out.fill(out[from]!, op, op + len);
          op += len;
        } else {
          const end = op + len;
          while (op < end) out[op++] = out[from++]!;
        }
        continue;
      }
      if (o & OP_EOB) {
        this.state = S_BLOCK;
        break;
      }
      this.ip = ip;
      this.bad(lcode === this.ltab || lcode === FIXED_L ? 'invalid literal/length code' : 'invalid code');
    }
    this.hold = hold;
    this.bits = bits;
    this.ip = ip;
    this.op = op;
    this.histLow = histLow;
    // what follows (checkpoints, stored blocks, the trailer) sees written bytes only
    if (this.runEnd >= 0) this.settleRun();
    if (this.state === S_BLOCK && this.overran()) this.truncated();
    return result;
  }
}

/**
 * The Huffman machinery above, shared with the speculative decoder (speculative.ts), which
 * decodes the same packed table entries: one implementation of RFC 1951's codes and of
 * zlib's complete/over-subscribed checks.
 */
export const huffman = {
  buildTable,
  FIXED_L,
  FIXED_D,
  LBITS,
  DBITS,
  LTABLE_SIZE,
  DTABLE_SIZE,
  KIND_LEN,
  KIND_DIST,
  KIND_CODES,
  OP_BASE,
  OP_EOB,
  OP_INVALID,
  CLEN_ORDER,
  MAX_MATCH,
} as const;
