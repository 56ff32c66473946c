import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotpathError } from '../errors.ts';
import { oracleTotals, readProfileFile } from '../../test/helpers/pprof-oracle.ts';
import { pprofToOtlp } from '../../test/helpers/pprof-to-otlp.ts';
import { pprofsFromOtlp, type OtlpExportRequest } from './otlp.ts';

const sum = (o: { columns: { samples: { values: Float64Array } } }) => Array.from(o.columns.samples.values).reduce((a, v) => a + BigInt(v), 0n);

test('OTLP from real profiles → pprofs with the same totals per sample type, labels from the resource', () => {
  for (const file of ['node-heap.pb.gz', 'go-heap-4-types.pb.gz', 'go-cpu-fib.pb.gz']) {
    const bytes = readProfileFile(file);
    const req = pprofToOtlp(bytes, { serviceName: 'svc', timeUnixNano: 1_700_000_000_000_000_000n, resourceAttrs: { 'host.name': 'h1' } }) as OtlpExportRequest;
    const out = pprofsFromOtlp(req);
    const oracle = oracleTotals(bytes);
    assert.equal(out.length, oracle.length, file);
    out.forEach((o, i) => {
      const type = o.columns.strings.get(o.columns.sampleTypes[0].type);
      assert.equal(o.labels.service_name, 'svc');
      assert.equal(o.labels['service.name'], 'svc');
      assert.equal(o.labels['host.name'], 'h1');
      assert.equal(o.columns.timeNanos, 1_700_000_000_000_000_000n);
      // Go CPU `samples:count` with a cpu period is turned into nanoseconds (× period), as Pyroscope does.
      if (oracle[i].type === 'samples' && type === 'cpu') {
        assert.equal(o.labels.__name__, 'process_cpu');
        assert.equal(sum(o), oracle[i].total * 10_000_000n, file);
      } else {
        assert.equal(type, oracle[i].type, file);
        assert.equal(sum(o), oracle[i].total, `${file} ${type}`);
      }
    });
  }
});

test('OTLP: samples split by the sample attribute service.name; timestamps count when values are absent', () => {
  const req: OtlpExportRequest = {
    resourceProfiles: [
      {
        resource: { attributes: [{ key: 'process.executable.name', value: { stringValue: 'bin' } }] },
        scopeProfiles: [
          {
            profiles: [
              {
                sampleType: { typeStrindex: 1, unitStrindex: 2 },
                samples: [
                  { stackIndex: 1, values: [5], attributeIndices: [1] },
                  { stackIndex: 1, timestampsUnixNano: ['1', '2', '3'] },
                ],
              },
            ],
          },
        ],
      },
    ],
    dictionary: {
      stringTable: ['', 'events', 'nanoseconds', 'main', 'service.name', 'api'],
      functionTable: [{}, { nameStrindex: 3 }],
      locationTable: [{}, { lines: [{ functionIndex: 1 }] }],
      stackTable: [{}, { locationIndices: [1] }],
      attributeTable: [{}, { keyStrindex: 4, value: { stringValue: 'api' } }],
    },
  };
  const out = pprofsFromOtlp(req);
  assert.deepEqual(
    out.map((o) => [o.labels.service_name, o.labels.__name__, sum(o)]),
    [
      ['api', 'offcpu', 5n],
      ['unknown_service:bin', 'offcpu', 3n],
    ],
  );
});

test('OTLP: dangling indices and missing parts are refused, naming where', () => {
  const base = (): OtlpExportRequest => ({
    resourceProfiles: [{ scopeProfiles: [{ profiles: [{ sampleType: { typeStrindex: 1, unitStrindex: 1 }, samples: [{ stackIndex: 3, values: [1] }] }] }] }],
    dictionary: { stringTable: ['', 'x'], stackTable: [{}] },
  });
  assert.throws(
    () => pprofsFromOtlp(base()),
    (e: unknown) => e instanceof HotpathError && e.code === 'invalid_profile' && e.message === 'resource 0 scope 0 profile 0: stack index 3 out of range (1 entries)',
  );
  assert.throws(() => pprofsFromOtlp({ ...base(), dictionary: null }), /^HotpathError: missing profile metadata dictionary$/);
  const noType = base();
  delete noType.resourceProfiles![0].scopeProfiles![0].profiles![0].sampleType;
  assert.throws(() => pprofsFromOtlp(noType), /resource 0 scope 0 profile 0: sample type is missing/);
});

test('OTLP → normalized profiles through the pprof path: same totals, type names by the pprof rules', async () => {
  const { profilesFromOtlp } = await import('./otlp.ts');
  const bytes = readProfileFile('node-heap.pb.gz');
  const req = pprofToOtlp(bytes, { serviceName: 'svc', timeUnixNano: 1_700_000_000_000_000_000n }) as OtlpExportRequest;
  const out = profilesFromOtlp(req, { tenant: 't', labels: {}, timeFallbackMs: 0 });
  assert.deepEqual(
    out.map((p) => [p.type.id, p.labels.service_name, p.timeMs, p.stacks.reduce((a, s) => a + BigInt(s.value), 0n)]),
    oracleTotals(bytes).map((o) => [`memory:${o.type}:${o.unit}:inuse_space:bytes`, 'svc', 1_700_000_000_000, o.total]),
  );
});
