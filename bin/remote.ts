/**
 * What the CI-facing commands (`hotpath guard`, `diff`, `report`) share: reaching a Hotpath server (`--url`, else
 * HOTPATH_URL, else http://localhost:4040; `--token`, else HOTPATH_API_KEY; `--tenant` as X-Scope-OrgID), the
 * two sides of a comparison from the command line, and share formatting. A server that cannot be reached or
 * answers with an error is a `RemoteError`, which the commands turn into exit code 2, as usage errors.
 */
export class UsageError extends Error {}
export class RemoteError extends Error {}

export interface Remote {
  url: string;
  token?: string;
  tenant?: string;
}

export const REMOTE_OPTIONS = { url: { type: 'string' }, token: { type: 'string' }, tenant: { type: 'string' } } as const;

export const SIDE_OPTIONS = {
  baseline: { type: 'string' },
  comparison: { type: 'string' },
  from: { type: 'string' },
  until: { type: 'string' },
  'baseline-from': { type: 'string' },
  'baseline-until': { type: 'string' },
  'comparison-from': { type: 'string' },
  'comparison-until': { type: 'string' },
} as const;

export const REMOTE_USAGE = `  --url <hotpath url>   server to ask (default $HOTPATH_URL or http://localhost:4040)
  --token <api key>     API key (default $HOTPATH_API_KEY)
  --tenant <tenant>     X-Scope-OrgID, with multi-tenancy`;

export function remoteFrom(values: { url?: string; token?: string; tenant?: string }): Remote {
  const url = values.url ?? process.env.HOTPATH_URL ?? 'http://localhost:4040';
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(url)} is not a URL`);
  }
  return { url, token: values.token ?? process.env.HOTPATH_API_KEY, tenant: values.tenant };
}

export interface Side {
  query: string;
  from?: string;
  until?: string;
}

/** `--baseline`/`--comparison` selectors, each with `--<side>-from/until`, falling back to `--from/--until`. */
export function sidesFrom(values: Partial<Record<keyof typeof SIDE_OPTIONS, string>>): { baseline: Side; comparison: Side } {
  if (!values.baseline) throw new UsageError('--baseline <query> is required');
  if (!values.comparison) throw new UsageError('--comparison <query> is required');
  return {
    baseline: { query: values.baseline, from: values['baseline-from'] ?? values.from, until: values['baseline-until'] ?? values.until },
    comparison: { query: values.comparison, from: values['comparison-from'] ?? values.from, until: values['comparison-until'] ?? values.until },
  };
}

export async function callApi<T>(remote: Remote, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (remote.token) headers.authorization = `Bearer ${remote.token}`;
  if (remote.tenant) headers['x-scope-orgid'] = remote.tenant;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(new URL(path, remote.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new RemoteError(`cannot reach ${remote.url}: ${cause}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      const e = JSON.parse(text).error;
      if (e) message = `${e.code}: ${e.message}`;
    } catch {
      /* not an api.md error body: show it as is */
    }
    throw new RemoteError(`${method} ${path}: ${res.status} ${message}`);
  }
  return JSON.parse(text) as T;
}

/** A share (0..1) as a percentage with two decimals: `12.34%`. */
export const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
/** A share change in percentage points with its sign: `+1.23 pp`. */
export const pp = (v: number): string => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)} pp`;

/** Runs a command body: usage errors and unreachable/erroring servers → 2 with the message on stderr. */
export async function runRemote(name: string, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError || err instanceof RemoteError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`hotpath ${name}: ${(err as Error).message}\n`);
      if (!(err instanceof RemoteError)) process.stderr.write(`${usage}\n`);
      return 2;
    }
    throw err;
  }
}
