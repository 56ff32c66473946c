/**
 * The ingest ids an aggregator has taken, each until its expiry: a set of 128-bit hashes of the ids with an expiry
 * per entry, in typed arrays (open addressing).
 *
 * Why not a Map of the id strings: to answer for the whole dedupe window from memory (ingest-dedupe.ts says why
 * that matters), it must hold every id of the last 10 minutes — 2.4 million at 2 000 requests/s of two profiles
 * each. As strings in a Map that is ~170 bytes per id (measured, Node 20), 400 MB the collector keeps marking;
 * here it is 20 bytes per slot (1.4–4 slots per id) outside the heap. Two different ids share a hash with
 * probability 2^-128 per pair.
 */

/** Four 32-bit lanes of FNV-1a with different offsets, each finished with a murmur3 mix: a 128-bit id hash. */
function hashInto(id: string, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  let c = 0x2f3a6b5d;
  let d = 0x6c8e9cf5;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch, 0x01000193) ^ (b >>> 15);
    c = Math.imul(c ^ ch, 0x5bd1e995);
    d = Math.imul((d ^ ch) + i, 0x27d4eb2d);
  }
  out[0] = fmix(a ^ id.length);
  out[1] = fmix(b);
  out[2] = fmix(c);
  out[3] = fmix(d);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Expiry value of a slot never used; a slot whose entry was deleted or expired keeps a non-zero value ≤ now. */
const FREE = 0;
const GONE = 1;
/** Used slots (live, expired or deleted) over all slots that triggers a rebuild; linear probing stays short below it. */
const LOAD = 0.7;

export class IdWindow {
  private keys: Uint32Array;
  /** Expiry per slot, in seconds (FREE: never used; GONE: deleted). */
  private expiry: Uint32Array;
  /** Slots not FREE (live, expired or deleted): what the load factor counts. */
  private used = 0;
  private readonly h = new Uint32Array(4);

  constructor(
    /** Most live ids kept; near it the earliest-expiring are dropped (`onDrop` is told until when). */
    private readonly maxIds: number,
    private readonly onDrop: (untilS: number) => void = () => {},
    initialSlots = 1 << 16,
  ) {
    this.keys = new Uint32Array(4 * initialSlots);
    this.expiry = new Uint32Array(initialSlots);
  }

  /** Whether `id` is held and unexpired at `nowS`. */
  has(id: string, nowS: number): boolean {
    const slot = this.find(id);
    return slot >= 0 && this.expiry[slot]! > nowS;
  }

  /** Holds `id` until `expiryS` (replacing an earlier expiry). */
  set(id: string, expiryS: number, nowS: number): void {
    const slot = this.find(id);
    if (slot >= 0) {
      this.expiry[slot] = Math.max(expiryS, GONE + 1);
      return;
    }
    const free = -slot - 1;
    this.keys.set(this.h, 4 * free);
    this.expiry[free] = Math.max(expiryS, GONE + 1);
    this.used++;
    if (this.used > LOAD * this.expiry.length || this.used > this.maxIds) this.rebuild(nowS);
  }

  delete(id: string): void {
    const slot = this.find(id);
    if (slot >= 0) this.expiry[slot] = GONE;
  }

  /** The slot holding `id` (its hash left in this.h), or −(first free slot) − 1. */
  private find(id: string): number {
    const h = this.h;
    hashInto(id, h);
    const h0 = h[0]!;
    const h1 = h[1]!;
    const h2 = h[2]!;
    const h3 = h[3]!;
    const mask = this.expiry.length - 1;
    let slot = h0 & mask;
    for (;;) {
      if (this.expiry[slot] === FREE) return -slot - 1;
      const k = 4 * slot;
      if (this.keys[k] === h0 && this.keys[k + 1] === h1 && this.keys[k + 2] === h2 && this.keys[k + 3] === h3) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /**
   * Re-lays the live entries (expired and deleted ones are dropped) in a table twice their count or more. Past 3/4
   * of maxIds, the earliest-expiring are dropped down to half of it, and onDrop says until when the set no longer
   * answers alone (the latest expiry dropped).
   */
  private rebuild(nowS: number): void {
    const live: number[] = [];
    for (let s = 0; s < this.expiry.length; s++) if (this.expiry[s]! > nowS) live.push(s);
    let keep = live;
    // Kept below 3/4 of the bound, so the next rebuild is a quarter of the bound of new ids away.
    if (live.length > 0.75 * this.maxIds) {
      keep = live.sort((x, y) => this.expiry[y]! - this.expiry[x]!).slice(0, Math.floor(this.maxIds / 2));
      this.onDrop(this.expiry[live[keep.length]!]!);
    }
    let slots = 1 << 16;
    while (slots < 2 * keep.length) slots *= 2;
    const keys = new Uint32Array(4 * slots);
    const expiry = new Uint32Array(slots);
    const mask = slots - 1;
    for (const s of keep) {
      let t = this.keys[4 * s]! & mask;
      while (expiry[t] !== FREE) t = (t + 1) & mask;
      keys.set(this.keys.subarray(4 * s, 4 * s + 4), 4 * t);
      expiry[t] = this.expiry[s]!;
    }
    this.keys = keys;
    this.expiry = expiry;
    this.used = keep.length;
  }
}
