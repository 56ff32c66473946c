/**
 * The Kubernetes manifests agree with the code: every Deployment runs a role `bin/hotpath.ts` knows, on the port
 * lib/config reads from the ConfigMap, with probes on the routes lib/http/health.ts serves; every HOTPATH_* name
 * the manifests set is one lib/config reads, and the ConfigMap loads into a valid configuration; every Service
 * selects its Deployment's pods and targets a declared container port.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ALL_ROLES, loadConfig } from '../../lib/config/index.ts';

const DIR = new URL('./', import.meta.url).pathname;
const CONFIG_SOURCE = readFileSync(new URL('../../lib/config/index.ts', import.meta.url), 'utf8');
const HEALTH_SOURCE = readFileSync(new URL('../../lib/http/health.ts', import.meta.url), 'utf8');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: any;
}

const objects: K8sObject[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) =>
    parseAllDocuments(readFileSync(DIR + f, 'utf8')).map((d) => {
      assert.deepEqual(d.errors, [], `${f} parses`);
      return d.toJS() as K8sObject;
    }),
  )
  .filter(Boolean);

const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const configMap = byKind('ConfigMap').find((c) => c.metadata.name === 'hotpath-config')!;

describe('deploy/k8s manifests', () => {
  it('has one Deployment and one Service per role, and the ConfigMap', () => {
    assert.ok(configMap, 'ConfigMap hotpath-config');
    assert.deepEqual(byKind('Deployment').map((d) => d.metadata.name).sort(), ALL_ROLES.map((r) => `hotpath-${r}`).sort());
    assert.deepEqual(byKind('Service').map((d) => d.metadata.name).sort(), ALL_ROLES.map((r) => `hotpath-${r}`).sort());
  });

  it('sets only HOTPATH_* variables that lib/config reads, and the ConfigMap loads', () => {
    const names = new Set<string>(Object.keys(configMap.data ?? {}));
    for (const d of byKind('Deployment')) for (const c of d.spec.template.spec.containers) for (const e of c.env ?? []) names.add(e.name);
    assert.ok(names.size > 10);
    for (const n of names) {
      assert.match(n, /^HOTPATH_/, `${n} is a Hotpath setting`);
      assert.ok(CONFIG_SOURCE.includes(`'${n}'`), `lib/config reads ${n}`);
    }
    const cfg = loadConfig({ ...configMap.data });
    assert.equal(cfg.port, 4040);
    assert.ok(cfg.kafka.brokers.length > 0, 'Kafka brokers configured: the roles run in separate pods');
    assert.match(cfg.clickhouse.url, /^https?:\/\//, 'a ClickHouse server: the embedded engine cannot be shared between pods');
    assert.ok(cfg.kafka.partitions >= byKind('Deployment').find((d) => d.metadata.name === 'hotpath-aggregator')!.spec.replicas, 'no more aggregators than partitions');
  });

  for (const role of ALL_ROLES) {
    it(`hotpath-${role}: role argument, port, probes, resources, Service`, () => {
      const d = byKind('Deployment').find((x) => x.metadata.name === `hotpath-${role}`)!;
      const podLabels = d.spec.template.metadata.labels;
      assert.deepEqual(d.spec.selector.matchLabels, Object.fromEntries(Object.keys(d.spec.selector.matchLabels).map((k) => [k, podLabels[k]])));
      const [c] = d.spec.template.spec.containers;
      assert.deepEqual([...c.command, ...c.args], ['node', '--import', 'tsx', 'bin/hotpath.ts', role]);
      assert.deepEqual(c.envFrom, [{ configMapRef: { name: 'hotpath-config' } }]);
      const port = c.ports.find((p: { name: string }) => p.name === 'http');
      assert.equal(port.containerPort, Number(configMap.data!.HOTPATH_PORT));
      assert.deepEqual(c.readinessProbe.httpGet, { path: '/ready', port: 'http' });
      assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthy', port: 'http' });
      assert.ok(HEALTH_SOURCE.includes(`'/ready'`) && HEALTH_SOURCE.includes(`'/healthy'`), 'the health routes exist');
      assert.match(String(c.resources.requests.cpu), /^\d+(m)?$/);
      assert.match(String(c.resources.requests.memory), /^\d+(Mi|Gi)$/);
      const svc = byKind('Service').find((x) => x.metadata.name === `hotpath-${role}`)!;
      for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(podLabels[k], v, `Service hotpath-${role} selects the pods (${k})`);
      for (const p of svc.spec.ports) assert.ok(c.ports.some((cp: { name: string; containerPort: number }) => cp.name === p.targetPort || cp.containerPort === p.targetPort), `Service port ${p.name} targets a container port`);
    });
  }
});
