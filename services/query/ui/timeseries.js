/**
 * The selection's total over time (api.md /timeseries) as an SVG area chart; drag across it to zoom the time range.
 */
import { el, formatTime, formatValue, num } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const H = 110;
const PAD = { left: 64, right: 8, top: 8, bottom: 20 };

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export function renderTimeseries(container, response, { fromMs, untilMs, unit, onSelectRange }) {
  const points = (response.series[0]?.points ?? []).map(([t, v]) => [t, num(v)]);
  const width = Math.max(300, container.clientWidth || 800);
  const plotW = width - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const maxV = points.reduce((m, [, v]) => Math.max(m, v), 0) || 1;
  const x = (t) => PAD.left + ((t - fromMs) / (untilMs - fromMs)) * plotW;
  const y = (v) => PAD.top + plotH - (v / maxV) * plotH;
  const root = svg('svg', { width, height: H, class: 'timeseries-svg', role: 'img', 'aria-label': `total per ${response.step} s` });
  root.append(svg('line', { x1: PAD.left, x2: width - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH, class: 'axis' }));
  const label = (text, ax, ay, anchor) => {
    const t = svg('text', { x: ax, y: ay, 'text-anchor': anchor, class: 'tick' });
    t.textContent = text;
    root.append(t);
  };
  label(formatValue(maxV, unit), PAD.left - 6, PAD.top + 8, 'end');
  label('0', PAD.left - 6, PAD.top + plotH, 'end');
  const spanDays = (untilMs - fromMs) > 86_400_000;
  for (let k = 0; k <= 4; k++) {
    const t = fromMs + ((untilMs - fromMs) * k) / 4;
    label(formatTime(t, spanDays), x(t), H - 4, k === 0 ? 'start' : k === 4 ? 'end' : 'middle');
  }
  if (points.length === 0) {
    label('no data in this range', PAD.left + plotW / 2, PAD.top + plotH / 2, 'middle');
  } else {
    // Bars per step: a step's sum covers [t, t + step), so a bar shows that honestly even with gaps.
    const stepMs = response.step * 1000;
    const bw = Math.max(1, (stepMs / (untilMs - fromMs)) * plotW);
    const path = points.map(([t, v]) => `M${x(t).toFixed(1)},${(PAD.top + plotH).toFixed(1)}V${y(v).toFixed(1)}h${bw.toFixed(1)}V${(PAD.top + plotH).toFixed(1)}Z`).join('');
    root.append(svg('path', { d: path, class: 'bars' }));
  }
  const brush = svg('rect', { y: PAD.top, height: plotH, width: 0, class: 'brush', visibility: 'hidden' });
  root.append(brush);
  let dragFrom = null;
  const toTime = (e) => {
    const r = root.getBoundingClientRect();
    const px = Math.min(Math.max(e.clientX - r.left, PAD.left), PAD.left + plotW);
    return { px, t: fromMs + ((px - PAD.left) / plotW) * (untilMs - fromMs) };
  };
  root.addEventListener('mousedown', (e) => {
    dragFrom = toTime(e);
    brush.setAttribute('x', dragFrom.px);
    brush.setAttribute('width', 0);
    brush.setAttribute('visibility', 'visible');
  });
  root.addEventListener('mousemove', (e) => {
    if (!dragFrom) return;
    const now = toTime(e);
    brush.setAttribute('x', Math.min(now.px, dragFrom.px));
    brush.setAttribute('width', Math.abs(now.px - dragFrom.px));
  });
  root.addEventListener('mouseleave', () => {
    dragFrom = null;
    brush.setAttribute('visibility', 'hidden');
  });
  root.addEventListener('mouseup', (e) => {
    if (!dragFrom) return;
    const end = toTime(e);
    const [a, b] = [dragFrom.t, end.t].sort((p, q) => p - q);
    const dragged = Math.abs(end.px - dragFrom.px);
    dragFrom = null;
    brush.setAttribute('visibility', 'hidden');
    // A click (or a sliver) is not a range.
    if (dragged >= 3 && b - a >= 1000) onSelectRange(Math.floor(a), Math.ceil(b));
  });
  container.replaceChildren(el('div', { class: 'chart-title' }, `Total per ${response.step} s — drag to zoom the time range`), root);
}
