/**
 * The service page (api.md "Operate": GET /api/v1/report/{service}). The JSON is drawn as it comes — objects as
 * field lists, arrays of objects as tables — so the page follows the report as it grows. A 404 (no such route on
 * this Hotpath, or no report for the service) gets a message saying which, not an empty page.
 */
import { ApiError, getJson } from './api.js';
import { el, formatDelta, formatShare, formatTime, formatValue } from './format.js';
import { serviceOf } from './selector.js';
import { errorBox, intersects, Tickets } from './views.js';

const title = (key) => key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

function scalar(key, v, unit) {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number' && /delta/i.test(key) && Math.abs(v) <= 1) return formatDelta(v);
  if (typeof v === 'number' && /share|fraction|ratio|coverage/i.test(key) && Math.abs(v) <= 1) return formatShare(v);
  if (typeof v === 'number' && /Ms$/.test(key) && v > 1e12) return formatTime(v, true);
  if ((typeof v === 'number' || /^\d+$/.test(String(v))) && unit && /self|total|value/i.test(key)) return formatValue(v, unit);
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString() : v.toLocaleString(undefined, { maximumFractionDigits: 4 });
  return String(v);
}

export function renderValue(key, v, unit, depth = 0) {
  if (Array.isArray(v)) {
    if (v.length === 0) return el('span', { class: 'empty' }, 'none');
    if (v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      const cols = [...new Set(v.flatMap((x) => Object.keys(x)))];
      return el('table', { class: 'top-table report-table' },
        el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', {}, title(c))))),
        el('tbody', {}, ...v.map((row) => el('tr', {}, ...cols.map((c) => el('td', {}, renderValue(c, row[c], unit, depth + 1)))))),
      );
    }
    return el('span', {}, v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : scalar(key, x, unit))).join(depth > 0 ? ' → ' : ', '));
  }
  if (v && typeof v === 'object') {
    return el('dl', { class: 'fields' }, ...Object.entries(v).flatMap(([k, x]) => [el('dt', {}, title(k)), el('dd', {}, renderValue(k, x, unit, depth + 1))]));
  }
  return scalar(key, v, unit);
}

export class ReportView {
  constructor(container, app) {
    this.app = app;
    this.tickets = new Tickets();
    this.body = el('div', { id: 'report-body' });
    container.replaceChildren(this.body);
  }

  render(state, changed) {
    if (intersects(changed, ['sel', 'from', 'until', 'tenant', 'view', 'type'])) this.load(state);
  }

  async load(state) {
    const service = serviceOf(state.sel);
    const current = this.tickets.take();
    if (!service) {
      this.body.replaceChildren(el('p', { class: 'notice', id: 'report-message' }, 'Pick a service (Flame graph tab, “Service”) to see its page.'));
      return;
    }
    const path = `/api/v1/report/${encodeURIComponent(service)}`;
    this.body.replaceChildren(el('p', { class: 'status' }, `loading the report of ${service}…`));
    try {
      const report = await getJson(path, { from: state.from, until: state.until });
      if (!current()) return;
      const unit = typeof report?.unit === 'string' ? report.unit : '';
      this.body.replaceChildren(el('h2', {}, `Service ${service}`), renderValue('', report, unit));
    } catch (e) {
      if (!current()) return;
      if (e instanceof ApiError && e.status === 404) {
        this.body.replaceChildren(
          el('div', { class: 'notice', id: 'report-message', role: 'status' },
            el('strong', {}, `No service page for ${service}. `),
            `${path} answered 404 (${e.code}: ${e.message}). This Hotpath does not serve service reports yet, or has none for this service; the flame graph and diff views work without it.`),
        );
      } else this.body.replaceChildren(errorBox(e, `report of ${service}`));
    }
  }
}
