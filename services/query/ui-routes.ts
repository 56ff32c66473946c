/**
 * The web page (services/query/ui/): plain ES modules, CSS and one HTML file served as they are — no build step.
 * `/` answers index.html; `/ui/<file>` answers the assets. The file set is read once at start, so only files that
 * exist in ui/ can ever be served (no path from the URL reaches the file system) and each answer is a memory copy.
 *
 * Caching: `no-cache` + a content ETag, so a browser revalidates on every load (a 304 costs a round trip, not the
 * body) and a new Hotpath version is picked up without a stale mix of old and new modules.
 *
 * The page holds no tenant data, so it is served without an API key; every /api call it makes carries the key the
 * user enters (kept in the tab's sessionStorage) and is checked there.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HotpathError } from '../../lib/errors.ts';

const UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Every servable file of ui/ (sub-folders included), keyed by its path relative to ui/ with `/` separators. */
export function loadAssets(dir = UI_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else {
        const type = CONTENT_TYPES[extname(entry.name)];
        if (!type) continue;
        const body = readFileSync(join(dir, path));
        assets.set(path, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
      }
    }
  };
  walk('');
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply.header('Cache-Control', 'no-cache').header('ETag', asset.etag).header('X-Content-Type-Options', 'nosniff');
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  return reply.type(asset.type).send(asset.body);
}

export async function uiRoutes(app: FastifyInstance): Promise<void> {
  const assets = loadAssets();
  const index = assets.get('index.html');
  if (!index) throw new Error(`web page missing: ${UI_DIR}index.html`);

  app.get('/', (request, reply) => send(request, reply, index));
  app.get('/ui', (_request, reply) => reply.redirect('/ui/', 301));
  app.get('/ui/*', (request, reply) => {
    const rel = (request.params as { '*': string })['*'];
    const asset = assets.get(rel === '' ? 'index.html' : rel);
    if (!asset) throw new HotpathError('not_found', `no web page file ${JSON.stringify(rel)} under /ui/`);
    return send(request, reply, asset);
  });
}
