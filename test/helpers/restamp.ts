/**
 * Moves a real pprof to "now": rewrites only its `time_nanos` (field 9), byte for byte keeping every other field,
 * so test profiles recorded years ago fall inside the gateway's ingestion window. Gzip in → gzip out.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('restamp: truncated varint');
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [v, pos];
    shift += 7n;
  }
}

function writeVarint(v: bigint): number[] {
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export function restampPprof(bytes: Uint8Array, timeMs: number): Buffer {
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const raw = gz ? gunzipSync(bytes) : Buffer.from(bytes);
  const kept: Buffer[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const start = pos;
    const [tag, p1] = readVarint(raw, pos);
    pos = p1;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) pos = readVarint(raw, pos)[1];
    else if (wire === 2) {
      const [len, p2] = readVarint(raw, pos);
      pos = p2 + Number(len);
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`restamp: unsupported wire type ${wire}`);
    if (field !== 9) kept.push(raw.subarray(start, pos));
  }
  kept.push(Buffer.from([9 << 3, ...writeVarint(BigInt(timeMs) * 1_000_000n)]));
  const out = Buffer.concat(kept);
  return gz ? gzipSync(out) : out;
}
