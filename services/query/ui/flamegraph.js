/**
 * The flame graph on one <canvas>: root on top, click a frame to zoom into it (its ancestors stay as full-width
 * bars, a click on one zooms back out), a search or a highlighted function dims every other frame, and a tooltip
 * gives self, total and share (both sides and the change in a diff). Drawing walks flat arrays (flame-layout.js)
 * and skips frames narrower than a pixel, so a redraw costs the same whatever the zoom.
 *
 * What the canvas last drew is readable for tests and tools as `window.__hotpath.flame` (see expose()).
 */
import { DIMMED, diffColor, nameColor } from './colors.js';
import { pathOf } from './flame-layout.js';
import { el, formatDelta, formatShare, formatValue, share } from './format.js';

const ROW = 18;
const MIN_WIDTH = 0.5;
const FONT = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';

/** Search text as a case-insensitive regular expression, or a plain substring when it is not valid regex syntax. */
function matcherOf(text) {
  if (!text) return null;
  try {
    const re = new RegExp(text, 'i');
    return (s) => re.test(s);
  } catch {
    const lower = text.toLowerCase();
    return (s) => s.toLowerCase().includes(lower);
  }
}

export class FlameGraph {
  constructor(container, { name = 'flame', onZoom = () => {} } = {}) {
    this.name = name;
    this.onZoom = onZoom;
    this.layout = null;
    this.focus = 0;
    this.matcher = null;
    this.highlight = '';
    this.palette = 'rg';
    this.unit = '';
    this.drawn = new Int32Array(0);
    this.drawnX = new Float32Array(0);
    this.drawnW = new Float32Array(0);
    this.drawnCount = 0;
    this.matches = 0;
    this.canvas = el('canvas', { class: 'flame-canvas', 'data-testid': `${name}-canvas` });
    this.tooltip = el('div', { class: 'tooltip', hidden: true, role: 'tooltip' });
    this.root = el('div', { class: 'flame' }, this.canvas, this.tooltip);
    container.replaceChildren(this.root);
    this.ctx = this.canvas.getContext('2d');
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    this.canvas.addEventListener('click', (e) => {
      const i = this.hit(e);
      if (i >= 0) this.zoomTo(i === this.focus ? this.layout.parent[i] : i, true);
    });
    this.resize = new ResizeObserver(() => this.draw());
    this.resize.observe(this.root);
  }

  destroy() {
    this.resize.disconnect();
  }

  setData(layout, { unit, focus = 0, search, highlight } = {}) {
    this.layout = layout;
    this.paint();
    this.unit = unit ?? '';
    this.focus = Math.max(0, Math.min(focus, layout.count - 1));
    if (search !== undefined) this.matcher = matcherOf(search);
    if (highlight !== undefined) this.highlight = highlight;
    this.draw();
  }

  setSearch(text) {
    this.matcher = matcherOf(text);
    this.draw();
  }

  setHighlight(name) {
    this.highlight = name ?? '';
    this.draw();
  }

  setPalette(p) {
    this.palette = p;
    if (this.layout) this.paint();
    this.draw();
  }

  /** Each frame's colour, once per data or palette change rather than on every redraw. */
  paint() {
    const L = this.layout;
    this.colors = new Array(L.count);
    for (let i = 0; i < L.count; i++) {
      if (i === 0) this.colors[i] = '#c8c8c8';
      else this.colors[i] = L.mode === 'diff' ? diffColor(L.delta[i], L.maxAbsDelta, this.palette) : nameColor(L.names[i]);
    }
  }

  zoomTo(index, fromUser = false) {
    if (!this.layout) return;
    this.focus = Math.max(0, index);
    this.draw();
    if (fromUser) this.onZoom(pathOf(this.layout, this.focus));
  }

  isMatch(i) {
    const name = this.layout.names[i];
    if (this.highlight) return name === this.highlight;
    return this.matcher ? this.matcher(name) : true;
  }

  draw() {
    const L = this.layout;
    if (!L) return;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(200, this.root.clientWidth);
    const height = (L.maxDepth + 1) * ROW;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const charW = ctx.measureText('m').width;

    const f = this.focus;
    const fStart = L.start[f];
    const fWidth = L.width[f] || 1;
    const fDepth = L.depth[f];
    const scale = width / fWidth;
    const ancestors = new Set();
    for (let a = L.parent[f]; a >= 0; a = L.parent[a]) ancestors.add(a);
    const searching = Boolean(this.matcher || this.highlight);

    if (this.drawn.length < L.count) {
      this.drawn = new Int32Array(L.count);
      this.drawnX = new Float32Array(L.count);
      this.drawnW = new Float32Array(L.count);
    }
    // Pass 1: which frames are visible and where. Pass 2: one path per colour (a few dozen fills, not one per
    // frame: canvas state changes dominate the cost). Pass 3: labels of the frames wide enough to hold text.
    const colors = this.colors;
    const buckets = new Map();
    let n = 0;
    let matches = 0;
    for (let i = 0; i < L.count; i++) {
      const d = L.depth[i];
      let x, w;
      if (d < fDepth) {
        if (!ancestors.has(i)) continue;
        x = 0;
        w = width;
      } else {
        x = (L.start[i] - fStart) * scale;
        w = L.width[i] * scale;
        if (w < MIN_WIDTH || x + w <= 0 || x >= width) continue;
      }
      const match = searching ? this.isMatch(i) : true;
      if (searching && match) matches++;
      const key = (searching && !match ? DIMMED : colors[i]) + (d < fDepth ? '|a' : '');
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, (bucket = []));
      bucket.push(n);
      this.drawn[n] = i;
      this.drawnX[n] = x;
      this.drawnW[n] = w;
      n++;
    }
    for (const [key, list] of buckets) {
      const [color, ancestor] = key.split('|');
      ctx.globalAlpha = ancestor ? 0.55 : 1;
      ctx.fillStyle = color;
      ctx.beginPath();
      for (const k of list) ctx.rect(this.drawnX[k], L.depth[this.drawn[k]] * ROW, Math.max(this.drawnW[k] - 1, MIN_WIDTH), ROW - 1);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    const minLabel = charW * 3 + 6;
    for (let k = 0; k < n; k++) {
      const w = this.drawnW[k];
      if (w <= minLabel) continue;
      const i = this.drawn[k];
      const x = this.drawnX[k];
      const room = Math.floor((w - 6) / charW);
      const label = i === 0 ? this.rootLabel() : L.names[i];
      ctx.fillStyle = searching && !this.isMatch(i) ? '#999' : '#222';
      ctx.fillText(label.length > room ? `${label.slice(0, Math.max(1, room - 1))}…` : label, Math.max(x, 0) + 3, L.depth[i] * ROW + ROW / 2);
    }
    ctx.globalAlpha = 1;
    this.drawnCount = n;
    this.matches = matches;
    this.lastDrawMs = performance.now() - t0;
    this.canvas.dataset.drawn = String(n);
    this.canvas.dataset.focus = L.names[f];
    this.expose();
  }

  rootLabel() {
    const L = this.layout;
    if (L.mode === 'diff') return `total (baseline ${formatValue(L.baselineTotal, this.unit)}, comparison ${formatValue(L.comparisonTotal, this.unit)})`;
    return `total ${formatValue(L.rootTotal, this.unit)}`;
  }

  /** The drawn node under a mouse event, or -1. */
  hit(e) {
    if (!this.layout) return -1;
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const depth = Math.floor((e.clientY - r.top) / ROW);
    for (let k = 0; k < this.drawnCount; k++) {
      const i = this.drawn[k];
      if (this.layout.depth[i] === depth && x >= this.drawnX[k] && x < this.drawnX[k] + this.drawnW[k]) return i;
    }
    return -1;
  }

  hover(e) {
    const i = this.hit(e);
    if (i < 0) {
      this.tooltip.hidden = true;
      return;
    }
    const L = this.layout;
    const u = this.unit;
    const lines = [el('strong', {}, i === 0 ? 'total' : L.names[i])];
    if (L.mode === 'diff') {
      const bs = share(L.baseline[i], L.baselineTotal);
      const cs = share(L.comparison[i], L.comparisonTotal);
      lines.push(
        el('div', {}, `baseline: total ${formatValue(L.baseline[i], u)} (${formatShare(bs)}), self ${formatValue(L.baselineSelf[i], u)} (${formatShare(share(L.baselineSelf[i], L.baselineTotal))})`),
        el('div', {}, `comparison: total ${formatValue(L.comparison[i], u)} (${formatShare(cs)}), self ${formatValue(L.comparisonSelf[i], u)} (${formatShare(share(L.comparisonSelf[i], L.comparisonTotal))})`),
        el('div', {}, `share change: total ${formatDelta(cs - bs)}, self ${formatDelta(share(L.comparisonSelf[i], L.comparisonTotal) - share(L.baselineSelf[i], L.baselineTotal))}`),
      );
    } else {
      lines.push(
        el('div', {}, `self: ${formatValue(L.self[i], u)} (${formatShare(share(L.self[i], L.rootTotal))})`),
        el('div', {}, `total: ${formatValue(L.width[i], u)} (${formatShare(share(L.width[i], L.rootTotal))})`),
      );
    }
    this.tooltip.replaceChildren(...lines);
    this.tooltip.hidden = false;
    const r = this.root.getBoundingClientRect();
    const left = Math.min(e.clientX - r.left + 14, r.width - this.tooltip.offsetWidth - 4);
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${e.clientY - r.top + 16}px`;
  }

  /** `window.__hotpath[name]`: what the canvas drew, in CSS pixels relative to the canvas. */
  expose() {
    const self = this;
    const L = this.layout;
    window.__hotpath = window.__hotpath ?? {};
    window.__hotpath[this.name] = {
      count: L.count,
      drawnCount: this.drawnCount,
      matches: this.matches,
      focus: L.names[this.focus],
      focusPath: pathOf(L, this.focus),
      drawMs: this.lastDrawMs,
      get nodes() {
        const out = [];
        for (let k = 0; k < self.drawnCount; k++) {
          const i = self.drawn[k];
          out.push({ name: L.names[i], depth: L.depth[i], x: self.drawnX[k], y: L.depth[i] * ROW, width: self.drawnW[k], height: ROW - 1, match: self.matcher || self.highlight ? self.isMatch(i) : true, delta: L.mode === 'diff' ? L.delta[i] : undefined });
        }
        return out;
      },
    };
  }
}
