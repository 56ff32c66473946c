/**
 * Label selectors as the page keeps them (`{name="value", …}`, api.md "Query"), and the picker that edits one:
 * a service drop-down plus rows of label matchers, each filled from /api/v1/labels and /api/v1/labels/{name}/values
 * narrowed by the other matchers, so only combinations that have data are offered.
 */
import { getJson } from './api.js';
import { el } from './format.js';

const SERVICE = 'service_name';
const OPS = ['=', '!=', '=~', '!~'];
const ESCAPES = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '`': '`' };

/** `{a="x", b=~"y.*"}` → [{name, op, value}]; anything unreadable yields the matchers read so far. */
export function parseSelector(text) {
  const out = [];
  const src = (text ?? '').trim().replace(/^\{/, '').replace(/\}$/, '');
  const re = /\s*("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_.]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*,?/y;
  let m;
  while ((m = re.exec(src))) {
    out.push({ name: unquote(m[1]), op: m[2], value: unquote(m[3]) });
    if (re.lastIndex >= src.length) break;
  }
  return out;
}

function unquote(s) {
  if (!/^["'`]/.test(s)) return s;
  const body = s.slice(1, -1);
  return s[0] === '`' ? body : body.replace(/\\(.)/g, (_, c) => ESCAPES[c] ?? c);
}

function quote(s) {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function buildSelector(matchers) {
  const parts = matchers.filter((m) => m.name && OPS.includes(m.op)).map((m) => `${/^[A-Za-z_][A-Za-z0-9_.]*$/.test(m.name) ? m.name : quote(m.name)}${m.op}${quote(m.value)}`);
  return `{${parts.join(', ')}}`;
}

export const queryOf = (type, sel) => `${type}${sel || '{}'}`;

export function serviceOf(sel) {
  return parseSelector(sel).find((m) => m.name === SERVICE && m.op === '=')?.value ?? '';
}

/**
 * Mounts a picker into `container`. `ctx()` gives {type, from, until}; `onChange(sel)` gets the new selector text.
 * `id` prefixes element ids (the main view and both diff sides each have one picker).
 */
export function mountSelector(container, { id, value, ctx, onChange }) {
  let matchers = parseSelector(value);
  let generation = 0;
  container.replaceChildren();
  container.classList.add('selector');

  // The selector last handed out: rows still being filled in are not part of it yet.
  let emitted = buildSelector(matchers);
  const emit = () => {
    emitted = buildSelector(matchers);
    onChange(emitted);
  };
  const others = (skip) => buildSelector(matchers.filter((m) => m !== skip && m.value !== ''));

  const serviceSelect = el('select', { id: `${id}-service`, 'aria-label': 'service', onchange: () => {
    matchers = matchers.filter((m) => !(m.name === SERVICE && m.op === '='));
    if (serviceSelect.value) matchers.unshift({ name: SERVICE, op: '=', value: serviceSelect.value });
    emit();
  } });
  const rows = el('span', { class: 'matchers' });
  const add = el('button', { type: 'button', class: 'link', id: `${id}-add-label`, onclick: () => {
    matchers.push({ name: '', op: '=', value: '' });
    render();
  } }, '+ label');
  container.append(el('label', {}, 'Service ', serviceSelect), rows, add);

  async function fill() {
    const g = ++generation;
    const { type, from, until } = ctx();
    if (!type) return;
    const serviceM = matchers.find((m) => m.name === SERVICE && m.op === '=');
    try {
      const { values } = await getJson(`/api/v1/labels/${SERVICE}/values`, { query: queryOf(type, others(serviceM)), from, until });
      if (g !== generation) return;
      const current = serviceM?.value ?? '';
      const list = current && !values.includes(current) ? [current, ...values] : values;
      serviceSelect.replaceChildren(el('option', { value: '' }, '(all services)'), ...list.map((v) => el('option', { value: v, selected: v === current }, v)));
      container.dataset.loaded = 'true';
    } catch (e) {
      if (g === generation) container.dataset.error = e.message;
    }
  }

  function render() {
    rows.replaceChildren();
    for (const m of matchers) {
      if (m.name === SERVICE && m.op === '=') continue;
      rows.append(matcherRow(m));
    }
  }

  function matcherRow(m) {
    const { type, from, until } = ctx();
    const nameSel = el('select', { 'aria-label': 'label name' }, el('option', { value: '' }, '(label)'));
    if (m.name) nameSel.append(el('option', { value: m.name, selected: true }, m.name));
    const opSel = el('select', { 'aria-label': 'operator' }, ...OPS.map((o) => el('option', { value: o, selected: o === m.op }, o)));
    const listId = `${id}-values-${Math.random().toString(36).slice(2, 8)}`;
    const datalist = el('datalist', { id: listId });
    const valueIn = el('input', { 'aria-label': 'label value', list: listId, value: m.value, placeholder: 'value', size: 14 });
    const remove = el('button', { type: 'button', class: 'link', title: 'remove', onclick: () => {
      matchers = matchers.filter((x) => x !== m);
      render();
      emit();
    } }, '×');
    nameSel.addEventListener('change', () => {
      m.name = nameSel.value;
      m.value = '';
      valueIn.value = '';
      loadValues();
    });
    opSel.addEventListener('change', () => {
      m.op = opSel.value;
      if (m.name && m.value) emit();
    });
    valueIn.addEventListener('change', () => {
      m.value = valueIn.value;
      if (m.name) emit();
    });
    const loadValues = () => {
      if (!m.name) return;
      getJson(`/api/v1/labels/${encodeURIComponent(m.name)}/values`, { query: queryOf(type, others(m)), from, until })
        .then(({ values }) => datalist.replaceChildren(...values.map((v) => el('option', { value: v }))))
        .catch(() => datalist.replaceChildren());
    };
    getJson('/api/v1/labels', { query: queryOf(type, others(m)), from, until })
      .then(({ names }) => {
        nameSel.replaceChildren(el('option', { value: '' }, '(label)'), ...names.filter((n) => n !== '__name__').map((n) => el('option', { value: n, selected: n === m.name }, n)));
        if (m.name && !names.includes(m.name)) nameSel.append(el('option', { value: m.name, selected: true }, m.name));
      })
      .catch(() => {});
    loadValues();
    return el('span', { class: 'matcher' }, nameSel, opSel, valueIn, datalist, remove);
  }

  render();
  fill();
  return { refresh: fill, value: () => emitted };
}
