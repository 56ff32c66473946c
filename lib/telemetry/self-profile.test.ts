import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/index.ts';
import { roleTag, SDK_PACKAGE, startSelfProfile } from './self-profile.ts';

describe('self-profiling configuration', () => {
  it('is off by default and never loads the SDK then', async () => {
    const cfg = loadConfig({});
    assert.deepEqual(cfg.selfProfile, { url: '', name: 'hotpath', uploadIntervalMs: 10_000 });
    const profiler = await startSelfProfile(cfg.selfProfile, cfg.roles, () => assert.fail('SDK loaded while off'));
    assert.equal(profiler, undefined);
  });

  it('takes a base URL (trailing slash dropped: the SDK appends /ingest), a name and an interval', () => {
    const cfg = loadConfig({ HOTPATH_SELF_PROFILE_URL: 'https://profiles.example:4040/', HOTPATH_SELF_PROFILE_NAME: 'hotpath-eu', HOTPATH_SELF_PROFILE_INTERVAL_MS: '1000' });
    assert.deepEqual(cfg.selfProfile, { url: 'https://profiles.example:4040', name: 'hotpath-eu', uploadIntervalMs: 1000 });
  });

  it('refuses at startup what the SDK would garble or drop silently', () => {
    for (const url of ['profiles:4040', 'localhost', 'ftp://profiles:21', 'http://profiles:4040/?x=1']) {
      assert.throws(() => loadConfig({ HOTPATH_SELF_PROFILE_URL: url }), /HOTPATH_SELF_PROFILE_URL must be the http\(s\) base URL/, url);
    }
    for (const name of ['', 'hotpath{a=b}', 'a,b']) {
      assert.throws(() => loadConfig({ HOTPATH_SELF_PROFILE_URL: 'http://p:4040', HOTPATH_SELF_PROFILE_NAME: name }), /HOTPATH_SELF_PROFILE_NAME/, name);
    }
    assert.throws(() => loadConfig({ HOTPATH_SELF_PROFILE_URL: 'http://p:4040', HOTPATH_SELF_PROFILE_INTERVAL_MS: '500' }), /HOTPATH_SELF_PROFILE_INTERVAL_MS must be an integer ≥ 1000/);
  });

  it('names the package when it is on but the SDK is not installed', async () => {
    const missing = Object.assign(new Error(`Cannot find package '${SDK_PACKAGE}' imported from /app/lib/telemetry/self-profile.ts`), { code: 'ERR_MODULE_NOT_FOUND' });
    await assert.rejects(
      startSelfProfile({ url: 'http://p:4040', name: 'hotpath', uploadIntervalMs: 1000 }, ['ingest'], () => Promise.reject(missing)),
      (err: Error) => err.message.includes(`${SDK_PACKAGE} cannot be loaded`) && err.message.includes('unset HOTPATH_SELF_PROFILE_URL'),
    );
  });

  it('tags the roles: all for a single node, else joined by +', () => {
    assert.equal(roleTag(['ingest', 'aggregator', 'query']), 'all');
    assert.equal(roleTag(['query', 'ingest']), 'ingest+query');
    assert.equal(roleTag(['aggregator']), 'aggregator');
  });
});
