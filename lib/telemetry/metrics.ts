/**
 * Hotpath's own metrics (`GET /metrics`), in one registry per process. Modules import the metric they update from
 * here, so every name, help text and label set is declared once; nothing else creates prom-client metrics.
 *
 * Label values are bounded by what operators configure or what the gateway already limits: tenants, services (each
 * an active series first), discard reasons (a fixed vocabulary, DISCARD_REASONS), routes (registered paths).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'hotpath_process_' });

/**
 * Every reason a profile is discarded. Errors carry one in `HotpathError.reason` (defaulting to the error code);
 * a reason outside this list is counted as `other` so a typo can never mint unbounded label values.
 */
export const DISCARD_REASONS = [
  'body_too_large',
  'profile_too_large',
  'too_many_samples',
  'too_many_labels',
  'label_name_too_long',
  'label_value_too_long',
  'invalid_label_name',
  'missing_label',
  'series_limit',
  'rate_limited',
  'budget_exceeded',
  'sampled',
  'invalid_profile',
  'malformed_profile',
  'bad_request',
  'unauthorized',
  'forbidden',
  'unavailable',
  'internal',
  'other',
] as const;
export type DiscardReason = (typeof DISCARD_REASONS)[number];

export function discardReason(reason: string): DiscardReason {
  return (DISCARD_REASONS as readonly string[]).includes(reason) ? (reason as DiscardReason) : 'other';
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const receivedProfiles = new Counter({ name: 'hotpath_received_profiles_total', help: 'Profiles (pprof uploads) received by the gateway', labelNames: ['tenant'], registers: [registry] });
export const receivedBytes = new Counter({ name: 'hotpath_received_bytes_total', help: 'Request body bytes received by the gateway (as sent, compressed)', labelNames: ['tenant'], registers: [registry] });
export const acceptedProfiles = new Counter({ name: 'hotpath_accepted_profiles_total', help: 'Profiles (pprof uploads) accepted and durable on the bus', labelNames: ['tenant'], registers: [registry] });
export const acceptedBytes = new Counter({ name: 'hotpath_accepted_bytes_total', help: 'Request body bytes of accepted profiles', labelNames: ['tenant'], registers: [registry] });
export const discardedProfiles = new Counter({ name: 'hotpath_discarded_profiles_total', help: 'Profiles refused or dropped, by reason', labelNames: ['reason', 'tenant'], registers: [registry] });
export const discardedBytes = new Counter({ name: 'hotpath_discarded_bytes_total', help: 'Request body bytes of refused or dropped profiles, by reason', labelNames: ['reason', 'tenant'], registers: [registry] });

export const decodeSeconds = new Histogram({ name: 'hotpath_decode_seconds', help: 'Time from a complete request body to normalized profiles (decompress, decode, normalize)', buckets: SECONDS, registers: [registry] });
export const busPublishSeconds = new Histogram({ name: 'hotpath_bus_publish_seconds', help: 'Time until the bus confirms a publish durable', labelNames: ['outcome'], buckets: SECONDS, registers: [registry] });
export const storeInsertSeconds = new Histogram({ name: 'hotpath_store_insert_seconds', help: 'ClickHouse insert latency by table', labelNames: ['table', 'outcome'], buckets: SECONDS, registers: [registry] });
export const storeInsertedRows = new Counter({ name: 'hotpath_store_inserted_rows_total', help: 'Rows inserted into ClickHouse by table', labelNames: ['table'], registers: [registry] });
export const httpSeconds = new Histogram({ name: 'hotpath_http_request_seconds', help: 'HTTP request latency by route (query latency: the /api and querier routes)', labelNames: ['method', 'route', 'status'], buckets: SECONDS, registers: [registry] });

export const labelCheckedProfiles = new Counter({ name: 'hotpath_label_contract_profiles_total', help: 'Profiles checked against the label contract, per service (the coverage denominator)', labelNames: ['tenant', 'service'], registers: [registry] });
export const missingRecommendedLabel = new Counter({ name: 'hotpath_label_contract_missing_total', help: 'Accepted profiles missing a recommended label, per service and label (coverage = 1 - missing / checked)', labelNames: ['tenant', 'service', 'label'], registers: [registry] });
export const activeSeries = new Gauge({ name: 'hotpath_active_series', help: 'Series seen by this gateway within the active-series window', labelNames: ['tenant'], registers: [registry] });

/** Text exposition of every metric, for `GET /metrics`. */
export function exposition(): Promise<string> {
  return registry.metrics();
}
