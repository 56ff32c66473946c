/**
 * The synthetic service of the query benchmark (loadtest/query-bench.ts): one Go service, `pods` pods, each sending
 * one CPU profile (process_cpu:cpu:nanoseconds, 100 Hz) every `periodSeconds`, for `hours` hours ending at `endS`.
 *
 * What the aggregator would have written for it, written directly:
 * - `stacks`: a pool of `stackCount` Go-like stacks (root first; later stacks branch off earlier ones, so they
 *   share prefixes as real call trees do), ids from lib/profile/hash.ts `stackId` — what the normalizer computes;
 * - `series`: one row per pod and day, labels as a k8s collector sends them plus `__name__` (normalize.ts adds it),
 *   fingerprint from `seriesFingerprint` — what the aggregator's Batch writes;
 * - `samples_raw`: per profile, per distinct stack, the summed value, in the profile's 10 s bucket — one row per
 *   (series, bucket, stack) as Batch.add merges them. Generated in ClickHouse (INSERT … SELECT from numbers()), so
 *   the rollup views fill samples_1m / samples_1h from these inserts as they do from the aggregator's;
 * - or, for hours whose raw rows no measured query reads, the samples_1m / samples_1h rows those views would have
 *   produced (after SummingMergeTree summed them), generated from the same draws (`insertRowsSql` with the tier's
 *   bucket): query-bench's generator checks on one hour that both ways give identical rows.
 *
 * The profile model: a profile of S samples is S draws of a stack rank from a Zipf(s≈1) law over the pool
 * (rank = floor((P+1)^u) − 1, u uniform), a stack's value = its draw count × 10 ms (100 Hz). S follows the pod's
 * CPU use: a per-pod level (0.04–0.4 cores), a diurnal swing of ±30 % and ±20 % noise per profile; with 15 s
 * profiles that gives ~40–460 distinct stacks per profile (median ~250). Every random number is a hash of (seed,
 * pod, profile index, draw), so the same arguments always give the same rows, and the expected total can be
 * computed from the formula alone (`expectedTotalSql`), independently of the tables.
 */
import { seriesFingerprint, stackId } from '../../lib/profile/hash.ts';

export const CPU_TYPE_ID = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
export const TENANT = 'anonymous';
/** ns per sample at pprof's default 100 Hz. */
export const SAMPLE_NS = 10_000_000;

export interface SynthShape {
  service: string;
  pods: number;
  periodSeconds: number;
  hours: number;
  /** End of the data (exclusive), unix seconds, a multiple of 600. */
  endS: number;
  stackCount: number;
  seed: number;
  /** Raw bucket (HOTPATH_BUCKET_SECONDS). */
  bucketSeconds: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const GO_PACKAGES = [
  'net/http', 'encoding/json', 'database/sql', 'crypto/tls', 'bufio', 'compress/gzip', 'google.golang.org/grpc',
  'google.golang.org/grpc/internal/transport', 'google.golang.org/protobuf/internal/impl', 'github.com/jackc/pgx/v5',
  'github.com/redis/go-redis/v9', 'go.opentelemetry.io/otel/sdk/trace', 'github.com/prometheus/client_golang/prometheus',
  'github.com/acme/checkout/internal/cart', 'github.com/acme/checkout/internal/pricing', 'github.com/acme/checkout/internal/tax',
  'github.com/acme/checkout/internal/inventory', 'github.com/acme/checkout/internal/payments', 'github.com/acme/checkout/internal/api',
  'github.com/acme/checkout/internal/store', 'github.com/acme/checkout/pkg/money', 'github.com/acme/checkout/pkg/events',
  'sort', 'strings', 'strconv', 'regexp', 'reflect', 'sync', 'fmt', 'bytes', 'time', 'context', 'io', 'os', 'syscall', 'net',
];
const TYPES = ['Server', 'Client', 'Service', 'Handler', 'conn', 'decodeState', 'encodeState', 'Reader', 'Writer', 'Pool', 'Tx', 'Rows', 'Cache', 'Calculator', 'Repository', 'stream', 'http2Server', 'Span', 'Registry', 'Buffer'];
const VERBS = ['Serve', 'Handle', 'Get', 'Put', 'Query', 'Exec', 'Scan', 'Read', 'Write', 'Flush', 'Decode', 'Encode', 'Marshal', 'Unmarshal', 'Lookup', 'Compute', 'Apply', 'Validate', 'Process', 'Next', 'Close', 'Open', 'Load', 'Store', 'Do', 'Run', 'Send', 'Recv', 'Parse', 'Format'];
const NOUNS = ['', 'Item', 'Items', 'Price', 'Tax', 'Order', 'Cart', 'Row', 'Value', 'Object', 'Array', 'Frame', 'Header', 'Headers', 'Request', 'Response', 'Batch', 'Event', 'Token', 'Key'];
/** Leaves that dominate real Go CPU profiles. */
const RUNTIME_LEAVES = [
  'runtime.mallocgc', 'runtime.memmove', 'runtime.memclrNoHeapPointers', 'runtime.mapaccess2_faststr', 'runtime.mapassign_faststr',
  'runtime.scanobject', 'runtime.findObject', 'runtime.greyobject', 'runtime.futex', 'runtime.usleep', 'runtime.nanotime1',
  'syscall.Syscall', 'syscall.RawSyscall6', 'internal/runtime/syscall.Syscall6', 'runtime.heapBitsSetType', 'runtime.growslice',
  'runtime.concatstrings', 'runtime.ifaceeq', 'runtime.typedmemmove', 'aeshashbody', 'runtime.procyield', 'runtime.madvise',
  'indexbytebody', 'runtime.cmpstring', 'runtime.(*mspan).nextFreeIndex', 'runtime.selectgo', 'runtime.chanrecv', 'runtime.lock2',
];
const ROOT_CHAINS: string[][] = [
  ['runtime.goexit', 'net/http.(*conn).serve', 'net/http.serverHandler.ServeHTTP', 'net/http.(*ServeMux).ServeHTTP'],
  ['runtime.goexit', 'google.golang.org/grpc.(*Server).serveStreams.func1.1', 'google.golang.org/grpc.(*Server).handleStream', 'google.golang.org/grpc.(*Server).processUnaryRPC'],
  ['runtime.goexit', 'runtime.gcBgMarkWorker', 'runtime.systemstack', 'runtime.gcDrain'],
  ['runtime.mstart', 'runtime.mstart1', 'runtime.schedule', 'runtime.findRunnable'],
  ['runtime.goexit', 'github.com/acme/checkout/pkg/events.(*Consumer).Run', 'github.com/acme/checkout/pkg/events.(*Consumer).poll'],
  ['runtime.goexit', 'go.opentelemetry.io/otel/sdk/trace.(*batchSpanProcessor).processQueue', 'go.opentelemetry.io/otel/sdk/trace.(*batchSpanProcessor).exportSpans'],
  ['runtime.main', 'main.main', 'github.com/acme/checkout/internal/api.(*Server).Run'],
];

function pick<T>(xs: readonly T[], r: () => number): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** A Go function name: `pkg.(*Type).VerbNoun`, `pkg.VerbNoun` or a closure `pkg.(*Type).Verb.func1`. */
function goFunction(r: () => number): string {
  const pkg = pick(GO_PACKAGES, r);
  const name = pick(VERBS, r) + pick(NOUNS, r);
  const x = r();
  if (x < 0.55) return `${pkg}.(*${pick(TYPES, r)}).${name}`;
  if (x < 0.9) return `${pkg}.${name}`;
  return `${pkg}.(*${pick(TYPES, r)}).${name}.func${1 + Math.floor(r() * 3)}`;
}

export interface PoolStack {
  id: string;
  frames: string[];
}

/**
 * `count` distinct stacks, hottest (rank 0) first. Each stack after the first few takes a prefix of an earlier,
 * hotter one (biased to the hot end, as hot paths branch most) and grows 1–10 frames of application code, then
 * ends in a runtime leaf half of the time; depth stays within 8–64 frames. A function vocabulary of ~1 500 names.
 */
export function stackPool(count: number, seed: number): PoolStack[] {
  const r = rng(seed);
  const vocabulary = Array.from({ length: 1500 }, () => goFunction(r));
  const seen = new Set<string>();
  const out: PoolStack[] = [];
  while (out.length < count) {
    let frames: string[];
    if (out.length < ROOT_CHAINS.length * 2 || r() < 0.03) {
      frames = [...pick(ROOT_CHAINS, r)];
    } else {
      const parent = out[Math.floor(out.length * r() ** 2)]!.frames;
      const cut = Math.max(2, Math.floor(parent.length * (0.3 + 0.7 * r())));
      frames = parent.slice(0, cut);
      // A leaf (a runtime function) never has callees: branch above it.
      if (RUNTIME_LEAVES.includes(frames[frames.length - 1]!)) frames.pop();
    }
    const grow = 1 + Math.floor(r() * 10);
    for (let i = 0; i < grow && frames.length < 63; i++) frames.push(vocabulary[Math.floor(r() * vocabulary.length)]!);
    while (frames.length < 8) frames.push(vocabulary[Math.floor(r() * vocabulary.length)]!);
    if (r() < 0.5) frames.push(pick(RUNTIME_LEAVES, r));
    const key = frames.join('\n');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ id: stackId(frames), frames });
  }
  return out;
}

export interface Pod {
  index: number;
  labels: Record<string, string>;
  fingerprint: string;
}

/** The 200 (or `pods`) series: labels as Alloy's Kubernetes discovery sets them, plus `__name__`. */
export function podsOf(shape: SynthShape): Pod[] {
  const r = rng(shape.seed ^ 0x5bd1e995);
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const suffix = () => Array.from({ length: 5 }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
  const replicaSets = ['7d9f8b6c4', '5c8d7f9b2'];
  return Array.from({ length: shape.pods }, (_, i) => {
    const labels: Record<string, string> = {
      __name__: 'process_cpu',
      service_name: shape.service,
      namespace: 'shop',
      container: shape.service,
      pod: `${shape.service}-${replicaSets[i % 2]}-${suffix()}`,
      node: `ip-10-0-${i % 16}-${(i * 37) % 250}.eu-west-1.compute.internal`,
      zone: `eu-west-1${'abc'[i % 3]}`,
      version: i % 2 === 0 ? 'v1.42.0' : 'v1.43.0',
      instance: `10.1.${Math.floor(i / 250)}.${i % 250}:6060`,
    };
    return { index: i, labels, fingerprint: seriesFingerprint(CPU_TYPE_ID, labels) };
  });
}

/** Days (YYYY-MM-DD) a range [fromS, untilS) touches. */
export function daysOf(fromS: number, untilS: number): string[] {
  const days: string[] = [];
  for (let d = Math.floor(fromS / 86400) * 86400; d < untilS; d += 86400) days.push(new Date(d * 1000).toISOString().slice(0, 10));
  return days;
}

/** Uniform [0,1) from a 64-bit hash of the arguments. */
const u = (...args: string[]) => `(cityHash64(${args.join(', ')}) / 18446744073709551616.0)`;

/**
 * SELECT of every profile in [fromS, untilS): columns `pod` (0-based), `t` (profile time, unix s), `s` (samples).
 * Pod i's profiles are at endS − hours·3600 + k·period + phase(i); k counts from the start of the data, so a chunk
 * boundary never changes a profile.
 */
export function profilesSql(shape: SynthShape, fromS: number, untilS: number): string {
  const startS = shape.endS - shape.hours * 3600;
  const p = shape.periodSeconds;
  const k0 = Math.floor((fromS - startS) / p);
  const k1 = Math.ceil((untilS - startS) / p);
  const seed = shape.seed;
  // Pod level 0.04–0.4 cores (× 100 samples/s × period), a diurnal ±30 %, ±20 % per profile.
  const level = `(0.04 + 0.36 * ${u(String(seed), 'pod', "'level'")})`;
  const diurnal = `(1 + 0.3 * sin(2 * pi() * (t % 86400) / 86400))`;
  const noise = `(0.8 + 0.4 * ${u(String(seed), 'pod', 'k', "'noise'")})`;
  return `
    SELECT pod, k, t, toUInt32(greatest(1, round(${level} * ${diurnal} * ${noise} * 100 * ${p}))) AS s
    FROM (
      SELECT toUInt32(number % ${shape.pods}) AS pod, toUInt32(${k0} + intDiv(number, ${shape.pods})) AS k,
             toUInt32(${startS} + k * ${p} + (pod * 7919) % ${p}) AS t
      FROM numbers(${(k1 - k0) * shape.pods})
    )
    WHERE t >= ${fromS} AND t < ${untilS} AND t >= ${startS} AND t < ${shape.endS}`;
}

/**
 * INSERT of `table`'s rows for [fromS, untilS): per pod and bucket of `bucketSeconds`, the stack draws of every
 * profile in it, counted per stack (sort, then run lengths), one row per distinct stack with value = count × 10 ms.
 * For samples_raw that is what Batch.add merges; for samples_1m / samples_1h (bucket = the tier's) it is what
 * their views produce from those raw rows once SummingMergeTree has summed them — the same draws, so the same
 * values. [fromS, untilS) must hold whole buckets (except at the start of the data). Parameters:
 * `{ids:Array(UInt64)}` the pool's stack ids by rank, `{fps:Array(UInt64)}` the pods' fingerprints, `tenant`,
 * `pt`, `service`.
 */
export function insertRowsSql(shape: SynthShape, table: string, bucketSeconds: number, fromS: number, untilS: number): string {
  const P = shape.stackCount;
  const rank = `least(${P - 1}, toUInt32(floor(exp(log(${P + 1}) * ${u(String(shape.seed), 'pod', 'k', 'j')})) - 1))`;
  const b = bucketSeconds;
  return `
    INSERT INTO ${table} (tenant, profile_type, service, fingerprint, bucket, stack_id, value, retention)
    SELECT {tenant:String}, {pt:String}, {service:String}, {fps:Array(UInt64)}[pod + 1], toDateTime(b),
           {ids:Array(UInt64)}[r + 1], toInt64(c) * ${SAMPLE_NS}, 'standard'
    FROM (
      SELECT pod, b, arraySort(arrayFlatten(groupArray(draws))) AS a, arrayDifference(a) AS d,
             arrayFilter((x, i, y) -> i = 1 OR y != 0, a, arrayEnumerate(a), d) AS ranks,
             arrayFilter((i, y) -> i = 1 OR y != 0, arrayEnumerate(a), d) AS starts,
             arrayPopFront(arrayDifference(arrayPushBack(starts, length(a) + 1))) AS counts
      FROM (SELECT pod, intDiv(t, ${b}) * ${b} AS b, arrayMap(j -> ${rank}, range(s)) AS draws FROM (${profilesSql(shape, fromS, untilS)}))
      GROUP BY pod, b
    )
    ARRAY JOIN ranks AS r, counts AS c`;
}

/** The expected total (ns) of [fromS, untilS), from the profile formula alone: Σ samples × 10 ms. */
export function expectedTotalSql(shape: SynthShape, fromS: number, untilS: number): string {
  return `SELECT toString(sum(toUInt64(s)) * ${SAMPLE_NS}) AS total, count() AS profiles FROM (${profilesSql(shape, fromS, untilS)})`;
}
