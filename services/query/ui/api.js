/** Calls to Hotpath's native API (api.md) with the tenant header and the API key the user gave this tab. */
const KEY_STORAGE = 'hotpath.apiKey';

export class ApiError extends Error {
  constructor(status, code, message, path) {
    super(message);
    this.status = status;
    this.code = code;
    this.path = path;
  }
}

let tenant = '';
export function setTenant(t) {
  tenant = t;
}

/** The key stays in sessionStorage (this tab only), never in the URL: links are shared, keys are not. */
export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}
export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

export function apiUrl(path, params = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `${path}${s ? `?${s}` : ''}`;
}

export async function getJson(path, params = {}, { signal } = {}) {
  const headers = { accept: 'application/json' };
  if (tenant) headers['x-scope-orgid'] = tenant;
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  const url = apiUrl(path, params);
  const res = await fetch(url, { headers, signal });
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const err = body?.error;
    // The page offers a key field when the server asks for one (HOTPATH_AUTH).
    if (res.status === 401) window.dispatchEvent(new CustomEvent('hotpath:unauthorized', { detail: err?.message }));
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? (text.slice(0, 200) || res.statusText), path);
  }
  return body;
}
