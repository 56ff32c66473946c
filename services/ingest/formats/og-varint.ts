/**
 * A bounds-checked reader over Pyroscope OG's binary transports (trie, tree): unsigned LEB128 varints (Go's
 * `binary.Uvarint`) and length-prefixed byte strings. Every read past the end is a clear error, never a crash.
 */
import { HotpathError } from '../../../lib/errors.ts';

export class OgReader {
  pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly format: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  uvarint(what: string): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw this.error(`${what}: varint runs past the end of the body`);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) throw this.error(`${what}: value ${result} exceeds 2^53-1`);
        return result;
      }
      scale *= 128;
    }
    throw this.error(`${what}: varint longer than 10 bytes`);
  }

  bytes(len: number, what: string): Uint8Array {
    if (this.pos + len > this.buf.length) throw this.error(`${what}: ${len} bytes declared, ${this.buf.length - this.pos} left`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  error(message: string): HotpathError {
    return new HotpathError('invalid_profile', `${this.format} body at byte ${this.pos}: ${message}`);
  }
}
