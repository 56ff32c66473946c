/**
 * Hotpath profiling itself: with HOTPATH_SELF_PROFILE_URL set, the @pyroscope/nodejs SDK pushes this process's
 * wall/CPU and heap profiles to a second Hotpath, as any Node service would, so where Hotpath's own time goes is
 * answered by the same flame graphs and top tables it serves (BENCHMARKS.md, "Hotpath profiled by Hotpath").
 *
 * Which threads are seen. The SDK samples V8's CPU profiler and sampling heap profiler of the isolate that started
 * it: the main thread only (event loop, HTTP, ingest gate, aggregator batching, query assembly). The decode workers
 * (lib/profile/decode-pool.ts) are isolates of their own and are not sampled, so with HOTPATH_DECODE_WORKERS > 0 no
 * lib/profile/ decode frame appears. Their CPU is not lost from the CPU profile, only unnamed: the SDK reads the
 * process CPU clock and books what the main thread did not use (decode workers, libuv's pool running chdb's
 * queryAsync and gzip, chdb's own engine threads, V8's GC and compiler threads) as one opaque frame,
 * `Node.js;Non JS threads activity`; chdb's native code is never named. Wall time (wall:wall) is the main thread's
 * only. To see decode by function, run with HOTPATH_DECODE_WORKERS=0 (as BENCHMARKS.md's capture does).
 *
 * The SDK is a devDependency, imported only when self-profiling is on, so a production install without dev
 * dependencies starts as long as it stays off; on, a missing package is a startup error naming it.
 */
import { hostname } from 'node:os';
import { ALL_ROLES, type Role, type SelfProfileConfig } from '../config/index.ts';

export const SDK_PACKAGE = '@pyroscope/nodejs';

type Sdk = typeof import('@pyroscope/nodejs');

export interface SelfProfiler {
  /** The labels the profiles carry besides service_name (tests and logs). */
  tags: Record<string, string>;
  /** Stops sampling and uploads what was sampled since the last upload. */
  stop(): Promise<void>;
}

/** A profile's last upload must not hold up shutdown when the receiving Hotpath is gone or slow. */
const STOP_TIMEOUT_MS = 5000;

/** `all` for a single node; else the roles joined by `+` (a tag value cannot hold `,` in the SDK's name syntax). */
export function roleTag(roles: Role[]): string {
  return ALL_ROLES.every((r) => roles.includes(r)) ? 'all' : [...roles].sort().join('+');
}

function isMissingModule(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * The SDK (0.6.4) runs each upload round from a setImmediate queued by its timer, and its stop() clears the timer
 * but not an immediate already queued: that round then profiles a stopped profiler, and its rejected promise (no
 * handler) would kill the process mid-shutdown, before the last upload. Seen in the self-profiling test. Only those
 * errors are dropped; any other unhandled rejection still ends the process as Node's default does.
 */
const STOPPED_PROFILER_ERRORS = new Set(['Heap profiler is not enabled.', 'Wall profiler is not started']);
function ignoreRoundAfterStop(reason: unknown): void {
  if (reason instanceof Error && STOPPED_PROFILER_ERRORS.has(reason.message) && reason.stack?.includes(SDK_PACKAGE)) return;
  throw reason;
}

async function loadSdk(): Promise<Sdk> {
  return import('@pyroscope/nodejs');
}

/**
 * Starts self-profiling when configured (undefined when off). `load` is the SDK import, replaceable so that tests can
 * play a production install without it.
 */
export async function startSelfProfile(cfg: SelfProfileConfig, roles: Role[], load: () => Promise<Sdk> = loadSdk): Promise<SelfProfiler | undefined> {
  if (cfg.url === '') return undefined;
  let sdk: Sdk;
  try {
    sdk = await load();
  } catch (err) {
    if (!isMissingModule(err)) throw err;
    // The SDK itself or one of its dependencies (the native @datadog/pprof): either way the cure is the same.
    throw new Error(
      `self-profiling is on (HOTPATH_SELF_PROFILE_URL=${cfg.url}) but ${SDK_PACKAGE} cannot be loaded (it is a devDependency, ` +
        `absent from production installs): install it (npm install ${SDK_PACKAGE}) or unset HOTPATH_SELF_PROFILE_URL. ` +
        `(${(err as Error).message.split('\n')[0]})`,
    );
  }
  // pod: several gateways or aggregators profiling into one Hotpath stay apart (and meet its recommended labels).
  const tags = { role: roleTag(roles), pod: hostname() };
  const pyroscope = sdk.default;
  pyroscope.init({
    serverAddress: cfg.url,
    appName: cfg.name,
    flushIntervalMs: cfg.uploadIntervalMs,
    tags,
    // CPU time beside wall time: a wall profile of a server is mostly waiting, which says little about cost.
    wall: { collectCpuTime: true },
  });
  pyroscope.start();
  let stopping: Promise<void> | undefined;
  return {
    tags,
    stop() {
      if (!stopping) {
        process.on('unhandledRejection', ignoreRoundAfterStop);
        // Upload errors are swallowed by the SDK already; a stop that fails or hangs must not spoil a clean shutdown.
        stopping = Promise.race([pyroscope.stop().catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref())]);
      }
      return stopping;
    },
  };
}
