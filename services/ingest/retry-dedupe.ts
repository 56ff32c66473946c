/**
 * Client retries counted once (compat.md: "a Push or /ingest retried with the same sample ID, or the same body
 * within a short window, is counted once"). Pyroscope ignores `RawSample.ID`; Hotpath gives every profile it
 * publishes a deterministic *ingest id* and drops a profile whose id was already stored.
 *
 * Why this holds across the bus, and why each piece is needed:
 *
 * 1. Identity. A request's identity is a hash of what a retry repeats byte for byte: for `/ingest` the tenant, the
 *    body (or every multipart part), `name`, `from`, `until`, `format`, `sampleRate`, `spyName` exactly as sent;
 *    for a Push sample the tenant, the series labels, the sample `ID` and its `raw_profile` bytes (the ID alone is
 *    not trusted: a client that reuses one ID for different data would otherwise lose data). Decoding and
 *    normalizing are deterministic, so a retry yields the same profiles in the same order; profile i of a request
 *    (or sample) carries `<hash>.<i>`. Raw times as sent, not parsed ones: `from=now-10s` parsed twice is two times.
 * 2. The gateway window (`RecentIngests` below) answers a fast retry, or a duplicate that arrives while the first
 *    attempt is still in flight, from memory: no bus traffic, no store work. It is per process and forgotten on
 *    restart, so it is an optimization, not the guarantee.
 * 3. The guarantee lives where data becomes durable, in the aggregator (`services/aggregator/ingest-dedupe.ts`).
 *    All messages with one id have one bus key (tenant + series fingerprint), hence one partition, hence one
 *    aggregator at a time (a revoked owner flushes before the new owner reads). It drops a message whose id is in
 *    its current or in-flight batch (memory) or in the `ingest_ids` table (stored before, by any process), and it
 *    records the batch's ids in the same flush, AFTER the samples, both inserts under the batch's dedup token.
 * 4. Why not simply `insert_deduplication_token` per ingest id: the aggregator sums many requests into one batch,
 *    and its token is the batch's offset range; a retry lands in a different batch with a different token and
 *    would be summed again. Tokens make a *batch* exactly-once; ingest ids make a *request* at-most-once.
 * 5. Crashes: ids recorded before samples would lose data if the process died in between (the replay would find
 *    the ids and drop the only copy). Samples first: a crash after the samples replays the same offsets, the
 *    lookups answer the same (ids not yet recorded), the batch has the same rows and token, ClickHouse drops the
 *    repeated insert and the ids are recorded then.
 * 6. The window (DEDUPE_WINDOW_MS) bounds both the memory and the table: it covers client backoff (Alloy retries
 *    for minutes) while keeping the odds of two genuinely identical uploads inside it negligible (real uploads
 *    differ in time range, `time_nanos` or sample values).
 */
import { createHash } from 'node:crypto';

/** How long an accepted ingest id suppresses a repeat, here and in the aggregator's `ingest_ids` lookups. */
export const DEDUPE_WINDOW_MS = 10 * 60_000;

type Part = string | Uint8Array | undefined;

function digest(kind: string, parts: Part[]): string {
  const h = createHash('sha256');
  // The hashed bytes: kind, then each part length-prefixed, so ("ab","c") and ("a","bc") differ; undefined differs
  // from "". Text runs are gathered into one update (each update crosses into native code).
  let text = kind;
  for (const p of parts) {
    if (p === undefined) text += '\u0000-';
    else if (typeof p === 'string') text += `\u0000${Buffer.byteLength(p, 'utf8')}:${p}`;
    else {
      h.update(`${text}\u0000${p.length}:`);
      h.update(p);
      text = '';
    }
  }
  if (text !== '') h.update(text);
  return h.digest('hex').slice(0, 32);
}

export interface IngestRequestIdentity {
  tenant: string;
  query: Record<string, string | undefined>;
  raw?: Uint8Array;
  parts?: Map<string, Uint8Array>;
}

/** The query parameters that change what an /ingest request stores. */
const INGEST_PARAMS = ['name', 'from', 'until', 'format', 'sampleRate', 'spyName'] as const;

export function ingestRequestId(r: IngestRequestIdentity): string {
  const parts: Part[] = [r.tenant];
  for (const k of INGEST_PARAMS) parts.push(r.query[k]);
  parts.push(r.raw);
  for (const name of [...(r.parts?.keys() ?? [])].sort()) parts.push(name, r.parts!.get(name));
  return digest('ingest', parts);
}

/** Identity of one Push sample; `labels` as sent (order-insensitive). */
export function pushSampleId(tenant: string, labels: Record<string, string>, sampleId: string, rawProfile: Uint8Array): string {
  const sorted = Object.keys(labels)
    .sort()
    .flatMap((k) => [k, labels[k]]);
  return digest('push', [tenant, sampleId, ...sorted, rawProfile]);
}

/** A Push request's identity for the gateway window: its samples' identities in order. */
export function combinedId(ids: string[]): string {
  return digest('request', ids);
}

/** Ingest id of each of `count` profiles made from one request (or sample). */
export function profileIngestIds(base: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${base}.${i}`);
}

/**
 * The gateway window: request ids accepted within DEDUPE_WINDOW_MS, and requests in flight. `run(id, publish)`
 * publishes once; a repeat inside the window resolves without publishing; a repeat of a request still in flight
 * waits for it and publishes only if it failed (then it is a genuine retry of something not stored).
 */
export class RecentIngests {
  private readonly accepted = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly windowMs = DEDUPE_WINDOW_MS,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves `true` when `publish` ran and succeeded, `false` when the request was a duplicate. */
  async run(id: string, publish: () => Promise<void>): Promise<boolean> {
    for (;;) {
      const at = this.accepted.get(id);
      if (at !== undefined && this.now() - at < this.windowMs) return false;
      const pending = this.inFlight.get(id);
      if (!pending) break;
      try {
        await pending;
        return false;
      } catch {
        // The first attempt failed: nothing of it was acknowledged, so this one must try again.
      }
    }
    const attempt = publish();
    this.inFlight.set(id, attempt);
    try {
      await attempt;
      this.remember(id);
      return true;
    } finally {
      if (this.inFlight.get(id) === attempt) this.inFlight.delete(id);
    }
  }

  private remember(id: string): void {
    const now = this.now();
    this.accepted.delete(id);
    this.accepted.set(id, now);
    // Map order is insertion order: the oldest entries go first, expired or over the bound.
    for (const [k, at] of this.accepted) {
      if (this.accepted.size <= this.maxEntries && now - at < this.windowMs) break;
      this.accepted.delete(k);
    }
  }
}
