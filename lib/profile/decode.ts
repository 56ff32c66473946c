/**
 * The one way in for pprof bytes: gunzip (capped) → read → check references. Bad input of any kind ends in a
 * HotpathError: 'too_large' (reason profile_too_large) past the decompression cap, 'invalid_profile' otherwise.
 * Every step is linear in the input, so no input makes it hang; allocations are bounded by the decompressed size.
 *
 * The result's string table decodes lazily from the pprof bytes (the gunzipped copy, or `bytes` itself when not
 * gzip'd): do not reuse or overwrite `bytes` before normalizing (profilesFromPprof does both in one call).
 */
import { HotpathError, isHotpathError } from '../errors.ts';
import type { DecodedPprof, PprofColumns } from './decoded-pprof.ts';
import { inflatePprof } from './gunzip.ts';
import { readPprof } from './pprof-reader.ts';
import { readPprofReference } from './pprof-reference.ts';
import { resolvePprof } from './validate-pprof.ts';

export interface DecodeOptions {
  /** Cap on the uncompressed pprof size (raw input included), bytes. */
  maxDecompressedBytes: number;
}

function decodeWith(read: (raw: Uint8Array) => PprofColumns, bytes: Uint8Array, opts: DecodeOptions): DecodedPprof {
  if (bytes.length === 0) throw new HotpathError('invalid_profile', 'empty profile body');
  const raw = inflatePprof(bytes, opts.maxDecompressedBytes);
  if (raw.length === 0) throw new HotpathError('invalid_profile', 'the gzip stream holds an empty profile');
  try {
    return resolvePprof(read(raw));
  } catch (err) {
    if (isHotpathError(err)) throw err;
    // Our code throws only HotpathErrors for bad bytes; anything else (e.g. an allocation failure on absurd input)
    // is still the input's fault as far as the caller can act on it.
    throw new HotpathError('invalid_profile', `cannot decode pprof: ${(err as Error).message}`);
  }
}

/** Decodes pprof bytes (gzip'd or not) with our lean reader. */
export function decodePprof(bytes: Uint8Array, opts: DecodeOptions): DecodedPprof {
  return decodeWith(readPprof, bytes, opts);
}

/** The same through pprof-format: the independent oracle for tests and benchmarks, not for the ingest path. */
export function decodePprofReference(bytes: Uint8Array, opts: DecodeOptions): DecodedPprof {
  return decodeWith(readPprofReference, bytes, opts);
}
