/**
 * The aggregator's half of retry dedupe (the argument is in services/ingest/retry-dedupe.ts): a profile whose
 * ingest id is already in this aggregator's current or in-flight batch, or in the `ingest_ids` table, is dropped
 * before it is merged. Ids of a batch are recorded by the writer after its samples, under the batch's token.
 */
import type { Store } from '../../lib/store/store.ts';
import { DEDUPE_WINDOW_MS } from '../ingest/retry-dedupe.ts';

export interface IngestIdRow {
  tenant: string;
  ingest_id: string;
  expires_at: number;
}

export class IngestDedupe {
  /** Ids taken into a batch not yet known to be stored, or stored within the window: id → expiry (ms). */
  private readonly known = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly windowMs = DEDUPE_WINDOW_MS,
    private readonly maxKnown = 1_000_000,
  ) {}

  /**
   * Of `ids` (one delivery's), which were stored within the window or are taken in memory. One lookup per delivery,
   * for the ids memory does not settle; repeats inside the delivery are caught by `claim`.
   */
  async duplicates(ids: string[]): Promise<Set<string>> {
    const now = Date.now();
    const dup = new Set<string>();
    const ask = [...new Set(ids.filter((id) => (this.known.get(id) ?? 0) <= now))];
    for (const id of ids) if ((this.known.get(id) ?? 0) > now) dup.add(id);
    if (ask.length > 0) {
      const rows = await this.store.select<{ ingest_id: string }>(
        'SELECT DISTINCT ingest_id FROM ingest_ids WHERE ingest_id IN {ids:Array(String)} AND expires_at > now()',
        { ids: ask },
      );
      for (const r of rows) dup.add(r.ingest_id);
    }
    return dup;
  }

  /**
   * Decides one message of a delivery: false when its id is a duplicate (in `dups` from `duplicates()`, or taken
   * earlier — in this delivery or a batch not yet written); else takes the id for `batch` and returns true.
   */
  claim(id: string, tenant: string, dups: Set<string>, batch: { ingestIds: { tenant: string; ingestId: string }[] }): boolean {
    if (dups.has(id) || (this.known.get(id) ?? 0) > Date.now()) return false;
    this.take(id);
    batch.ingestIds.push({ tenant, ingestId: id });
    return true;
  }

  /** Marks ids as taken by a batch (so a repeat in a later delivery is dropped before the batch is written). */
  private take(id: string): void {
    this.known.delete(id);
    this.known.set(id, Date.now() + this.windowMs);
    if (this.known.size > this.maxKnown) {
      const now = Date.now();
      for (const [k, exp] of this.known) {
        if (this.known.size <= this.maxKnown && exp > now) break;
        this.known.delete(k);
      }
    }
  }

}

/**
 * Rows recording a batch's ids in `ingest_ids`, expiring with the window. The writer inserts them after the
 * batch's samples, under the batch's token (the order argument is in services/ingest/retry-dedupe.ts).
 */
export function ingestIdRows(entries: { tenant: string; ingestId: string }[], windowMs = DEDUPE_WINDOW_MS): IngestIdRow[] {
  const expires = Math.floor((Date.now() + windowMs) / 1000);
  return entries.map((e) => ({ tenant: e.tenant, ingest_id: e.ingestId, expires_at: expires }));
}
