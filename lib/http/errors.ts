/**
 * Error answers for every HTTP edge: api.md's `{"error": {"code", "message"}}` with the right status. A
 * HotpathError keeps its code; fastify's own errors (body too large, bad content type, schema validation) get
 * the documented codes; anything unexpected is a 500 `internal` that is logged, never a crash.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { HotpathError } from '../errors.ts';

export function toHotpathError(err: unknown): HotpathError {
  if (err instanceof HotpathError) return err;
  const e = err as FastifyError;
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e?.statusCode === 413) {
    return new HotpathError('too_large', `request body exceeds the limit: ${e.message}`, { reason: 'body_too_large' });
  }
  if (e?.validation) return new HotpathError('bad_request', e.message);
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new HotpathError('bad_request', e.message);
  if (e?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e?.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return new HotpathError('bad_request', e.message);
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new HotpathError('bad_request', e.message, { status: e.statusCode });
  }
  return new HotpathError('internal', 'internal error');
}

export function sendError(reply: FastifyReply, err: HotpathError): FastifyReply {
  if (err.retryAfter !== undefined) reply.header('Retry-After', String(Math.max(1, Math.ceil(err.retryAfter))));
  return reply.status(err.status).type('application/json').send(err.toJSON());
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const he = toHotpathError(err);
    if (he.status >= 500) request.log.error({ err }, 'request failed');
    return sendError(reply, he);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new HotpathError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
