/**
 * Query limits, per tenant: the longest window, the most flame graph nodes, and how long one query may run. A
 * query over a limit is refused (or stopped) with a 400 that names the limit, so a dashboard shows why instead of
 * hanging or taking the store down with it. Defaults come from `config.limits`; `config.tenantQueryLimits`
 * overrides them per tenant.
 */
import type { HotpathConfig } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import type { Store } from '../../lib/store/store.ts';
import type { Selection } from './selection.ts';

export interface QueryLimits {
  maxNodes: number;
  /** 0 = unlimited. */
  maxRangeSeconds: number;
  timeoutMs: number;
}

/** Pyroscope's default node count when a request names none. */
export const DEFAULT_MAX_NODES = 8192;

export function queryLimitsFor(config: HotpathConfig, tenant: string): QueryLimits {
  const o = config.tenantQueryLimits[tenant] ?? {};
  return {
    maxNodes: o.maxQueryNodes ?? config.limits.maxQueryNodes,
    maxRangeSeconds: o.maxQueryRangeSeconds ?? config.limits.maxQueryRangeSeconds,
    timeoutMs: o.queryTimeoutMs ?? config.limits.queryTimeoutMs,
  };
}

function formatSeconds(s: number): string {
  if (s % 86400 === 0) return `${s / 86400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

export function checkRange(range: { fromMs: number; untilMs: number }, limits: QueryLimits): void {
  if (limits.maxRangeSeconds <= 0) return;
  const seconds = Math.ceil((range.untilMs - range.fromMs) / 1000);
  if (seconds > limits.maxRangeSeconds) {
    throw new HotpathError(
      'invalid_time_range',
      `the query range ${formatSeconds(seconds)} exceeds the limit of ${formatSeconds(limits.maxRangeSeconds)} (maxQueryRangeSeconds); narrow from/until`,
      { reason: 'query_range_limit' },
    );
  }
}

/** The node count to prune to: the requested one (absent or 0 → 8192), refused when over the tenant's limit. */
export function checkMaxNodes(requested: number | undefined, limits: QueryLimits, param = 'maxNodes'): number {
  const n = requested === undefined || requested === 0 ? Math.min(DEFAULT_MAX_NODES, limits.maxNodes) : requested;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new HotpathError('bad_request', `${param} must be a positive integer, got ${requested}`, { reason: 'flamegraph_limit' });
  }
  if (n > limits.maxNodes) {
    throw new HotpathError('bad_request', `${param} ${n} exceeds the limit of ${limits.maxNodes} (maxQueryNodes)`, { reason: 'flamegraph_limit' });
  }
  return n;
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string };
  return e?.name === 'AbortError' || e?.code === '159' || e?.code === 'TIMEOUT_EXCEEDED' || /TIMEOUT_EXCEEDED|Timeout exceeded/i.test(e?.message ?? '');
}

/**
 * The store as seen by one query: every select runs with ClickHouse's `max_execution_time` (the server stops the
 * work, not only our wait) and an abort signal as a backstop; hitting either is a 400 naming the limit. Everything
 * else is the store itself, so the query module's functions (mergeStacks, timeseries …) take it unchanged.
 */
export function limitedStore(store: Store, limits: QueryLimits): Store {
  const select = async <T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), limits.timeoutMs);
    try {
      const rs = await store.client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { max_execution_time: Math.max(1, Math.ceil(limits.timeoutMs / 1000)), timeout_overflow_mode: 'throw' },
        abort_signal: abort.signal,
      });
      return await rs.json<T>();
    } catch (err) {
      if (abort.signal.aborted || isTimeout(err)) {
        throw new HotpathError('bad_request', `the query ran longer than the limit of ${limits.timeoutMs} ms (queryTimeoutMs); narrow the selector or the range`, {
          reason: 'query_timeout',
        });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'select') return select;
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** A request's selection with its tenant's limits applied: range checked, and a store that enforces the timeout. */
export function limitedSelection(config: HotpathConfig, store: Store, sel: Selection): { sel: Selection; limits: QueryLimits; db: Store } {
  const limits = queryLimitsFor(config, sel.tenant);
  checkRange(sel, limits);
  return { sel, limits, db: limitedStore(store, limits) };
}
