/**
 * Node colours. Single flame graphs: a warm hue per package (the name up to its last `.`, `::` or `/`), so frames
 * of one library read as one block. Diff: neutral at no change, towards red (share up) or green (share down) —
 * or, colour-blind-safe, orange (up) and blue (down), which stay apart for red-green colour blindness.
 */
const DIFF = {
  rg: { up: [215, 48, 39], down: [26, 152, 80] },
  cb: { up: [230, 97, 1], down: [33, 102, 172] },
};
const NEUTRAL = [224, 224, 224];
export const DIMMED = '#e4e4e4';

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function packageOf(name) {
  const cut = Math.max(name.lastIndexOf('.'), name.lastIndexOf('::'), name.lastIndexOf('/'));
  return cut > 0 ? name.slice(0, cut) : name;
}

const cache = new Map();
export function nameColor(name) {
  const pkg = packageOf(name);
  let c = cache.get(pkg);
  if (!c) {
    const h = hash(pkg);
    // Hues 0–50 (red→yellow) with varied lightness: the classic flame palette.
    c = `hsl(${h % 50}, ${68 + ((h >>> 8) % 20)}%, ${58 + ((h >>> 16) % 14)}%)`;
    cache.set(pkg, c);
  }
  return c;
}

/** `delta` in [-max, max] → rgb; the square root keeps small changes visible next to a large one. */
export function diffColor(delta, maxAbs, palette = 'rg') {
  const { up, down } = DIFF[palette] ?? DIFF.rg;
  if (!maxAbs || delta === 0) return `rgb(${NEUTRAL.join(',')})`;
  const t = Math.sqrt(Math.min(1, Math.abs(delta) / maxAbs));
  const to = delta > 0 ? up : down;
  const mix = NEUTRAL.map((n, i) => Math.round(n + (to[i] - n) * t));
  return `rgb(${mix.join(',')})`;
}

export function legendColors(palette = 'rg') {
  const { up, down } = DIFF[palette] ?? DIFF.rg;
  return { up: `rgb(${up.join(',')})`, down: `rgb(${down.join(',')})`, neutral: `rgb(${NEUTRAL.join(',')})` };
}
