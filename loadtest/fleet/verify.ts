/**
 * The run's end check: for every sample type the fleet sent, Hotpath's /api/v1/top total over the run's range
 * (all profile types with that sample type and unit, selected by the run's label) must equal the sum of what was
 * answered 200 — zero loss, zero double count. Also times /top and /flamegraph on the same selection.
 */
export interface TypeCheck {
  type: string;
  unit: string;
  sent: bigint;
  stored: bigint;
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

export function rangeParams(fromS: number, untilS: number): string {
  return `from=${fromS}&until=${untilS}`;
}

export async function verifyTotals(
  url: string,
  runId: string,
  sampleTypes: { type: string; unit: string }[],
  sent: bigint[],
  range: string,
): Promise<TypeCheck[]> {
  const types = await getJson(`${url}/api/v1/profile-types?${range}`);
  if (types.status !== 200) throw new Error(`/profile-types answered ${types.status}`);
  const ids: string[] = types.body.profileTypes.map((t: { id: string }) => t.id);
  const checks: TypeCheck[] = [];
  for (const [i, st] of sampleTypes.entries()) {
    let stored = 0n;
    for (const id of ids.filter((x) => x.split(':')[1] === st.type && x.split(':')[2] === st.unit)) {
      const q = encodeURIComponent(`${id}{fleet_run="${runId}"}`);
      const top = await getJson(`${url}/api/v1/top?query=${q}&${range}&limit=1`);
      if (top.status !== 200) throw new Error(`/top ${id} answered ${top.status}: ${JSON.stringify(top.body)}`);
      stored += BigInt(top.body.total);
    }
    checks.push({ type: st.type, unit: st.unit, sent: sent[i], stored });
  }
  return checks;
}

/** Latencies (ms) of `n` calls of /top and of /flamegraph for one service's CPU profile over the range. */
export async function queryLatencies(url: string, selector: string, range: string, n: number): Promise<{ top: number[]; flame: number[] }> {
  const q = encodeURIComponent(selector);
  const out = { top: [] as number[], flame: [] as number[] };
  for (let i = 0; i < n; i++) {
    for (const [path, into] of [
      ['top', out.top],
      ['flamegraph', out.flame],
    ] as const) {
      const t0 = performance.now();
      const r = await fetch(`${url}/api/v1/${path}?query=${q}&${range}`);
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`/${path} answered ${r.status}`);
      into.push(performance.now() - t0);
    }
  }
  return out;
}
