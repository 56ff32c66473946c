/** Pieces the views share: error boxes and the request generation guard. */
import { ApiError } from './api.js';
import { el } from './format.js';

export function errorBox(e, what) {
  const text = e instanceof ApiError ? `${what}: ${e.status} ${e.code} — ${e.message}` : `${what}: ${e?.message ?? e}`;
  return el('div', { class: 'error', role: 'alert' }, text);
}

/** Each render takes a ticket; an answer that arrives after a newer render started is dropped. */
export class Tickets {
  n = 0;
  take() {
    const mine = ++this.n;
    return () => mine === this.n;
  }
}

export const intersects = (changed, keys) => changed === null || keys.some((k) => changed.has(k));
