/**
 * The page: header (views, profile type, tenant), one section per view, and the URL as the single source of
 * state — every change goes through set(), which writes the URL and re-renders what the change touches.
 */
import { getJson, setApiKey, setTenant } from './api.js';
import { DiffView } from './diff-view.js';
import { FlameView } from './flame-view.js';
import { el } from './format.js';
import { ReportView } from './report-view.js';
import { readState, stateUrl } from './state.js';
import { errorBox } from './views.js';

const PREFERRED_TYPE = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const VIEWS = [
  ['flame', 'Flame graph', FlameView],
  ['diff', 'Diff', DiffView],
  ['report', 'Service page', ReportView],
];

function changedKeys(a, b) {
  return new Set(Object.keys(b).filter((k) => a[k] !== b[k]));
}

class App {
  constructor(root) {
    this.state = readState();
    this.views = new Map();
    this.typesFor = '';
    this.typeSelect = el('select', { id: 'profile-type', 'aria-label': 'profile type', onchange: () => this.set({ type: this.typeSelect.value, zoom: '', hl: '' }) });
    this.tenant = el('input', { id: 'tenant', placeholder: 'tenant (X-Scope-OrgID)', size: 16, value: this.state.tenant, onchange: () => this.set({ tenant: this.tenant.value.trim() }) });
    this.tabs = VIEWS.map(([id, label]) => el('button', { type: 'button', role: 'tab', id: `tab-${id}`, onclick: () => this.set({ view: id }) }, label));
    this.notice = el('div', { id: 'notice' });
    this.keyBar = this.keyForm();
    this.main = el('main', {});
    root.replaceChildren(
      el('header', {},
        el('a', { class: 'brand', href: '/' }, 'Hotpath'),
        el('nav', { role: 'tablist' }, ...this.tabs),
        el('label', {}, 'Profile type ', this.typeSelect),
        this.tenant,
      ),
      this.keyBar,
      this.notice,
      this.main,
    );
    window.addEventListener('popstate', () => {
      const next = readState();
      const changed = changedKeys(this.state, next);
      this.state = next;
      this.apply(changed);
    });
    window.addEventListener('hotpath:unauthorized', () => (this.keyBar.hidden = false));
    this.apply(null);
  }

  keyForm() {
    const input = el('input', { type: 'password', id: 'api-key', placeholder: 'hp_…', autocomplete: 'off', size: 40 });
    const bar = el('form', { class: 'keybar', hidden: true, onsubmit: (e) => {
      e.preventDefault();
      setApiKey(input.value.trim());
      bar.hidden = true;
      this.typesFor = '';
      for (const v of this.views.values()) v.lastState = undefined;
      this.apply(null);
    } }, 'This Hotpath needs an API key with the query scope (kept in this tab only): ', input, el('button', { type: 'submit' }, 'Use key'));
    return bar;
  }

  /** Merge `patch` into the state; `push: false` replaces the history entry (typing, defaults). */
  set(patch, { push = true } = {}) {
    const next = { ...this.state, ...patch };
    const changed = changedKeys(this.state, next);
    if (changed.size === 0) return;
    this.state = next;
    if (push) history.pushState(null, '', stateUrl(next));
    else history.replaceState(null, '', stateUrl(next));
    this.apply(changed);
  }

  async apply(changed) {
    const s = this.state;
    setTenant(s.tenant);
    if (this.tenant.value !== s.tenant) this.tenant.value = s.tenant;
    for (const tab of this.tabs) tab.setAttribute('aria-selected', String(tab.id === `tab-${s.view}`));
    const typesKey = `${s.from}|${s.until}|${s.tenant}`;
    if (this.typesFor !== typesKey) {
      this.typesFor = typesKey;
      await this.loadTypes();
      if (this.state !== s) return; // loadTypes chose a type: set() already rendered
    }
    this.renderView(this.state);
  }

  async loadTypes() {
    const s = this.state;
    try {
      const { profileTypes } = await getJson('/api/v1/profile-types', { from: s.from, until: s.until });
      const ids = profileTypes.map((t) => t.id);
      const type = s.type || (ids.includes(PREFERRED_TYPE) ? PREFERRED_TYPE : ids[0] ?? '');
      const list = type && !ids.includes(type) ? [type, ...ids] : ids;
      this.typeSelect.replaceChildren(...list.map((id) => el('option', { value: id, selected: id === type }, id)));
      this.notice.replaceChildren(ids.length ? '' : el('p', { class: 'notice' }, 'No profiles in this time range. Send some (README, “Start”) or pick a longer range.'));
      if (type !== s.type) this.set({ type }, { push: false });
    } catch (e) {
      this.notice.replaceChildren(errorBox(e, 'profile types'));
    }
  }

  renderView(s) {
    for (const [id, , View] of VIEWS) {
      let v = this.views.get(id);
      if (id !== s.view) {
        if (v) v.section.hidden = true;
        continue;
      }
      if (!v) {
        const section = el('section', { id: `${id}-view`, class: 'view' });
        this.main.append(section);
        v = { section, view: new View(section, this), lastState: undefined };
        this.views.set(id, v);
      }
      v.section.hidden = false;
      const changed = v.lastState ? changedKeys(v.lastState, s) : null;
      v.lastState = s;
      if (changed === null || changed.size > 0) v.view.render(s, changed);
    }
  }
}

new App(document.getElementById('app'));
