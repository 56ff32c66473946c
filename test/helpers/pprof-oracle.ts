/**
 * The independent side of every "totals in == totals out" check: reads a pprof file with pprof-format (not with
 * Hotpath's decoder) and sums values per sample type as signed int64.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { restampPprof } from './restamp.ts';

export const PROFILES_DIR = new URL('../../../shared/testdata/profiles/', import.meta.url).pathname;

export function readProfileFile(name: string): Buffer {
  return readFileSync(PROFILES_DIR + name);
}

/**
 * A test profile moved to "now" (only its time_nanos rewritten, see restamp.ts), so the gateway's ingestion window
 * accepts it. Default: one minute ago.
 */
export function readRecentProfile(name: string, timeMs = Date.now() - 60_000): Buffer {
  return restampPprof(readProfileFile(name), timeMs);
}

export function decodeOracle(bytes: Uint8Array): Profile {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return Profile.decode(raw);
}

export interface OracleType {
  type: string;
  unit: string;
  /** Signed int64 sum of the type's sample values. */
  total: bigint;
  /** Whether any sample has a non-zero value of this type. */
  anyNonZero: boolean;
  /** Self value per leaf function name (symbolized leaves only), to check the top function. */
  leafSelf: Map<string, bigint>;
}

function str(p: Profile, i: number | bigint): string {
  return p.stringTable.strings[Number(i)] ?? '';
}

export function oracleTotals(bytes: Uint8Array): OracleType[] {
  const p = decodeOracle(bytes);
  const locs = new Map(p.location.map((l) => [Number(l.id), l]));
  const fns = new Map(p.function.map((f) => [Number(f.id), f]));
  return p.sampleType.map((st, i) => {
    let total = 0n;
    let anyNonZero = false;
    const leafSelf = new Map<string, bigint>();
    for (const s of p.sample) {
      const v = BigInt.asIntN(64, BigInt(s.value[i] ?? 0));
      total += v;
      if (v !== 0n) anyNonZero = true;
      const leafLoc = locs.get(Number(s.locationId[0]));
      const line = leafLoc?.line[0];
      const fn = line ? fns.get(Number(line.functionId)) : undefined;
      if (fn && v !== 0n) {
        const name = str(p, fn.name);
        leafSelf.set(name, (leafSelf.get(name) ?? 0n) + v);
      }
    }
    return { type: str(p, st.type), unit: str(p, st.unit), total, anyNonZero, leafSelf };
  });
}
