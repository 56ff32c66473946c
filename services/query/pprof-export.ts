/**
 * A selection's merged samples as one pprof profile (api.md `/api/v1/export/pprof`, Connect SelectMergeProfile):
 * one function and one location per distinct frame name, one sample per summed stack (locations leaf first, as
 * pprof orders them), the profile type's sample type and period type. Encoded with pprof-format, so anything that
 * reads pprof (`go tool pprof`, pprof-format, Pyroscope's profilecli) reads it.
 */
import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, ValueType } from 'pprof-format';
import type { ProfileType } from '../../lib/profile/model.ts';
import type { SummedStack } from './stacks.ts';

export interface ExportWindow {
  fromMs: number;
  untilMs: number;
}

export function mergedProfile(stacks: readonly SummedStack[], type: ProfileType, window: ExportWindow): Profile {
  const profile = new Profile();
  const str = (s: string) => profile.stringTable.dedup(s);
  profile.sampleType = [new ValueType({ type: str(type.sampleType), unit: str(type.sampleUnit) })];
  if (type.periodType !== '' || type.periodUnit !== '') {
    profile.periodType = new ValueType({ type: str(type.periodType), unit: str(type.periodUnit) });
  }
  profile.timeNanos = BigInt(window.fromMs) * 1_000_000n;
  profile.durationNanos = BigInt(window.untilMs - window.fromMs) * 1_000_000n;

  // Location id = function id: a frame here is a function name, nothing finer survives the merge.
  const ids = new Map<string, number>();
  const locationOf = (name: string): number => {
    let id = ids.get(name);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(name, id);
      profile.function.push(new PprofFunction({ id, name: str(name), systemName: str(name) }));
      profile.location.push(new Location({ id, line: [new Line({ functionId: id })] }));
    }
    return id;
  };
  for (const s of stacks) {
    if (s.value === 0n) continue;
    const locationId: number[] = [];
    for (let i = s.frames.length - 1; i >= 0; i--) locationId.push(locationOf(s.frames[i]!));
    profile.sample.push(new Sample({ locationId, value: [s.value] }));
  }
  return profile;
}

/** The uncompressed pprof message (SelectMergeProfile's response body). */
export function encodeProfile(profile: Profile): Uint8Array {
  return profile.encode();
}

/** The gzip'd file `go tool pprof` expects (`/api/v1/export/pprof`). */
export function encodeProfileGzip(profile: Profile): Buffer {
  return gzipSync(profile.encode());
}
