/**
 * Protobuf wire-format primitives for the pprof reader: varints straight into JS numbers, no Long, no BigInt on the
 * hot path. Every failure is a HotpathError('invalid_profile') naming the problem and the byte offset.
 *
 * Reading past the end never needs a per-byte bounds check: a Uint8Array read out of range yields `undefined`, which
 * is neither < 0x80 (so the varint never ends) nor anything but 0 under `& 0x7f`; the varint then runs to its 10-byte
 * limit and fails as malformed. Callers check that each field stays inside its message (`pos <= end`).
 */
import { HotpathError } from '../errors.ts';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;
/** hi half bound for |v| < 2^53: safe integers have |hi| < 2^21. */
const SAFE_HI = 0x200000;

export function invalidProfile(message: string): HotpathError {
  return new HotpathError('invalid_profile', `invalid pprof: ${message}`);
}

export class ProtoReader {
  readonly buf: Uint8Array;
  pos = 0;
  /** Halves of the last varint read by `readSplit`. */
  lo = 0;
  hi = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  /** Reads any varint (up to 10 bytes) into `this.lo`/`this.hi` as uint32 halves. */
  readSplit(): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = buf[pos++] as number;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    b = buf[pos++] as number;
    lo |= (b & 0x7f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b < 0x80) {
      this.pos = pos;
      this.lo = lo >>> 0;
      this.hi = hi;
      return;
    }
    for (let shift = 3; shift < 32; shift += 7) {
      b = buf[pos++] as number;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw invalidProfile(`malformed or truncated varint at byte ${this.pos}`);
  }

  /**
   * An unsigned varint that must be a safe integer (ids, string indices, lengths, tags). `what` names the field
   * for the error message.
   */
  uint(what: string): number {
    const v = this.safeUint();
    if (v < 0) throw this.unsafe(what);
    return v;
  }

  /** The refusal of a varint `safeUint` found out of range, naming `what` (built only when thrown). */
  private unsafe(what: string): HotpathError {
    return invalidProfile(`${what} out of range (>= 2^53) at byte ${this.pos}`);
  }

  /**
   * `uint` without a name: -1 when out of range. For the callers that would have to build the name per call (a
   * template string per length prefix was ~140 KB of garbage per fleet profile, most of a decode worker's
   * allocation): they build it only to throw.
   */
  private safeUint(): number {
    const buf = this.buf;
    let pos = this.pos;
    // Fast path: 1 to 4 bytes (values < 2^28), which is nearly every id, index, length and tag.
    let b = buf[pos++] as number;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let v = b & 0x7f;
    b = buf[pos++] as number;
    v |= (b & 0x7f) << 7;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = buf[pos++] as number;
    v |= (b & 0x7f) << 14;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = buf[pos++] as number;
    v |= (b & 0x7f) << 21;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    this.readSplit();
    return this.hi >= SAFE_HI ? -1 : this.hi * TWO_32 + this.lo;
  }

  /** An unsigned varint that must fit in 32 bits (ids). */
  uint32(what: string): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++] as number;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let v = b & 0x7f;
    b = buf[pos++] as number;
    v |= (b & 0x7f) << 7;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = buf[pos++] as number;
    v |= (b & 0x7f) << 14;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    this.readSplit();
    if (this.hi !== 0) throw invalidProfile(`${what} out of range (>= 2^32) at byte ${this.pos}`);
    return this.lo;
  }

  /**
   * A signed int64 varint (two's complement: negatives are 10 bytes) that must be a safe integer; it stays negative.
   */
  int(what: string): number {
    const buf = this.buf;
    const pos = this.pos;
    const b0 = buf[pos] as number;
    if (b0 < 0x80) {
      this.pos = pos + 1;
      return b0;
    }
    const b1 = buf[pos + 1] as number;
    if (b1 < 0x80) {
      this.pos = pos + 2;
      return (b0 & 0x7f) | (b1 << 7);
    }
    this.readSplit();
    const hi = this.hi | 0;
    const lo = this.lo;
    // Safe iff -(2^53 - 1) <= hi * 2^32 + lo <= 2^53 - 1.
    if (hi >= SAFE_HI || hi < -SAFE_HI || (hi === -SAFE_HI && lo === 0)) {
      throw invalidProfile(`${what} out of range (|v| > 2^53 - 1) at byte ${this.pos}`);
    }
    return hi * TWO_32 + lo;
  }

  /** A signed int64 varint as a bigint (per-profile scalars: time, duration, period). */
  int64(): bigint {
    this.readSplit();
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  /** A bool varint. */
  bool(): boolean {
    this.readSplit();
    return this.lo !== 0 || this.hi !== 0;
  }

  /** Length of a length-delimited field; returns its end offset, checked against the enclosing message's `end`. */
  lengthEnd(end: number, what: string): number {
    const start = this.pos;
    const len = this.safeUint();
    if (len < 0) throw this.unsafe(`${what} length`);
    const fieldEnd = this.pos + len;
    if (fieldEnd > end) {
      throw invalidProfile(`${what} at byte ${start} claims ${len} bytes but its message ends ${end - this.pos} bytes later (truncated?)`);
    }
    return fieldEnd;
  }

  /** Skips a field of an unknown number. Groups (wire types 3, 4) and wire types 6, 7 are not protobuf we accept. */
  skip(wireType: number, field: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.readSplit();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        return;
      case WIRE_LEN: {
        const len = this.safeUint();
        if (len < 0) throw this.unsafe(`field ${field} length`);
        this.pos += len;
        return;
      }
      case WIRE_FIXED32:
        this.pos += 4;
        return;
      default:
        throw invalidProfile(`unsupported wire type ${wireType} (field ${field}) at byte ${this.pos} — not a pprof protobuf`);
    }
  }
}

/** Error for a known field sent with the wrong wire type. */
export function wrongWireType(message: string, field: number, wireType: number, at: number): HotpathError {
  return invalidProfile(`${message} field ${field} has wire type ${wireType} at byte ${at}`);
}

/** Error for a message whose fields ran past its end. */
export function overrun(message: string, end: number, pos: number): HotpathError {
  return invalidProfile(`${message} ending at byte ${end} is truncated (a field runs to byte ${pos})`);
}
