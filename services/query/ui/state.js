/**
 * The page's whole state lives in the URL query string, so any view is a shareable link. Only values that differ
 * from the defaults are written. Diff sides left empty follow the main selection (same selector, same window).
 */
export const DEFAULTS = Object.freeze({
  view: 'flame', // flame | diff | report
  type: '', // profile type id; empty: the page picks CPU time if present
  sel: '{}', // selector of the main view, e.g. {service_name="checkout"}
  from: 'now-1h',
  until: 'now',
  sort: 'self', // top table: self | total
  search: '', // flame graph search (regular expression, case-insensitive)
  hl: '', // function highlighted from a table row
  zoom: '', // JSON array of node names from the root to the zoomed node
  b: '', // diff baseline selector (empty: sel)
  bfrom: '',
  buntil: '',
  c: '', // diff comparison selector (empty: sel)
  cfrom: '',
  cuntil: '',
  dsort: 'self', // regression table: self | total share delta
  palette: 'rg', // rg: red up / green down; cb: colour-blind-safe orange up / blue down
  tenant: '', // X-Scope-OrgID when multi-tenancy is on
});

export function readState(search = location.search) {
  const params = new URLSearchParams(search);
  const state = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const v = params.get(key);
    if (v !== null) state[key] = v;
  }
  return state;
}

export function stateUrl(state) {
  const params = new URLSearchParams();
  for (const [key, def] of Object.entries(DEFAULTS)) if (state[key] !== def && state[key] !== undefined) params.set(key, state[key]);
  const qs = params.toString();
  return `${location.pathname}${qs ? `?${qs}` : ''}`;
}

/** The diff side's effective selector and window (empty fields follow the main view). */
export function diffSide(state, side) {
  const p = side === 'baseline' ? 'b' : 'c';
  return { sel: state[p] || state.sel, from: state[`${p}from`] || state.from, until: state[`${p}until`] || state.until };
}

export function zoomPath(state) {
  if (!state.zoom) return [];
  try {
    const path = JSON.parse(state.zoom);
    return Array.isArray(path) ? path.map(String) : [];
  } catch {
    return [];
  }
}
