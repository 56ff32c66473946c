/**
 * The diff view (api.md /diff): baseline and comparison selections side by side, the flame graph coloured by each
 * frame's change in share (red up / green down, or the colour-blind-safe orange / blue), and the functions ranked
 * by share change, largest regression first.
 */
import { getJson } from './api.js';
import { legendColors } from './colors.js';
import { FlameGraph } from './flamegraph.js';
import { flattenTree } from './flame-layout.js';
import { el, formatDelta, formatShare, formatValue } from './format.js';
import { buildSelector, mountSelector, parseSelector, queryOf } from './selector.js';
import { diffSide } from './state.js';
import { mountTimeRange } from './time-range.js';
import { errorBox, intersects, Tickets } from './views.js';

const ROWS = 50;
const SIDES = [
  ['baseline', 'b', 'Baseline'],
  ['comparison', 'c', 'Comparison'],
];

export class DiffView {
  constructor(container, app) {
    this.app = app;
    this.tickets = new Tickets();
    this.sides = {};
    const sideBoxes = SIDES.map(([side, , title]) => {
      const selector = el('div', { id: `${side}-selector` });
      const range = el('div', { id: `${side}-range-box` });
      const total = el('div', { class: 'side-total', id: `${side}-total` });
      this.sides[side] = { selector, range, total };
      return el('section', { class: `side side-${side}`, id: `diff-${side}` }, el('h3', {}, title), selector, range, total);
    });
    this.palette = el('input', { type: 'checkbox', id: 'cb-palette', onchange: () => app.set({ palette: this.palette.checked ? 'cb' : 'rg' }) });
    this.legend = el('span', { class: 'legend', id: 'diff-legend' });
    this.search = el('input', { type: 'search', id: 'diff-search', placeholder: 'Search functions (regex)', 'aria-label': 'search functions', size: 24 });
    this.search.addEventListener('input', () => this.flame.setSearch(this.search.value));
    this.status = el('span', { class: 'status', id: 'diff-status' });
    this.table = el('div', { class: 'table-box', id: 'diff-box' });
    const flameBox = el('div', { class: 'flame-box', id: 'diff-flame-box' });
    this.flame = new FlameGraph(flameBox, { name: 'diffFlame' });
    container.replaceChildren(
      el('div', { class: 'sides' }, ...sideBoxes),
      el('div', { class: 'toolbar' }, el('label', {}, this.palette, ' colour-blind-safe colours'), this.legend, this.search, this.status),
      el('div', { class: 'split' }, this.table, flameBox),
    );
  }

  render(state, changed) {
    if (intersects(changed, ['type', 'sel', 'from', 'until', 'b', 'bfrom', 'buntil', 'c', 'cfrom', 'cuntil', 'tenant', 'view'])) {
      this.mountPickers(state, changed);
      this.load(state);
    } else if (intersects(changed, ['dsort'])) this.load(state);
    if (intersects(changed, ['palette'])) {
      this.palette.checked = state.palette === 'cb';
      this.flame.setPalette(state.palette);
      this.drawLegend(state.palette);
      if (this.diff) this.drawTable(state);
    }
  }

  /** A side's pickers re-mount (re-asking the label APIs) when their inputs change, not when they made the change. */
  mountPickers(state, changed) {
    for (const [side, p] of SIDES) {
      const eff = diffSide(state, side);
      const box = this.sides[side];
      const fresh = intersects(changed, ['type', 'tenant', 'from', 'until', `${p}from`, `${p}until`]) || box.picker?.value() !== buildSelector(parseSelector(eff.sel));
      if (!fresh) continue;
      const ctx = () => ({ type: this.app.state.type, ...diffSide(this.app.state, side) });
      box.picker = mountSelector(box.selector, { id: side, value: eff.sel, ctx, onChange: (sel) => this.app.set({ [p]: sel }) });
      mountTimeRange(this.sides[side].range, { id: side, from: eff.from, until: eff.until, onChange: (from, until) => this.app.set({ [`${p}from`]: from, [`${p}until`]: until }) });
    }
  }

  drawLegend(palette) {
    const c = legendColors(palette);
    const swatch = (color) => el('span', { class: 'swatch', style: `background:${color}` });
    this.legend.replaceChildren(swatch(c.down), ' share down ', swatch(c.neutral), ' unchanged ', swatch(c.up), ' share up');
  }

  async load(state) {
    if (!state.type) return;
    const current = this.tickets.take();
    const b = diffSide(state, 'baseline');
    const c = diffSide(state, 'comparison');
    this.status.textContent = 'loading…';
    try {
      const diff = await getJson('/api/v1/diff', {
        baseline: queryOf(state.type, b.sel),
        baselineFrom: b.from,
        baselineUntil: b.until,
        comparison: queryOf(state.type, c.sel),
        comparisonFrom: c.from,
        comparisonUntil: c.until,
        sort: state.dsort,
        limit: ROWS,
      });
      if (!current()) return;
      this.diff = diff;
      this.sides.baseline.total.textContent = `total ${formatValue(diff.baseline.total, diff.unit)}`;
      this.sides.comparison.total.textContent = `total ${formatValue(diff.comparison.total, diff.unit)}`;
      this.drawTable(state);
      const layout = flattenTree(diff.flamegraph, 'diff');
      this.flame.palette = state.palette;
      this.flame.setData(layout, { unit: diff.unit });
      this.status.textContent = `${layout.count.toLocaleString()} nodes`;
    } catch (e) {
      if (!current()) return;
      this.status.textContent = '';
      this.table.replaceChildren(errorBox(e, 'diff'));
    }
    this.drawLegend(state.palette);
    this.palette.checked = state.palette === 'cb';
  }

  drawTable(state) {
    const diff = this.diff;
    const c = legendColors(state.palette);
    const deltaCell = (d) => el('td', { class: 'num delta', style: d > 0 ? `color:${c.up}` : d < 0 ? `color:${c.down}` : undefined }, formatDelta(d));
    const header = (key, label) =>
      el('th', { class: 'num sortable', 'aria-sort': state.dsort === key ? 'descending' : 'none' },
        el('button', { type: 'button', class: 'link', 'data-sort': key, onclick: () => this.app.set({ dsort: key }) }, label, state.dsort === key ? ' ▼' : ''));
    const rows = diff.rows.map((r, k) =>
      el('tr', { 'data-function': r.function, class: r[`${state.dsort}Share`].delta > 0 ? 'regression' : undefined, title: 'click to highlight in the flame graph', onclick: () => this.toggleHighlight(r.function) },
        el('td', { class: 'num rank' }, String(k + 1)),
        el('td', { class: 'fn' }, r.function),
        el('td', { class: 'num' }, formatShare(r.selfShare.baseline)),
        el('td', { class: 'num' }, formatShare(r.selfShare.comparison)),
        deltaCell(r.selfShare.delta),
        el('td', { class: 'num' }, formatShare(r.totalShare.baseline)),
        el('td', { class: 'num' }, formatShare(r.totalShare.comparison)),
        deltaCell(r.totalShare.delta),
      ),
    );
    this.table.replaceChildren(
      el('table', { class: 'top-table', id: 'diff-table' },
        el('thead', {},
          el('tr', {}, el('th', {}, ''), el('th', {}, ''), el('th', { colspan: 3, class: 'group' }, 'Self share'), el('th', { colspan: 3, class: 'group' }, 'Total share')),
          el('tr', {}, el('th', { class: 'num' }, '#'), el('th', {}, 'Function'), el('th', { class: 'num' }, 'base'), el('th', { class: 'num' }, 'comp'), header('self', 'Δ'), el('th', { class: 'num' }, 'base'), el('th', { class: 'num' }, 'comp'), header('total', 'Δ')),
        ),
        el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 8, class: 'empty' }, 'No samples on either side.'))),
      ),
    );
  }

  toggleHighlight(fn) {
    const next = this.flame.highlight === fn ? '' : fn;
    this.flame.setHighlight(next);
    for (const tr of this.table.querySelectorAll('tbody tr')) tr.classList.toggle('hl', tr.dataset.function === next);
  }
}
