import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import { registry } from '../../lib/telemetry/metrics.ts';
import { checkRequiredLabels, missingRecommended, recordCoverage } from './label-contract.ts';

async function value(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return m?.value ?? 0;
}

test('required labels: missing → 400 missing_label naming the label; `a|b` takes either; dotted names match', () => {
  checkRequiredLabels({ service_name: 'x' }, DEFAULT_LIMITS.requiredLabels);
  checkRequiredLabels({ 'service.name': 'x' }, ['service_name']);
  let err: unknown;
  try {
    checkRequiredLabels({ service_name: 'x', team: '' }, ['service_name', 'team']);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof HotpathError);
  assert.deepEqual([err.status, err.code, err.reason], [400, 'missing_label', 'missing_label']);
  assert.equal(err.message, 'profile has no label "team", which this tenant requires (required labels: service_name, team)');
  checkRequiredLabels({ region: 'eu' }, ['zone|region']);
  assert.throws(() => checkRequiredLabels({ pod: 'p' }, ['zone|region']), { message: 'profile has no one of the labels "zone", "region", which this tenant requires (required labels: zone|region)' });
});

test('recommended labels: missing ones are listed and counted per service', async () => {
  const rec = DEFAULT_LIMITS.recommendedLabels;
  assert.deepEqual(missingRecommended({ service_name: 's', version: '1', region: 'eu' }, rec), ['pod', 'build_id']);
  const before = await value('hotpath_label_contract_missing_total', { tenant: 'lc', service: 's', label: 'pod' });
  const checked = await value('hotpath_label_contract_profiles_total', { tenant: 'lc', service: 's' });
  recordCoverage('lc', 's', { service_name: 's', version: '1', zone: 'a', build_id: 'b' }, rec);
  recordCoverage('lc', 's', { service_name: 's', version: '1', zone: 'a', build_id: 'b', pod: 'p' }, rec);
  assert.equal(await value('hotpath_label_contract_missing_total', { tenant: 'lc', service: 's', label: 'pod' }), before + 1);
  assert.equal(await value('hotpath_label_contract_missing_total', { tenant: 'lc', service: 's', label: 'version' }), 0);
  assert.equal(await value('hotpath_label_contract_profiles_total', { tenant: 'lc', service: 's' }), checked + 2);
});
