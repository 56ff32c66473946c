/**
 * The non-pprof /ingest formats (compat-details §1.4), registered on the /ingest route's format registry.
 * Pyroscope's "groups" text format is the default for a non-multipart body without `format`; `folded`, `groups`
 * and `collapsed` name it explicitly. Text bodies may arrive gzip'd (some SDKs set `Content-Encoding: gzip`,
 * which Pyroscope ignores): they are recognized by the gzip magic, which no text body starts with.
 *
 * Not here: `speedscope` (no SDK in compat-details §1.9 sends it) and `jfr` (Java; see the issue report).
 */
import { encodeForBus } from '../../../lib/bus/encoded-profile.ts';
import { HotpathError } from '../../../lib/errors.ts';
import { inflatePprof } from '../../../lib/profile/gunzip.ts';
import { registerFormat, type IngestContext } from '../ingest-route.ts';
import { parseFolded, parseLines } from './folded.ts';
import { parseTree } from './og-tree.ts';
import { parseTrie } from './og-trie.ts';
import type { StackCounts } from './stack-counts.ts';
import { profilesFromStackCounts } from './stacks-profile.ts';

/** The raw body, gunzipped when it is gzip (capped at the decompressed-size limit), as pprof bodies are. */
export function rawBody(ctx: IngestContext): Uint8Array {
  return inflatePprof(ctx.body.raw ?? Buffer.alloc(0), ctx.config.limits.maxDecompressedBytes);
}

function textBody(ctx: IngestContext): string {
  if (ctx.body.multipart) throw new HotpathError('bad_request', `format=${ctx.query.format} takes the profile as the raw body, not multipart`);
  const b = rawBody(ctx);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

const keyBudget = (ctx: IngestContext) => ctx.config.limits.maxDecompressedBytes;

const handlers: [string | undefined, (ctx: IngestContext) => StackCounts][] = [
  [undefined, (ctx) => parseFolded(textBody(ctx))],
  ['folded', (ctx) => parseFolded(textBody(ctx))],
  ['groups', (ctx) => parseFolded(textBody(ctx))],
  ['collapsed', (ctx) => parseFolded(textBody(ctx))],
  ['lines', (ctx) => parseLines(textBody(ctx))],
  ['trie', (ctx) => parseTrie(rawBody(ctx), keyBudget(ctx))],
  [
    'tree',
    (ctx) =>
      parseTree(rawBody(ctx), {
        maxNameBytes: 65535,
        maxChildren: ctx.config.limits.maxSamplesPerProfile,
        maxKeyBytes: keyBudget(ctx),
      }),
  ],
];

export function registerStackFormats(): void {
  for (const [name, parse] of handlers) registerFormat(name, (ctx) => profilesFromStackCounts(ctx, parse(ctx)).map(encodeForBus));
}
