/**
 * The fleet run: N agents (services × versions × zones × pods), each pushing every `periodSeconds`, phases spread
 * evenly so the offered rate is N / P profiles/s. Open loop up to `maxInFlight` requests at once; pushes due while
 * the cap is reached wait their turn and are counted as `late` (the server is the bottleneck then, and the achieved
 * rate is its ceiling). Bounded by `seconds` and by `maxProfiles`. Every 200 adds its variant's totals to `sent`.
 */
import type { Variant } from './variants.ts';
import type { Push, Sender } from './sender.ts';

export interface FleetShape {
  services: number;
  versions: number;
  zones: number;
  pods: number;
  periodSeconds: number;
  podClasses: number;
  generationSeconds: number;
  generations: number;
}

export interface Agent {
  service: number;
  version: number;
  zone: number;
  pod: number;
  phaseMs: number;
}

export function agentsOf(shape: FleetShape): Agent[] {
  const agents: Agent[] = [];
  for (let s = 0; s < shape.services; s++)
    for (let v = 0; v < shape.versions; v++)
      for (let z = 0; z < shape.zones; z++) for (let p = 0; p < shape.pods; p++) agents.push({ service: s, version: v, zone: z, pod: p, phaseMs: 0 });
  agents.forEach((a, i) => (a.phaseMs = (i / agents.length) * shape.periodSeconds * 1000));
  return agents;
}

export interface RunResult {
  ok: number;
  failed: Map<string, number>;
  late: number;
  latencies: number[];
  sent: bigint[];
  samples: number;
  wireBytes: number;
  seconds: number;
  firstSecond: number;
  lastSecond: number;
  /** Every push answered 200: which agent, which generation of its variant, which second (for the baselines). */
  log: { agent: number; generation: number; second: number }[];
}

export interface RunOptions {
  shape: FleetShape;
  runId: string;
  seconds: number;
  maxProfiles: number;
  maxInFlight: number;
  variantOf: (a: Agent, generation: number) => Variant;
  sampleTypes: number;
}

export function agentPush(a: Agent, runId: string, gz: Buffer, second: number): Push {
  return {
    service: `fleet-${runId}-svc${a.service}`,
    labels: { version: `v${a.version}`, zone: `zone-${a.zone}`, pod: `pod-${a.service}-${a.version}-${a.zone}-${a.pod}`, fleet_run: runId },
    gz,
    second,
  };
}

export async function runFleet(sender: Sender, o: RunOptions): Promise<RunResult> {
  const agents = agentsOf(o.shape);
  const periodMs = o.shape.periodSeconds * 1000;
  const r: RunResult = { ok: 0, failed: new Map(), late: 0, latencies: [], sent: Array(o.sampleTypes).fill(0n), samples: 0, wireBytes: 0, seconds: 0, firstSecond: 0, lastSecond: 0, log: [] };
  const t0 = Date.now();
  r.firstSecond = Math.floor(t0 / 1000);
  const endAt = t0 + o.seconds * 1000;
  let inFlight = 0;
  let issued = 0;
  let next = 0; // index into the endless schedule: push k is agent k % N, round floor(k / N)
  let wake: (() => void) | undefined;
  const dueAt = (k: number) => t0 + Math.floor(k / agents.length) * periodMs + agents[k % agents.length].phaseMs;

  const fire = (k: number) => {
    const a = agents[k % agents.length];
    const nowMs = Date.now();
    const second = Math.floor(nowMs / 1000);
    const generation = Math.min(o.shape.generations - 1, Math.floor((nowMs - t0) / 1000 / o.shape.generationSeconds));
    const v = o.variantOf(a, generation);
    const push = agentPush(a, o.runId, v.gz, second);
    if (nowMs - dueAt(k) > 1000) r.late++;
    inFlight++;
    issued++;
    const started = performance.now();
    sender
      .send(push)
      .then((reply) => {
        if (reply.status === 200) {
          r.ok++;
          r.latencies.push(performance.now() - started);
          for (let i = 0; i < v.totals.length; i++) r.sent[i] += v.totals[i];
          r.samples += v.samples;
          r.wireBytes += push.gz.length;
          r.lastSecond = Math.max(r.lastSecond, second);
          r.log.push({ agent: k % agents.length, generation, second });
        } else {
          const key = `${reply.status} ${reply.body.slice(0, 120)}`;
          r.failed.set(key, (r.failed.get(key) ?? 0) + 1);
        }
      })
      .catch((err: Error) => r.failed.set(`error ${err.message}`, (r.failed.get(`error ${err.message}`) ?? 0) + 1))
      .finally(() => {
        inFlight--;
        wake?.();
      });
  };

  while (Date.now() < endAt && issued < o.maxProfiles) {
    const now = Date.now();
    while (inFlight < o.maxInFlight && issued < o.maxProfiles && dueAt(next) <= now) fire(next++);
    const waitMs = inFlight >= o.maxInFlight ? 50 : Math.max(0, Math.min(50, dueAt(next) - now));
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, waitMs);
    });
    wake = undefined;
  }
  while (inFlight > 0) await new Promise((res) => setTimeout(res, 10));
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}
