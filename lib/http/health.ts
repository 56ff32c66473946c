/** `/healthy` (the process is alive) and `/ready` (its dependencies answer), for load balancers and Kubernetes. */
import type { FastifyInstance } from 'fastify';

export function healthRoutes(app: FastifyInstance, ready: () => Promise<void>): void {
  app.get('/healthy', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    try {
      await ready();
      return { status: 'ready' };
    } catch (err) {
      return reply.status(503).header('Retry-After', '1').send({ error: { code: 'unavailable', message: `not ready: ${(err as Error).message}` } });
    }
  });
}
