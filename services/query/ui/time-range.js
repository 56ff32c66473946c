/** Time range picker: presets ending now, or a custom from/until (unix ms in the URL, local time in the inputs). */
import { el, resolveTime } from './format.js';

const PRESETS = [
  ['now-5m', 'Last 5 minutes'],
  ['now-15m', 'Last 15 minutes'],
  ['now-1h', 'Last hour'],
  ['now-6h', 'Last 6 hours'],
  ['now-24h', 'Last 24 hours'],
  ['now-7d', 'Last 7 days'],
];

function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function mountTimeRange(container, { id, from, until, onChange }) {
  container.replaceChildren();
  container.classList.add('time-range');
  const preset = until === 'now' && PRESETS.some(([p]) => p === from) ? from : 'custom';
  const select = el('select', { id: `${id}-range`, 'aria-label': 'time range' }, ...PRESETS.map(([v, label]) => el('option', { value: v, selected: v === preset }, label)), el('option', { value: 'custom', selected: preset === 'custom' }, 'Custom…'));
  const now = Date.now();
  const fromIn = el('input', { type: 'datetime-local', id: `${id}-from`, 'aria-label': 'from', value: localInput(resolveTime(from, now)) });
  const untilIn = el('input', { type: 'datetime-local', id: `${id}-until`, 'aria-label': 'until', value: localInput(resolveTime(until, now)) });
  const apply = el('button', { type: 'button', onclick: () => {
    const f = new Date(fromIn.value).getTime();
    const u = new Date(untilIn.value).getTime();
    if (!(f < u)) {
      custom.dataset.error = 'from must be before until';
      custom.title = 'from must be before until';
      return;
    }
    onChange(String(f), String(u));
  } }, 'Apply');
  const custom = el('span', { class: 'custom', hidden: preset !== 'custom' }, fromIn, ' – ', untilIn, apply);
  select.addEventListener('change', () => {
    if (select.value === 'custom') custom.hidden = false;
    else onChange(select.value, 'now');
  });
  container.append(select, custom);
}
