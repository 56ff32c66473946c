/**
 * A decode worker (decode-pool.ts): pprof bytes in, normalized profiles out, one request at a time. Refusals
 * (HotpathError) go back as their fields, so the gateway answers exactly as if it had decoded them itself.
 */
import { parentPort } from 'node:worker_threads';
import { isHotpathError } from '../errors.ts';
import { profilesFromPprof } from './index.ts';
import type { DecodeRequest, DecodeResponse } from './decode-pool.ts';

parentPort!.on('message', (req: DecodeRequest) => {
  let res: DecodeResponse;
  try {
    res = { id: req.id, profiles: profilesFromPprof(req.bytes, req.ctx) };
  } catch (err) {
    res = isHotpathError(err)
      ? { id: req.id, refused: { code: err.code, message: err.message, status: err.status, reason: err.reason, retryAfter: err.retryAfter } }
      : { id: req.id, failed: (err as Error).stack ?? String(err) };
  }
  parentPort!.postMessage(res);
});
