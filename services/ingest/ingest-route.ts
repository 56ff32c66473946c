/**
 * `POST /ingest` (and `/pyroscope/ingest`): Pyroscope's HTTP ingest as SDKs and Alloy send it (compat-details §1).
 * Parses the query parameters, reads the body in the given format, normalizes it into one profile per sample
 * type and publishes them; answers 200 with an empty body once they are durable.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HotpathConfig } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import type { Publisher } from '../../lib/bus/bus.ts';
import { parseAppName } from '../../lib/labels/app-name.ts';
import type { EncodedProfile } from '../../lib/bus/encoded-profile.ts';
import type { DecodePool } from '../../lib/profile/decode-pool.ts';
import { parseIngestTime } from '../../lib/time/parse-time.ts';
import { tenantFromHeader } from '../../lib/tenancy/tenant.ts';
import { readIngestBody, type IngestBody } from './body.ts';
import { publishProfiles } from './publish.ts';
import { ingestRequestId, profileIngestIds, type RecentIngests } from './retry-dedupe.ts';
import { ingestSeriesLabels } from './series-labels.ts';
import type { IngestGate } from './gate.ts';
import { tenantConfig } from './limits/tenant-limits.ts';

export interface IngestQuery {
  name?: string;
  from?: string;
  until?: string;
  format?: string;
  sampleRate?: string;
  spyName?: string;
  units?: string;
  aggregationType?: string;
}

/** What a format handler gets: the request's parsed metadata and body. */
export interface IngestContext {
  tenant: string;
  appName: string;
  labels: Record<string, string>;
  fromMs: number;
  untilMs: number;
  query: IngestQuery;
  body: IngestBody;
  config: HotpathConfig;
  /** Decodes pprof off the event loop. */
  decoder: DecodePool;
}

/** A format's profiles, encoded for the bus (encodeForBus) as soon as they are normalized. */
export type FormatHandler = (ctx: IngestContext) => EncodedProfile[] | Promise<EncodedProfile[]>;

function pprofBytes(ctx: IngestContext): Buffer {
  if (!ctx.body.multipart) return ctx.body.raw ?? Buffer.alloc(0);
  const prev = ctx.body.parts.get('prev_profile');
  if (prev && prev.length > 0) {
    throw new HotpathError('invalid_profile', 'prev_profile is not supported: send delta profiles (or cumulative ones) in `profile` alone');
  }
  const profile = ctx.body.parts.get('profile');
  if (!profile) throw new HotpathError('invalid_profile', 'multipart body has no `profile` file part');
  return profile;
}

function parseSampleTypeConfig(ctx: IngestContext): Record<string, Record<string, unknown>> | undefined {
  const raw = ctx.body.parts.get('sample_type_config');
  if (!raw || raw.length === 0) return undefined;
  try {
    const parsed = JSON.parse(raw.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed;
  } catch (err) {
    throw new HotpathError('bad_request', `sample_type_config: ${(err as Error).message}`);
  }
}

export const pprofFormat: FormatHandler = (ctx) =>
  ctx.decoder.profiles(pprofBytes(ctx), {
    tenant: ctx.tenant,
    labels: ctx.labels,
    timeFallbackMs: ctx.fromMs,
    maxDepth: ctx.config.limits.maxStackDepth,
    maxDecompressedBytes: ctx.config.limits.maxDecompressedBytes,
    spyName: ctx.query.spyName,
    sampleTypeConfig: parseSampleTypeConfig(ctx) as never,
  });

/**
 * Format handlers by `format` parameter. `undefined` is the handler for requests without a format (multipart →
 * pprof); other formats are added by their own modules through `registerFormat`.
 */
const formats = new Map<string | undefined, FormatHandler>([['pprof', pprofFormat]]);

export function registerFormat(name: string | undefined, handler: FormatHandler): void {
  formats.set(name, handler);
}

function handlerFor(query: IngestQuery, multipart: boolean): FormatHandler {
  const format = query.format || undefined;
  if (format === undefined && multipart) return pprofFormat;
  const h = formats.get(format);
  if (!h) {
    const known = [...formats.keys()].filter(Boolean).join(', ');
    throw new HotpathError('bad_request', `format ${format === undefined ? '(none)' : JSON.stringify(format)} is not supported; use one of: ${known}`);
  }
  return h;
}

export async function ingestRoute(app: FastifyInstance, deps: { config: HotpathConfig; publisher: Publisher; recent?: RecentIngests; gate: IngestGate; decoder: DecodePool }): Promise<void> {
  const handler = async (request: FastifyRequest<{ Querystring: IngestQuery }>, reply: import('fastify').FastifyReply) => {
    const { config } = deps;
    const tenant = tenantFromHeader(request.headers['x-scope-orgid'], config.multitenancy);
    const query = request.query ?? {};
    if (!query.name) throw new HotpathError('bad_request', 'name: service name is required (query parameter `name=<app>{k=v,...}`)');
    const { appName, labels: nameLabels } = parseAppName(query.name);
    const now = Date.now();
    const fromMs = parseIngestTime(query.from, now);
    const untilMs = parseIngestTime(query.until, now);
    const body = await readIngestBody(request);
    const handle = handlerFor(query, body.multipart);
    const labels = ingestSeriesLabels(appName, nameLabels, query.spyName);
    const profiles = await handle({ tenant, appName, labels, fromMs, untilMs, query, body, config: tenantConfig(config, tenant), decoder: deps.decoder });
    // A retry (same tenant, body, name, time range) is counted once: retry-dedupe.ts.
    const id = ingestRequestId({ tenant, query: query as Record<string, string | undefined>, raw: body.raw, parts: body.parts });
    // Limits, label contract, rates and budgets (gate.ts); sampling may keep nothing, which is still a 200.
    const admitted = deps.gate.admitProfiles(request, profiles, profileIngestIds(id, profiles.length));
    const publish = () => publishProfiles(deps.publisher, admitted.profiles, admitted.ids);
    if (deps.recent) await deps.recent.run(id, publish);
    else await publish();
    return reply.status(200).send();
  };
  app.post('/ingest', handler);
  app.post('/pyroscope/ingest', handler);
}
