/**
 * The web page's static routes: content types, ETag revalidation, only files of ui/ served, and nothing under
 * /api or the other service prefixes taken over.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { installErrorHandling } from '../../lib/http/errors.ts';
import { loadAssets, uiRoutes } from './ui-routes.ts';

async function app() {
  const a = Fastify();
  installErrorHandling(a);
  await a.register(uiRoutes);
  return a;
}

describe('web page routes', () => {
  it('serves index.html at / and the modules and styles under /ui/ with their content types', async () => {
    const a = await app();
    const index = await a.inject('/');
    assert.equal(index.statusCode, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.body, readFileSync(new URL('./ui/index.html', import.meta.url), 'utf8'));
    const js = await a.inject('/ui/app.js');
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.body, readFileSync(new URL('./ui/app.js', import.meta.url), 'utf8'));
    const css = await a.inject('/ui/style.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await a.inject('/ui/')).body, index.body);
    const bare = await a.inject('/ui');
    assert.deepEqual([bare.statusCode, bare.headers.location], [301, '/ui/']);
    await a.close();
  });

  it('revalidates with the ETag: 304 without a body when unchanged', async () => {
    const a = await app();
    const first = await a.inject('/ui/flamegraph.js');
    assert.equal(first.headers['cache-control'], 'no-cache');
    const etag = first.headers.etag as string;
    assert.match(etag, /^"[A-Za-z0-9_-]{22}"$/);
    const again = await a.inject({ url: '/ui/flamegraph.js', headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    const stale = await a.inject({ url: '/ui/flamegraph.js', headers: { 'if-none-match': '"other"' } });
    assert.equal(stale.statusCode, 200);
    await a.close();
  });

  it('serves only the files of ui/: unknown names and path tricks are 404 not_found', async () => {
    const a = await app();
    for (const url of ['/ui/nope.js', '/ui/../ui-routes.ts', '/ui/%2e%2e/ui-routes.ts', '/ui/..%2fplugin.ts', '/ui/style.css.map']) {
      const res = await a.inject(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(JSON.parse(res.body).error.code, 'not_found', url);
    }
    const missing = await a.inject('/ui/nope.js');
    assert.deepEqual(JSON.parse(missing.body), { error: { code: 'not_found', message: 'no web page file "nope.js" under /ui/' } });
    await a.close();
  });

  it('lists every module the page imports, and claims no API, ingest or health path', async () => {
    const assets = loadAssets();
    for (const [name, asset] of assets) {
      if (!name.endsWith('.js')) continue;
      for (const m of asset.body.toString('utf8').matchAll(/from '\.\/([^']+)'/g)) assert.ok(assets.has(m[1]!), `${name} imports ${m[1]}, which ui/ lacks`);
    }
    const a = await app();
    for (const url of ['/api/v1/top', '/ingest', '/metrics', '/ready', '/healthy', '/pyroscope/render', '/querier.v1.QuerierService/LabelNames', '/push.v1.PusherService/Push']) {
      const res = await a.inject(url);
      assert.deepEqual([res.statusCode, JSON.parse(res.body).error.message], [404, `no route GET ${url}`], url);
    }
    await a.close();
  });
});
