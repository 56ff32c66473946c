/**
 * The gateway's HTTP edge: every ingest route, with the body parsing they need. Registered as an encapsulated
 * fastify plugin so its raw-body parsers do not leak into the query routes.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { Publisher } from '../../lib/bus/bus.ts';
import type { HotpathConfig } from '../../lib/config/index.ts';
import type { SettingsStore } from '../../lib/settings/service-settings.ts';
import { ingestRoute } from './ingest-route.ts';
import { registerStackFormats } from './formats/index.ts';
import { otlpRoutes } from './otlp-route.ts';
import { pushRoute } from './push-route.ts';
import { RecentIngests } from './retry-dedupe.ts';
import type { Authenticator } from '../../lib/tenancy/auth.ts';
import { IngestGate } from './gate.ts';
import { DecodePool } from '../../lib/profile/decode-pool.ts';

export interface IngestDeps {
  config: HotpathConfig;
  publisher: Publisher;
  /** Service settings (budgets, sampling), shared with the query service. */
  settings: SettingsStore;
  /** API keys (scope `ingest`) when HOTPATH_AUTH is on. */
  auth?: Authenticator;
}

export async function ingestPlugin(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const limit = deps.config.limits.maxBodyBytes;
  // Profiles arrive as bytes whatever the Content-Type says (SDKs send octet-stream, text, or nothing).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
  await app.register(multipart, { limits: { fileSize: limit, files: 8, parts: 16, fieldSize: 1024 * 1024 } });
  // One retry window for every protocol (retry-dedupe.ts); the folded/lines/trie/tree formats join /ingest.
  const recent = new RecentIngests();
  // Auth, limits, rates, budgets and ingest metrics for every route below (gate.ts).
  const gate = new IngestGate(deps.config, deps.settings, deps.auth);
  gate.install(app);
  registerStackFormats();
  // pprof decoding off the event loop (decode-pool.ts), for /ingest and push alike.
  const decoder = new DecodePool(deps.config.decodeWorkers);
  app.addHook('onClose', () => decoder.close());
  await ingestRoute(app, { ...deps, recent, gate, decoder });
  await pushRoute(app, { ...deps, recent, gate, decoder });
  await otlpRoutes(app, { ...deps, recent, gate });
}
