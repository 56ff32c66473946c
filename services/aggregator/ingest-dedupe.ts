/**
 * The aggregator's half of retry dedupe (the argument is in services/ingest/retry-dedupe.ts): a profile whose
 * ingest id is already in this aggregator's current or in-flight batch, or in the `ingest_ids` table, is dropped
 * before it is merged. Memory decides at delivery; the table is asked once per batch, before its first write. Ids of a batch are recorded by the writer after its samples, under the batch's token.
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
   * Of `ids` (the held profiles of one batch, see Batch.hold), those stored within the window — by an earlier run
   * of this process, or by another aggregator that had the partition before. One lookup per batch, before its
   * first write; memory already settled the ids taken by this process (`claim`).
   */
  async stored(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (ids.length === 0) return found;
    const rows = await this.store.select<{ ingest_id: string }>(
      'SELECT DISTINCT ingest_id FROM ingest_ids WHERE ingest_id IN {ids:Array(String)} AND expires_at > now()',
      { ids: [...new Set(ids)] },
    );
    for (const r of rows) found.add(r.ingest_id);
    return found;
  }

  /**
   * Decides one message at delivery, from memory alone: false when its id was taken earlier (in this delivery, a
   * batch not yet written, or one written within the window); else takes the id and calls `hold`, which keeps the
   * message in its batch until the batch's lookup of stored ids (`stored`).
   */
  claim(id: string, hold: () => void): boolean {
    if ((this.known.get(id) ?? 0) > Date.now()) return false;
    this.take(id);
    hold();
    return true;
  }

  /** Gives back an id taken by `claim` whose message could not be merged (dead-lettered): it was not stored. */
  release(id: string): void {
    this.known.delete(id);
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
