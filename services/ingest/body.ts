/**
 * Reads an /ingest request body: the raw bytes, or the parts of a multipart form. Multipart parts count only
 * when they carry a filename (as in Pyroscope); each part is read up to the body limit.
 */
import type { FastifyRequest } from 'fastify';
import { HotpathError } from '../../lib/errors.ts';

export interface IngestBody {
  /** The raw body (non-multipart requests). */
  raw?: Buffer;
  /** Multipart file parts by field name. */
  parts: Map<string, Buffer>;
  multipart: boolean;
}

export async function readIngestBody(request: FastifyRequest): Promise<IngestBody> {
  if (!request.isMultipart()) {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    return { raw, parts: new Map(), multipart: false };
  }
  const parts = new Map<string, Buffer>();
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      if (!part.filename) {
        part.file.resume();
        continue;
      }
      const buf = await part.toBuffer();
      parts.set(part.fieldname, buf);
    }
  } catch (err) {
    if (err instanceof HotpathError) throw err;
    const e = err as { code?: string; message?: string };
    if (e.code === 'FST_REQ_FILE_TOO_LARGE' || e.code === 'FST_FILES_LIMIT' || e.code === 'FST_PARTS_LIMIT') {
      throw new HotpathError('too_large', `multipart body exceeds the limit: ${e.message}`, { reason: 'body_too_large' });
    }
    throw new HotpathError('bad_request', `malformed multipart body: ${e.message ?? String(err)}`);
  }
  return { parts, multipart: true };
}
