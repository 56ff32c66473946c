import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalLabelName,
  equivalentLabelNames,
  isLegacyLabelName,
  isValidLabelName,
  labelNamesEquivalent,
  lookupLabel,
} from './names.ts';

describe('label name grammar', () => {
  it('accepts legacy and dotted names', () => {
    for (const n of ['service_name', 'service.name', 'otel.scope.name', 'k8s.pod_name', '_x', '__name__', 'a1', 'A', 'a.1b']) {
      assert.equal(isValidLabelName(n), true, n);
    }
  });

  it('refuses everything else', () => {
    for (const n of ['', '1a', '.a', 'a.', 'a..b', 'a-b', 'a b', 'a/b', 'é', 'a:b']) {
      assert.equal(isValidLabelName(n), false, n);
    }
  });

  it('legacy names have no dots', () => {
    assert.equal(isLegacyLabelName('service_name'), true);
    assert.equal(isLegacyLabelName('service.name'), false);
    assert.equal(isLegacyLabelName('1a'), false);
  });
});

describe('dot/underscore equivalence', () => {
  it('canonical (Pyroscope 1.x) spelling replaces every dot', () => {
    assert.equal(canonicalLabelName('otel.scope.name'), 'otel_scope_name');
    assert.equal(canonicalLabelName('service_name'), 'service_name');
  });

  it('lists the name, its underscore spelling, then its dotted spelling', () => {
    assert.deepEqual(equivalentLabelNames('service_name'), ['service_name', 'service.name']);
    assert.deepEqual(equivalentLabelNames('service.name'), ['service.name', 'service_name']);
    assert.deepEqual(equivalentLabelNames('otel_scope_name'), ['otel_scope_name', 'otel.scope.name']);
    assert.deepEqual(equivalentLabelNames('k8s_pod_name'), ['k8s_pod_name', 'k8s.pod.name']);
    assert.deepEqual(equivalentLabelNames('http.response.status_code'), [
      'http.response.status_code',
      'http_response_status_code',
      'http.response.status.code',
    ]);
    assert.deepEqual(equivalentLabelNames('a.b_c'), ['a.b_c', 'a_b_c', 'a.b.c']);
  });

  it('reserved names match exactly', () => {
    assert.deepEqual(equivalentLabelNames('__name__'), ['__name__']);
    assert.deepEqual(equivalentLabelNames('__profile_type__'), ['__profile_type__']);
    assert.deepEqual(equivalentLabelNames('__service.name'), ['__service.name']);
  });

  it('leaves underscores that do not sit between letters or digits', () => {
    assert.deepEqual(equivalentLabelNames('_x_'), ['_x_']);
    assert.deepEqual(equivalentLabelNames('_a_b'), ['_a_b', '_a.b']);
    assert.deepEqual(equivalentLabelNames('a__b'), ['a__b']);
    assert.deepEqual(equivalentLabelNames('region'), ['region']);
  });

  it('names are equivalent when either reaches the other', () => {
    assert.equal(labelNamesEquivalent('service_name', 'service.name'), true);
    assert.equal(labelNamesEquivalent('service.name', 'service_name'), true);
    assert.equal(labelNamesEquivalent('http.response.status_code', 'http_response_status_code'), true);
    assert.equal(labelNamesEquivalent('http_response_status_code', 'http.response.status_code'), true);
    assert.equal(labelNamesEquivalent('zone', 'zone'), true);
    assert.equal(labelNamesEquivalent('ab', 'a_b'), false);
    assert.equal(labelNamesEquivalent('service_name', 'servicename'), false);
  });

  it('a series value: first listed name present, else absent', () => {
    assert.equal(lookupLabel({ 'service.name': 'a' }, 'service_name'), 'a');
    assert.equal(lookupLabel({ service_name: 'a' }, 'service.name'), 'a');
    assert.equal(lookupLabel({ service_name: 'a', 'service.name': 'b' }, 'service_name'), 'a');
    assert.equal(lookupLabel({ service_name: 'a', 'service.name': 'b' }, 'service.name'), 'b');
    assert.equal(lookupLabel({ 'otel.scope.name': 'go' }, 'otel_scope_name'), 'go');
    assert.equal(lookupLabel({ 'http.response.status_code': '200' }, 'http_response_status_code'), undefined);
    assert.equal(lookupLabel({ zone: 'eu' }, 'region'), undefined);
    assert.equal(lookupLabel({}, 'constructor'), undefined);
  });
});
