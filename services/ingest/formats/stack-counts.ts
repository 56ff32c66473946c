/**
 * What every text/OG ingest format (folded, lines, trie, tree) reduces to before it becomes a profile: folded stack
 * keys (`root;...;leaf`) with summed non-negative integer values. Keeping the key as Pyroscope's folded string lets
 * every format split frames the same way (on `;`), as Pyroscope does after parsing each of them.
 */
import { HotpathError } from '../../../lib/errors.ts';

export class StackCounts {
  readonly values = new Map<string, number>();

  /** Adds `value` to the stack `key`; zero values are ignored (they carry nothing). */
  add(key: string, value: number): void {
    if (value === 0) return;
    const sum = (this.values.get(key) ?? 0) + value;
    if (!Number.isSafeInteger(sum)) {
      throw new HotpathError('invalid_profile', `stack ${JSON.stringify(truncateForMessage(key))}: value ${sum} exceeds 2^53-1`);
    }
    this.values.set(key, sum);
  }

  get size(): number {
    return this.values.size;
  }
}

/** Frames of a folded key, root first. A trailing `;` ends the stack; `a;;b` keeps its empty frame, as in Pyroscope. */
export function foldedFrames(key: string): string[] {
  let end = key.length;
  while (end > 0 && key.charCodeAt(end - 1) === 0x3b) end--;
  return key.slice(0, end).split(';');
}

export function truncateForMessage(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
