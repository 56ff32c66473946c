/**
 * A decode worker (decode-pool.ts): pprof bytes in, bus-ready profiles out (decoded, normalized and encoded as bus
 * envelopes: lib/bus/encoded-profile.ts says why), one request at a time. The envelopes are transferred, not
 * copied. Refusals (HotpathError) go back as their fields, so the gateway answers exactly as if it had decoded
 * them itself.
 */
import { parentPort } from 'node:worker_threads';
import { encodeForBus } from '../bus/encoded-profile.ts';
import { isHotpathError } from '../errors.ts';
import { profilesFromPprof } from './index.ts';
import type { DecodeRequest, DecodeResponse } from './decode-pool.ts';

/** `u` over an ArrayBuffer of its own: a small Buffer is a slice of Node's shared pool, which cannot be moved. */
const owned = (u: Uint8Array): Uint8Array => (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength ? u : new Uint8Array(u));

parentPort!.on('message', (req: DecodeRequest) => {
  let res: DecodeResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    const profiles = profilesFromPprof(req.bytes, req.ctx).map(encodeForBus);
    for (const p of profiles) {
      p.envelope = owned(p.envelope);
      transfer.push(p.envelope.buffer as ArrayBuffer);
    }
    res = { id: req.id, profiles };
  } catch (err) {
    res = isHotpathError(err)
      ? { id: req.id, refused: { code: err.code, message: err.message, status: err.status, reason: err.reason, retryAfter: err.retryAfter } }
      : { id: req.id, failed: (err as Error).stack ?? String(err) };
  }
  parentPort!.postMessage(res, transfer);
});
