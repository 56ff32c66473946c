/** The query service's HTTP edge: every query and operate route, reading through the query module. */
import type { FastifyInstance } from 'fastify';
import type { SettingsStore } from '../../lib/settings/service-settings.ts';
import { diffRoutes } from './diff-routes.ts';
import { exportRoutes } from './export-routes.ts';
import { nativeQueryRoutes, type QueryDeps } from './native-routes.ts';
import { querierRoutes } from './querier-routes.ts';
import { renderRoutes } from './render-routes.ts';
import { root as protoRoot } from '../../schemas/index.ts';
import { seriesRoutes } from './series-routes.ts';
import { settingsRoutes } from './settings-routes.ts';
import { queryRouteScope, type Authenticator } from '../../lib/tenancy/auth.ts';
import type { KeyStore } from '../../lib/tenancy/key-store.ts';
import { keyRoutes } from './key-routes.ts';
import { operateRoutes } from './operate-routes.ts';
import { installGuardrailMetrics } from './guardrail-metrics.ts';

export async function queryPlugin(app: FastifyInstance, deps: QueryDeps & { settings: SettingsStore; auth: Authenticator; keys: KeyStore }): Promise<void> {
  // API keys (HOTPATH_AUTH): scope `query` for reads, `admin` for keys and settings changes (lib/tenancy/auth.ts).
  app.addHook('onRequest', deps.auth.hook(queryRouteScope));
  await keyRoutes(app, deps);
  await nativeQueryRoutes(app, deps);
  await diffRoutes(app, deps);
  await seriesRoutes(app, deps);
  await exportRoutes(app, deps);
  await renderRoutes(app, deps);
  // Grafana's Pyroscope datasource: querier.v1.QuerierService over Connect (proto and JSON).
  await querierRoutes(app, deps, protoRoot);
  await settingsRoutes(app, deps);
  await operateRoutes(app, deps);
  installGuardrailMetrics(deps.store, deps.config, deps.settings);
}
