/** CPU time and memory of a process, from /proc (Linux): what the report shows as CPU% and RSS. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const TICKS = 100; // USER_HZ: 100 on every Linux this runs on

export interface ProcSample {
  cpuSeconds: number;
  rssBytes: number;
  atMs: number;
}

export function sampleProc(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(f[11]) + Number(f[12])) / TICKS;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds, rssBytes: rss ? Number(rss[1]) * 1024 : 0, atMs: Date.now() };
}

/** Peak RSS so far (VmHWM). */
export function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export function cpuPercent(a: ProcSample, b: ProcSample): number {
  return (100 * (b.cpuSeconds - a.cpuSeconds)) / ((b.atMs - a.atMs) / 1000);
}

/** Bytes under a directory (apparent file sizes), e.g. the embedded ClickHouse's data. */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) continue;
    total += s.isDirectory() ? dirBytes(p) : s.size;
  }
  return total;
}
