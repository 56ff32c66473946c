/**
 * Connect unary methods that answer with a message (querier.v1.QuerierService), for fastify. The protocol pieces
 * shared with the gateway's Push — codecs by Content-Type, gzip request bodies, Connect error bodies and codes —
 * come from lib/http/connect-unary.ts; this file adds what a query needs on top: a response message in the
 * request's codec (binary protobuf, or protobuf JSON with int64 as strings), gzip'd when the client accepts it,
 * 405 for other methods, and a scope that takes every body as raw bytes.
 *
 * Routes registered through `connectScope` live in an encapsulated fastify plugin, so the JSON routes elsewhere
 * keep fastify's own body parser and api.md's error bodies.
 */
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HotpathError } from '../../lib/errors.ts';
import { connectCodec, ConnectError, decodedBody, sendConnectError, toConnectError, type Codec } from '../../lib/http/connect-unary.ts';

export { ConnectError };

/** How one message type travels: binary protobuf and protobuf JSON, both ways. */
export interface MessageCodec<T> {
  decode(bytes: Uint8Array): T;
  fromJson(json: unknown): T;
  encode(message: T): Uint8Array;
  toJson(message: T): unknown;
}

function decodeRequest<T>(bytes: Buffer, codec: Codec, type: MessageCodec<T>, method: string): T {
  if (codec === 'proto') {
    try {
      return type.decode(bytes);
    } catch (e) {
      throw new HotpathError('bad_request', `request body is not a valid ${method} protobuf message: ${(e as Error).message}`);
    }
  }
  // Connect: an empty JSON body is not a message (an empty binary body is: the empty message).
  if (bytes.length === 0) throw new HotpathError('bad_request', 'zero-length payload is not a valid JSON object');
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new HotpathError('bad_request', `request body is not valid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new HotpathError('bad_request', `request body must be a JSON object (the ${method} message)`);
  }
  try {
    return type.fromJson(json);
  } catch (e) {
    throw new HotpathError('bad_request', `request body is not a valid ${method} JSON message: ${(e as Error).message}`);
  }
}

/** Small answers are not worth a gzip frame. */
const GZIP_MIN_BYTES = 1024;

function sendMessage<T>(request: FastifyRequest, reply: FastifyReply, codec: Codec, type: MessageCodec<T>, message: T): FastifyReply {
  let body: Buffer = codec === 'proto' ? Buffer.from(type.encode(message)) : Buffer.from(JSON.stringify(type.toJson(message)));
  if (body.length >= GZIP_MIN_BYTES && /\bgzip\b/i.test(String(request.headers['accept-encoding'] ?? ''))) {
    body = gzipSync(body);
    reply.header('content-encoding', 'gzip');
  }
  return reply.status(200).type(codec === 'proto' ? 'application/proto' : 'application/json').send(body);
}

export interface ConnectRegistrar {
  /** Registers `<path>` as a Connect unary method (POST only). */
  unary<Req, Res>(path: string, req: MessageCodec<Req>, res: MessageCodec<Res>, handler: (message: Req, request: FastifyRequest) => Promise<Res>): void;
}

/** Runs `register` in an encapsulated fastify scope whose bodies are raw bytes and whose errors are Connect errors. */
export async function connectScope(app: FastifyInstance, opts: { maxDecompressedBytes: number }, register: (r: ConnectRegistrar) => void): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err, request, reply) => {
      if (toConnectError(err).status >= 500) request.log.error({ err }, 'connect request failed');
      return sendConnectError(reply, err);
    });
    register({
      unary(path, req, res, handler) {
        const method = path.split('/').pop() ?? path;
        scope.all(path, async (request, reply) => {
          if (request.method !== 'POST') {
            reply.header('allow', 'POST');
            throw new ConnectError('unimplemented', `method ${request.method} is not allowed on ${path}: Connect unary calls are POST`, 405);
          }
          const codec = connectCodec(request.headers['content-type']);
          const message = decodeRequest(await decodedBody(request, opts.maxDecompressedBytes), codec, req, method);
          return sendMessage(request, reply, codec, res, await handler(message, request));
        });
      },
    });
  });
}
