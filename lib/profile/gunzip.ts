/**
 * pprof bytes arrive gzip'd or raw (compat-details §1.5: gunzip iff the gzip magic is there). The decompressed size
 * is capped with zlib's `maxOutputLength`, which stops inflating once the output passes the cap, so a gzip bomb
 * costs at most the cap (plus one chunk) of memory, never its full expansion.
 */
import { constants as bufferConstants } from 'node:buffer';
import { constants, gunzipSync } from 'node:zlib';
import { HotpathError } from '../errors.ts';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export function tooLarge(limit: number): HotpathError {
  return new HotpathError('too_large', `decompressed profile exceeds the limit of ${limit} bytes`, {
    reason: 'profile_too_large',
  });
}

/** The raw pprof: `bytes` gunzipped when gzip'd, else `bytes` itself; either way at most `maxBytes` long. */
export function inflatePprof(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (!isGzip(bytes)) {
    if (bytes.length > maxBytes) throw tooLarge(maxBytes);
    return bytes;
  }
  let out: Buffer;
  try {
    // 64 KiB chunks: fewer native round trips than the 16 KiB default on multi-MB profiles.
    const maxOutputLength = Math.min(Math.max(1, maxBytes), bufferConstants.MAX_LENGTH);
    out = gunzipSync(bytes, { maxOutputLength, chunkSize: 64 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    const zcode = typeof e.errno === 'number' && e.errno === constants.Z_BUF_ERROR ? ' (truncated gzip stream)' : '';
    throw new HotpathError('invalid_profile', `invalid gzip: ${e.message}${zcode}`);
  }
  if (out.length > maxBytes) throw tooLarge(maxBytes);
  return out;
}
