/**
 * `hotpath keys create|list|revoke`: API key management from the command line. Answers are JSON on stdout.
 *
 *   hotpath keys create --tenant <t> --scopes ingest,query[,admin] [--name <n>]
 *   hotpath keys list [--tenant <t>]
 *   hotpath keys revoke <id> [--tenant <t>]
 *
 * Two ways to reach the keys:
 * - `--url <hotpath>` (or HOTPATH_URL): through a running server's admin API, authenticated with the admin key in
 *   HOTPATH_API_KEY; the key's tenant is the one acted on.
 * - otherwise directly in ClickHouse, with the server's configuration (HOTPATH_* / HOTPATH_CONFIG): how the first
 *   admin key of a tenant is made. With the embedded engine the data dir must not be open in a running server
 *   (one process per data dir); against a ClickHouse server it works at any time.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config/index.ts';
import { Store } from '../lib/store/store.ts';
import { parseScopes } from '../lib/tenancy/api-keys.ts';
import { KeyStore } from '../lib/tenancy/key-store.ts';
import { ANONYMOUS } from '../lib/tenancy/tenant.ts';

export const KEYS_USAGE = `usage: hotpath keys <create|list|revoke> [options]
  create --tenant <t> --scopes ingest,query,admin [--name <n>]
  list [--tenant <t>]
  revoke <id> [--tenant <t>]
  --url <hotpath url>   use a running server's admin API (admin key in HOTPATH_API_KEY); default: ClickHouse directly`;

class UsageError extends Error {}

async function viaApi(url: string, method: string, path: string, tenant: string | undefined, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (process.env.HOTPATH_API_KEY) headers.authorization = `Bearer ${process.env.HOTPATH_API_KEY}`;
  if (tenant) headers['x-scope-orgid'] = tenant;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path, url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function direct<T>(fn: (keys: KeyStore) => Promise<T>): Promise<T> {
  const store = await Store.open(loadConfig(process.env));
  try {
    const keys = new KeyStore(store);
    await keys.refresh();
    return await fn(keys);
  } finally {
    await store.close();
  }
}

export async function keysCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { tenant: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' }, url: { type: 'string' } },
    });
  } catch (err) {
    process.stderr.write(`hotpath keys: ${(err as Error).message}\n${KEYS_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub, ...rest] = positionals;
  const url = values.url ?? process.env.HOTPATH_URL;
  try {
    let out: unknown;
    if (sub === 'create') {
      if (values.scopes === undefined) throw new UsageError('create needs --scopes');
      const scopes = parseScopes(values.scopes);
      const name = values.name ?? '';
      if (url) out = await viaApi(url, 'POST', '/api/v1/keys', values.tenant, { name, scopes });
      else {
        const tenant = values.tenant ?? ANONYMOUS;
        out = await direct(async (keys) => {
          const { key, info } = await keys.create(tenant, name, scopes);
          return { key, ...info };
        });
      }
    } else if (sub === 'list') {
      out = url ? await viaApi(url, 'GET', '/api/v1/keys', values.tenant) : await direct(async (keys) => ({ keys: await keys.list(values.tenant) }));
    } else if (sub === 'revoke') {
      const id = rest[0];
      if (!id) throw new UsageError('revoke needs a key id');
      if (url) out = await viaApi(url, 'DELETE', `/api/v1/keys/${encodeURIComponent(id)}`, values.tenant);
      else {
        out = await direct((keys) => keys.revoke(id, values.tenant));
        if (!out) throw new Error(`no API key ${JSON.stringify(id)}${values.tenant ? ` in tenant ${JSON.stringify(values.tenant)}` : ''}`);
      }
    } else {
      throw new UsageError(`unknown keys command ${JSON.stringify(sub ?? '')}`);
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`hotpath keys: ${(err as Error).message}\n`);
    if (err instanceof UsageError) process.stderr.write(`${KEYS_USAGE}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
