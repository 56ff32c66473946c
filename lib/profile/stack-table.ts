/**
 * Distinct stacks of one profile, keyed by their 64-bit id (two uint32 lanes), with one running sum per sample type.
 * An open-addressing hash table over typed arrays: summing 10^4–10^5 samples must not allocate per sample (a Map
 * keyed by 53-bit numbers boxes every key and was most of normalization's time).
 */
import { f64, i32, u32 } from './scratch-arrays.ts';

export class StackTable {
  /** Number of distinct stacks; stack s has lanes a[s], b[s], first sample firstSample[s], sums[s*nTypes + t]. */
  size = 0;
  a: Uint32Array;
  b: Uint32Array;
  firstSample: Uint32Array;
  sums: Float64Array;
  private readonly nTypes: number;
  /** Slot → stack index + 1 (0 = empty). Power-of-two size, kept at most half full. */
  private slots: Int32Array;
  private mask: number;

  constructor(nTypes: number, expected: number) {
    this.nTypes = nTypes;
    const cap = Math.max(16, expected);
    this.a = u32(cap);
    this.b = u32(cap);
    this.firstSample = u32(cap);
    this.sums = f64(cap * nTypes);
    let slots = 32;
    while (slots < cap * 2) slots *= 2;
    this.slots = i32(slots);
    this.mask = slots - 1;
  }

  /** The index of the stack with lanes (a, b), added (sums 0, first seen in `sample`) if new. */
  indexOf(a: number, b: number, sample: number): number {
    const slots = this.slots;
    const mask = this.mask;
    // Lane b is already a well-mixed hash: its low bits pick the slot; linear probing from there.
    let slot = b & mask;
    for (;;) {
      const entry = slots[slot] as number;
      if (entry === 0) break;
      const s = entry - 1;
      if (this.b[s] === b && this.a[s] === a) return s;
      slot = (slot + 1) & mask;
    }
    const s = this.size;
    if (s === this.a.length) this.grow();
    this.a[s] = a;
    this.b[s] = b;
    this.firstSample[s] = sample;
    this.size = s + 1;
    if (this.size * 2 > this.slots.length) this.rehash();
    else slots[slot] = s + 1;
    return s;
  }

  private grow(): void {
    const cap = this.a.length * 2;
    const a = u32(cap);
    a.set(this.a);
    this.a = a;
    const b = u32(cap);
    b.set(this.b);
    this.b = b;
    const first = u32(cap);
    first.set(this.firstSample);
    this.firstSample = first;
    const sums = f64(cap * this.nTypes);
    sums.set(this.sums);
    this.sums = sums;
  }

  /** Doubles the slot array and re-inserts every stack (including the one just added). */
  private rehash(): void {
    const slots = i32(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let s = 0; s < this.size; s++) {
      let slot = (this.b[s] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = s + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
