/**
 * Hotpath's settings: environment variables (`HOTPATH_*`) over an optional JSON file (`HOTPATH_CONFIG`) over
 * defaults that work on one machine. Every module reads its settings from the object built here, never from
 * process.env directly, so tests can start several differently configured instances in one process.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { loadTiers, type TiersConfig } from './tiers.ts';

export type Role = 'ingest' | 'aggregator' | 'query';
export const ALL_ROLES: Role[] = ['ingest', 'aggregator', 'query'];

export interface ClickHouseConfig {
  /** Empty: embedded chdb under `<dataDir>/clickhouse`. Otherwise an HTTP(S) URL of a ClickHouse server. */
  url: string;
  username: string;
  password: string;
  database: string;
  /** Cluster name for ON CLUSTER DDL and Replicated/Distributed tables; empty for a single server. */
  cluster: string;
}

export interface KafkaConfig {
  /** Empty: the in-process bus (single node). */
  brokers: string[];
  topic: string;
  partitions: number;
  clientId: string;
  groupId: string;
  ssl: boolean;
  sslCaFile: string;
  saslMechanism: string;
  saslUsername: string;
  saslPassword: string;
  /** A consumer not heard from for this long is dropped from the group and its partitions reassigned. */
  sessionTimeoutMs: number;
  /** Largest bus message the gateway sends; the topic's max.message.bytes and the consumer's maxBytesPerPartition. */
  maxMessageBytes: number;
  /** How long the producer gathers publishes into one request (batching). */
  lingerMs: number;
}

export interface LimitsConfig {
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  maxSamplesPerProfile: number;
  maxStackDepth: number;
  maxLabelNames: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  maxQueryNodes: number;
  /** Longest query window in seconds; 0 = unlimited. */
  maxQueryRangeSeconds: number;
  /** A query running longer than this (ms) is stopped and answered 400. */
  queryTimeoutMs: number;
  /** Distinct series a tenant may have sent to one gateway within `activeSeriesWindowSeconds`. */
  maxActiveSeries: number;
  activeSeriesWindowSeconds: number;
  /** Ingest rate per tenant (token bucket; 0 = unlimited). Service budgets come from service settings. */
  ingestBytesPerSecond: number;
  ingestProfilesPerSecond: number;
  /** Bucket size in seconds of rate, for tenant rates and service budgets (never less than one largest request). */
  ingestBurstSeconds: number;
  /**
   * Ingestion window (as Pyroscope's reject-older-than / reject-newer-than): a profile whose time is further in the
   * past or future is refused rather than stored and silently expired by retention. 0 turns a side off.
   */
  rejectOlderThanSeconds: number;
  rejectNewerThanSeconds: number;
  /** Label contract: labels a profile must carry (400 missing_label) ... */
  requiredLabels: string[];
  /** ... and ones it should carry (counted per service when missing); `a|b` means either. */
  recommendedLabels: string[];
}

/** Per-tenant overrides of any limit (config file key `tenantLimits`, or JSON in HOTPATH_TENANT_LIMITS). */
export type TenantLimits = Record<string, Partial<LimitsConfig>>;

/** Per-tenant overrides of the query limits (config file key `tenantQueryLimits`, or JSON in HOTPATH_TENANT_QUERY_LIMITS). */
export type TenantQueryLimits = Record<string, Partial<Pick<LimitsConfig, 'maxQueryNodes' | 'maxQueryRangeSeconds' | 'queryTimeoutMs'>>>;

export interface HotpathConfig {
  roles: Role[];
  host: string;
  port: number;
  /** Port of the query role when it runs in its own process next to an ingest role on `port`. */
  queryPort: number;
  dataDir: string;
  logLevel: string;
  /** Samples are summed into buckets of this many seconds in `samples_raw`. */
  bucketSeconds: number;
  /** The aggregator flushes a batch when it is this old (ms) ... */
  flushIntervalMs: number;
  /** ... or holds this many distinct sample rows. */
  flushMaxRows: number;
  /**
   * Single node (in-process bus): while the aggregator writes a batch, the next one is cut once it holds this many
   * profiles, and waits for that write (services/aggregator/aggregator.ts, `cutsNow`, says why).
   */
  flushEarlyProfiles: number;
  /** How long the gateway waits for the bus to make a profile durable before answering 503. */
  publishTimeoutMs: number;
  /**
   * Worker threads that decode pprof at the gateway (lib/profile/decode-pool.ts); 0 decodes on the main thread.
   * Default: one per CPU (at most 4). Decode is the stage a request waits longest in: with one worker fewer than
   * CPUs, it waited whenever that one thread was descheduled, while the event loop itself used about half a core
   * (2-core fleet runs: 1 worker 1 356–1 622 profiles/s, 2 workers 1 730–1 829; BENCHMARKS.md).
   */
  decodeWorkers: number;
  multitenancy: boolean;
  clickhouse: ClickHouseConfig;
  kafka: KafkaConfig;
  limits: LimitsConfig;
  tenantQueryLimits: TenantQueryLimits;
  /** API keys (`Authorization: Bearer`) required on ingest and query routes; implies multi-tenancy (a key names its tenant). */
  auth: boolean;
  tenantLimits: TenantLimits;
  /** Storage tiers, retention TTLs and downsampling (lib/config/tiers.ts, HOTPATH_TIER_*). */
  tiers: TiersConfig;
  /** Cost of one core for an hour, for services without their own `costPerCoreHour` (reports; unset = no cost figures). */
  costPerCoreHour?: number;
  /** Hotpath profiling itself into a second Hotpath (lib/telemetry/self-profile.ts). */
  selfProfile: SelfProfileConfig;
}

export interface SelfProfileConfig {
  /** Base URL of the Hotpath that receives this process's profiles; empty = self-profiling off. */
  url: string;
  /** Application name there, i.e. its `service_name`. */
  name: string;
  /** How often the SDK uploads what it sampled. */
  uploadIntervalMs: number;
}

/** HotpathConfig.flushEarlyProfiles when unset (also the aggregator's, for callers that leave it out). */
export const DEFAULT_FLUSH_EARLY_PROFILES = 2048;

export const DEFAULT_LIMITS: LimitsConfig = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024,
  maxSamplesPerProfile: 200_000,
  maxStackDepth: 1024,
  maxLabelNames: 32,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  maxQueryNodes: 1_048_576,
  maxQueryRangeSeconds: 0,
  queryTimeoutMs: 60_000,
  maxActiveSeries: 100_000,
  activeSeriesWindowSeconds: 3600,
  ingestBytesPerSecond: 0,
  ingestProfilesPerSecond: 0,
  ingestBurstSeconds: 10,
  rejectOlderThanSeconds: 3600,
  rejectNewerThanSeconds: 600,
  requiredLabels: ['service_name'],
  recommendedLabels: ['version', 'zone|region', 'pod', 'build_id'],
};

type Env = Record<string, string | undefined>;

function num(env: Env, name: string, file: Record<string, unknown>, key: string, def: number): number {
  const raw = env[name] ?? file[key];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`config: ${name} must be a number, got ${JSON.stringify(raw)}`);
  return n;
}

/** A number that may be left unset (undefined), e.g. a cost nobody configured. */
function optionalNum(env: Env, name: string, file: Record<string, unknown>, key: string): number | undefined {
  const raw = env[name] ?? file[key];
  if (raw === undefined || raw === '') return undefined;
  return num(env, name, file, key, 0);
}

function str(env: Env, name: string, file: Record<string, unknown>, key: string, def: string): string {
  const raw = env[name] ?? file[key];
  return raw === undefined ? def : String(raw);
}

function bool(env: Env, name: string, file: Record<string, unknown>, key: string, def: boolean): boolean {
  const raw = env[name] ?? file[key];
  if (raw === undefined || raw === '') return def;
  return raw === true || raw === 'true' || raw === '1';
}

function list(env: Env, name: string, file: Record<string, unknown>, key: string, def: string[]): string[] {
  const raw = env[name] ?? file[key];
  if (raw === undefined) return def;
  if (Array.isArray(raw)) return raw.map(String);
  return String(raw)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The self-profiling target, checked here so that a typo fails at startup rather than as uploads the SDK drops
 * without a word (it logs refused uploads only under DEBUG=pyroscope).
 */
function parseSelfProfile(url: string, name: string, uploadIntervalMs: number): SelfProfileConfig {
  if (url !== '') {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      /* reported below */
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search || parsed.hash) {
      throw new Error(`config: HOTPATH_SELF_PROFILE_URL must be the http(s) base URL of a Hotpath (e.g. http://profiles:4040), got ${JSON.stringify(url)}`);
    }
    // The SDK appends "/ingest" to the address as given: a trailing slash would make it "//ingest".
    url = url.replace(/\/+$/, '');
  }
  // The SDK sends the name inside Pyroscope's `name{k=v,...}` syntax, so these characters would garble it.
  if (name === '' || /[{}=,]/.test(name)) {
    throw new Error(`config: HOTPATH_SELF_PROFILE_NAME must be non-empty without '{', '}', '=' or ',', got ${JSON.stringify(name)}`);
  }
  // The SDK stamps uploads with whole seconds: a shorter interval would send profiles with from = until.
  if (!Number.isInteger(uploadIntervalMs) || uploadIntervalMs < 1000) {
    throw new Error(`config: HOTPATH_SELF_PROFILE_INTERVAL_MS must be an integer ≥ 1000, got ${uploadIntervalMs}`);
  }
  return { url, name, uploadIntervalMs };
}

function parseRoles(raw: string): Role[] {
  if (raw === '' || raw === 'all') return [...ALL_ROLES];
  const roles = raw.split(',').map((r) => r.trim());
  for (const r of roles) {
    if (!ALL_ROLES.includes(r as Role)) throw new Error(`config: unknown role ${JSON.stringify(r)} (expected ${ALL_ROLES.join(', ')} or all)`);
  }
  return roles as Role[];
}

/** Builds the configuration from the environment (and `HOTPATH_CONFIG`, a JSON file with the same keys in camelCase). */
export function loadConfig(env: Env = process.env, overrides: Partial<HotpathConfig> = {}): HotpathConfig {
  const file: Record<string, unknown> = env.HOTPATH_CONFIG ? JSON.parse(readFileSync(env.HOTPATH_CONFIG, 'utf8')) : {};
  const lim = (file.limits ?? {}) as Record<string, unknown>;
  const cfg: HotpathConfig = {
    roles: parseRoles(str(env, 'HOTPATH_ROLE', file, 'role', env.HOTPATH_MODE ?? 'all')),
    host: str(env, 'HOTPATH_HOST', file, 'host', '0.0.0.0'),
    port: num(env, 'HOTPATH_PORT', file, 'port', 4040),
    queryPort: num(env, 'HOTPATH_QUERY_PORT', file, 'queryPort', 4041),
    dataDir: resolve(str(env, 'HOTPATH_DATA_DIR', file, 'dataDir', './data')),
    logLevel: str(env, 'HOTPATH_LOG_LEVEL', file, 'logLevel', 'info'),
    bucketSeconds: num(env, 'HOTPATH_BUCKET_SECONDS', file, 'bucketSeconds', 10),
    flushIntervalMs: num(env, 'HOTPATH_FLUSH_INTERVAL_MS', file, 'flushIntervalMs', 1000),
    flushMaxRows: num(env, 'HOTPATH_FLUSH_MAX_ROWS', file, 'flushMaxRows', 200_000),
    flushEarlyProfiles: num(env, 'HOTPATH_FLUSH_EARLY_PROFILES', file, 'flushEarlyProfiles', DEFAULT_FLUSH_EARLY_PROFILES),
    publishTimeoutMs: num(env, 'HOTPATH_PUBLISH_TIMEOUT_MS', file, 'publishTimeoutMs', 10_000),
    // One per CPU, at most 4 (HotpathConfig.decodeWorkers says why not one fewer).
    decodeWorkers: num(env, 'HOTPATH_DECODE_WORKERS', file, 'decodeWorkers', Math.min(4, Math.max(1, availableParallelism()))),
    // API keys name their tenant, so auth implies multi-tenancy.
    multitenancy: bool(env, 'HOTPATH_MULTITENANCY', file, 'multitenancy', false) || bool(env, 'HOTPATH_AUTH', file, 'auth', false),
    clickhouse: {
      url: str(env, 'HOTPATH_CLICKHOUSE_URL', file, 'clickhouseUrl', ''),
      username: str(env, 'HOTPATH_CLICKHOUSE_USER', file, 'clickhouseUser', 'default'),
      password: str(env, 'HOTPATH_CLICKHOUSE_PASSWORD', file, 'clickhousePassword', ''),
      database: str(env, 'HOTPATH_CLICKHOUSE_DATABASE', file, 'clickhouseDatabase', 'hotpath'),
      cluster: str(env, 'HOTPATH_CLICKHOUSE_CLUSTER', file, 'clickhouseCluster', ''),
    },
    kafka: {
      brokers: str(env, 'HOTPATH_KAFKA_BROKERS', file, 'kafkaBrokers', '')
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      topic: str(env, 'HOTPATH_KAFKA_TOPIC', file, 'kafkaTopic', 'hotpath.profiles'),
      partitions: num(env, 'HOTPATH_KAFKA_PARTITIONS', file, 'kafkaPartitions', 4),
      clientId: str(env, 'HOTPATH_KAFKA_CLIENT_ID', file, 'kafkaClientId', 'hotpath'),
      groupId: str(env, 'HOTPATH_KAFKA_GROUP', file, 'kafkaGroup', 'hotpath-aggregators'),
      ssl: bool(env, 'HOTPATH_KAFKA_SSL', file, 'kafkaSsl', false),
      sslCaFile: str(env, 'HOTPATH_KAFKA_SSL_CA_FILE', file, 'kafkaSslCaFile', ''),
      saslMechanism: str(env, 'HOTPATH_KAFKA_SASL_MECHANISM', file, 'kafkaSaslMechanism', ''),
      saslUsername: str(env, 'HOTPATH_KAFKA_SASL_USERNAME', file, 'kafkaSaslUsername', ''),
      saslPassword: str(env, 'HOTPATH_KAFKA_SASL_PASSWORD', file, 'kafkaSaslPassword', ''),
      sessionTimeoutMs: num(env, 'HOTPATH_KAFKA_SESSION_TIMEOUT_MS', file, 'kafkaSessionTimeoutMs', 30_000),
      maxMessageBytes: num(env, 'HOTPATH_KAFKA_MAX_MESSAGE_BYTES', file, 'kafkaMaxMessageBytes', 16 * 1024 * 1024),
      lingerMs: num(env, 'HOTPATH_KAFKA_LINGER_MS', file, 'kafkaLingerMs', 5),
    },
    limits: {
      maxBodyBytes: num(env, 'HOTPATH_LIMIT_BODY_BYTES', lim, 'maxBodyBytes', DEFAULT_LIMITS.maxBodyBytes),
      maxDecompressedBytes: num(env, 'HOTPATH_LIMIT_DECOMPRESSED_BYTES', lim, 'maxDecompressedBytes', DEFAULT_LIMITS.maxDecompressedBytes),
      maxSamplesPerProfile: num(env, 'HOTPATH_LIMIT_SAMPLES', lim, 'maxSamplesPerProfile', DEFAULT_LIMITS.maxSamplesPerProfile),
      maxStackDepth: num(env, 'HOTPATH_LIMIT_STACK_DEPTH', lim, 'maxStackDepth', DEFAULT_LIMITS.maxStackDepth),
      maxLabelNames: num(env, 'HOTPATH_LIMIT_LABEL_NAMES', lim, 'maxLabelNames', DEFAULT_LIMITS.maxLabelNames),
      maxLabelNameLength: num(env, 'HOTPATH_LIMIT_LABEL_NAME_LENGTH', lim, 'maxLabelNameLength', DEFAULT_LIMITS.maxLabelNameLength),
      maxLabelValueLength: num(env, 'HOTPATH_LIMIT_LABEL_VALUE_LENGTH', lim, 'maxLabelValueLength', DEFAULT_LIMITS.maxLabelValueLength),
      maxQueryNodes: num(env, 'HOTPATH_LIMIT_QUERY_NODES', lim, 'maxQueryNodes', DEFAULT_LIMITS.maxQueryNodes),
      maxQueryRangeSeconds: num(env, 'HOTPATH_LIMIT_QUERY_RANGE_SECONDS', lim, 'maxQueryRangeSeconds', DEFAULT_LIMITS.maxQueryRangeSeconds),
      queryTimeoutMs: num(env, 'HOTPATH_LIMIT_QUERY_TIMEOUT_MS', lim, 'queryTimeoutMs', DEFAULT_LIMITS.queryTimeoutMs),
      maxActiveSeries: num(env, 'HOTPATH_LIMIT_ACTIVE_SERIES', lim, 'maxActiveSeries', DEFAULT_LIMITS.maxActiveSeries),
      activeSeriesWindowSeconds: num(env, 'HOTPATH_LIMIT_ACTIVE_SERIES_WINDOW_SECONDS', lim, 'activeSeriesWindowSeconds', DEFAULT_LIMITS.activeSeriesWindowSeconds),
      ingestBytesPerSecond: num(env, 'HOTPATH_LIMIT_INGEST_BYTES_PER_SECOND', lim, 'ingestBytesPerSecond', DEFAULT_LIMITS.ingestBytesPerSecond),
      ingestProfilesPerSecond: num(env, 'HOTPATH_LIMIT_INGEST_PROFILES_PER_SECOND', lim, 'ingestProfilesPerSecond', DEFAULT_LIMITS.ingestProfilesPerSecond),
      ingestBurstSeconds: num(env, 'HOTPATH_LIMIT_INGEST_BURST_SECONDS', lim, 'ingestBurstSeconds', DEFAULT_LIMITS.ingestBurstSeconds),
      rejectOlderThanSeconds: num(env, 'HOTPATH_LIMIT_REJECT_OLDER_THAN_SECONDS', lim, 'rejectOlderThanSeconds', DEFAULT_LIMITS.rejectOlderThanSeconds),
      rejectNewerThanSeconds: num(env, 'HOTPATH_LIMIT_REJECT_NEWER_THAN_SECONDS', lim, 'rejectNewerThanSeconds', DEFAULT_LIMITS.rejectNewerThanSeconds),
      requiredLabels: list(env, 'HOTPATH_LIMIT_REQUIRED_LABELS', lim, 'requiredLabels', DEFAULT_LIMITS.requiredLabels),
      recommendedLabels: list(env, 'HOTPATH_LIMIT_RECOMMENDED_LABELS', lim, 'recommendedLabels', DEFAULT_LIMITS.recommendedLabels),
    },
    tenantQueryLimits: (env.HOTPATH_TENANT_QUERY_LIMITS ? JSON.parse(env.HOTPATH_TENANT_QUERY_LIMITS) : file.tenantQueryLimits ?? {}) as TenantQueryLimits,
    auth: bool(env, 'HOTPATH_AUTH', file, 'auth', false),
    tenantLimits: (env.HOTPATH_TENANT_LIMITS ? JSON.parse(env.HOTPATH_TENANT_LIMITS) : file.tenantLimits ?? {}) as TenantLimits,
    costPerCoreHour: optionalNum(env, 'HOTPATH_COST_PER_CORE_HOUR', file, 'costPerCoreHour'),
    selfProfile: parseSelfProfile(
      str(env, 'HOTPATH_SELF_PROFILE_URL', file, 'selfProfileUrl', '').trim(),
      str(env, 'HOTPATH_SELF_PROFILE_NAME', file, 'selfProfileName', 'hotpath'),
      num(env, 'HOTPATH_SELF_PROFILE_INTERVAL_MS', file, 'selfProfileIntervalMs', 10_000),
    ),
    tiers: loadTiers((name, key) => env[name] ?? ((file.tiers ?? {}) as Record<string, unknown>)[key], num(env, 'HOTPATH_BUCKET_SECONDS', file, 'bucketSeconds', 10)),
  };
  return { ...cfg, ...overrides };
}
