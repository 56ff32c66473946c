/** `GET /api/v1/services`, `GET/PUT /api/v1/services/{service}`: service settings (api.md "Operate"). */
import type { FastifyInstance } from 'fastify';
import type { HotpathConfig } from '../../lib/config/index.ts';
import { validateSettingsUpdate, type SettingsStore } from '../../lib/settings/service-settings.ts';
import { requestTenant } from './request.ts';

export async function settingsRoutes(app: FastifyInstance, deps: { config: HotpathConfig; settings: SettingsStore }): Promise<void> {
  const { config, settings } = deps;
  app.get('/api/v1/services', async (request) => ({ services: settings.list(requestTenant(request, config)) }));
  app.get('/api/v1/services/:service', async (request) => {
    const { service } = request.params as { service: string };
    return settings.get(requestTenant(request, config), service);
  });
  app.put('/api/v1/services/:service', async (request) => {
    const { service } = request.params as { service: string };
    return settings.put(requestTenant(request, config), service, validateSettingsUpdate(request.body));
  });
}
