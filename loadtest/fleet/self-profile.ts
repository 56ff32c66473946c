/**
 * `fleet.ts --self-profile DIR`: the server under test profiles itself (lib/telemetry/self-profile.ts) into a second
 * Hotpath started here; after the run, that Hotpath's CPU top tables and flame graph over the run window are kept
 * in DIR: top-self.json, top-total.json, flamegraph.json, flamegraph.svg (a static rendering of the same tree, as
 * the UI has no server-side renderer) and profile.pb.gz (the merged pprof: `go tool pprof`, speedscope, or another
 * Hotpath). The markdown summary printed is what BENCHMARKS.md's "Hotpath profiled by Hotpath" holds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml as esc } from '../../services/query/report-html.ts';
import { startServer, type TestServer } from '../../test/helpers/server.ts';
import { rangeParams } from './verify.ts';

export const SELF_PROFILE_NAME = 'hotpath-fleet';
/** CPU time beside wall time (the SDK's wall profile with collectCpuTime). */
const CPU = 'wall:cpu:nanoseconds:wall:nanoseconds';

interface FlameNode {
  name: string;
  self: number | string;
  total: number | string;
  children: FlameNode[];
}
interface Top {
  total: number | string;
  rows: { function: string; self: number; total: number }[];
}

// The UI's own layout and colours (plain ES modules without typings: loaded through a computed specifier).
interface Layout {
  count: number;
  names: string[];
  depth: Uint16Array;
  start: Float64Array;
  width: Float64Array;
  self: Float64Array;
  maxDepth: number;
  rootTotal: number;
}
const ui = (file: string) => import(new URL(`../../services/query/ui/${file}`, import.meta.url).href);
const { flattenTree } = (await ui('flame-layout.js')) as { flattenTree: (root: FlameNode) => Layout };
const { nameColor } = (await ui('colors.js')) as { nameColor: (name: string) => string };

export interface SelfProfileReceiver {
  server: TestServer;
  /** Environment for the server under test. */
  env: Record<string, string>;
}

export async function startReceiver(): Promise<SelfProfileReceiver> {
  // One-second buckets: the run window then cuts the profile at its edges, not at 10 s boundaries.
  const server = await startServer({ env: { HOTPATH_BUCKET_SECONDS: '1' } });
  return {
    server,
    // Uploads every second, the shortest the configuration allows: the run window then cuts cleanly.
    env: { HOTPATH_SELF_PROFILE_URL: server.url, HOTPATH_SELF_PROFILE_NAME: SELF_PROFILE_NAME, HOTPATH_SELF_PROFILE_INTERVAL_MS: '1000' },
  };
}

async function get(url: string): Promise<Response> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res;
}

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

/** An icicle (root on top) as SVG: one rect per node at least `minPx` wide, a label where it fits, a tooltip each. */
export function flameGraphSvg(root: FlameNode, title: string, width = 1200, minPx = 0.5): string {
  const L = flattenTree(root);
  const ROW = 17;
  const scale = width / (L.rootTotal || 1);
  const out: string[] = [];
  let maxDepth = 0;
  for (let i = 0; i < L.count; i++) {
    const w = L.width[i]! * scale;
    if (w < minPx) continue;
    const x = L.start[i]! * scale;
    const y = 24 + L.depth[i]! * ROW;
    maxDepth = Math.max(maxDepth, L.depth[i]!);
    const name = L.names[i]!;
    const tip = `${name}\ntotal ${pct(L.width[i]!, L.rootTotal)}, self ${pct(L.self[i]!, L.rootTotal)}`;
    const room = Math.floor((w - 4) / 6.5);
    const label = room < 3 ? '' : `<text x="${(x + 2).toFixed(1)}" y="${y + 12}">${esc(name.length > room ? `${name.slice(0, room - 1)}…` : name)}</text>`;
    out.push(`<g><title>${esc(tip)}</title><rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(w - 0.5, 0.5).toFixed(1)}" height="${ROW - 1}" fill="${i === 0 ? '#ccc' : nameColor(name)}"/>${label}</g>`);
  }
  const height = 24 + (maxDepth + 1) * ROW + 4;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
    `<text x="4" y="16" font-size="13">${esc(title)}</text>`,
    ...out,
    '</svg>\n',
  ].join('\n');
}

/** Nodes of the flame graph worth naming: at least `minShare` of the total, chains of one child folded. */
function outline(root: FlameNode, minShare: number, maxDepth: number): string[] {
  const total = Number(root.total);
  const lines: string[] = [];
  const walk = (n: FlameNode, depth: number, indent: number) => {
    for (const c of n.children) {
      if (Number(c.total) < minShare * total || depth > maxDepth) continue;
      // A node whose whole total is one child's says nothing more: show the child under the same bullet.
      let shown = c;
      const chain = [c.name];
      while (shown.children.length === 1 && Number(shown.self) === 0) {
        shown = shown.children[0]!;
        chain.push(shown.name);
      }
      const names = chain.length > 3 ? `${chain[0]} → … → ${chain[chain.length - 1]}` : chain.join(' → ');
      lines.push(`${'  '.repeat(indent)}- ${pct(Number(c.total), total)} \`${names}\` (self of the last ${pct(Number(shown.self), total)})`);
      walk(shown, depth + chain.length, indent + 1);
    }
  };
  walk(root, 1, 0);
  return lines;
}

/** Fetches the run window's CPU profile of the server under test from the receiver, keeps it in `dir`, summarizes it. */
export async function captureSelfProfile(receiverUrl: string, dir: string, fromS: number, untilS: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const query = `query=${encodeURIComponent(`${CPU}{service_name="${SELF_PROFILE_NAME}"}`)}&${rangeParams(fromS, untilS)}`;
  const bySelf = (await (await get(`${receiverUrl}/api/v1/top?${query}&limit=15&sort=self`)).json()) as Top;
  const byTotal = (await (await get(`${receiverUrl}/api/v1/top?${query}&limit=25&sort=total`)).json()) as Top;
  const flame = (await (await get(`${receiverUrl}/api/v1/flamegraph?${query}&maxNodes=1024`)).json()) as { total: number | string; root: FlameNode };
  const pprof = Buffer.from(await (await get(`${receiverUrl}/api/v1/export/pprof?${query}`)).arrayBuffer());
  const series = (await (await get(`${receiverUrl}/api/v1/series?${query}`)).json()) as { series: { labels: Record<string, string> }[] };
  writeFileSync(join(dir, 'top-self.json'), `${JSON.stringify(bySelf, null, 1)}\n`);
  writeFileSync(join(dir, 'top-total.json'), `${JSON.stringify(byTotal, null, 1)}\n`);
  writeFileSync(join(dir, 'flamegraph.json'), `${JSON.stringify(flame)}\n`);
  writeFileSync(join(dir, 'profile.pb.gz'), pprof);
  const title = `Hotpath under the fleet benchmark: CPU (${CPU}), ${new Date(fromS * 1000).toISOString()} + ${untilS - fromS} s`;
  writeFileSync(join(dir, 'flamegraph.svg'), flameGraphSvg(flame.root, title));

  const total = Number(bySelf.total);
  const row = (r: Top['rows'][number], i: number) => `| ${i + 1} | \`${r.function}\` | ${pct(r.self, total)} | ${pct(r.total, total)} |`;
  return [
    `CPU total ${(total / 1e9).toFixed(1)} s over ${untilS - fromS} s (from ${fromS} until ${untilS}); series ${series.series.map((s) => JSON.stringify(s.labels)).join(', ')}`,
    '',
    '| # | function (by self) | self | total |',
    '|---:|---|---:|---:|',
    ...bySelf.rows.map(row),
    '',
    '| # | function (by total) | self | total |',
    '|---:|---|---:|---:|',
    ...byTotal.rows.map(row),
    '',
    'Flame graph outline (≥ 3 % of the total):',
    '',
    ...outline(flame.root, 0.03, 12),
  ].join('\n');
}
