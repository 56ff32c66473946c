/**
 * The frames of stacks the query service has read, kept across requests. A stack id is a hash of its frames
 * (lib/profile/hash.ts), so an id's frames never change and an entry never goes stale: every stacks query after the
 * first for a service skips most of its second statement (the frames lookup of every summed stack, ~4 000 ids and
 * ~800 KB of frame names for a 200-pod service). Bounded by entries, least recently used out first.
 *
 * Keyed by tenant too, although the same id means the same frames in any tenant: a tenant is answered only from
 * rows read for it. The arrays are shared between answers: callers must not modify them (none does).
 */
export class FramesCache {
  private readonly entries = new Map<string, readonly string[]>();

  constructor(readonly maxEntries: number) {}

  private static key(tenant: string, id: string): string {
    return `${tenant}\0${id}`;
  }

  get(tenant: string, id: string): readonly string[] | undefined {
    const k = FramesCache.key(tenant, id);
    const frames = this.entries.get(k);
    if (frames !== undefined) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.entries.delete(k);
      this.entries.set(k, frames);
    }
    return frames;
  }

  set(tenant: string, id: string, frames: readonly string[]): void {
    const k = FramesCache.key(tenant, id);
    this.entries.delete(k);
    this.entries.set(k, frames);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * One per process. 50 000 stacks is the working set of a few large services (a 200-pod service shows ~4 000 distinct
 * stacks a day in the query benchmark) at ~1 KB each: ~50 MB at most.
 */
export const framesCache = new FramesCache(50_000);
