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
import type { NormalizedProfile } from '../../lib/profile/model.ts';
import { profilesFromPprof } from '../../lib/profile/index.ts';
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
}

/** A sample's error names where it is, so a client with many samples knows which one to fix. */
function inSample(err: unknown, where: string): HotpathError {
  if (err instanceof HotpathError) return new HotpathError(err.code, `${where}: ${err.message}`, { retryAfter: err.retryAfter, reason: err.reason, status: err.status });
  // A decoder failure that is not a HotpathError is still about this sample's bytes: refuse it, do not 500.
  return new HotpathError('invalid_profile', `${where}: ${(err as Error)?.message ?? String(err)}`, { reason: 'malformed_profile' });
}

/** Decodes and normalizes every sample of a Push; throws on the first one that fails, before anything is published. */
export function normalizePush(message: PushMessage, tenant: string, config: HotpathConfig, nowMs: number): { profiles: NormalizedProfile[]; ids: string[]; sampleIds: string[] } {
  const profiles: NormalizedProfile[] = [];
  const ids: string[] = [];
  const sampleIds: string[] = [];
  message.series.forEach((series, si) => {
    let labels;
    try {
      labels = pushSeriesLabels(series.labels);
    } catch (err) {
      throw inSample(err, `series ${si}`);
    }
    series.samples.forEach((sample, i) => {
      let made: NormalizedProfile[];
      try {
        made = profilesFromPprof(Buffer.from(sample.rawProfile.buffer, sample.rawProfile.byteOffset, sample.rawProfile.byteLength), {
          tenant,
          labels,
          timeFallbackMs: nowMs,
          maxDepth: config.limits.maxStackDepth,
          maxDecompressedBytes: config.limits.maxDecompressedBytes,
        });
      } catch (err) {
        throw inSample(err, `series ${si} sample ${i}`);
      }
      const base = pushSampleId(tenant, labels, sample.ID, sample.rawProfile);
      sampleIds.push(base);
      profiles.push(...made);
      ids.push(...profileIngestIds(base, made.length));
    });
  });
  if (sampleIds.length === 0) throw new HotpathError('bad_request', 'no profiles received');
  return { profiles, ids, sampleIds };
}

export async function pushRoute(app: FastifyInstance, deps: PushDeps): Promise<void> {
  await registerConnectUnary<PushMessage>(app, PUSH_PATH, deps.config.limits.maxDecompressedBytes, {
    decodeProto: decodePushProto,
    decodeJson: decodePushJson,
    handle: async (request: FastifyRequest, message: PushMessage) => {
      const tenant = tenantFromHeader(request.headers['x-scope-orgid'], deps.config.multitenancy);
      const normalized = normalizePush(message, tenant, deps.config, Date.now());
      // Limits, label contract, rates and budgets (gate.ts), before anything is published.
      const { profiles, ids } = deps.gate.admitProfiles(request, normalized.profiles, normalized.ids);
      await deps.recent.run(combinedId(normalized.sampleIds), () => publishProfiles(deps.publisher, profiles, ids));
    },
  });
}
