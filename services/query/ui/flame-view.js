/**
 * The main view: selector and time range, the total over time, the top table and the flame graph of one selection.
 */
import { getJson } from './api.js';
import { FlameGraph } from './flamegraph.js';
import { flattenTree, nodeAtPath } from './flame-layout.js';
import { el, resolveTime } from './format.js';
import { buildSelector, mountSelector, parseSelector, queryOf } from './selector.js';
import { zoomPath } from './state.js';
import { mountTimeRange } from './time-range.js';
import { renderTimeseries } from './timeseries.js';
import { renderTopTable } from './top-table.js';
import { errorBox, intersects, Tickets } from './views.js';

const TOP_LIMIT = 100;

export class FlameView {
  constructor(container, app) {
    this.app = app;
    this.tickets = { data: new Tickets(), top: new Tickets() };
    this.selector = el('div', { id: 'main-selector' });
    this.range = el('div', { id: 'main-range-box' });
    this.search = el('input', { type: 'search', id: 'flame-search', placeholder: 'Search functions (regex)', 'aria-label': 'search functions', size: 28 });
    this.resetZoom = el('button', { type: 'button', id: 'flame-reset', onclick: () => app.set({ zoom: '' }) }, 'Reset zoom');
    this.clearHl = el('button', { type: 'button', id: 'flame-clear-hl', hidden: true, onclick: () => app.set({ hl: '' }) }, 'Clear highlight');
    this.status = el('span', { class: 'status', id: 'flame-status' });
    this.chart = el('div', { class: 'timeseries', id: 'timeseries' });
    this.table = el('div', { class: 'table-box', id: 'top-box' });
    const flameBox = el('div', { class: 'flame-box', id: 'flame-box' });
    this.flame = new FlameGraph(flameBox, { name: 'flame', onZoom: (path) => app.set({ zoom: path.length ? JSON.stringify(path) : '' }) });
    let searchTimer;
    this.search.addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => app.set({ search: this.search.value, hl: '' }, { push: false }), 150);
    });
    container.replaceChildren(
      el('div', { class: 'toolbar' }, this.selector, this.range),
      this.chart,
      el('div', { class: 'toolbar' }, this.search, this.resetZoom, this.clearHl, this.status),
      el('div', { class: 'split' }, this.table, flameBox),
    );
  }

  render(state, changed) {
    // Pickers re-mount (and re-ask the label APIs) when their inputs change, not when they caused the change.
    if (intersects(changed, ['type', 'from', 'until', 'tenant']) || this.picker?.value() !== buildSelector(parseSelector(state.sel))) this.mountPickers(state);
    if (this.search.value !== state.search) this.search.value = state.search;
    this.clearHl.hidden = !state.hl;
    if (intersects(changed, ['type', 'sel', 'from', 'until', 'tenant', 'view'])) this.load(state);
    else {
      if (intersects(changed, ['sort'])) this.loadTop(state);
      if (intersects(changed, ['hl']) && this.top) this.drawTable(state);
      this.applyFlameState(state, changed);
    }
  }

  mountPickers(state) {
    const ctx = () => ({ type: this.app.state.type, from: this.app.state.from, until: this.app.state.until });
    this.picker = mountSelector(this.selector, { id: 'main', value: state.sel, ctx, onChange: (sel) => this.app.set({ sel, zoom: '', hl: '' }) });
    mountTimeRange(this.range, { id: 'main', from: state.from, until: state.until, onChange: (from, until) => this.app.set({ from, until }) });
  }

  async load(state) {
    if (!state.type) return;
    const current = this.tickets.data.take();
    const query = queryOf(state.type, state.sel);
    const range = { from: state.from, until: state.until };
    this.status.textContent = 'loading…';
    this.loadTop(state);
    const [series, flame] = await Promise.allSettled([
      getJson('/api/v1/timeseries', { query, ...range }),
      getJson('/api/v1/flamegraph', { query, ...range }),
    ]);
    if (!current()) return;
    const now = Date.now();
    if (series.status === 'fulfilled') {
      renderTimeseries(this.chart, series.value, {
        fromMs: resolveTime(state.from, now),
        untilMs: resolveTime(state.until, now),
        unit: flame.status === 'fulfilled' ? flame.value.unit : '',
        onSelectRange: (a, b) => this.app.set({ from: String(a), until: String(b) }),
      });
    } else this.chart.replaceChildren(errorBox(series.reason, 'time series'));
    if (flame.status === 'fulfilled') {
      this.flameData = flame.value;
      const layout = flattenTree(flame.value.root, 'single');
      this.flame.setData(layout, { unit: flame.value.unit, focus: nodeAtPath(layout, zoomPath(state)), search: state.search, highlight: state.hl });
      this.status.textContent = `${layout.count.toLocaleString()} nodes · ${this.flame.drawnCount.toLocaleString()} drawn in ${this.flame.lastDrawMs.toFixed(1)} ms`;
    } else {
      this.status.replaceChildren(errorBox(flame.reason, 'flame graph'));
    }
  }

  async loadTop(state) {
    const current = this.tickets.top.take();
    try {
      const top = await getJson('/api/v1/top', { query: queryOf(state.type, state.sel), from: state.from, until: state.until, sort: state.sort, limit: TOP_LIMIT });
      if (!current()) return;
      this.top = top;
      this.drawTable(this.app.state);
    } catch (e) {
      if (current()) this.table.replaceChildren(errorBox(e, 'top functions'));
    }
  }

  drawTable(state) {
    renderTopTable(this.table, this.top, {
      sort: state.sort,
      highlight: state.hl,
      onSort: (sort) => this.app.set({ sort }),
      onRowClick: (fn) => this.app.set({ hl: this.app.state.hl === fn ? '' : fn, search: '' }),
    });
  }

  applyFlameState(state, changed) {
    if (!this.flame.layout) return;
    if (intersects(changed, ['zoom'])) {
      const focus = nodeAtPath(this.flame.layout, zoomPath(state));
      if (focus !== this.flame.focus) this.flame.zoomTo(focus);
    }
    if (intersects(changed, ['search'])) this.flame.setSearch(state.search);
    if (intersects(changed, ['hl'])) this.flame.setHighlight(state.hl);
  }
}
