/**
 * Connect unary over HTTP/1.1 (compat-details §2.2), for every Connect RPC the gateway serves (push.v1 Push, the
 * OTLP profiles Export): POST with `application/proto` or `application/json` (charset allowed), optional
 * `Content-Encoding: gzip` on the whole request (pyroscope-rs sends it), and Connect's error body
 * `{"code": "<connect code>", "message": "..."}` with the HTTP status Connect assigns to that code.
 * Every failure on these paths — fastify's own (body too large) included — answers in this shape, because
 * Connect clients (Alloy, the SDKs) read the code from it to decide whether to retry.
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HotpathError, type ErrorCode } from '../errors.ts';
import { toHotpathError } from './errors.ts';

const gunzip = promisify(gunzipCb);

export type ConnectCode =
  | 'canceled'
  | 'unknown'
  | 'invalid_argument'
  | 'deadline_exceeded'
  | 'not_found'
  | 'already_exists'
  | 'permission_denied'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'data_loss'
  | 'unauthenticated';

/** HTTP status of each Connect code (Connect protocol spec; connect-go `connectCodeToHTTP`). */
export const CONNECT_STATUS: Record<ConnectCode, number> = {
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
};

/**
 * Hotpath's error codes in Connect terms. Input the client must fix is `invalid_argument` (400, never retried by
 * Alloy) — including oversized bodies: a retry would not shrink them. Only limits that pass with time are
 * `resource_exhausted` (429, retried).
 */
const FROM_HOTPATH: Record<ErrorCode, ConnectCode> = {
  bad_request: 'invalid_argument',
  invalid_selector: 'invalid_argument',
  invalid_profile: 'invalid_argument',
  invalid_time_range: 'invalid_argument',
  missing_label: 'invalid_argument',
  too_large: 'invalid_argument',
  too_many_samples: 'invalid_argument',
  rate_limited: 'resource_exhausted',
  budget_exceeded: 'resource_exhausted',
  unauthorized: 'unauthenticated',
  forbidden: 'permission_denied',
  not_found: 'not_found',
  unavailable: 'unavailable',
  internal: 'internal',
};

/** An error that already knows its Connect code (protocol-level failures that have no Hotpath code). */
export class ConnectError extends Error {
  constructor(
    readonly code: ConnectCode,
    message: string,
    readonly status: number = CONNECT_STATUS[code],
  ) {
    super(message);
  }
}

export function toConnectError(err: unknown): { code: ConnectCode; status: number; message: string; retryAfter?: number } {
  if (err instanceof ConnectError) return { code: err.code, status: err.status, message: err.message };
  const he = toHotpathError(err);
  const code = FROM_HOTPATH[he.code];
  return { code, status: CONNECT_STATUS[code], message: he.message, retryAfter: he.retryAfter };
}

export function sendConnectError(reply: FastifyReply, err: unknown): FastifyReply {
  const ce = toConnectError(err);
  if (ce.retryAfter !== undefined) reply.header('Retry-After', String(Math.max(1, Math.ceil(ce.retryAfter))));
  return reply.status(ce.status).type('application/json').send({ code: ce.code, message: ce.message });
}

export type Codec = 'proto' | 'json';

/** The codec of a Connect unary request, from its Content-Type; anything else is 415 (as connect-go answers). */
export function connectCodec(contentType: string | undefined): Codec {
  const base = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (base === 'application/proto') return 'proto';
  if (base === 'application/json') return 'json';
  throw new ConnectError('unknown', `content type ${JSON.stringify(contentType ?? '')} is not supported; use application/proto or application/json`, 415);
}

/** The request body with `Content-Encoding` undone, capped at `maxBytes` decompressed. */
export async function decodedBody(request: FastifyRequest, maxBytes: number): Promise<Buffer> {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip') throw new ConnectError('unimplemented', `content encoding ${JSON.stringify(encoding)} is not supported; use gzip or identity`);
  try {
    return await gunzip(body, { maxOutputLength: maxBytes });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new HotpathError('too_large', `gzip request body decompresses to more than ${maxBytes} bytes`, { reason: 'body_too_large' });
    }
    throw new HotpathError('bad_request', `request body is not valid gzip: ${e.message}`);
  }
}

export interface UnaryMethod<Req> {
  /** Decodes the binary message; throws on malformed input. */
  decodeProto(bytes: Buffer): Req;
  /** Decodes the protobuf-JSON message (already parsed JSON); throws on malformed input. */
  decodeJson(json: unknown): Req;
  /**
   * Handles the request; resolves when the response may be sent. The response message is always empty here.
   * `body` is the request as received after Content-Encoding (what a client retry repeats byte for byte).
   */
  handle(request: FastifyRequest, message: Req, body: Buffer): Promise<void>;
}

/**
 * Registers a Connect unary method at `path` in its own encapsulated scope, so its error handler (Connect error
 * bodies) covers failures raised before the handler runs (body limit, content type) without touching other routes.
 */
export async function registerConnectUnary<Req>(app: FastifyInstance, path: string, maxDecompressedBytes: number, method: UnaryMethod<Req>): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((err, request, reply) => {
      const ce = toConnectError(err);
      if (ce.status >= 500 && ce.status !== 503) request.log.error({ err }, 'connect request failed');
      return sendConnectError(reply, err);
    });
    scope.post(path, async (request, reply) => {
      const codec = connectCodec(request.headers['content-type']);
      const bytes = await decodedBody(request, maxDecompressedBytes);
      let message: Req;
      if (codec === 'proto') {
        try {
          message = method.decodeProto(bytes);
        } catch (err) {
          if (err instanceof HotpathError) throw err;
          throw new HotpathError('bad_request', `request body is not a valid ${path.split('/')[1]} protobuf message: ${(err as Error).message}`);
        }
      } else {
        // Connect: an empty JSON body is not a message (an empty binary body is: the empty message).
        if (bytes.length === 0) throw new HotpathError('bad_request', 'zero-length payload is not a valid JSON object');
        let json: unknown;
        try {
          json = JSON.parse(bytes.toString('utf8'));
        } catch (err) {
          throw new HotpathError('bad_request', `request body is not valid JSON: ${(err as Error).message}`);
        }
        try {
          message = method.decodeJson(json);
        } catch (err) {
          if (err instanceof HotpathError) throw err;
          throw new HotpathError('bad_request', `request body is not a valid ${path.split('/')[1]} JSON message: ${(err as Error).message}`);
        }
      }
      await method.handle(request, message, bytes);
      if (codec === 'proto') return reply.status(200).type('application/proto').send(Buffer.alloc(0));
      return reply.status(200).type('application/json').send('{}');
    });
  });
}
