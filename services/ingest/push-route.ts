/**
 * `POST /push.v1.PusherService/Push` (compat-details §2): Connect unary, protobuf or JSON, gzip'd or not; several
 * series, several samples each. Every sample is a pprof (gzip optional) with its series' labels.
 *
 * Better than Pyroscope (§2.3), a Push is accepted or refused whole: every sample is decoded, validated and
 * normalized before anything is published, and all profiles go to the bus in one publish. Should the bus fail
 * part-way, the client gets an error, retries, and the ingest ids (retry-dedupe.ts) make the samples that did get
 * through count once.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Publisher } from '../../lib/bus/bus.ts';
import type { HotpathConfig } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import type { EncodedProfile } from '../../lib/bus/encoded-profile.ts';
import type { DecodePool } from '../../lib/profile/decode-pool.ts';
import { tenantFromHeader } from '../../lib/tenancy/tenant.ts';
import { registerConnectUnary } from '../../lib/http/connect-unary.ts';
import { decodePushJson, decodePushProto, type PushMessage } from './push-messages.ts';
import { pushSeriesLabels } from './push-labels.ts';
import { publishProfiles } from './publish.ts';
import type { IngestGate } from './gate.ts';
import { combinedId, profileIngestIds, pushSampleId, RecentIngests } from './retry-dedupe.ts';

export const PUSH_PATH = '/push.v1.PusherService/Push';

export interface PushDeps {
  config: HotpathConfig;
  publisher: Publisher;
  recent: RecentIngests;
  gate: IngestGate;
  decoder: DecodePool;
}

/** A sample's error names where it is, so a client with many samples knows which one to fix. */
function inSample(err: unknown, where: string): HotpathError {
  if (err instanceof HotpathError) return new HotpathError(err.code, `${where}: ${err.message}`, { retryAfter: err.retryAfter, reason: err.reason, status: err.status });
  // A decoder failure that is not a HotpathError is still about this sample's bytes: refuse it, do not 500.
  return new HotpathError('invalid_profile', `${where}: ${(err as Error)?.message ?? String(err)}`, { reason: 'malformed_profile' });
}

/**
 * Decodes and normalizes every sample of a Push (in parallel, on the decode workers); refuses the whole Push with
 * the first failing sample in message order, before anything is published.
 */
export async function normalizePush(message: PushMessage, tenant: string, config: HotpathConfig, nowMs: number, decoder: DecodePool): Promise<{ profiles: EncodedProfile[]; ids: string[]; sampleIds: string[] }> {
  type Sample = PushMessage['series'][number]['samples'][number];
  // In message order: a series whose labels are refused is one failing entry, at its place.
  const jobs: ({ where: string; labels: Record<string, string>; sample: Sample } | { where: string; refused: unknown })[] = [];
  message.series.forEach((series, si) => {
    let labels;
    try {
      labels = pushSeriesLabels(series.labels);
    } catch (err) {
      jobs.push({ where: `series ${si}`, refused: err });
      return;
    }
    series.samples.forEach((sample, i) => jobs.push({ where: `series ${si} sample ${i}`, labels, sample }));
  });
  if (jobs.length === 0) throw new HotpathError('bad_request', 'no profiles received');
  const decoded = await Promise.allSettled(
    jobs.map((job) =>
      'refused' in job
        ? Promise.reject(job.refused)
        : decoder.profiles(job.sample.rawProfile, {
            tenant,
            labels: job.labels,
            timeFallbackMs: nowMs,
            maxDepth: config.limits.maxStackDepth,
            maxDecompressedBytes: config.limits.maxDecompressedBytes,
          }),
    ),
  );
  const profiles: EncodedProfile[] = [];
  const ids: string[] = [];
  const sampleIds: string[] = [];
  decoded.forEach((d, k) => {
    const job = jobs[k]!;
    if (d.status === 'rejected' || 'refused' in job) throw inSample(d.status === 'rejected' ? d.reason : undefined, job.where);
    const base = pushSampleId(tenant, job.labels, job.sample.ID, job.sample.rawProfile);
    sampleIds.push(base);
    profiles.push(...d.value);
    ids.push(...profileIngestIds(base, d.value.length));
  });
  return { profiles, ids, sampleIds };
}

export async function pushRoute(app: FastifyInstance, deps: PushDeps): Promise<void> {
  await registerConnectUnary<PushMessage>(app, PUSH_PATH, deps.config.limits.maxDecompressedBytes, {
    decodeProto: decodePushProto,
    decodeJson: decodePushJson,
    handle: async (request: FastifyRequest, message: PushMessage) => {
      const tenant = tenantFromHeader(request.headers['x-scope-orgid'], deps.config.multitenancy);
      const normalized = await normalizePush(message, tenant, deps.config, Date.now(), deps.decoder);
      // Limits, label contract, rates and budgets (gate.ts), before anything is published.
      const { profiles, ids } = deps.gate.admitProfiles(request, normalized.profiles, normalized.ids);
      await deps.recent.run(combinedId(normalized.sampleIds), () => publishProfiles(deps.publisher, profiles, ids));
    },
  });
}
