/**
 * OTLP profiles (compat.md "OTLP profiles"; OpenTelemetry `v1development`):
 * - OTLP/HTTP `POST /v1development/profiles`, `application/x-protobuf` (or `application/protobuf`) or
 *   `application/json`, optionally `Content-Encoding: gzip`. Success: 200 with an empty
 *   ExportProfilesServiceResponse. Failure: the OTLP/HTTP status (400 for bad data, never retried; 429/503 with
 *   Retry-After, retried) and a `google.rpc.Status` body {code, message} in the request's encoding.
 * - The collector service path `POST /opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export`
 *   as a Connect unary call (as Pyroscope serves it), with Connect's error body.
 * Both map onto the same normalized profiles as pprof (lib/profile/otlp.ts) and are accepted or refused whole.
 */
import { Writer } from 'protobufjs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Publisher } from '../../lib/bus/bus.ts';
import { encodeForBus } from '../../lib/bus/encoded-profile.ts';
import type { HotpathConfig } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import { toHotpathError } from '../../lib/http/errors.ts';
import { profilesFromOtlp, type OtlpExportRequest } from '../../lib/profile/otlp.ts';
import { tenantFromHeader } from '../../lib/tenancy/tenant.ts';
import { decodedBody, registerConnectUnary } from '../../lib/http/connect-unary.ts';
import { decodeOtlpJson, decodeOtlpProto } from './otlp-messages.ts';
import { publishProfiles } from './publish.ts';
import type { IngestGate } from './gate.ts';
import { ingestRequestId, profileIngestIds, RecentIngests } from './retry-dedupe.ts';

export const OTLP_HTTP_PATH = '/v1development/profiles';
export const OTLP_EXPORT_PATH = '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export';

export interface OtlpDeps {
  config: HotpathConfig;
  publisher: Publisher;
  recent: RecentIngests;
  gate: IngestGate;
}

/** Maps, normalizes and publishes one export request; nothing is published unless every profile normalizes. */
export async function acceptOtlp(deps: OtlpDeps, tenant: string, req: OtlpExportRequest, body: Buffer, request: FastifyRequest): Promise<void> {
  const profiles = profilesFromOtlp(
    req,
    { tenant, labels: {}, timeFallbackMs: Date.now(), maxDepth: deps.config.limits.maxStackDepth },
    body.length,
  ).map(encodeForBus);
  const id = ingestRequestId({ tenant, query: { format: 'otlp' }, raw: body });
  // Limits, label contract, rates and budgets (gate.ts), before anything is published.
  const admitted = deps.gate.admitProfiles(request, profiles, profileIngestIds(id, profiles.length));
  await deps.recent.run(id, () => publishProfiles(deps.publisher, admitted.profiles, admitted.ids));
}

/** gRPC status codes (google.rpc.Code) for the OTLP/HTTP error body. */
const GRPC_CODE: Record<string, number> = {
  bad_request: 3,
  invalid_selector: 3,
  invalid_profile: 3,
  invalid_time_range: 3,
  missing_label: 3,
  too_many_samples: 3,
  too_large: 3,
  rate_limited: 8,
  budget_exceeded: 8,
  unauthorized: 16,
  forbidden: 7,
  not_found: 5,
  unavailable: 14,
  internal: 13,
};

/** OTLP/HTTP statuses: bad data 400 (too large included: a retry cannot help), throttling 429, overload 503. */
function otlpStatus(he: HotpathError): number {
  if (he.code === 'too_large') return 400;
  return he.status;
}

type OtlpEncoding = 'proto' | 'json';

function otlpEncoding(contentType: string | undefined): OtlpEncoding {
  const base = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (base === 'application/x-protobuf' || base === 'application/protobuf') return 'proto';
  if (base === 'application/json') return 'json';
  throw new HotpathError('bad_request', `content type ${JSON.stringify(contentType ?? '')} is not supported; use application/x-protobuf or application/json`, { status: 415 });
}

function sendOtlpError(reply: FastifyReply, encoding: OtlpEncoding, err: unknown): FastifyReply {
  const he = toHotpathError(err);
  const code = GRPC_CODE[he.code] ?? 2;
  if (he.retryAfter !== undefined) reply.header('Retry-After', String(Math.max(1, Math.ceil(he.retryAfter))));
  reply.status(otlpStatus(he));
  if (encoding === 'json') return reply.type('application/json').send({ code, message: he.message });
  // google.rpc.Status { int32 code = 1; string message = 2; }
  const status = Writer.create().uint32(8).int32(code).uint32(18).string(he.message).finish();
  return reply.type('application/x-protobuf').send(Buffer.from(status));
}

export async function otlpRoutes(app: FastifyInstance, deps: OtlpDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((err, request, reply) => {
      let encoding: OtlpEncoding = 'proto';
      try {
        encoding = otlpEncoding(request.headers['content-type']);
      } catch {
        // An unsupported content type is answered in protobuf, the OTLP default.
      }
      const he = toHotpathError(err);
      if (he.status >= 500 && he.status !== 503) request.log.error({ err }, 'OTLP request failed');
      return sendOtlpError(reply, encoding, err);
    });
    scope.post(OTLP_HTTP_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
      const encoding = otlpEncoding(request.headers['content-type']);
      const tenant = tenantFromHeader(request.headers['x-scope-orgid'], deps.config.multitenancy);
      const body = await decodedBody(request, deps.config.limits.maxDecompressedBytes);
      let req: OtlpExportRequest;
      try {
        req = encoding === 'proto' ? decodeOtlpProto(body) : decodeOtlpJson(JSON.parse(body.toString('utf8')));
      } catch (err) {
        if (err instanceof HotpathError) throw err;
        throw new HotpathError('bad_request', `request body is not valid JSON: ${(err as Error).message}`);
      }
      await acceptOtlp(deps, tenant, req, body, request);
      if (encoding === 'json') return reply.status(200).type('application/json').send('{}');
      return reply.status(200).type('application/x-protobuf').send(Buffer.alloc(0));
    });
  });
  await registerConnectUnary<OtlpExportRequest>(app, OTLP_EXPORT_PATH, deps.config.limits.maxDecompressedBytes, {
    decodeProto: decodeOtlpProto,
    decodeJson: decodeOtlpJson,
    handle: async (request, message, body) => {
      const tenant = tenantFromHeader(request.headers['x-scope-orgid'], deps.config.multitenancy);
      await acceptOtlp(deps, tenant, message, body, request);
    },
  });
}
