/**
 * A token bucket that never makes a legal request impossible: a cost larger than the bucket passes when the bucket
 * is full and leaves it in debt (negative), which the rate then repays. So a budget of 1 KiB/s still admits one
 * 16 MiB profile — followed by about 4.5 hours of 429s — instead of refusing it forever.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Changes rate and size in place (a budget edited through the API), keeping the current fill (capped). */
  reconfigure(rate: number, capacity: number, now: number): void {
    this.refill(now);
    this.rate = rate;
    this.capacity = capacity;
    this.tokens = Math.min(this.tokens, capacity);
  }

  get configured(): { rate: number; capacity: number } {
    return { rate: this.rate, capacity: this.capacity };
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = Math.max(this.last, now);
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.rate);
  }

  /** Seconds until `cost` could be taken; 0 when it can be now. Takes nothing. */
  wait(cost: number, now: number): number {
    this.refill(now);
    const need = Math.min(cost, this.capacity);
    return this.tokens >= need ? 0 : (need - this.tokens) / this.rate;
  }

  /** Takes `cost` (call after `wait` answered 0). */
  take(cost: number): void {
    this.tokens -= cost;
  }
}

/** A pair of buckets, bytes and profiles, that admit a request only together. */
export class RatePair {
  private bytes?: TokenBucket;
  private profiles?: TokenBucket;

  constructor(now: number, rates: Rates) {
    this.configure(rates, now);
  }

  /** Applies new rates; a rate of 0 (or absent) removes that bucket (unlimited). */
  configure(rates: Rates, now: number): void {
    this.bytes = bucketFor(this.bytes, rates.bytesPerSecond, rates.burstSeconds, now);
    this.profiles = bucketFor(this.profiles, rates.profilesPerSecond, rates.burstSeconds, now);
  }

  get unlimited(): boolean {
    return !this.bytes && !this.profiles;
  }

  /** Seconds to wait before a request of this cost could pass; 0 = it passes now (and is charged when `charge`). */
  admit(bytes: number, profiles: number, now: number, charge: boolean): number {
    const wait = Math.max(this.bytes?.wait(bytes, now) ?? 0, this.profiles?.wait(profiles, now) ?? 0);
    if (wait === 0 && charge) {
      this.bytes?.take(bytes);
      this.profiles?.take(profiles);
    }
    return wait;
  }
}

export interface Rates {
  bytesPerSecond?: number;
  profilesPerSecond?: number;
  burstSeconds: number;
}

function bucketFor(current: TokenBucket | undefined, rate: number | undefined, burstSeconds: number, now: number): TokenBucket | undefined {
  if (!rate || rate <= 0) return undefined;
  // At least one unit of capacity, so a fractional rate (0.2 profiles/s) still admits whole profiles.
  const capacity = Math.max(1, rate * Math.max(burstSeconds, 0));
  if (!current) return new TokenBucket(rate, capacity, now);
  const c = current.configured;
  if (c.rate !== rate || c.capacity !== capacity) current.reconfigure(rate, capacity, now);
  return current;
}
