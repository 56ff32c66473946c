/**
 * Freshness: how long after its 200 a profile is visible in /api/v1/top. A probe agent (its own service, same run
 * label) pushes once per second during the run; after each ack it polls /top for its service until the total
 * reaches what it has sent so far. Its pushes count in the run's totals like any other agent's.
 */
import type { Sender } from './sender.ts';
import { agentPush, type Agent } from './run.ts';
import type { Variant } from './variants.ts';

export const CPU_TYPE_ID = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';

export interface FreshnessResult {
  delaysMs: number[];
  /** Probe pushes answered 200, and their totals per sample type (added to the run's totals by the caller). */
  ok: number;
  sent: bigint[];
  samples: number;
  timeouts: number;
}

async function topTotal(url: string, service: string, fromS: number): Promise<bigint> {
  const q = encodeURIComponent(`${CPU_TYPE_ID}{service_name="${service}"}`);
  const res = await fetch(`${url}/api/v1/top?query=${q}&from=${fromS - 60}&until=${Math.floor(Date.now() / 1000) + 60}&limit=1`);
  const body = (await res.json()) as { total?: number | string };
  if (res.status !== 200) throw new Error(`/top answered ${res.status}: ${JSON.stringify(body)}`);
  return BigInt(body.total ?? 0);
}

export async function probeFreshness(
  url: string,
  sender: Sender,
  runId: string,
  variant: Variant,
  cpuIndex: number,
  until: () => boolean,
): Promise<FreshnessResult> {
  const probe: Agent = { service: 0, version: 0, zone: 0, pod: 0, phaseMs: 0 };
  const r: FreshnessResult = { delaysMs: [], ok: 0, sent: variant.totals.map(() => 0n), samples: 0, timeouts: 0 };
  const fromS = Math.floor(Date.now() / 1000);
  while (!until()) {
    const started = Date.now();
    const push = agentPush(probe, runId, variant.gz, Math.floor(started / 1000));
    push.service = `fleet-${runId}-probe`;
    const reply = await sender.send(push);
    if (reply.status === 200) {
      const acked = Date.now();
      r.ok++;
      r.samples += variant.samples;
      variant.totals.forEach((t, i) => (r.sent[i] += t));
      const want = r.sent[cpuIndex];
      let seen = false;
      while (Date.now() - acked < 30_000) {
        if ((await topTotal(url, push.service, fromS)) >= want) {
          seen = true;
          break;
        }
        await new Promise((res) => setTimeout(res, 25));
      }
      if (seen) r.delaysMs.push(Date.now() - acked);
      else r.timeouts++;
    }
    await new Promise((res) => setTimeout(res, Math.max(0, 1000 - (Date.now() - started))));
  }
  return r;
}
