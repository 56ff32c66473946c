/** `GET /metrics`: Prometheus text exposition of Hotpath's own metrics (never behind API keys, as scrapers expect). */
import type { FastifyInstance } from 'fastify';
import { exposition, registry } from './metrics.ts';

export function metricsRoute(app: FastifyInstance): void {
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await exposition()));
}
