/**
 * Starts Hotpath's roles in this process: all three by default (single node), or any subset (scale-out). Returns a
 * handle that tests and the CLI use to stop it cleanly.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Bus } from '../lib/bus/bus.ts';
import { createBus } from '../lib/bus/index.ts';
import type { HotpathConfig } from '../lib/config/index.ts';
import { installErrorHandling } from '../lib/http/errors.ts';
import { healthRoutes } from '../lib/http/health.ts';
import { SettingsStore } from '../lib/settings/service-settings.ts';
import { Store } from '../lib/store/store.ts';
import { Compactor } from '../lib/store/compaction.ts';
import { Aggregator } from '../services/aggregator/aggregator.ts';
import { ingestPlugin } from '../services/ingest/plugin.ts';
import { queryPlugin } from '../services/query/plugin.ts';
import { uiRoutes } from '../services/query/ui-routes.ts';
import { Authenticator } from '../lib/tenancy/auth.ts';
import { KeyStore } from '../lib/tenancy/key-store.ts';
import { instrumentPublisher, instrumentStore, timeRequests, watchAggregator } from '../lib/telemetry/instrument.ts';
import { metricsRoute } from '../lib/telemetry/routes.ts';

export interface RunningHotpath {
  /** Base URL of the HTTP server (ingest and/or query). */
  url: string;
  port: number;
  app: FastifyInstance;
  store: Store;
  settings: SettingsStore;
  aggregator?: Aggregator;
  log: Logger;
  close(): Promise<void>;
}

export async function startHotpath(config: HotpathConfig): Promise<RunningHotpath> {
  const log = pino({ level: config.logLevel, base: { roles: config.roles.join(',') } });
  const has = (r: string) => config.roles.includes(r as never);
  // Every role reads ClickHouse: the aggregator writes, the query service reads, gateways read service settings.
  const store = await Store.open(config);
  const settings = new SettingsStore(store);
  await settings.start();
  instrumentStore(store);
  const keys = new KeyStore(store);
  await keys.start();
  const auth = new Authenticator(config.auth, keys);
  const bus: Bus | undefined = has('ingest') || has('aggregator') ? await createBus(config) : undefined;

  let aggregator: Aggregator | undefined;
  if (has('aggregator') && bus) {
    aggregator = new Aggregator(store, bus.consumer(), config, log.child({ service: 'aggregator' }), settings);
    await aggregator.start();
    watchAggregator(aggregator.stats);
  }
  // Downsampling of closed coarse buckets (lib/store/compaction.ts): next to an aggregator, in one process only.
  const compactor = has('aggregator') && config.tiers.compaction.enabled ? new Compactor(store, config.tiers, log.child({ service: 'compactor' })) : undefined;
  compactor?.start();

  const app: FastifyInstance = Fastify({ loggerInstance: log.child({ service: 'http' }) as FastifyBaseLogger, bodyLimit: config.limits.maxBodyBytes, disableRequestLogging: true });
  installErrorHandling(app);
  healthRoutes(app, async () => {
    const r = await store.client.ping();
    if (!r.success) throw r.error;
  });
  metricsRoute(app);
  timeRequests(app);
  const publisher = has('ingest') && bus ? instrumentPublisher(bus.publisher()) : undefined;
  if (publisher) await app.register(async (scope) => ingestPlugin(scope, { config, publisher, settings, auth }));
  // The web page beside (not inside) the query plugin, whose API-key hook covers its whole scope: the page holds no
  // data and its /api calls carry the key (services/query/ui-routes.ts).
  if (has('query')) await app.register(uiRoutes);
  if (has('query')) await app.register(async (scope) => queryPlugin(scope, { config, store, settings, auth, keys }));

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, dataDir: config.dataDir, roles: config.roles }, 'hotpath started');

  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    app,
    store,
    settings,
    aggregator,
    log,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await publisher?.close();
      await aggregator?.stop();
      await compactor?.stop();
      await bus?.close();
      settings.stop();
      keys.stop();
      await store.close();
    },
  };
}
