/** The query service's HTTP edge: every query and operate route, reading through the query module. */
import type { FastifyInstance } from 'fastify';
import type { SettingsStore } from '../../lib/settings/service-settings.ts';
import { nativeQueryRoutes, type QueryDeps } from './native-routes.ts';
import { settingsRoutes } from './settings-routes.ts';

export async function queryPlugin(app: FastifyInstance, deps: QueryDeps & { settings: SettingsStore }): Promise<void> {
  await nativeQueryRoutes(app, deps);
  await settingsRoutes(app, deps);
}
