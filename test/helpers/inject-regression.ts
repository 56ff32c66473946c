/**
 * A comparison profile with a known regression: every sample whose leaf is `fn` gets its values scaled so that
 * fn's self share of sample type `typeIndex` doubles (s → 2s of the new total). Solving k·s / (1 − s + k·s) = 2s
 * gives k = 2(1 − s) / (1 − 2s); values are rounded to integers, so the share doubles to within rounding. All
 * sample types of an affected sample scale alike, as a real slowdown of fn would.
 */
import { gzipSync } from 'node:zlib';
import { decodeOracle } from './pprof-oracle.ts';

export function leafName(p: ReturnType<typeof decodeOracle>, locationIds: readonly (number | bigint)[]): string {
  const loc = p.location.find((l) => Number(l.id) === Number(locationIds[0]));
  const fnId = loc?.line[0]?.functionId;
  const fn = fnId === undefined ? undefined : p.function.find((f) => Number(f.id) === Number(fnId));
  return fn ? (p.stringTable.strings[Number(fn.name)] ?? '') : '';
}

export function injectRegression(bytes: Uint8Array, fn: string, typeIndex: number): Buffer {
  const p = decodeOracle(bytes);
  let total = 0;
  let self = 0;
  for (const s of p.sample) {
    const v = Number(s.value[typeIndex] ?? 0);
    total += v;
    if (leafName(p, s.locationId) === fn) self += v;
  }
  const share = self / total;
  if (!(share > 0 && share < 0.5)) throw new Error(`injectRegression: ${fn} has self share ${share}; need 0 < share < 0.5`);
  const k = (2 * (1 - share)) / (1 - 2 * share);
  for (const s of p.sample) {
    if (leafName(p, s.locationId) !== fn) continue;
    s.value = s.value.map((v) => Math.round(Number(v) * k));
  }
  return gzipSync(p.encode());
}
