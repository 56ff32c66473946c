/**
 * The JS heap bytes a piece of code allocates, by allocating function: V8's sampling heap profiler with collected
 * objects kept in the samples (without them it reports only what is still live when sampling stops). Sizes are
 * sampled, so small totals are estimates; used by the loadtest scripts that price an allocation change.
 */
import { Session } from 'node:inspector/promises';

interface SamplingNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children: SamplingNode[];
}
interface SamplingProfile {
  head: SamplingNode;
  samples: { nodeId: number; size: number }[];
}

export interface Allocations {
  bytes: number;
  /** Bytes by allocating function, "name (dir/file)", largest first. */
  bySite: [string, number][];
}

export async function heapAllocations(run: () => unknown, samplingInterval = 256): Promise<Allocations> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await run();
  // @types/node's SamplingHeapProfile lacks `samples`, which V8 sends.
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: SamplingProfile };
  session.disconnect();
  const names = new Map<number, string>();
  const walk = (n: SamplingNode): void => {
    names.set(n.id, `${n.callFrame.functionName || '(anonymous)'} (${n.callFrame.url.split('/').slice(-2).join('/') || 'native'})`);
    n.children.forEach(walk);
  };
  walk(profile.head);
  const bySite = new Map<string, number>();
  let bytes = 0;
  for (const s of profile.samples) {
    const site = names.get(s.nodeId)!;
    bySite.set(site, (bySite.get(site) ?? 0) + s.size);
    bytes += s.size;
  }
  return { bytes, bySite: [...bySite].sort((x, y) => y[1] - x[1]) };
}
