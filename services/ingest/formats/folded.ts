/**
 * Pyroscope's text formats (compat-details §1.4): "groups" / folded (`a;b;c 12` per line; the count follows the
 * LAST space, so frames may contain spaces) and `lines` (one stack per line, counted by occurrence).
 */
import { HotpathError } from '../../../lib/errors.ts';
import { StackCounts, truncateForMessage } from './stack-counts.ts';

function* textLines(text: string): Generator<[number, string]> {
  let start = 0;
  let n = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    yield [n++, line];
    start = end + 1;
  }
}

/**
 * Folded stacks. A line without a space carries no count and is skipped (as Pyroscope does); a count that is not
 * a non-negative decimal integer refuses the whole body, naming the line — a silently dropped line would make the
 * stored total differ from what the client sent.
 */
export function parseFolded(text: string): StackCounts {
  const out = new StackCounts();
  for (const [n, line] of textLines(text)) {
    const sp = line.lastIndexOf(' ');
    if (sp < 0) continue;
    const count = line.slice(sp + 1);
    if (!/^\d+$/.test(count)) {
      throw new HotpathError('invalid_profile', `folded line ${n}: count ${JSON.stringify(truncateForMessage(count))} is not a non-negative integer (expected "frame;frame;frame <count>")`);
    }
    const value = Number(count);
    if (!Number.isSafeInteger(value)) throw new HotpathError('invalid_profile', `folded line ${n}: count ${count} exceeds 2^53-1`);
    out.add(line.slice(0, sp), value);
  }
  return out;
}

/** `format=lines`: each non-empty line is one sample of its stack. */
export function parseLines(text: string): StackCounts {
  const out = new StackCounts();
  for (const [, line] of textLines(text)) {
    if (line !== '') out.add(line, 1);
  }
  return out;
}
