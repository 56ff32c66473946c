/** The top table (api.md /top): sortable by self or total; a row click highlights that function in the flame graph. */
import { el, formatShare, formatValue, share } from './format.js';

export function renderTopTable(container, top, { sort, highlight, onSort, onRowClick }) {
  const header = (key, label) =>
    el('th', { class: 'num sortable', 'aria-sort': sort === key ? 'descending' : 'none' },
      el('button', { type: 'button', class: 'link', 'data-sort': key, onclick: () => onSort(key) }, label, sort === key ? ' ▼' : ''));
  const rows = top.rows.map((r, k) =>
    el('tr', { class: r.function === highlight ? 'hl' : undefined, 'data-function': r.function, title: 'click to highlight in the flame graph', onclick: () => onRowClick(r.function) },
      el('td', { class: 'num rank' }, String(k + 1)),
      el('td', { class: 'fn' }, r.function),
      el('td', { class: 'num' }, formatValue(r.self, top.unit)),
      el('td', { class: 'num' }, formatShare(share(r.self, top.total))),
      el('td', { class: 'num' }, formatValue(r.total, top.unit)),
      el('td', { class: 'num' }, formatShare(share(r.total, top.total))),
    ),
  );
  const table = el('table', { class: 'top-table', id: 'top-table' },
    el('thead', {}, el('tr', {}, el('th', { class: 'num' }, '#'), el('th', {}, 'Function'), header('self', 'Self'), el('th', { class: 'num' }, 'Self %'), header('total', 'Total'), el('th', { class: 'num' }, 'Total %'))),
    el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'No samples in this selection and range.'))),
  );
  container.replaceChildren(table);
}
