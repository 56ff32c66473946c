/**
 * The aggregator's half of retry dedupe (the argument is in services/ingest/retry-dedupe.ts): a profile whose
 * ingest id is already in this aggregator's current or in-flight batch, or in the `ingest_ids` table, is dropped
 * before it is merged. Memory decides at delivery; the table is asked once per batch, before its first write. Ids of a batch are recorded by the writer after its samples, under the batch's token.
 */
import type { Store } from '../../lib/store/store.ts';
import { DEDUPE_WINDOW_MS } from '../ingest/retry-dedupe.ts';
import { IdWindow } from './id-window.ts';

export interface IngestIdRow {
  tenant: string;
  ingest_id: string;
  expires_at: number;
}

export class IngestDedupe {
  /** Ids taken into a batch not yet known to be stored, or stored within the window, each until its expiry. */
  private readonly known: IdWindow;
  /** Sole writer only: when (ms) the last id stored before this process expires (read once, at the first lookup). */
  private memoryAnswersFromMs?: number;
  /** When (ms) the last id `known` dropped over its bound expires: until then memory alone cannot answer. */
  private droppedUntilMs = 0;
  private readonly store: Store;
  private readonly windowMs: number;
  private readonly soleWriter: boolean;

  constructor(
    store: Store,
    opts: {
      windowMs?: number;
      /** Most ids memory holds (20 bytes per slot, 1.4–4 slots per id: id-window.ts). */
      maxKnown?: number;
      /**
       * This process is the only writer of the store's ingest ids (the in-process bus over the embedded engine,
       * whose data directory one process holds). Then, once every id stored before it has expired, memory holds
       * every unexpired id and the per-batch lookup is skipped: its cost grows with the table (2 000 ids against 0,
       * 1 and 2 million stored: 33–42, 74–85 and 126–128 ms of CPU, loadtest/ingest-ids-lookup-bench.ts;
       * BENCHMARKS.md, "Ingest, third pass").
       */
      soleWriter?: boolean;
    } = {},
  ) {
    this.store = store;
    this.windowMs = opts.windowMs ?? DEDUPE_WINDOW_MS;
    this.soleWriter = opts.soleWriter ?? false;
    this.known = new IdWindow(opts.maxKnown ?? 4_000_000, (untilS) => {
      this.droppedUntilMs = Math.max(this.droppedUntilMs, untilS * 1000);
    });
  }

  /**
   * Of `ids` (the held profiles of one batch, see Batch.hold), those stored within the window — by an earlier run
   * of this process, or by another aggregator that had the partition before. One lookup per batch, before its
   * first write; memory already settled the ids taken by this process (`claim`).
   */
  async stored(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (ids.length === 0) return found;
    if (this.soleWriter && Date.now() >= Math.max(await this.memoryAnswersFrom(), this.droppedUntilMs)) return found;
    const rows = await this.store.select<{ ingest_id: string }>(
      'SELECT DISTINCT ingest_id FROM ingest_ids WHERE ingest_id IN {ids:Array(String)} AND expires_at > now()',
      { ids: [...new Set(ids)] },
    );
    for (const r of rows) found.add(r.ingest_id);
    return found;
  }

  /** When the last id stored before this process expires (read once, before this process stores any). */
  private async memoryAnswersFrom(): Promise<number> {
    if (this.memoryAnswersFromMs === undefined) {
      const rows = await this.store.select<{ last: string }>('SELECT toString(toUnixTimestamp(max(expires_at))) AS last FROM ingest_ids WHERE expires_at > now()');
      this.memoryAnswersFromMs = Number(rows[0]?.last ?? 0) * 1000;
    }
    return this.memoryAnswersFromMs;
  }

  /**
   * Decides one message at delivery, from memory alone: false when its id was taken earlier (in this delivery, a
   * batch not yet written, or one written within the window); else takes the id and calls `hold`, which keeps the
   * message in its batch until the batch's lookup of stored ids (`stored`).
   */
  claim(id: string, hold: () => void): boolean {
    const nowS = Math.floor(Date.now() / 1000);
    if (this.known.has(id, nowS)) return false;
    this.known.set(id, Math.ceil((Date.now() + this.windowMs) / 1000), nowS);
    hold();
    return true;
  }

  /**
   * Ids just stored (after their batch's write): held until a window from now, as the rows written for them are
   * (ingestIdRows ran before this), so memory never forgets an id the store still holds.
   */
  written(entries: readonly { ingestId: string }[]): void {
    const nowS = Math.floor(Date.now() / 1000);
    const expiryS = Math.ceil((Date.now() + this.windowMs) / 1000);
    for (const e of entries) this.known.set(e.ingestId, expiryS, nowS);
  }

  /** Gives back an id taken by `claim` whose message could not be merged (dead-lettered): it was not stored. */
  release(id: string): void {
    this.known.delete(id);
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
