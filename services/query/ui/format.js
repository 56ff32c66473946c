/** Human-readable values in a profile type's unit; values may arrive as strings beyond 2^53 (api.md). */
const SCALES = {
  nanoseconds: [[3600e9, 'h'], [60e9, 'min'], [1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']],
  microseconds: [[3600e6, 'h'], [60e6, 'min'], [1e6, 's'], [1e3, 'ms'], [1, 'µs']],
  milliseconds: [[3600e3, 'h'], [60e3, 'min'], [1e3, 's'], [1, 'ms']],
  seconds: [[3600, 'h'], [60, 'min'], [1, 's']],
  bytes: [[2 ** 40, 'TiB'], [2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB'], [1, 'B']],
};
const COUNT = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, '']];

export function num(v) {
  return typeof v === 'number' ? v : Number(v);
}

export function formatValue(value, unit) {
  const v = num(value);
  if (!Number.isFinite(v)) return String(value);
  const scales = SCALES[unit] ?? COUNT;
  const space = SCALES[unit] ? ' ' : '';
  const abs = Math.abs(v);
  const [size, suffix] = scales.find(([s]) => abs >= s) ?? scales[scales.length - 1];
  const x = v / size;
  const digits = size === 1 ? 0 : Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return `${x.toFixed(digits)}${space}${suffix}`.trimEnd();
}

export function formatShare(fraction) {
  if (!Number.isFinite(fraction)) return '–';
  const pct = fraction * 100;
  return `${Math.abs(pct) >= 10 ? pct.toFixed(1) : pct.toFixed(2)}%`;
}

export function formatDelta(fraction) {
  if (!Number.isFinite(fraction)) return '–';
  const pct = fraction * 100;
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '±';
  return `${sign}${Math.abs(pct).toFixed(2)} pp`;
}

export function share(part, whole) {
  const w = num(whole);
  return w === 0 ? 0 : num(part) / w;
}

const UNITS_MS = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** The client's reading of api.md's time forms, for axes and the custom range inputs. */
export function resolveTime(s, nowMs = Date.now()) {
  if (s === 'now') return nowMs;
  const rel = /^now-(\d+)([smhdw])$/.exec(s);
  if (rel) return nowMs - Number(rel[1]) * UNITS_MS[rel[2]];
  if (/^\d{13}$/.test(s)) return Number(s);
  if (/^\d{1,12}$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? nowMs : t;
}

export function formatTime(ms, withDate = false) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}
